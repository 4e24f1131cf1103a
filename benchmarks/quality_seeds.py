"""Quality of pyw2v on W1 over several seeds: analogy accuracy and WordSim-353 Spearman,
evaluated exactly as compare.py evaluates every tool (so run it in the peers' venv).

A single run moves by about +-0.5 analogy points and +-0.015 Spearman, too much for the
issue's bars (0.5 points, 0.02); medians over 5 or more seeds settle it. Options that
change the algorithm (e.g. negative_reuse=2) are compared with the default this way.

    benchmarks/.venv-peers/bin/python benchmarks/quality_seeds.py --threads 1,2 \
        --seeds 1-5 [--option negative_reuse=2] [--out results.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from compare import evaluate_vectors  # noqa: E402
from run_one import W1  # noqa: E402


def parse_seeds(text: str) -> list[int]:
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(s) for s in text.split(",")]


def parse_option(text: str) -> tuple[str, object]:
    key, _, value = text.partition("=")
    for cast in (int, float):
        try:
            return key, cast(value)
        except ValueError:
            pass
    return key, value


def train(model, corpus: str, schedule: str, threads: int) -> None:
    """Trains model.epochs epochs with the learning-rate schedule named `schedule`."""
    if schedule == "linear":
        model.train(corpus)
        return
    a0, a1, n = model.alpha, model.min_alpha, model.epochs
    for e in range(n):  # gensim-file: each worker's own count covers 1/threads of an epoch
        model.train(
            corpus,
            epochs=1,
            start_alpha=max(a1, a0 - (a0 - a1) * e / n),
            end_alpha=max(a1, a0 - (a0 - a1) * (e + 1 / threads) / n),
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, default=HERE.parent / "../shared/corpus/en-mix-17m.txt")
    ap.add_argument("--eval-dir", type=Path, default=HERE.parent / "../shared/eval")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--seeds", default="1-5")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--option", action="append", default=[], help="extra Word2Vec key=value")
    ap.add_argument(
        "--schedule",
        choices=("linear", "gensim-file"),
        default="linear",
        help="linear: alpha decays over all epochs by the global word count (pyw2v, "
        "word2vec.c); gensim-file: within epoch e it decays from a(e/E) to a((e+1/T)/E), "
        "as each of gensim's T corpus_file workers does by its own count",
    )
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()

    from pyw2v import Word2Vec

    extra = dict(parse_option(o) for o in args.option)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for threads in [int(t) for t in args.threads.split(",")]:
            for seed in parse_seeds(args.seeds):
                params = {k: v for k, v in W1.items() if k not in ("model", "cbow_mean")}
                model = Word2Vec(
                    **(params | extra),  # an --option overrides W1's value
                    epochs=args.epochs,
                    workers=threads,
                    seed=seed,
                    progress=False,
                )
                t0 = time.perf_counter()
                model.build_vocab(str(args.corpus))
                train(model, str(args.corpus), args.schedule, threads)
                elapsed = time.perf_counter() - t0
                path = Path(tmp) / "v.bin"
                model.wv.save_word2vec_format(str(path), binary=True)
                q = evaluate_vectors(path, args.eval_dir)
                row = {"threads": threads, "seed": seed, "seconds": elapsed,
                       "schedule": args.schedule, **extra, **q}  # fmt: skip
                rows.append(row)
                print(
                    f"threads={threads} seed={seed} {elapsed:6.2f} s  analogy "
                    f"{q['analogy_total']:.2f}%  ws353 {q['ws353_spearman']:.3f}",
                    flush=True,
                )
    for threads in sorted({r["threads"] for r in rows}):
        mine = [r for r in rows if r["threads"] == threads]
        analogy = statistics.median(r["analogy_total"] for r in mine)
        ws353 = statistics.median(r["ws353_spearman"] for r in mine)
        print(
            f"threads={threads} median over {len(mine)} seeds: analogy {analogy:.2f}%  "
            f"ws353 {ws353:.3f}  schedule {args.schedule} {extra or ''}"
        )
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
