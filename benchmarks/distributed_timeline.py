"""Where the wall time of distributed training goes (issue: data-parallel training on
Dask): trains W1 (CBOW, negative sampling, 3 epochs) with `pyw2v.distributed.train` on
a LocalCluster of N workers x 1 thread and prints the time spent in each phase the
driver goes through: counting the vocabulary on the workers, building it at the driver,
setting up the replicas (encoding the shards; one thread per replica, so their times
add up), the rounds (training, transfers and the workers' share of reconciling) and the
driver's merging.

    python benchmarks/distributed_timeline.py --corpus ../shared/corpus/en-mix-17m.txt \
        [--workers 1 2] [--seed 1] [--sync-words 1000000]

Needs `pip install 'pyw2v[dask]'`.
"""

from __future__ import annotations

import argparse
import collections
import functools
import importlib
import time
from typing import Any

from bench_distributed import local_cluster
from sweep_distributed import W1

import pyw2v.distributed

driver = importlib.import_module("pyw2v.distributed.driver")
backend = importlib.import_module("pyw2v.distributed.dask_backend")
fit = importlib.import_module("pyw2v.distributed.fit")

PHASES = [
    (backend.DaskBackend, "count"),
    (fit, "build_vocab"),
    (backend.DaskBackend, "setup"),
    (backend.DaskBackend, "rounds"),
    (driver, "retention_rows"),
    (driver, "merge_changes"),
    (driver, "lacking_rows"),
]


def timed(owner: Any, name: str, seconds: dict[str, float], calls: collections.Counter) -> None:
    """Replaces owner.name by a wrapper adding its duration to seconds[name]."""
    inner = getattr(owner, name)

    @functools.wraps(inner)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return inner(*args, **kwargs)
        finally:
            seconds[name] += time.perf_counter() - start
            calls[name] += 1

    setattr(owner, name, wrapper)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sync-words", type=int, default=1_000_000)
    args = parser.parse_args()
    from distributed import Client

    seconds: dict[str, float] = collections.defaultdict(float)
    calls: collections.Counter = collections.Counter()
    for owner, name in PHASES:
        timed(owner, name, seconds, calls)
    for n in args.workers:
        seconds.clear()
        calls.clear()
        with local_cluster(n) as cluster, Client(cluster) as client:
            start = time.perf_counter()
            pyw2v.distributed.train(
                client,
                args.corpus,
                seed=args.seed,
                sync_words=args.sync_words,
                **W1,
            )
            total = time.perf_counter() - start
        print(f"{n} x 1: {total:.2f} s in all")
        for _, name in PHASES:
            print(f"  {name:16s} {seconds[name]:6.2f} s in {calls[name]} calls")


if __name__ == "__main__":
    main()
