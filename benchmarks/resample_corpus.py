"""Writes a corpus of exactly N tokens made of lines drawn at random, with replacement,
from a real corpus: at any size, the source's words, word frequencies and sentences,
and so the rows a training step touches together. Training speed depends on that
locality (a synthetic corpus that draws every word on its own, as zipf_corpus.py's,
trains slower for it, whatever its size), so this is the corpus that shows whether
the size itself costs speed (benchmarks/big_corpus.py).

    python benchmarks/resample_corpus.py SOURCE.txt OUT.txt --tokens 1e9 [--seed 1]

Tokens are whitespace-separated words; a line of the source is drawn uniformly (empty
lines are skipped) and written as it is, the line that passes N cut after its N-th
token. The output is a pure function of the source and the arguments. Memory holds the
source's lines, not the output; the output is written in chunks of CHUNK_LINES lines.
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import BinaryIO

import numpy as np

CHUNK_LINES = 1 << 16


def read_lines(source: BinaryIO) -> tuple[list[bytes], np.ndarray]:
    """The source's non-empty lines (without their newline) and their token counts."""
    lines = [line.rstrip(b"\r\n") for line in source]
    kept = [line for line in lines if line.split()]
    if not kept:
        raise ValueError("the source has no tokens")
    return kept, np.array([len(line.split()) for line in kept], dtype=np.int64)


def write_resampled(
    out: BinaryIO,
    lines: list[bytes],
    counts: np.ndarray,
    tokens: int,
    seed: int = 1,
    chunk_lines: int = CHUNK_LINES,
) -> tuple[int, int]:
    """Writes lines drawn from `lines` (with their token `counts`) to `out` until
    exactly `tokens` tokens; returns (tokens, lines) written."""
    if tokens < 0:
        raise ValueError("tokens must be >= 0")
    rng = np.random.default_rng(seed)
    written = n_lines = 0
    while written < tokens:
        pick = rng.integers(0, len(lines), chunk_lines)
        ends = written + np.cumsum(counts[pick])
        last = int(np.searchsorted(ends, tokens))  # the first line that reaches N
        if last < len(pick):
            pick = pick[: last + 1]
        chunk = [lines[i] for i in pick.tolist()]
        if ends[len(pick) - 1] > tokens:  # cut the last line after the N-th token
            keep = int(counts[pick[-1]] - (ends[len(pick) - 1] - tokens))
            chunk[-1] = b" ".join(chunk[-1].split()[:keep])
        out.write(b"\n".join(chunk) + b"\n")
        written = min(int(ends[len(pick) - 1]), tokens)
        n_lines += len(pick)
    return written, n_lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("source", help="the real corpus to draw lines from")
    ap.add_argument("out", help="the text file to write")
    ap.add_argument("--tokens", type=float, required=True, help="tokens to write (1e9 allowed)")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    if args.tokens != int(args.tokens) or args.tokens < 0:
        ap.error(f"--tokens must be a whole number >= 0, got {args.tokens:g}")
    start = time.perf_counter()
    with open(args.source, "rb") as f:
        lines, counts = read_lines(f)
    with open(args.out, "wb") as f:
        n, s = write_resampled(f, lines, counts, int(args.tokens), args.seed)
    print(f"{args.out}: {n} tokens, {s} lines in {time.perf_counter() - start:.1f} s",
          file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
