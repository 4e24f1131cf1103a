"""Sweep of distributed training's reconciliation (issue: data-parallel training on
Dask): trains the reference workload with the in-process simulated backend
(`pyw2v.distributed.simulate`, K replicas one after another, the same shards, rounds
and merges as on a cluster) for each merge rule x round length x replica count, and
single-machine training as the yardstick; evaluates analogies and WordSim-353 as
benchmarks/sweep_cbow_grad.py does and prints medians over the seeds.

    python benchmarks/sweep_distributed.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval [--seeds 1 2 3] [--replicas 2 4] [--merges mean sum smooth] \
        [--sync-words 100000 1000000] [--schedules all] [--sync-dtypes float16] \
        [--smooth-rates 0.25 0.5 1] [--block-momentum 0 0.3] \
        [--first-epoch-sync-words 0 100000] [--json out.json]

The workload is W1's (CBOW, negative sampling, d 100, window 5, negative 5, sample
1e-3, min_count 5, alpha 0.05, 3 epochs), one thread per replica. Seeds are the outer
loop. --json appends each run's record as it finishes (a stopped sweep keeps what it
did) and --report-only prints the table of an existing file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import time
from pathlib import Path
from typing import Any

from sweep_cbow_grad import evaluate

import pyw2v.distributed
from pyw2v import Word2Vec
from pyw2v.distributed import merge as merging
from pyw2v.distributed.driver import Options

W1 = dict(
    vector_size=100,
    window=5,
    negative=5,
    sample=1e-3,
    min_count=5,
    alpha=0.05,
    epochs=3,
    workers=1,
    progress=False,
)


def configurations(args: argparse.Namespace) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"replicas": 0}]  # single machine
    for k, merge, words, schedule, dtype, top, momentum, first in itertools.product(
        args.replicas,
        args.merges,
        args.sync_words,
        args.schedules,
        args.sync_dtypes,
        args.sync_tops,
        args.block_momentum,
        args.first_epoch_sync_words,
    ):
        config = {
            "replicas": k,
            "merge": merge,
            "sync_words": words,
            "sync_schedule": schedule,
            "sync_dtype": dtype,
            "sync_top": top,
            "block_momentum": momentum,
            "first_epoch_sync_words": first or words,
        }
        if merge != "smooth":
            rows.append(config)
        for rate in args.smooth_rates if merge == "smooth" else []:
            rows.append({**config, "smooth_rate": rate})
    return rows


def train(corpus: str, config: dict[str, Any], seed: int) -> tuple[Word2Vec, float, int]:
    start = time.perf_counter()
    if config["replicas"] == 0:
        model = Word2Vec(corpus_file=corpus, seed=seed, **W1)
        rounds = 1
    else:
        options = dict(config)
        rate = options.pop("smooth_rate", merging.SMOOTH_RATE)
        saved, merging.SMOOTH_RATE = merging.SMOOTH_RATE, rate  # read by retention_rows
        try:
            model, report = pyw2v.distributed.simulate(
                corpus, seed=seed, return_report=True, **options, **W1
            )
        finally:
            merging.SMOOTH_RATE = saved
        rounds = report.rounds_per_epoch
    return model, time.perf_counter() - start, rounds


def label(config: dict[str, Any]) -> tuple[str, ...]:
    if config["replicas"] == 0:
        return ("single machine", "", "", "", "")
    first = config.get("first_epoch_sync_words")
    return (
        str(config["replicas"]),
        config["merge"]
        + (f" (rate {config['smooth_rate']:g})" if "smooth_rate" in config else "")
        + f", momentum {config.get('block_momentum', 0):g}",
        f"{config['sync_words']:,}"
        + (f" ({first:,} in epoch 1)" if first and first != config["sync_words"] else ""),
        config["sync_schedule"]
        + (
            f" (top {config.get('sync_top', 1024):,})"
            if config["sync_schedule"] == "doubling"
            else ""
        ),
        config.get("sync_dtype", "float32"),
    )


def report(records: list[dict[str, Any]]) -> str:
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault(label(record["config"]), []).append(record)
    lines = [
        "| replicas | merge | words per round | schedule | rows as | rounds/epoch | seeds "
        "| analogy | semantic | syntactic | WS-353 | loss | wall s |",
        "|---|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, runs in groups.items():

        def med(name: str, runs: list[dict[str, Any]] = runs) -> float:
            return statistics.median(r[name] for r in runs)

        lines.append(
            f"| {' | '.join(key)} | {runs[0]['rounds']} | {len(runs)} | {med('analogy'):.1f} "
            f"| {med('semantic'):.1f} | {med('syntactic'):.1f} | {med('ws353'):.3f} "
            f"| {med('loss'):.3f} | {med('seconds'):.0f} |"
        )
    return "\n".join(lines)


def keep(record: dict[str, Any], model: Word2Vec, args: argparse.Namespace) -> dict[str, Any]:
    """The run's record with the model's last epoch loss and its scores on args.eval,
    printed and appended to args.json (if given) at once."""
    record = {**record, "loss": float(model.epoch_losses[-1]), **evaluate(model, args.eval)}
    print(json.dumps(record), flush=True)
    if args.json:
        with args.json.open("a") as out:
            out.write(json.dumps(record) + "\n")
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--replicas", type=int, nargs="+", default=[2, 4])
    parser.add_argument("--merges", nargs="+", default=["mean", "sum"])
    parser.add_argument("--sync-words", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--schedules", nargs="+", default=[Options.sync_schedule])
    parser.add_argument("--sync-dtypes", nargs="+", default=[Options.sync_dtype])
    parser.add_argument("--sync-tops", type=int, nargs="+", default=[Options.sync_top])
    parser.add_argument(
        "--smooth-rates", type=float, nargs="+", default=[merging.SMOOTH_RATE],
        help="for merge smooth: the rates lambda of q = exp(-lambda alpha m) to try",
    )  # fmt: skip
    parser.add_argument("--block-momentum", type=float, nargs="+", default=[Options.block_momentum])
    parser.add_argument(
        "--first-epoch-sync-words", type=int, nargs="+", default=[0],
        help="words per round in the first epoch (0: --sync-words)",
    )  # fmt: skip
    parser.add_argument("--no-single", action="store_true", help="skip the single-machine row")
    parser.add_argument("--json", type=Path, help="append each run's record here")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()

    records: list[dict[str, Any]] = []
    if args.json and args.json.exists():
        records = [json.loads(line) for line in args.json.read_text().splitlines() if line]
    if not args.report_only:
        configs = configurations(args)[1 if args.no_single else 0 :]
        for seed in args.seeds:
            for config in configs:
                model, seconds, rounds = train(args.corpus, config, seed)
                record = {"config": config, "seed": seed, "seconds": seconds, "rounds": rounds}
                records.append(keep(record, model, args))
    print(report(records))


if __name__ == "__main__":
    main()
