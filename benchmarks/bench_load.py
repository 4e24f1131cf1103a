"""Loading speed of word2vec.c binary vectors: pyw2v vs numpy.fromfile vs gensim.

Writes random vectors (default 1M words x 300) in word2vec.c's binary format to a
temporary directory, then times, interleaved and with a warm page cache:

- pyw2v.io.load_word2vec_format(path, binary=True)
- numpy.fromfile(path, dtype=uint8): reading the same bytes, the floor for any loader
- gensim's KeyedVectors.load_word2vec_format(path, binary=True), if gensim is importable

and prints the medians as a Markdown table row.

    python benchmarks/bench_load.py [--rows 1000000] [--dim 300] [--reps 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from pyw2v import KeyedVectors
from pyw2v import io as w2v_io


def make_vectors(rows: int, dim: int, seed: int = 0) -> KeyedVectors:
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((rows, dim), dtype=np.float32)
    # words of varied length (1 to 16 bytes before the number), like a real vocabulary
    stems = ["".join(chr(97 + c) for c in rng.integers(0, 26, size=n)) for n in range(1, 17)]
    lengths = rng.integers(0, len(stems), size=rows)
    words = [f"{stems[k]}{i}" for i, k in enumerate(lengths)]
    return KeyedVectors(vectors, words)


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    result = fn()
    elapsed = time.perf_counter() - start
    del result
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dim", type=int, default=300)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--no-gensim", action="store_true", help="skip gensim")
    args = parser.parse_args(argv)

    gensim_kv = None
    if not args.no_gensim:
        try:
            from gensim.models import KeyedVectors as gensim_kv  # type: ignore[no-redef]
        except ImportError:
            print("gensim not importable: skipped", file=sys.stderr)

    with tempfile.TemporaryDirectory(prefix="pyw2v-bench-load-") as tmp:
        path = os.path.join(tmp, "vectors.bin")
        kv = make_vectors(args.rows, args.dim)
        start = time.perf_counter()
        w2v_io.save_word2vec_format(kv, path, binary=True)
        write_s = time.perf_counter() - start
        size_mb = os.path.getsize(path) / 1e6
        print(f"wrote {size_mb:.0f} MB in {write_s:.2f} s", file=sys.stderr)

        loaded = w2v_io.load_word2vec_format(path, binary=True)
        assert loaded.index_to_key == kv.index_to_key
        assert np.array_equal(loaded.vectors, kv.vectors)
        del loaded, kv

        runs: dict[str, Callable[[], Any]] = {
            "pyw2v": lambda: w2v_io.load_word2vec_format(path, binary=True),
            "numpy.fromfile": lambda: np.fromfile(path, dtype=np.uint8),
        }
        if gensim_kv is not None:
            runs["gensim"] = lambda: gensim_kv.load_word2vec_format(path, binary=True)
        times: dict[str, list[float]] = {name: [] for name in runs}
        for rep in range(args.reps):
            for name, fn in runs.items():
                times[name].append(timed(fn))
                print(f"rep {rep + 1} {name}: {times[name][-1]:.3f} s", file=sys.stderr)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    gensim_s = f"{med['gensim']:.2f}" if "gensim" in med else "-"
    gensim_ratio = f"{med['gensim'] / med['pyw2v']:.1f}x" if "gensim" in med else "-"
    print(
        "| vectors | file MB | pyw2v s | numpy.fromfile s | gensim s "
        "| pyw2v / fromfile | gensim / pyw2v |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.rows:,} x {args.dim} | {size_mb:.0f} | {med['pyw2v']:.2f} "
        f"| {med['numpy.fromfile']:.2f} | {gensim_s} "
        f"| {med['pyw2v'] / med['numpy.fromfile']:.2f} | {gensim_ratio} |"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
