"""Sweep of CBOW's context-gradient convention against its learning rate (issue: the
corrected CBOW gradient as a preset): trains pyw2v on the reference corpus for each
configuration and seed, evaluates analogies (semantic and syntactic apart) and
WordSim-353 as benchmarks/compare.py does, and prints medians over the seeds.

    python benchmarks/sweep_cbow_grad.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval [--seeds 1 2 3] [--threads 2] [--epochs 3] [--window 5] \
        [--alphas 0.1 0.2 0.3] [--negatives 5 10] [--json out.json]

Rows: word2vec.c's gradient (every context row gets dJ/dh) at alpha 0.05, and the
corrected gradient (dJ/dh / |C|, cbow_exact_grad=True) at each of --alphas; each for
every --negatives. Seeds are interleaved (all configurations of seed 1, then of seed 2,
...), so that a drift of the machine's speed touches every configuration alike.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from pyw2v import KeyedVectors, Word2Vec


def evaluate(model: Word2Vec, eval_dir: Path) -> dict[str, float]:
    """evaluate_kv of a model's word vectors."""
    return evaluate_kv(model.wv, eval_dir)


def evaluate_kv(kv: KeyedVectors, eval_dir: Path) -> dict[str, float]:
    """Analogy accuracy (%) over all, semantic and syntactic sections (restrict_vocab
    30000, case-insensitive) and WordSim-353 Spearman, as compare.py computes them."""
    _, sections = kv.evaluate_word_analogies(
        str(eval_dir / "questions-words.txt"), restrict_vocab=30000, case_insensitive=True
    )
    parts = [s for s in sections if s["section"] != "Total accuracy"]

    def accuracy(chosen: list[Any]) -> float:
        correct = sum(len(s["correct"]) for s in chosen)
        total = correct + sum(len(s["incorrect"]) for s in chosen)
        return 100.0 * correct / total if total else float("nan")

    _, spearman, _ = kv.evaluate_word_pairs(str(eval_dir / "wordsim353.tsv"), case_insensitive=True)
    return {
        "analogy": accuracy(parts),
        "semantic": accuracy([s for s in parts if not s["section"].startswith("gram")]),
        "syntactic": accuracy([s for s in parts if s["section"].startswith("gram")]),
        "ws353": float(spearman[0]),
    }


def configurations(alphas: list[float], negatives: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for negative in negatives:
        rows.append({"cbow_exact_grad": False, "alpha": 0.05, "negative": negative})
        rows += [{"cbow_exact_grad": True, "alpha": a, "negative": negative} for a in alphas]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--eval", type=Path, required=True, help="directory of the eval files")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--window", type=int, default=5)
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.1, 0.2, 0.3])
    parser.add_argument("--negatives", type=int, nargs="+", default=[5, 10])
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()

    rows = configurations(args.alphas, args.negatives)
    runs: list[dict[str, Any]] = []
    for seed in args.seeds:
        for config in rows:
            model = Word2Vec(
                vector_size=100, window=args.window, min_count=5, sample=1e-3,
                epochs=args.epochs, workers=args.threads, seed=seed, progress=False,
                min_alpha=0.0001, **config,
            )  # fmt: skip
            model.build_vocab(corpus_file=str(args.corpus))
            start = time.perf_counter()
            model.train()
            seconds = time.perf_counter() - start
            run = {**config, "seed": seed, "train_seconds": seconds, **evaluate(model, args.eval)}
            runs.append(run)
            print(json.dumps(run), flush=True)

    print()
    print("| gradient | alpha | negative | analogy | semantic | syntactic | WS-353 | train s |")
    print("|---|---|---|---|---|---|---|---|")
    for config in rows:
        mine = [r for r in runs if all(r[k] == v for k, v in config.items())]

        def median(key: str, runs_of: list[dict[str, Any]] = mine) -> float:
            return statistics.median(r[key] for r in runs_of)

        grad = "corrected" if config["cbow_exact_grad"] else "word2vec.c"
        print(
            f"| {grad} | {config['alpha']} | {config['negative']} | {median('analogy'):.1f} | "
            f"{median('semantic'):.1f} | {median('syntactic'):.1f} | {median('ws353'):.3f} | "
            f"{median('train_seconds'):.1f} |"
        )
    if args.json:
        args.json.write_text(json.dumps(runs, indent=1))


if __name__ == "__main__":
    main()
