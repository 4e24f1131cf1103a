"""Quality against training time of CBOW's settings, with the peers in the same run (issue
16: the corrected CBOW gradient and presets): pyw2v over a grid of gradient convention x
alpha x negative x window x epochs (and skip-gram rows), gensim corpus_file and word2vec.c
each with its own defaults, on the reference corpus; analogies (semantic and syntactic
apart) and WordSim-353 evaluated as benchmarks/sweep_cbow_grad.py does, for every row.

    python benchmarks/sweep_quality.py --corpus ../shared/corpus/en-mix-17m.txt \
        --eval ../shared/eval --json sweep.json --seeds 1 2 3 \
        --grads word2vec.c corrected --alphas 0.1 0.2 --negatives 10 15 --windows 8 10 \
        --epochs 3 5 [--config corrected,0.2,10,8,5 ...] [--sg-epochs 1] \
        [--peers gensim-file word2vec.c --peers-python benchmarks/.venv-peers/bin/python]
    python benchmarks/sweep_quality.py --json sweep.json [more.json ...] --report \
        [--plot frontier.png]

A pyw2v row is (gradient, alpha, negative, window, epochs): the grid is the product of
--grads, --alphas (the corrected gradient's; word2vec.c's convention takes --w2v-alphas,
default its 0.05), --negatives, --windows and --epochs, plus each --config given as
`grad,alpha,negative,window,epochs` (grad `w2v` or `corrected`). --sg-epochs adds
skip-gram rows (word2vec.c's skip-gram defaults: alpha 0.025, negative 5, window 5) to
place against the CBOW rows at equal training time. Every other setting is W1's (d 100,
sample 1e-3, min_count 5, min_alpha 0.0001, cbow_mean).

The peers run in their own processes through benchmarks/run_one.py (in --peers-python,
the interpreter that has them) with their own defaults: gensim corpus_file CBOW alpha
0.025, 5 epochs; word2vec.c -cbow 1 alpha 0.05, 5 epochs (window 5, negative 5, sample
1e-3, min_count 5 for both). word2vec.c's training time is its wall time less a
vocabulary-only run (as compare.py), gensim's and pyw2v's the time of train().

Seeds are interleaved (every row of seed 1, then of seed 2, ...). Each run is appended to
--json as it ends, and (row, seed) pairs already there are skipped: a killed sweep keeps
what it did and a second command with more rows or seeds extends the same file.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from sweep_cbow_grad import evaluate_kv  # noqa: E402

Run = dict[str, Any]
KEYS = ("tool", "sg", "grad", "alpha", "negative", "window", "epochs")
PEER_DEFAULTS = {  # each peer's own defaults for CBOW (run_one.py cbow-ns settings)
    "gensim-file": {"alpha": 0.025, "epochs": 5},
    "word2vec.c": {"alpha": 0.05, "epochs": 5},
}


def row(tool: str, grad: str, alpha: float, negative: int, window: int, epochs: int,
        sg: int = 0) -> Run:  # fmt: skip
    return {"tool": tool, "sg": sg, "grad": grad, "alpha": alpha, "negative": negative,
            "window": window, "epochs": epochs}  # fmt: skip


def parse_config(text: str) -> Run:
    """`grad,alpha,negative,window,epochs` -> a pyw2v CBOW row."""
    try:
        grad, alpha, negative, window, epochs = text.split(",")
        if grad not in ("w2v", "corrected"):
            raise ValueError(grad)
        return row("pyw2v", grad, float(alpha), int(negative), int(window), int(epochs))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--config wants grad,alpha,negative,window,epochs with grad w2v or corrected, "
            f"got {text!r}"
        ) from None


def rows_of(args: argparse.Namespace) -> list[Run]:
    # the peers first: they set the bars the other rows are read against
    rows = [row(p, "w2v", PEER_DEFAULTS[p]["alpha"], 5, 5, PEER_DEFAULTS[p]["epochs"])
            for p in args.peers]  # fmt: skip
    for grad in args.grads:
        alphas = args.alphas if grad == "corrected" else args.w2v_alphas
        for alpha, negative, window, epochs in itertools.product(
            alphas, args.negatives, args.windows, args.epochs
        ):
            rows.append(row("pyw2v", grad, alpha, negative, window, epochs))
    rows += args.config
    rows += [row("pyw2v", "w2v", 0.025, 5, 5, e, sg=1) for e in args.sg_epochs]
    unique: list[Run] = []
    for r in rows:
        if r not in unique:
            unique.append(r)
    return unique


def key(run: Run) -> tuple[Any, ...]:
    return tuple(run[k] for k in KEYS)


def run_pyw2v(config: Run, seed: int, args: argparse.Namespace) -> Run:
    from pyw2v import Word2Vec

    model = Word2Vec(
        vector_size=100, window=config["window"], negative=config["negative"],
        sg=config["sg"], alpha=config["alpha"], min_alpha=0.0001, epochs=config["epochs"],
        cbow_exact_grad=config["grad"] == "corrected", min_count=5, sample=1e-3,
        workers=args.threads, seed=seed, progress=False,
    )  # fmt: skip
    model.build_vocab(corpus_file=str(args.corpus))
    start, cpu = time.perf_counter(), time.process_time()
    model.train()
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    return {"train_seconds": seconds, "train_cpu_seconds": cpu, **evaluate_kv(model.wv, args.eval)}


def run_peer(config: Run, seed: int, args: argparse.Namespace) -> Run:
    """A peer's run through run_one.py; its vectors are evaluated here like pyw2v's."""
    from pyw2v import KeyedVectors

    tool = config["tool"]
    with tempfile.TemporaryDirectory() as tmp:
        base = [
            str(args.peers_python), str(HERE / "run_one.py"), tool,
            "--corpus", str(args.corpus.resolve()), "--threads", str(args.threads),
            "--mode", "cbow-ns", "--epochs", str(config["epochs"]),
            "--alpha", str(config["alpha"]), "--seed", str(seed),
        ]  # fmt: skip
        vectors, result = Path(tmp) / "v.bin", Path(tmp) / "r.json"
        subprocess.run([*base, "--vectors", str(vectors), "--result", str(result)],
                       check=True, stdout=subprocess.DEVNULL)  # fmt: skip
        runner = json.loads(result.read_text())
        if tool == "word2vec.c":
            setup = Path(tmp) / "s.json"
            subprocess.run([*base, "--setup-only", "--result", str(setup)],
                           check=True, stdout=subprocess.DEVNULL)  # fmt: skip
            setup_run = json.loads(setup.read_text())
            seconds = runner["call_s"] - setup_run["setup_s"]
            cpu = runner["call_cpu_s"] - setup_run["setup_cpu_s"]
        else:
            seconds, cpu = runner["train_s"], runner["train_cpu_s"]
        kv = KeyedVectors.load_word2vec_format(str(vectors), binary=True)
    words = [w for w in kv.index_to_key if w != "</s>"]  # word2vec.c's end-of-line token
    if len(words) < len(kv.index_to_key):
        kv = KeyedVectors(kv.vectors[[kv.key_to_index[w] for w in words]], words)
    return {"train_seconds": seconds, "train_cpu_seconds": cpu, **evaluate_kv(kv, args.eval)}


def sweep(args: argparse.Namespace) -> None:
    rows = rows_of(args)
    runs: list[Run] = json.loads(args.json.read_text()) if args.json.exists() else []
    done = {(key(r), r["seed"]) for r in runs}
    todo = [(seed, r) for seed in args.seeds for r in rows if (key(r), seed) not in done]
    skipped = len(rows) * len(args.seeds) - len(todo)
    print(f"{len(todo)} runs to do ({len(rows)} rows x {len(args.seeds)} seeds, {skipped} "
          f"already in {args.json})", flush=True)  # fmt: skip
    for seed, config in todo:
        runner = run_pyw2v if config["tool"] == "pyw2v" else run_peer
        run = {**config, "seed": seed, "threads": args.threads, **runner(config, seed, args)}
        runs.append(run)
        args.json.write_text(json.dumps(runs, indent=1) + "\n")
        print(json.dumps(run), flush=True)


def label(config: Run) -> str:
    if config["tool"] != "pyw2v":
        return f"{config['tool']} (its defaults)"
    if config["sg"]:
        return "skip-gram"
    return "corrected" if config["grad"] == "corrected" else "word2vec.c's"


def medians(runs: list[Run]) -> list[Run]:
    groups: dict[tuple[Any, ...], list[Run]] = {}
    for r in runs:
        groups.setdefault(key(r), []).append(r)
    out = []
    for k, group in groups.items():
        med = {m: statistics.median(r[m] for r in group)
               for m in ("analogy", "semantic", "syntactic", "ws353", "train_seconds")}  # fmt: skip
        cpu = [r["train_cpu_seconds"] for r in group if "train_cpu_seconds" in r]
        med["train_cpu_seconds"] = statistics.median(cpu) if cpu else float("nan")
        out.append({**dict(zip(KEYS, k, strict=True)), **med, "seeds": len(group)})
    return out


def table(rows: list[Run]) -> str:
    lines = [
        "| tool / gradient | alpha | neg | window | epochs | seeds | analogy | semantic "
        "| syntactic | WS-353 | train s | train CPU s |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: (r["tool"] == "pyw2v", -r["ws353"])):
        lines.append(
            f"| {label(r)} | {r['alpha']} | {r['negative']} | {r['window']} | {r['epochs']} | "
            f"{r['seeds']} | {r['analogy']:.1f} | {r['semantic']:.1f} | {r['syntactic']:.1f} | "
            f"{r['ws353']:.3f} | {r['train_seconds']:.0f} | {r['train_cpu_seconds']:.0f} |"
        )
    return "\n".join(lines)


def plot(rows: list[Run], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    styles = {"word2vec.c's": ("tab:blue", "o"), "corrected": ("tab:red", "s"),
              "skip-gram": ("tab:green", "^"), "gensim-file (its defaults)": ("black", "X"),
              "word2vec.c (its defaults)": ("tab:purple", "P")}  # fmt: skip
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, metric, name in ((axes[0], "analogy", "analogy accuracy (%)"),
                             (axes[1], "ws353", "WordSim-353 Spearman")):  # fmt: skip
        for kind, (color, marker) in styles.items():
            mine = [r for r in rows if label(r) == kind]
            if not mine:
                continue
            ax.scatter([r["train_cpu_seconds"] for r in mine], [r[metric] for r in mine],
                       c=color, marker=marker, s=[22 + 10 * r["seeds"] for r in mine],
                       label=kind if kind.endswith("defaults)") else f"pyw2v, {kind}",
                       alpha=0.8)  # fmt: skip
            for r in mine:
                if r["tool"] == "pyw2v":
                    text = f"a{r['alpha']:g} n{r['negative']} w{r['window']} e{r['epochs']}"
                    ax.annotate(text, (r["train_cpu_seconds"], r[metric]), fontsize=6,
                                xytext=(4, 3), textcoords="offset points")  # fmt: skip
        ax.set_xlabel("training CPU time, s (2 threads)")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=8)
    fig.suptitle("Quality against training time, en-mix-17m (medians over seeds)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, nargs="+", required=True,
                        help="runs, appended as they end (--report: one or more)")  # fmt: skip
    parser.add_argument("--report", action="store_true", help="print medians from --json")
    parser.add_argument("--plot", type=Path, help="with --report: draw the frontier here")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--eval", type=Path, help="directory of the eval files")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--grads", nargs="*", choices=("w2v", "corrected"), default=[])
    parser.add_argument("--alphas", type=float, nargs="+", default=[0.1, 0.2])
    parser.add_argument("--w2v-alphas", type=float, nargs="+", default=[0.05])
    parser.add_argument("--negatives", type=int, nargs="+", default=[5, 10, 15])
    parser.add_argument("--windows", type=int, nargs="+", default=[5, 8, 10])
    parser.add_argument("--epochs", type=int, nargs="+", default=[3, 5])
    parser.add_argument("--config", type=parse_config, action="append", default=[])
    parser.add_argument("--sg-epochs", type=int, nargs="*", default=[])
    parser.add_argument("--peers", nargs="*", choices=tuple(PEER_DEFAULTS), default=[])
    parser.add_argument("--peers-python", type=Path, default=HERE / ".venv-peers/bin/python")
    args = parser.parse_args()
    if args.report:
        rows = medians([run for path in args.json for run in json.loads(path.read_text())])
        print(table(rows))
        if args.plot:
            plot(rows, args.plot)
        return
    if args.corpus is None or args.eval is None:
        parser.error("--corpus and --eval are required to run a sweep")
    if len(args.json) != 1:
        parser.error("a sweep appends to one --json file")
    args.json = args.json[0]
    sweep(args)


if __name__ == "__main__":
    main()
