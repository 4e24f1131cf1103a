"""Skip-gram with negative sampling, per-pair (default) against batched (sg_batch=True,
HogBatch) on the reference corpus over several seeds: analogy accuracy and WordSim-353 as
benchmarks/compare.py computes them (sweep_cbow_grad.evaluate_kv), and the wall and CPU
time of each training call.

    python benchmarks/sweep_sg_batch.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval [--seeds 1 2 3 4 5] [--threads 2] [--json out.json] \
        [--schedule linear|gensim-file]

The settings are compare.py's sg-ns mode (d 100, window 5, negative 5, sample 1e-3,
min_count 5, alpha 0.025 -> 0.0001, 1 epoch). Seeds are interleaved (both forms of seed 1,
then of seed 2, ...), so that a drift of the machine's speed touches both alike. CPU time
is the process's (all threads): on a loaded machine it moves less than wall time.

--schedule gensim-file trains with the learning rate gensim's corpus_file mode applies:
each of its T workers decays alpha by its own word count, which reaches 1/T of the
epoch, so in one epoch alpha falls from 0.025 only to 0.025 - (0.025 - 0.0001) / T
(benchmarks/quality_seeds.py has the same option for several epochs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

from sweep_cbow_grad import evaluate_kv

from pyw2v import Word2Vec

SG_NS = dict(sg=1, hs=0, vector_size=100, window=5, negative=5, sample=1e-3, min_count=5,
             alpha=0.025, min_alpha=0.0001, epochs=1)  # fmt: skip


def run(
    corpus: Path, eval_dir: Path, seed: int, threads: int, sg_batch: bool, schedule: str
) -> dict[str, Any]:
    model = Word2Vec(**SG_NS, workers=threads, seed=seed, sg_batch=sg_batch, progress=False)
    model.build_vocab(str(corpus))
    a0, a1 = model.alpha, model.min_alpha
    end = a1 if schedule == "linear" else max(a1, a0 - (a0 - a1) / threads)
    wall, cpu = time.perf_counter(), time.process_time()
    model.train(str(corpus), start_alpha=a0, end_alpha=end)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    words = model.epoch_words[-1]
    return {"seed": seed, "threads": threads, "sg_batch": sg_batch, "schedule": schedule,
            "train_s": wall,
            "cpu_s": cpu, "words": words, "loss": model.epoch_losses[-1],
            **evaluate_kv(model.wv, eval_dir)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", type=Path, required=True)
    ap.add_argument("--eval", type=Path, required=True, dest="eval_dir")
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", type=Path)
    ap.add_argument("--schedule", choices=("linear", "gensim-file"), default="linear")
    args = ap.parse_args()
    rows = []
    for seed in args.seeds:
        for sg_batch in (False, True):
            row = run(args.corpus, args.eval_dir, seed, args.threads, sg_batch, args.schedule)
            rows.append(row)
            print(
                f"seed {seed} sg_batch={sg_batch!s:5} train {row['train_s']:6.1f} s "
                f"(cpu {row['cpu_s']:6.1f} s)  analogy {row['analogy']:5.2f} %  "
                f"ws353 {row['ws353']:.3f}  loss {row['loss']:.4f}",
                flush=True,
            )
            if args.json:
                args.json.write_text(json.dumps(rows, indent=1))
    for sg_batch in (False, True):
        mine = [r for r in rows if r["sg_batch"] == sg_batch]
        med = {k: statistics.median(r[k] for r in mine)
               for k in ("analogy", "ws353", "train_s", "cpu_s")}  # fmt: skip
        print(
            f"sg_batch={sg_batch!s:5} median of {len(mine)}: analogy {med['analogy']:.2f} %  "
            f"ws353 {med['ws353']:.3f}  train {med['train_s']:.1f} s  cpu {med['cpu_s']:.1f} s"
        )


if __name__ == "__main__":
    main()
