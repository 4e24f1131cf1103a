"""`pyw2v convert-gensim OLD NEW`: a model or vectors saved by gensim 4 (save()) rewritten
in pyw2v's native format, or as word2vec.c vectors, without gensim installed."""

from __future__ import annotations

import argparse
from typing import Any

from pyw2v import gensim_convert
from pyw2v.model import Word2Vec

FORMATS = ("native", "binary", "text")


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    text = "rewrite a file of gensim 4's save() (Word2Vec or KeyedVectors) in pyw2v's format"
    parser = sub.add_parser(
        "convert-gensim", parents=parents, allow_abbrev=False, help=text, description=text
    )
    parser.add_argument("old", metavar="OLD", help="gensim file (its .npy files beside it)")
    parser.add_argument("new", metavar="NEW", help="file to write")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default="native",
        help="native (Word2Vec.load / KeyedVectors.load), or word2vec.c binary or text "
        "vectors (default native)",
    )
    parser.set_defaults(run=run_convert)


def run_convert(args: argparse.Namespace) -> int:
    convert(args.old, args.new, args.format)
    return 0


def convert(old: str, new: str, fmt: str = "native") -> None:
    """Reads gensim's file `old` (never running code from it) and writes `new`."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")
    if not gensim_convert.is_gensim_file(old):
        raise ValueError(f"{old!r} is not a file of gensim's save() (a pickle)")
    loaded = gensim_convert.load_any(Word2Vec, old)
    model = loaded if isinstance(loaded, Word2Vec) else None
    kv = loaded.wv if isinstance(loaded, Word2Vec) else loaded
    if fmt != "native":
        kv.save_word2vec_format(new, binary=fmt == "binary")
    elif model is not None:
        model.save(new)
    else:
        save = getattr(kv, "save", None)
        if save is None:
            raise ValueError(
                f"{old!r} holds KeyedVectors, which this pyw2v cannot write natively: "
                "use --format binary"
            )
        save(new)
