"""Weight matrices in memory the kernel likes: transparent huge pages where available.

Training reads rows of two large matrices at random; with 4 KiB pages nearly every row
access also misses the TLB. Anonymous mmaps of 2 MiB and more are huge-page aligned by
recent Linux kernels, and MADV_HUGEPAGE asks for huge pages even when the system's
policy is "madvise" (the common default). Elsewhere this falls back to numpy memory.
"""

from __future__ import annotations

import mmap

import numpy as np

HUGE_PAGE_BYTES = 2 << 20


def zeros_matrix(rows: int, cols: int) -> np.ndarray:
    """A zeroed C-contiguous float32 (rows, cols) array, on huge pages when possible."""
    nbytes = rows * cols * 4
    advice = getattr(mmap, "MADV_HUGEPAGE", None)
    if nbytes < HUGE_PAGE_BYTES or advice is None:
        return np.zeros((rows, cols), dtype=np.float32)
    try:
        buf = mmap.mmap(-1, nbytes, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
        buf.madvise(advice)
    except (OSError, ValueError, AttributeError):
        return np.zeros((rows, cols), dtype=np.float32)
    return np.frombuffer(buf, dtype=np.float32).reshape(rows, cols)
