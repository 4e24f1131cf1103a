"""Distributed training on a Dask LocalCluster against one machine (issue: data-parallel
training on Dask): for each seed, trains the reference workload (W1: CBOW, negative
sampling, d 100, window 5, negative 5, sample 1e-3, min_count 5, alpha 0.05, 3 epochs)
with `pyw2v.distributed.train` on a LocalCluster of 1 worker x 1 thread and of 2 workers
x 1 thread, and with Word2Vec on one machine at 1 and 2 threads; times each training
call (the cluster is started before the clock) and evaluates the vectors as
benchmarks/sweep_cbow_grad.py does. Runs are interleaved (for seed: for setup), and the
report gives medians over the seeds and the speed ratio of each setup to the 1 x 1
cluster.

    python benchmarks/bench_distributed.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval [--seeds 1 2 3] [--sync-words 1000000] [--merge mean] \
        [--sync-schedule doubling] [--sync-top 4096] [--sync-dtype float16] \
        [--block-momentum 0.3] [--first-epoch-sync-words 100000] [--json out.jsonl]

Needs `pip install 'pyw2v[dask]'`.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import time
from pathlib import Path
from typing import Any

from sweep_distributed import W1, keep

import pyw2v.distributed
from pyw2v import Word2Vec
from pyw2v.distributed.driver import Options

SETUPS = ["cluster 1x1", "cluster 2x1", "one machine, 1 thread", "one machine, 2 threads"]


def local_cluster(n: int) -> Any:
    """A quiet LocalCluster of n workers x 1 thread bound to 127.0.0.1."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=n,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        silence_logs=logging.ERROR,
    )


def run(setup: str, args: argparse.Namespace, seed: int) -> tuple[Word2Vec, float]:
    if setup.startswith("one machine"):
        threads = 1 if "1 thread" in setup else 2
        start = time.perf_counter()
        model = Word2Vec(corpus_file=args.corpus, seed=seed, **{**W1, "workers": threads})
        return model, time.perf_counter() - start
    from distributed import Client

    n = int(setup.split()[1].split("x")[0])
    with local_cluster(n) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        model = pyw2v.distributed.train(
            client,
            args.corpus,
            seed=seed,
            sync_words=args.sync_words,
            merge=args.merge,
            sync_schedule=args.sync_schedule,
            sync_top=args.sync_top,
            sync_dtype=args.sync_dtype,
            block_momentum=args.block_momentum,
            first_epoch_sync_words=args.first_epoch_sync_words,
            **W1,
        )
        return model, time.perf_counter() - start


def report(records: list[dict[str, Any]]) -> str:
    ones = [r["seconds"] for r in records if r["setup"] == "cluster 1x1"]
    base = statistics.median(ones) if ones else float("nan")
    lines = [
        "| setup | seeds | train s | speed vs cluster 1x1 | analogy | WS-353 | loss |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for setup in SETUPS:
        runs = [r for r in records if r["setup"] == setup]
        if not runs:
            continue
        seconds = statistics.median(r["seconds"] for r in runs)
        lines.append(
            f"| {setup} | {len(runs)} | {seconds:.1f} | {base / seconds:.2f}x "
            f"| {statistics.median(r['analogy'] for r in runs):.1f} "
            f"| {statistics.median(r['ws353'] for r in runs):.3f} "
            f"| {statistics.median(r['loss'] for r in runs):.3f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--sync-words", type=int, default=1_000_000)
    parser.add_argument("--merge", default=Options.merge)
    parser.add_argument("--sync-schedule", default=Options.sync_schedule)
    parser.add_argument("--sync-top", type=int, default=Options.sync_top)
    parser.add_argument("--sync-dtype", default=Options.sync_dtype)
    parser.add_argument("--block-momentum", type=float, default=Options.block_momentum)
    parser.add_argument("--first-epoch-sync-words", type=int, default=None)
    parser.add_argument("--setups", nargs="+", default=SETUPS, choices=SETUPS)
    parser.add_argument("--json", type=Path, help="append each run's record here")
    args = parser.parse_args()

    records = []
    for seed in args.seeds:
        for setup in args.setups:
            model, seconds = run(setup, args, seed)
            record = {"setup": setup, "seed": seed, "seconds": seconds}
            record.update(
                sync_words=args.sync_words,
                merge=args.merge,
                sync_schedule=args.sync_schedule,
                sync_top=args.sync_top,
                sync_dtype=args.sync_dtype,
                block_momentum=args.block_momentum,
                first_epoch_sync_words=args.first_epoch_sync_words,
            )
            records.append(keep(record, model, args))
    print(report(records))


if __name__ == "__main__":
    main()
