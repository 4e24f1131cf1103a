"""A fresh run's weights, and a digest that tells whether two copies of them agree."""

from __future__ import annotations

import hashlib

import numpy as np

from pyw2v.memory import zeros_matrix
from pyw2v.params import Params


def initial_vectors(n_words: int, params: Params) -> np.ndarray:
    """A fresh run's input vectors: uniform in [-0.5/d, 0.5/d) from the seed's stream
    (the output vectors start at zero, as in word2vec.c)."""
    d = params.vector_size
    vectors = zeros_matrix(n_words, d)
    fill_uniform(vectors, np.random.default_rng(params.seed), 0.5 / d)
    return vectors


def fill_uniform(matrix: np.ndarray, rng: np.random.Generator, bound: float) -> None:
    """Fills `matrix` with uniform draws in [-bound, bound), in blocks of rows: the same
    draws as one call, without a float64 copy of the whole matrix."""
    for lo in range(0, len(matrix), 1 << 14):
        block = matrix[lo : lo + (1 << 14)]
        block[:] = rng.uniform(-bound, bound, size=block.shape)


def digest(matrices: dict[str, np.ndarray]) -> str:
    """A hash of named matrices (names, shapes, dtypes and bytes)."""
    h = hashlib.blake2b(digest_size=16)
    for name in sorted(matrices):
        m = np.ascontiguousarray(matrices[name])
        h.update(f"{name}:{m.shape}:{m.dtype.str};".encode())
        h.update(memoryview(m).cast("B"))
    return h.hexdigest()
