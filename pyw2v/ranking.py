"""Ranking helpers for similarity queries: the k best scores (of a vector or per row), how
many queries to score at once, the restrict_vocab bound and 3CosMul's epsilon. Plain
numpy; imports nothing from pyw2v, so keyedvectors and evaluate both build on it."""

from __future__ import annotations

import numpy as np

# 3CosMul's guard against division by zero: Levy & Goldberg (2014) use 0.001; gensim, whose
# numbers we reproduce, uses 1e-6.
COSMUL_EPSILON = 1e-6
# Upper bound on the similarity-matrix entries one batched query builds at a time.
SCORE_BUDGET = 1 << 23
# Up to this many best per row, top_k_rows takes repeated argmax rather than argpartition.
FEW_BEST = 16


def restrict_limit(size: int, restrict_vocab: int | None) -> int:
    """How many rows (of `size`) a query with `restrict_vocab` searches: all for None, else
    at most `restrict_vocab`; ValueError if it is negative."""
    if restrict_vocab is None:
        return size
    if int(restrict_vocab) < 0:
        raise ValueError(f"restrict_vocab must be >= 0, got {restrict_vocab!r}")
    return min(int(restrict_vocab), size)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the `k` largest of a 1-d array of scores, best first (equal scores in
    index order)."""
    limit = len(scores)
    if k >= limit:
        return np.argsort(-scores, kind="stable")
    best = np.argpartition(-scores, k - 1)[:k] if k > 0 else np.empty(0, np.int64)
    best.sort()
    return best[np.argsort(-scores[best], kind="stable")]


def top_k_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the `k` largest scores of each row, best first (equal scores in
    column order).

    Parameters
    ----------
    scores : numpy.ndarray
        (n_rows, n_cols) scores.
    k : int
        How many per row (at most n_cols are returned).

    Returns
    -------
    numpy.ndarray
        (n_rows, min(k, n_cols)) int64 column indices.
    """
    k = min(k, scores.shape[1])
    if k == 0 or k > FEW_BEST:
        return _top_k_sorted(scores, k)
    picked = _top_k_argmax(scores, k)
    # argmax may repeat a column once a row has only -inf left: redo such rows by sorting
    short = np.take_along_axis(scores, picked[:, -1:], axis=1)[:, 0] == -np.inf
    if short.any():
        picked[short] = _top_k_sorted(scores[short], k)
    return picked


def _top_k_argmax(scores: np.ndarray, k: int) -> np.ndarray:
    """k passes of argmax (the first maximum wins), each best taken out: for small k,
    several times faster than argpartition."""
    remaining = scores.copy()
    rows = np.arange(len(scores))
    picked = np.empty((len(scores), k), dtype=np.int64)
    for rank in range(k):
        picked[:, rank] = remaining.argmax(axis=1)
        remaining[rows, picked[:, rank]] = -np.inf
    return picked


def _top_k_sorted(scores: np.ndarray, k: int) -> np.ndarray:
    n_rows, n_cols = scores.shape
    if k == 0:
        return np.empty((n_rows, 0), dtype=np.int64)
    if k < n_cols:
        picked = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        picked = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols)).copy()
    picked.sort(axis=1)
    order = np.argsort(-np.take_along_axis(scores, picked, axis=1), axis=1, kind="stable")
    return np.take_along_axis(picked, order, axis=1)


def chunk_rows(n_cols: int, matrices: int = 1, most: int = 1024) -> int:
    """How many queries to score per block so that `matrices` score matrices of
    (block, n_cols) stay within SCORE_BUDGET entries (at least 1, at most `most`)."""
    return int(max(1, min(most, SCORE_BUDGET // max(1, n_cols * matrices))))
