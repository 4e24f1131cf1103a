"""In which epoch does data-parallel training lose its quality? (issue: data-parallel
training on Dask.) Trains W1 (3 epochs, one thread per replica) with each epoch either
on one machine (S), on 2 replicas of the simulated backend in rounds of --sync-words (D),
or on 2 replicas in rounds of --small-words (d); the learning rate falls linearly over
the three epochs whatever trains them. `w` trains the first --warm fraction of epoch 1's
lines on one machine and the rest on 2 replicas (rounds of --sync-words).

    python benchmarks/distributed_phases.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval --plans SSS DDD SDD DSS SSD dDD --seeds 1 [--merge hybrid]

Prints one JSON record per run (plan, seed, analogy, semantic, syntactic, ws353).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

from sweep_cbow_grad import evaluate
from sweep_distributed import W1

from pyw2v import Word2Vec
from pyw2v.distributed.driver import Options, run
from pyw2v.distributed.shards import cut_files
from pyw2v.distributed.simulated import SimulatedBackend


def distributed_epoch(
    model: Word2Vec, corpus: str, alpha: tuple[float, float], options: Options
) -> None:
    """One epoch of `corpus` on 2 simulated replicas, alpha falling from alpha[0] to alpha[1]."""
    saved = model.params
    model.params = dataclasses.replace(saved, alpha=alpha[0], min_alpha=alpha[1])
    try:
        run(SimulatedBackend(), model, cut_files([corpus], 2), options, 1, (), False)
    finally:
        model.params = saved


def split_lines(corpus: str, fraction: float, where: Path) -> tuple[str, str]:
    lines = Path(corpus).read_text(encoding="utf-8").split("\n")
    k = int(len(lines) * fraction)
    head, tail = where / "head.txt", where / "tail.txt"
    head.write_text("\n".join(lines[:k]) + "\n", encoding="utf-8")
    tail.write_text("\n".join(lines[k:]), encoding="utf-8")
    return str(head), str(tail)


def train(args: argparse.Namespace, plan: str, seed: int, scratch: Path) -> Word2Vec:
    model = Word2Vec(seed=seed, **W1)
    model.build_vocab(corpus_file=args.corpus)
    a0, a1 = model.params.alpha, model.params.min_alpha

    def alpha_at(progress: float) -> float:  # progress in epochs, of 3
        return a0 - (a0 - a1) * progress / 3

    for e, kind in enumerate(plan):
        start, end = alpha_at(e), alpha_at(e + 1)
        if kind == "S":
            model.train(corpus_file=args.corpus, epochs=1, start_alpha=start, end_alpha=end)
        elif kind in "Dd":
            words = args.sync_words if kind == "D" else args.small_words
            options = Options(sync_words=words, merge=args.merge, threads=1)
            distributed_epoch(model, args.corpus, (start, end), options)
        elif kind == "w":
            head, tail = split_lines(args.corpus, args.warm, scratch)
            mid = alpha_at(e + args.warm)
            model.train(corpus_file=head, epochs=1, start_alpha=start, end_alpha=mid)
            options = Options(sync_words=args.sync_words, merge=args.merge, threads=1)
            distributed_epoch(model, tail, (mid, end), options)
        else:
            raise SystemExit(f"unknown epoch kind {kind!r} in plan {plan!r}")
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", required=True)
    parser.add_argument("--eval", required=True, type=Path)
    parser.add_argument("--plans", nargs="+", default=["SSS", "DDD", "SDD", "DSS"])
    parser.add_argument("--seeds", nargs="+", type=int, default=[1])
    parser.add_argument("--merge", default="hybrid")
    parser.add_argument("--sync-words", type=int, default=1_000_000)
    parser.add_argument("--small-words", type=int, default=50_000)
    parser.add_argument("--warm", type=float, default=0.1)
    args = parser.parse_args()
    for seed in args.seeds:
        for plan in args.plans:
            started = time.perf_counter()
            with tempfile.TemporaryDirectory() as scratch:
                model = train(args, plan, seed, Path(scratch))
            record = dict(plan=plan, seed=seed, merge=args.merge, **evaluate(model, args.eval))
            record["seconds"] = round(time.perf_counter() - started, 1)
            print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
