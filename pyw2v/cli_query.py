"""`pyw2v similar | analogy | eval | info`: queries on a trained model.

MODEL is a native pyw2v file (Word2Vec.save), a file of gensim 4's save(), or word2vec.c
text or binary vectors (told apart by content; .gz, .bz2 and .xz files are read too).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from dataclasses import dataclass
from typing import Any

import numpy as np

from pyw2v import gensim_convert, io
from pyw2v.cli_train import mode_name
from pyw2v.keyedvectors import KeyedVectors
from pyw2v.model import Word2Vec
from pyw2v.streams import readable_twice


@dataclass
class LoadedModel:
    """Word vectors read from a file, what format they came in, and the model if the
    file was a native one."""

    kv: KeyedVectors
    format: str
    model: Word2Vec | None = None


def load_model(path: str, limit: int | None = None) -> LoadedModel:
    """Reads MODEL, whatever its format; `limit` keeps only the first (most frequent)
    words. A stream (`<(zcat vectors.gz)`, /dev/stdin) is read once, into a temporary
    copy, since telling the format reads its start."""
    if os.path.isdir(path):
        raise IsADirectoryError(f"{path!r} is a directory, not a model file")
    with readable_twice(path, "model") as readable:
        loaded = _load_model(readable, limit)
    return loaded


def _load_model(path: str, limit: int | None) -> LoadedModel:
    if gensim_convert.is_gensim_file(path):  # gensim 4's save(), read without running it
        loaded = gensim_convert.load_any(Word2Vec, path)
        model = loaded if isinstance(loaded, Word2Vec) else None
        kv = model.wv if model is not None else loaded
        if limit is not None:
            kv = KeyedVectors(kv.vectors[:limit], kv.index_to_key[:limit])
        return LoadedModel(kv, "gensim", model)
    if io.is_native(path):
        kind = io.native_kind(path)
        if kind != "word2vec":
            raise ValueError(f"{path!r} holds a {kind!r}; pyw2v's commands read Word2Vec models")
        model = Word2Vec.load(path)
        kv = model.wv
        if limit is not None:
            kv = KeyedVectors(kv.vectors[:limit], kv.index_to_key[:limit])
        return LoadedModel(kv, "pyw2v native", model)
    binary = io.detect_word2vec_binary(path)
    kv = io.load_word2vec_format(path, binary=binary, limit=limit)
    return LoadedModel(kv, "word2vec binary" if binary else "word2vec text")


def add_parsers(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        parser = sub.add_parser(
            name, parents=parents, allow_abbrev=False, help=help_text, description=help_text
        )
        parser.add_argument("model", metavar="MODEL", help="native model or word2vec vectors")
        return parser

    similar = command("similar", "nearest neighbours of each word, by cosine similarity")
    similar.add_argument("words", metavar="WORD", nargs="+")
    similar.add_argument("--topn", type=int, default=10, help="neighbours per word (default 10)")
    _limit_option(similar)
    similar.set_defaults(run=run_similar)

    analogy = command("analogy", "A is to B as C is to ?: the words nearest to B - A + C")
    analogy.add_argument("a", metavar="A")
    analogy.add_argument("b", metavar="B")
    analogy.add_argument("c", metavar="C")
    analogy.add_argument("--topn", type=int, default=10, help="answers shown (default 10)")
    _limit_option(analogy)
    analogy.set_defaults(run=run_analogy)

    evaluate = command("eval", "accuracy on analogy questions, correlation on word pairs")
    evaluate.add_argument(
        "--analogies", metavar="FILE", help="questions-words.txt format (': section' lines)"
    )
    evaluate.add_argument(
        "--pairs", metavar="FILE", help="word pairs with human scores, tab separated"
    )
    evaluate.add_argument(
        "--restrict-vocab",
        type=int,
        default=30000,
        metavar="N",
        help="answer analogies among the N most frequent words (default 30000)",
    )
    evaluate.add_argument(
        "--case-sensitive", action="store_true", help="do not lower-case words and questions"
    )
    evaluate.set_defaults(run=run_eval)

    info = command("info", "what a model file holds")
    info.set_defaults(run=run_info)


def _limit_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--limit", type=int, metavar="N", help="read only the first N words of the model"
    )


def _positive(name: str, value: int | None) -> None:
    if value is not None and value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")


def _check_words(kv: KeyedVectors, words: list[str]) -> None:
    unknown = [w for w in words if w not in kv]
    if unknown:
        listed = ", ".join(repr(w) for w in unknown)
        raise KeyError(f"not in the vocabulary ({len(kv):,} words): {listed}")


def _print_neighbours(neighbours: list[tuple[str, float]]) -> None:
    for word, similarity in neighbours:
        print(f"    {word:<20} {similarity:.4f}")


def run_similar(args: argparse.Namespace) -> int:
    _positive("--topn", args.topn)
    _positive("--limit", args.limit)
    kv = load_model(args.model, args.limit).kv
    _check_words(kv, args.words)
    for i, word in enumerate(args.words):
        print(f"{'' if i == 0 else chr(10)}{word}:")
        _print_neighbours(kv.most_similar(positive=[word], topn=args.topn))
    return 0


def run_analogy(args: argparse.Namespace) -> int:
    _positive("--topn", args.topn)
    _positive("--limit", args.limit)
    kv = load_model(args.model, args.limit).kv
    _check_words(kv, [args.a, args.b, args.c])
    print(f"{args.a} : {args.b} :: {args.c} : ?")
    answers = kv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn)
    _print_neighbours(answers)
    return 0


def run_eval(args: argparse.Namespace) -> int:
    if not args.analogies and not args.pairs:
        from pyw2v.cli import UsageError

        raise UsageError("give --analogies FILE, --pairs FILE or both (see 'pyw2v eval --help')")
    _positive("--restrict-vocab", args.restrict_vocab)
    for path in (args.analogies, args.pairs):
        if path and not os.path.isfile(path):
            raise FileNotFoundError(f"{path!r} not found")
    kv = load_model(args.model).kv
    case_insensitive = not args.case_sensitive
    if args.analogies:
        accuracy, sections = kv.evaluate_word_analogies(
            args.analogies, restrict_vocab=args.restrict_vocab, case_insensitive=case_insensitive
        )
        _print_analogies(args.analogies, accuracy, sections, _count_questions(args.analogies))
    if args.pairs:
        pearson, spearman, oov = kv.evaluate_word_pairs(
            args.pairs, case_insensitive=case_insensitive
        )
        if args.analogies:
            print()
        print(f"word pairs: {args.pairs}")
        print(f"    Pearson r     {_number(pearson[0])}  (p = {_number(pearson[1], '.2g')})")
        print(f"    Spearman rho  {_number(spearman[0])}  (p = {_number(spearman[1], '.2g')})")
        print(f"    pairs with an unknown word: {oov:.1f}%")
    return 0


def _count_questions(path: str) -> int:
    with open(path, encoding="utf-8", errors="replace") as f:
        return sum(1 for line in f if line.strip() and not line.lstrip().startswith(":"))


def _print_analogies(path: str, accuracy: float, sections: list[Any], n_questions: int) -> None:
    rows = [(s["section"], len(s["correct"]), len(s["incorrect"])) for s in sections]
    total = rows.pop() if rows and rows[-1][0].lower().startswith("total") else None
    if total is None:
        total = ("total", sum(r[1] for r in rows), sum(r[2] for r in rows))
    width = max([len(r[0]) for r in rows] + [len("section")])
    print(f"analogies: {path}")
    print(f"    {'section':<{width}}  {'correct':>7}  {'answered':>8}  {'accuracy':>8}")
    for name, correct, incorrect in rows:
        print(
            f"    {name:<{width}}  {correct:>7}  {correct + incorrect:>8}  "
            f"{_percent(correct, correct + incorrect):>8}"
        )
    answered = total[1] + total[2]
    print(
        f"    {'total':<{width}}  {total[1]:>7}  {answered:>8}  {_percent(total[1], answered):>8}"
    )
    skipped = max(n_questions - answered, 0)
    print(
        f"    {answered:,} of {n_questions:,} questions answered; {skipped:,} skipped "
        "(a word not in the vocabulary, or beyond --restrict-vocab)"
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "-"


def _number(value: float, spec: str = ".4f") -> str:
    return "nan" if value is None or not np.isfinite(value) else format(value, spec)


def run_info(args: argparse.Namespace) -> int:
    loaded = load_model(args.model)
    kv = loaded.kv
    size = os.path.getsize(args.model)
    print(f"file         {args.model} ({size / 1e6:,.1f} MB)")
    print(f"format       {loaded.format}")
    print(f"words        {len(kv):,}")
    print(f"dimension    {kv.vector_size}")
    if len(kv):
        norms = np.linalg.norm(kv.vectors, axis=1)
        print(f"vector norm  mean {norms.mean():.4f}, min {norms.min():.4f}, max {norms.max():.4f}")
        print(f"first words  {' '.join(kv.index_to_key[:10])}")
    model = loaded.model
    if model is not None:
        p = model.params
        print(
            f"training     {mode_name(p.sg, p.hs, p.negative)}, window {p.window}, "
            f"negative {p.negative}, sample {p.sample:g}, "
            f"min_count {p.min_count}, alpha {p.alpha:g} -> {p.min_alpha:g}, seed {p.seed}"
        )
        shown = ["not computed" if math.isnan(x) else f"{x:.4f}" for x in model.epoch_losses]
        losses = ", ".join(shown) or "-"
        print(f"epochs       {model.epochs_trained} trained; loss per epoch: {losses}")
        if model.vocab is not None:
            print(f"corpus words {model.vocab.total_words:,} (of vocabulary words)")
    sys.stdout.flush()
    return 0
