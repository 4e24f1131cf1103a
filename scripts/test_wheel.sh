#!/usr/bin/env bash
# Installs a built wheel into a fresh venv in which no C compiler can be found and runs
# the test suite against it from a copy of tests/ outside the source tree (so the source
# package is never imported): what a user without a compiler gets from the wheel.
#
# Usage: scripts/test_wheel.sh WHEEL [PYTEST_ARGS...]
set -euo pipefail
wheel=$(realpath "$1")
shift
src=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$python" -m venv "$work/venv"

# The only tools on PATH: the venv's, and links to python and a few coreutils.
mkdir "$work/tools"
for tool in "$python" sh bash env cat cp ls rm mkdir head; do
  ln -s "$(command -v "$tool")" "$work/tools/$(basename "$tool")"
done
export PATH=$work/venv/bin:$work/tools
export CC=/nonexistent CXX=/nonexistent
for compiler in cc gcc clang c99 zig; do
  if command -v "$compiler" >/dev/null; then
    echo "test_wheel: '$compiler' is on PATH" >&2
    exit 1
  fi
done

python -m pip install --quiet --upgrade pip
python -m pip install --quiet "$wheel[test]"

# The tests and their pytest settings, away from the source tree
mkdir "$work/run"
cp -r "$src/tests" "$src/pyproject.toml" "$work/run/"
cd "$work/run"
python - <<'EOF'
import pathlib, sys, sysconfig

import pyw2v

where = pathlib.Path(pyw2v.__file__).resolve()
assert where.is_relative_to(sysconfig.get_paths()["platlib"]), where
print(f"pyw2v {pyw2v.__version__} from {where.parent}; Python {sys.version.split()[0]}")
EOF
python -m pytest -q "$@"
