"""Plots median training words/s per tool and thread count from a compare.py results file.

usage: python benchmarks/plot.py [results.json] [out.png]
(defaults: the newest benchmarks/results/results-*.json, benchmarks/throughput.png)
"""

from __future__ import annotations

import glob
import json
import os
import statistics
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def medians(path: str) -> dict[tuple[str, int], float]:
    with open(path) as f:
        runs = json.load(f)["runs"]
    speeds: dict[tuple[str, int], list[float]] = defaultdict(list)
    for run in runs:
        if run.get("ok"):
            speeds[(run["tool"], run["threads"])].append(run["train_wps"])
    return {key: statistics.median(values) for key, values in speeds.items()}


def plot(data: dict[tuple[str, int], float], out: str) -> None:
    tools = sorted({tool for tool, _ in data}, key=lambda t: (t != "pyw2v", t))
    threads = sorted({n for _, n in data})
    width = 0.8 / len(threads)
    fig, ax = plt.subplots(figsize=(8, 4.5))
    for k, n in enumerate(threads):
        xs = [i + k * width for i in range(len(tools))]
        ys = [data.get((tool, n), 0.0) / 1e6 for tool in tools]
        bars = ax.bar(xs, ys, width, label=f"{n} thread{'s' if n > 1 else ''}")
        ax.bar_label(bars, fmt="%.2f", fontsize=8)
    ax.set_xticks([i + width * (len(threads) - 1) / 2 for i in range(len(tools))], tools)
    ax.set_ylabel("training words/s (millions, median)")
    ax.set_title("CBOW negative sampling on W1 (en-mix-17m, d=100, 3 epochs)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out, dpi=120)


def main() -> None:
    results = sorted(glob.glob(os.path.join(HERE, "results", "results-*.json")))
    path = sys.argv[1] if len(sys.argv) > 1 else results[-1]
    out = sys.argv[2] if len(sys.argv) > 2 else os.path.join(HERE, "throughput.png")
    plot(medians(path), out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
