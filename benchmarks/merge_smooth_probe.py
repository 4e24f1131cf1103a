"""A probe of a smooth merge rule for data-parallel training (issue: data-parallel
training on Dask), against "hybrid". Trains W1 (3 epochs, 2 simulated replicas, one
thread each, rounds of --sync-words) and evaluates it.

The rule. Model a row's updates within a round as a contraction towards a target t
(each update keeps a share 1 - eta of the distance, eta ~ lam * alpha): after n updates
a replica's change is d = (1 - q)(t - b) with q = (1 - eta)^n ~ exp(-lam alpha n), and
one machine, which would have made the K replicas' K n updates in a row, moves by
(1 - q^K)(t - b) = (1 + q + ... + q^(K-1)) d. So the merged change is

    w * sum_k d_k,   w = (1 - q^K) / (K (1 - q)),

the mean of the deltas for a row that settles within a round (q -> 0) and their sum for a
row that barely moves (q -> 1); n is the row's occurrences in a replica's round
(pyw2v.distributed.merge.round_occurrences) and alpha the epoch's mean learning rate.
"hybrid" is the step function of this at n = 30 / (K - 1), with no alpha. A row only one
replica changed keeps that replica's value, as in every rule.

    python benchmarks/merge_smooth_probe.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval --lams 0.5 2 --seeds 1 2 3 [--hybrid]

Prints one JSON record per run (rule, lam, seed, analogy, semantic, syntactic, ws353).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from sweep_cbow_grad import evaluate
from sweep_distributed import W1

from pyw2v import Word2Vec
from pyw2v.distributed import driver
from pyw2v.distributed.driver import Options, run
from pyw2v.distributed.merge import RowValues, Update, round_occurrences
from pyw2v.distributed.shards import cut_files
from pyw2v.distributed.simulated import SimulatedBackend


def smooth_merge(lam: float, alpha: list[float], occurrences: dict[str, np.ndarray]):
    """A merge_changes with the smooth rule; alpha[0] is read at every call."""

    def merge(matrices, contributions, averaged) -> Update:
        del averaged
        update: Update = {}
        k_replicas = len(contributions)
        for name, matrix in matrices.items():
            parts = [c[name] for c in contributions if name in c and len(c[name].rows)]
            total = np.zeros(matrix.shape, dtype=np.float32)
            touched = np.zeros(len(matrix), dtype=np.int32)
            last = np.zeros(matrix.shape, dtype=np.float32)
            for part in parts:
                total[part.rows] += part.values - matrix[part.rows]
                touched[part.rows] += 1
                last[part.rows] = part.values
            rows = np.flatnonzero(touched)
            q = np.exp(-lam * alpha[0] * occurrences[name][rows])
            k = k_replicas
            w = np.where(q < 1.0, (1.0 - q**k) / (k * np.maximum(1.0 - q, 1e-12)), 1.0)
            alone = touched[rows] == 1
            merged = matrix[rows] + (w[:, None] * total[rows]).astype(np.float32)
            merged[alone] = last[rows[alone]]
            matrix[rows] = merged
            update[name] = RowValues(rows.astype(np.int64), matrix[rows])
        return update

    return merge


def train(args: argparse.Namespace, lam: float | None, seed: int) -> Word2Vec:
    model = Word2Vec(seed=seed, **W1)
    model.build_vocab(corpus_file=args.corpus)
    a0, a1 = model.params.alpha, model.params.min_alpha
    options = Options(sync_words=args.sync_words, merge="hybrid", threads=1,
                      sync_schedule="all")  # fmt: skip
    original = driver.merge_changes
    alpha = [a0]
    if lam is not None:
        words = sum(model.vocab.counts) / 2  # a replica's share of an epoch, about
        n_rounds = max(1, int(np.ceil(words / args.sync_words)))
        matrices = {"vectors": model.wv.vectors, "syn1neg": model.syn1neg}
        occurrences = round_occurrences(matrices, np.asarray(model.vocab.counts),
                                        words / n_rounds)  # fmt: skip
        driver.merge_changes = smooth_merge(lam, alpha, occurrences)
    try:
        for e in range(3):
            start, end = a0 - (a0 - a1) * e / 3, a0 - (a0 - a1) * (e + 1) / 3
            alpha[0] = (start + end) / 2
            saved = model.params
            model.params = saved.replace(alpha=start, min_alpha=end)
            try:
                run(SimulatedBackend(), model, cut_files([args.corpus], 2), options, 1, (), False)
            finally:
                model.params = saved
    finally:
        driver.merge_changes = original
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--lams", nargs="*", type=float, default=[0.5, 2.0])
    parser.add_argument("--hybrid", action="store_true", help="also run the hybrid rule")
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--sync-words", type=int, default=1_000_000)
    args = parser.parse_args()
    for seed in args.seeds:
        for lam in ([None] if args.hybrid else []) + list(args.lams):
            started = time.perf_counter()
            model = train(args, lam, seed)
            record = dict(rule="hybrid" if lam is None else "smooth", lam=lam, seed=seed,
                          **evaluate(model, args.eval))  # fmt: skip
            record["seconds"] = round(time.perf_counter() - started, 1)
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
