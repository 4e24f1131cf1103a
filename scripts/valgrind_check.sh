#!/usr/bin/env bash
# valgrind memcheck over a short training run and a save/load cycle (scripts/
# valgrind_workload.py) with the installed pyw2v. CPython and the dynamic loader report
# errors of their own under memcheck (no suppression file ships with them), so the check
# fails only on an error whose stack passes through pyw2v's code (w2v_* or the Cython
# binding). valgrind does not emulate AVX-512: the AVX2 kernel runs.
#
#   scripts/valgrind_check.sh [PYTHON]        # about a minute
set -euo pipefail
python=${1:-python3}
log=$(mktemp)
here=$(cd "$(dirname "$0")" && pwd)
cd "$(mktemp -d)"  # import the installed package, not the source tree
PYTHONMALLOC=malloc valgrind --tool=memcheck --errors-for-leak-kinds=none \
  "$python" "$here/valgrind_workload.py" >"$log" 2>&1 || true
grep -q "^ok" "$log" || { cat "$log"; echo "valgrind_check: the workload failed" >&2; exit 1; }
ours=$(grep -c -E "w2v_|__pyx_|_core\.cpython" "$log" || true)
grep "ERROR SUMMARY" "$log"
if [ "$ours" -gt 0 ]; then
  grep -B3 -A20 -E "w2v_|__pyx_" "$log" | head -80
  echo "valgrind_check: $ours stack lines in pyw2v's code" >&2
  exit 1
fi
echo "valgrind_check: no memcheck error in pyw2v's code"
