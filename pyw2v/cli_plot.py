"""`pyw2v plot MODEL WORD [WORD ...] -o map.png`: a 2-D map of words and their nearest
neighbours (needs matplotlib: pip install 'pyw2v[plot]')."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pyw2v.cli_query import load_model


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    text = "draw a 2-D map of words and their nearest neighbours (PNG)"
    parser = sub.add_parser("plot", parents=parents, allow_abbrev=False, help=text,
                            description=text + "; needs matplotlib")  # fmt: skip
    parser.add_argument("model", metavar="MODEL", help="native model or word2vec vectors")
    parser.add_argument("words", metavar="WORD", nargs="+")
    parser.add_argument("-o", "--output", required=True, metavar="PNG", help="picture to write")
    parser.add_argument("--topn", type=int, default=8, help="neighbours per word (default 8)")
    parser.add_argument(
        "--limit", type=int, metavar="N", help="read only the first N words of the model"
    )
    parser.set_defaults(run=run_plot)


def run_plot(args: argparse.Namespace) -> int:
    from pyw2v.plot import draw_word_map, require_matplotlib

    if args.topn < 1:
        raise ValueError(f"--topn must be >= 1, got {args.topn}")
    require_matplotlib()  # before reading a large model
    loaded = load_model(args.model, args.limit)
    drawn = draw_word_map(loaded.kv, args.words, args.output, args.topn)
    print(
        f"wrote {args.output}: {len(drawn.words)} words, the two components shown explain "
        f"{drawn.explained.sum():.0%} of their variance",
        file=sys.stderr,
    )
    return 0
