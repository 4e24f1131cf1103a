"""Checksums of trained vectors, to show that a refactor changed nothing: trains CBOW with
negative sampling on one thread with a fixed seed, for a set of configurations, then the
other modes (skip-gram, hierarchical softmax), on the first 20,000 lines of the demo
corpus, and prints a SHA-256 prefix of the input and output vectors of each. Run it on two
commits (each installed in turn) and diff.

usage: python benchmarks/checksums.py > checksums-<commit>.txt
"""

from __future__ import annotations

import hashlib
import lzma

import numpy as np

from pyw2v import Word2Vec
from pyw2v.demo import demo_corpus_path

CONFIGS: list[dict[str, object]] = [
    {},
    {"cbow_mean": False},
    {"cbow_exact_grad": True},
    {"negative_reuse": 2},
    {"negative": 40},
    {"window": 40, "vector_size": 37},
    {"vector_size": 300},
    {"sg": 1, "sg_batch": False},
    {"sg": 1, "window": 3, "vector_size": 37, "sg_batch": False},
    {"sg": 1},  # the batched form, skip-gram's default with negative sampling alone
    {"hs": 1, "negative": 0},
    {"sg": 1, "hs": 1, "negative": 0},
    {"sg": 1, "hs": 1},
]


def main() -> None:
    with lzma.open(demo_corpus_path(), "rt", encoding="utf-8") as f:
        sentences = [line.split() for line in f.read().splitlines()[:20000]]
    for simd in ("scalar", "avx2"):
        for config in CONFIGS:
            model = Word2Vec(
                sentences, workers=1, seed=3, epochs=2, min_count=2, simd=simd, alpha=0.05,
                progress=False, **config,
            )  # fmt: skip
            digest = hashlib.sha256()
            digest.update(np.ascontiguousarray(model.wv.vectors).tobytes())
            for name in ("syn1neg", "syn1"):  # the output matrices the mode trains
                matrix = getattr(model, name, None)
                if matrix is None:
                    continue
                digest.update(np.ascontiguousarray(matrix).tobytes())
            loss = model.epoch_losses[-1]
            print(f"{simd:6} {config!s:40} {digest.hexdigest()[:16]} loss {loss:.6f}")


if __name__ == "__main__":
    main()
