"""Weight matrices in memory the kernel likes: transparent huge pages where available.

Training reads rows of two large matrices at random; with 4 KiB pages nearly every row
access also misses the TLB. Anonymous mmaps of 2 MiB and more are huge-page aligned by
recent Linux kernels, and MADV_HUGEPAGE asks for huge pages even when the system's
policy is "madvise" (the common default). Elsewhere this falls back to numpy memory.
"""

from __future__ import annotations

import ctypes
import mmap

import numpy as np

HUGE_PAGE_BYTES = 2 << 20
ROW_ALIGN_FLOATS = 16  # 64 bytes: one cache line


def padded_width(cols: int) -> int:
    """Floats per stored row: `cols` rounded up to whole cache lines."""
    return -(-cols // ROW_ALIGN_FLOATS) * ROW_ALIGN_FLOATS


def zeros_matrix(rows: int, cols: int) -> np.ndarray:
    """A zeroed float32 (rows, cols) array whose rows start on cache-line boundaries: a
    view of the first `cols` columns of a (rows, padded_width(cols)) buffer, on huge pages
    when possible. With d = 100, packed rows of 400 bytes straddle cache lines, so most
    vector loads of the kernel touch two lines; padded rows measured 20 % faster
    (benchmarks/RESULTS.md). The padding stays zero, rows are contiguous."""
    width = padded_width(cols)
    nbytes = rows * width * 4
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    buf: np.ndarray | None = None
    if nbytes >= HUGE_PAGE_BYTES and advice is not None:
        try:
            anon = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
            anon.madvise(advice)
            buf = np.frombuffer(anon, dtype=np.float32).reshape(rows, width)
        except (OSError, ValueError, AttributeError):
            buf = None
    if buf is None:
        buf = np.zeros((rows, width), dtype=np.float32)
    return buf[:, :cols]


def release_free_heap() -> bool:
    """Returns the C heap's free pages to the system (glibc's malloc_trim); False where
    there is no such call. Counting and encoding free tens of MiB (hash tables, the
    recorded ids, on several threads' heaps) that glibc would otherwise keep: on W1,
    16-18 MiB that would count again in the peak memory of training."""
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return False
    trim.argtypes = [ctypes.c_size_t]
    trim(0)
    return True
