#!/usr/bin/env bash
# The Python tests against an AddressSanitizer + UndefinedBehaviorSanitizer build of the
# C extension (CMake option W2V_SANITIZE=ON), installed into a venv of its own.
#
#   scripts/asan_pytest.sh [PYTEST_ARGS...]      # default: the whole suite, less interop
#
# CPython is not built with ASan, so gcc's ASan runtime is preloaded (it must come first
# in the process) and leak detection is off (CPython keeps memory until exit by design).
# Any ASan report or UBSan finding aborts the run. Subprocesses the tests start inherit
# the environment, so they run under the sanitizers too.
#
# Environment: ASAN_VENV (default .venv-asan), ASAN_BUILD_DIR (default build/asan-ext),
# PYTHON (default python3).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
venv=${ASAN_VENV:-$root/.venv-asan}
build=${ASAN_BUILD_DIR:-$root/build/asan-ext}
start=$SECONDS

export CC=gcc  # the runtime preloaded below is gcc's
libasan=$(gcc -print-file-name=libasan.so)
if [ ! -e "$libasan" ] || [ "$libasan" = libasan.so ]; then
  echo "asan_pytest: gcc has no libasan.so (install libasan / gcc's sanitizer runtime)" >&2
  exit 1
fi

[ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
export PATH="$venv/bin:$PATH"  # cmake and ninja, if installed below
pip=("$venv/bin/python" -m pip --quiet --disable-pip-version-check)
"${pip[@]}" install scikit-build-core cython numpy pytest hypothesis
command -v cmake >/dev/null || "${pip[@]}" install cmake
command -v ninja >/dev/null || "${pip[@]}" install ninja
"${pip[@]}" install --no-build-isolation --no-deps --force-reinstall \
  -Cbuild-dir="$build" -Ccmake.define.W2V_SANITIZE=ON -Ccmake.build-type=RelWithDebInfo .
site=$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["platlib"])')
ext=$(ls "$site"/pyw2v/_core*.so 2>/dev/null | head -n 1 || true)
# Captured before grep: under pipefail, `nm ... | grep -q` fails at random when grep exits
# at its first match and nm is killed by SIGPIPE writing the rest.
libs=$([ -n "$ext" ] && ldd "$ext" || true)
syms=$([ -n "$ext" ] && nm -D --undefined-only "$ext" || true)
if ! grep -q libasan <<<"$libs" || ! grep -q __ubsan_handle <<<"$syms"; then
  echo "asan_pytest: the installed extension ($ext) is not built with ASan and UBSan" >&2
  echo "asan_pytest: ldd lists libasan: $(grep -c libasan <<<"$libs" || true)," \
    "UBSan handlers imported: $(grep -c __ubsan_handle <<<"$syms" || true)" >&2
  exit 1
fi
echo "asan_pytest: built in $((SECONDS - start)) s"

# The whole suite but the interop tests (they need gensim and word2vec.c): about 25 s
# under the sanitizers on a 2-core machine, so nothing is left out. Tests that start
# Python subprocesses (Ctrl-C, memory bounds, the CLI) pass LD_PRELOAD on with the
# environment; the peak-RSS bounds skip themselves under ASan.
tests=(tests)
if [ $# -gt 0 ]; then tests=("$@"); fi

# allocator_may_return_null: a huge request fails as MemoryError, as without ASan
export ASAN_OPTIONS=detect_leaks=0:halt_on_error=1:abort_on_error=1:allocator_may_return_null=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
# the venv's pytest script, not `python -m pytest`, which would put the source tree (and
# its uncompiled pyw2v/) first on sys.path; --import-mode=importlib comes from pyproject
status=0
LD_PRELOAD="$libasan" "$venv/bin/pytest" -q -m "not interop" \
  "${tests[@]}" || status=$?
echo "asan_pytest: exit status $status after $((SECONDS - start)) s"
exit "$status"
