#!/usr/bin/env bash
# Create (or update) the benchmark environment benchmarks/.venv-peers with the peer
# tools of the end-to-end comparison: gensim, the `word2vec` package (Google's
# word2vec.c, compiled at install time) and fastText.
#
# Usage: bash benchmarks/setup_peers.sh [--with-pyw2v]
#   --with-pyw2v   also `pip install` the repository root (pyw2v) into the venv.
#
# Environment: PYTHON selects the interpreter that creates the venv (default python3).
# Idempotent: an existing venv is reused and pip skips what is already installed
# (pyw2v, when asked for, is rebuilt from the working tree every time).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
venv="$here/.venv-peers"
python="${PYTHON:-python3}"
with_pyw2v=0

usage() {
    sed -n '2,12p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

for arg in "$@"; do
    case "$arg" in
        --with-pyw2v) with_pyw2v=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "setup_peers.sh: unknown argument: $arg" >&2; usage >&2; exit 2 ;;
    esac
done

# word2vec.c (gcc) and fastText (g++, C++17) are compiled from source at install time.
for tool in gcc g++; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "setup_peers.sh: '$tool' not found; install a C/C++ toolchain" \
            "(Debian: apt-get install build-essential)" >&2
        exit 1
    fi
done

if [ ! -x "$venv/bin/python" ]; then
    echo "== creating $(basename "$here")/.venv-peers with $("$python" --version 2>&1)"
    "$python" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

echo "== installing peers (requirements-peers.txt)"
"${pip[@]}" install --quiet --upgrade pip
"${pip[@]}" install --quiet -r "$here/requirements-peers.txt"

if [ "$with_pyw2v" -eq 1 ]; then
    echo "== installing pyw2v from the repository root"
    "${pip[@]}" install --quiet "$root"
fi

echo "== checking the installation"
if [ ! -x "$venv/bin/word2vec" ]; then
    echo "setup_peers.sh: the word2vec package did not install bin/word2vec" >&2
    exit 1
fi
"$venv/bin/python" - <<'PY'
import importlib.metadata as md

for dist in ("gensim", "word2vec", "fasttext", "numpy", "scipy", "pyw2v"):
    try:
        print(f"   {dist:10s} {md.version(dist)}")
    except md.PackageNotFoundError:
        print(f"   {dist:10s} (not installed)")
import fasttext  # noqa: F401,E402  (fails loudly if the extension did not build)
import gensim.models.word2vec_inner  # noqa: F401,E402
PY
echo "== ready: benchmarks/.venv-peers/bin/python benchmarks/compare.py --help"
