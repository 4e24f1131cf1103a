#!/usr/bin/env bash
# Style checks (STYLE.md): ruff for Python, clang-format for C. The tools are pinned so
# that a new release's changed opinions do not fail a build whose code did not change.
# Usage: scripts/lint.sh [python]   (the venv's python to install the tools into)
set -euo pipefail
cd "$(dirname "$0")/.."
python=${1:-python3}
"$python" -m pip install --quiet ruff==0.17.6 clang-format==23.1.5
bin=$(dirname "$python")
"$bin/ruff" check .
"$bin/ruff" format --check .
find csrc -name '*.[ch]' -print0 | xargs -0 "$bin/clang-format" --dry-run -Werror
echo "lint: clean"
