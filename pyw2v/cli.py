"""The command line: `pyw2v demo` (more subcommands come with the interoperability work)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyw2v", description="Fast word2vec (CBOW with negative sampling)."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser(
        "demo",
        help="train on the embedded public-domain corpus and print nearest neighbours",
    )
    demo.add_argument("--words", default="", help="comma-separated extra words, e.g. king,water")
    demo.add_argument(
        "--n-random", type=int, default=8, help="words drawn from the 100 most frequent (default 8)"
    )
    demo.add_argument("--topn", type=int, default=8, help="neighbours per word (default 8)")
    demo.add_argument("--epochs", type=int, default=5)
    demo.add_argument("--workers", type=int, default=0, help="threads; 0 = all cores")
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--quiet", action="store_true", help="no progress line")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        if args.command == "demo":
            from pyw2v.demo import run_demo

            run_demo(
                words=[w.strip() for w in args.words.split(",")],
                n_random=args.n_random,
                topn=args.topn,
                epochs=args.epochs,
                workers=args.workers,
                seed=args.seed,
                progress=not args.quiet,
            )
    except (ValueError, TypeError, OSError, KeyError) as exc:
        print(f"pyw2v: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("pyw2v: interrupted", file=sys.stderr)
        return 130
    return 0
