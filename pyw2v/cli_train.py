"""`pyw2v train`: word2vec.c's command line, plus long options.

    pyw2v train -train corpus.txt -output vectors.bin -size 200 -window 5 -sample 1e-4 \\
        -negative 5 -hs 0 -binary 1 -cbow 1 -iter 3
    pyw2v train -train corpus.txt -output vectors.bin -cbow 0 -hs 1 -negative 0

Each word2vec.c flag (-train -output -size -window -sample -negative -min-count -alpha
-iter -threads -binary -cbow -hs -save-vocab -read-vocab -debug -classes, and
-min-alpha) also has a long form (--train, --size or --vector-size, ...). Defaults are
word2vec.c's: CBOW (-cbow 1; -cbow 0 is skip-gram), negative sampling with negative 5
(-hs 1 adds hierarchical softmax, -negative 0 leaves it alone), size 100, window 5,
sample 1e-3, min-count 5, alpha 0.05 for CBOW and 0.025 for skip-gram, iter 5, binary 0;
the learning rate decays to alpha * 1e-4 (word2vec.c's floor) unless -min-alpha is given.
Threads: word2vec.c's 12 capped at the usable cores when any single-dash flag is used
(more threads than cores only slow Hogwild down), all usable cores otherwise.
"""

from __future__ import annotations

import argparse
import os
import stat
import sys
import time
from typing import Any

from pyw2v import io
from pyw2v.corpus import as_corpus
from pyw2v.distributed.driver import Options
from pyw2v.distributed.merge import MERGE_RULES
from pyw2v.model import Word2Vec
from pyw2v.params import cpu_count
from pyw2v.presets import PRESETS, preset
from pyw2v.progress import write_quietly
from pyw2v.saving import check_destination

# The reconciliation options of -scheduler, and their defaults (pyw2v.distributed.train's)
DISTRIBUTED_DEFAULTS = {
    name: getattr(Options(), name)
    for name in (
        "sync_words",
        "merge",
        "sync_schedule",
        "sync_dtype",
        "block_momentum",
        "first_epoch_sync_words",
    )
}

WORD2VEC_THREADS = 12  # word2vec.c's default
MIN_ALPHA_FRACTION = 1e-4  # word2vec.c never lets alpha fall below alpha * 1e-4
NATIVE_SUFFIXES = (".pyw2v", ".npz")

# (flag, long aliases, dest, type, help)
_FLAGS: list[tuple[str, tuple[str, ...], str, Any, str]] = [
    (
        "-train",
        (),
        "train",
        str,
        "corpus: a text file (plain, .gz, .bz2 or .xz), a line a sentence",
    ),
    ("-output", (), "output", str, "where to write the vectors"),
    ("-size", ("--vector-size",), "size", int, "dimension of the vectors (default 100)"),
    ("-window", (), "window", int, "maximal distance to a context word (default 5)"),
    ("-sample", (), "sample", float, "subsampling threshold for frequent words (default 1e-3)"),
    (
        "-negative",
        (),
        "negative",
        int,
        "noise words per positive example (default 5; 0: no negative sampling, needs -hs 1)",
    ),
    ("-min-count", (), "min_count", int, "drop words rarer than this (default 5)"),
    (
        "-alpha",
        (),
        "alpha",
        float,
        "starting learning rate (default 0.05 for CBOW, 0.025 for skip-gram)",
    ),
    ("-min-alpha", (), "min_alpha", float, "final learning rate (default alpha * 1e-4)"),
    ("-iter", ("--epochs",), "iter", int, "passes over the corpus (default 5)"),
    (
        "-threads",
        ("--workers",),
        "threads",
        int,
        "worker threads, 0 = all cores (default: "
        "word2vec.c's 12 capped at the cores with single-dash flags, else all cores)",
    ),
    ("-binary", (), "binary", int, "1: word2vec binary output, 0: text (default 0)"),
    ("-cbow", (), "cbow", int, "1 (default): CBOW; 0: skip-gram"),
    ("-hs", (), "hs", int, "1: hierarchical softmax (with -negative 0: alone); default 0"),
    ("-save-vocab", (), "save_vocab", str, "also write the vocabulary ('word count' lines)"),
    ("-read-vocab", (), "read_vocab", str, "take the vocabulary from this file, not the corpus"),
    ("-debug", (), "debug_level", int, "0: silent; 1 or 2 (default): summary and progress"),
    ("-classes", (), "classes", int, "0 (default); word classes are not implemented"),
]
WORD2VEC_FLAGS = frozenset(flag for flag, *_ in _FLAGS)

# names in the library's messages -> the flag a user typed
_PARAM_FLAGS = {
    "vector_size": "-size",
    "window": "-window",
    "sample": "-sample",
    "negative": "-negative",
    "min_count": "-min-count",
    "min_alpha": "-min-alpha",
    "alpha": "-alpha",
    "epochs": "-iter",
    "workers": "-threads",
    "seed": "--seed",
    "hs": "-hs",
    "sg_batch": "--sg-batch",
}


def add_parser(sub: Any, parents: list[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "train",
        parents=parents,
        allow_abbrev=False,
        help="train word vectors (word2vec.c's flags work unchanged)",
        description="Trains word vectors: CBOW or skip-gram, negative sampling and/or "
        "hierarchical softmax. word2vec.c's flags work "
        "unchanged, with its defaults; each has a long form too (--size, --iter, ...).",
        epilog="Output: word2vec text, or binary with -binary 1; pyw2v's native model "
        "(resumable) when the name ends in .pyw2v or .npz or with --format native.",
    )
    for flag, aliases, dest, kind, help_text in _FLAGS:
        required = dest in ("train", "output")
        metavar = "FILE" if kind is str else kind.__name__.upper()
        # --debug is taken (tracebacks), so -debug's long form is --debug-level
        long_form = "--debug-level" if flag == "-debug" else f"-{flag}"
        parser.add_argument(
            flag,
            long_form,
            *aliases,
            dest=dest,
            type=kind,
            required=required,
            metavar=metavar,
            help=help_text,
        )
    parser.add_argument(
        "--format", choices=("text", "binary", "native"), help="output format (see below)"
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    parser.add_argument(
        "--sg-batch",
        type=int,
        choices=(0, 1),
        nargs="?",
        const=1,
        default=None,
        help="skip-gram (-cbow 0): 1 trains each window as one block sharing one set of "
        "noise words, or the center's path with -hs 1 (HogBatch); 0 one (center, context) "
        "pair at a time, as word2vec.c; default: 1 with negative sampling alone, else 0 "
        "(README, option sg_batch)",
    )
    parser.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        help="start from a preset's settings (pyw2v.preset; README): flags given "
        "explicitly override its values",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing but errors")
    parser.add_argument(
        "--plot-curve",
        metavar="PNG",
        help="draw the loss and words/s of each epoch into a picture (matplotlib)",
    )
    parser.add_argument(
        "-scheduler",
        "--scheduler",
        dest="scheduler",
        metavar="ADDRESS",
        help="train on a Dask cluster (pip install 'pyw2v[dask]'): the scheduler's "
        "address, e.g. tcp://host:8786; the workers must read -train at the same path, "
        "each trains a replica with its own threads unless -threads is given "
        "(docs/distributed.md)",
    )
    parser.add_argument(
        "--sync-words",
        type=int,
        metavar="N",
        help="with -scheduler: words each replica trains between reconciliations "
        f"(default {DISTRIBUTED_DEFAULTS['sync_words']:,})",
    )
    parser.add_argument(
        "--merge",
        choices=MERGE_RULES,
        help="with -scheduler: how the replicas' changes to a row combine "
        f"(default {DISTRIBUTED_DEFAULTS['merge']})",
    )
    parser.add_argument(
        "--sync-schedule",
        choices=("all", "doubling"),
        help="with -scheduler: every changed row each round, or the most frequent rows "
        f"each round and rarer ones less often (default {DISTRIBUTED_DEFAULTS['sync_schedule']})",
    )
    parser.add_argument(
        "--sync-dtype",
        choices=("float32", "float16"),
        help="with -scheduler: send the rows' values, or their changes rounded to float16 "
        f"(half the bytes) (default {DISTRIBUTED_DEFAULTS['sync_dtype']})",
    )
    parser.add_argument(
        "--block-momentum",
        type=float,
        metavar="RATE",
        help="with -scheduler: the share of its previous reconciled change that a row "
        "several replicas changed moves by again, in [0, 1) "
        f"(default {DISTRIBUTED_DEFAULTS['block_momentum']:g}; 0: off)",
    )
    parser.add_argument(
        "--first-epoch-sync-words",
        type=int,
        metavar="N",
        help="with -scheduler: words each replica trains between reconciliations in the "
        "first epoch (default: a quarter of --sync-words with 2 or more replicas, which "
        "comes closer to one machine's quality for more rounds; --sync-words with one; "
        "equal to --sync-words: as later epochs)",
    )
    parser.set_defaults(run=run)


def output_format(args: argparse.Namespace) -> str:
    """text, binary or native, from --format, -binary and the output's name."""
    from pyw2v.cli import UsageError

    by_flag = None if args.binary is None else ("binary" if args.binary else "text")
    if args.format is not None:
        if by_flag is not None and args.format != by_flag:
            raise UsageError(f"--format {args.format} contradicts -binary {args.binary}")
        return str(args.format)
    if args.output.lower().endswith(NATIVE_SUFFIXES):
        return "native"
    return by_flag or "text"


def make_model(args: argparse.Namespace, word2vec_style: bool) -> Word2Vec:
    """A Word2Vec with the flags' hyperparameters; ValueError naming a bad flag."""
    if args.cbow not in (None, 0, 1):
        raise ValueError(f"-cbow must be 1 (CBOW) or 0 (skip-gram), got {args.cbow}")
    if args.hs not in (None, 0, 1):
        raise ValueError(f"-hs must be 0 or 1 (hierarchical softmax), got {args.hs}")
    chosen = preset(args.preset) if getattr(args, "preset", None) else {}
    sg = (1 if args.cbow == 0 else 0) if args.cbow is not None else chosen.get("sg", 0)
    if args.classes:
        raise ValueError("-classes (k-means word classes) is not implemented")
    if args.threads is not None:
        threads = args.threads
    else:
        threads = min(WORD2VEC_THREADS, cpu_count()) if word2vec_style else 0

    def pick(flag: Any, name: str, default: Any) -> Any:
        """The flag if given, else the preset's value, else word2vec.c's default."""
        return flag if flag is not None else chosen.get(name, default)

    alpha = pick(args.alpha, "alpha", 0.025 if sg else 0.05)  # word2vec.c's by default
    quiet = args.quiet or args.debug_level == 0
    settings: dict[str, Any] = {
        "vector_size": pick(args.size, "vector_size", 100),
        "window": pick(args.window, "window", 5),
        "sample": pick(args.sample, "sample", 1e-3),
        "negative": pick(args.negative, "negative", 5),
        "min_count": pick(args.min_count, "min_count", 5),
        "alpha": alpha,
        "min_alpha": pick(args.min_alpha, "min_alpha", alpha * MIN_ALPHA_FRACTION),
        "epochs": pick(args.iter, "epochs", 5),
        "workers": threads,
        "seed": args.seed,
        "sg": sg,
        "hs": pick(args.hs, "hs", 0),
        "cbow_mean": chosen.get("cbow_mean", 1),
        "cbow_exact_grad": chosen.get("cbow_exact_grad", False),
        "sg_batch": None if args.sg_batch is None else bool(args.sg_batch),
    }
    try:
        return Word2Vec(**settings, progress=not quiet)
    except (ValueError, TypeError) as exc:
        message = str(exc)
        flag = next((f for name, f in _PARAM_FLAGS.items() if message.startswith(name)), None)
        raise ValueError(f"{flag}: {message}" if flag else message) from exc


def run(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    word2vec_style = bool(getattr(args, "word2vec_style", False))
    fmt = output_format(args)
    _check_cluster_flags(args)
    model = make_model(args, word2vec_style)
    say = _Say(args.quiet or args.debug_level == 0)
    outputs = [args.output] + [p for p in (args.save_vocab, args.plot_curve) if p]
    for path in outputs:
        check_destination(path)  # fails now, not after training
    inputs = [args.train] + ([args.read_vocab] if args.read_vocab else [])
    _refuse_overwriting(outputs, inputs)
    curve = None
    if args.plot_curve:
        from pyw2v.plot import require_matplotlib
        from pyw2v.plot_data import TrainingCurve

        require_matplotlib()  # before training, not after
        curve = TrainingCurve()
    corpus = as_corpus(args.train)  # fails now, not after counting, if the file is missing
    p = model.params
    batched = " (batched)" if p.batched else ""
    say(
        f"{mode_name(p.sg, p.hs, p.negative)}{batched}: size {p.vector_size}, "
        f"window {p.window}, "
        f"negative {p.negative}, "
        f"sample {p.sample:g}, min-count {p.min_count}, alpha {p.alpha:g} -> {p.min_alpha:g}, "
        f"iter {p.epochs}, threads {p.n_threads}"
    )
    scheduler = getattr(args, "scheduler", None)
    if scheduler:
        model = _train_on_cluster(args, model, scheduler)
        stats = model.corpus_stats
        say(
            f"vocabulary: {len(model.wv):,} words (of {stats['distinct_words']:,}); "
            f"corpus: {stats['tokens']:,} words in {stats['sentences']:,} lines"
        )
    elif args.read_vocab:
        freq = io.load_vocab(args.read_vocab)
        model.build_vocab_from_freq(freq)
        say(f"vocabulary: {len(model.wv):,} words of {len(freq):,} read from {args.read_vocab}")
    else:
        model.build_vocab(corpus)
        stats = model.corpus_stats
        say(
            f"vocabulary: {len(model.wv):,} words (of {stats['distinct_words']:,}); "
            f"corpus: {stats['tokens']:,} words in {stats['sentences']:,} lines"
        )
    if args.save_vocab:
        assert model.vocab is not None
        io.save_vocab(model.vocab, args.save_vocab, sentences=model.corpus_stats["sentences"])
    if not scheduler:
        model.train(corpus, callbacks=[curve] if curve else None)
    if curve is not None:
        from pyw2v.plot import draw_training_curve

        name = os.path.basename(args.train)
        draw_training_curve(curve, args.plot_curve, title=f"{mode_name(p.sg, p.hs, p.negative)} "
                            f"on {name}, {p.n_threads} threads")  # fmt: skip
        say(f"wrote the training curve to {args.plot_curve}")
    if fmt == "native":
        model.save(args.output)
    else:
        model.wv.save_word2vec_format(args.output, binary=fmt == "binary")
    say(
        f"wrote {len(model.wv):,} vectors of dimension {p.vector_size} to {args.output} "
        f"({fmt}) in {time.perf_counter() - started:.1f} s; "
        f"last epoch's loss {model.epoch_losses[-1]:.4f}"
    )
    return 0


def _check_cluster_flags(args: argparse.Namespace) -> None:
    """UsageError for a reconciliation flag given without -scheduler."""
    from pyw2v.cli import UsageError

    for name in DISTRIBUTED_DEFAULTS:
        if getattr(args, name, None) is not None and not getattr(args, "scheduler", None):
            raise UsageError(f"--{name.replace('_', '-')} needs -scheduler")


def _train_on_cluster(args: argparse.Namespace, model: Word2Vec, address: str) -> Word2Vec:
    """Trains on the Dask cluster at `address` with the flags' hyperparameters (the
    vocabulary is counted there too)."""
    from pyw2v.cli import UsageError

    if args.read_vocab:
        raise UsageError("-read-vocab cannot be used with -scheduler")
    if args.plot_curve:
        raise UsageError("--plot-curve cannot be used with -scheduler")
    try:
        from distributed import Client
    except ImportError:
        raise UsageError("-scheduler needs Dask: pip install 'pyw2v[dask]'") from None
    import pyw2v.distributed

    params = model.params.to_dict()
    params["workers"] = args.threads or 0  # 0: each Dask worker's own threads
    options = {name: getattr(args, name) for name in DISTRIBUTED_DEFAULTS}
    options = {name: value for name, value in options.items() if value is not None}
    with Client(address) as client:
        trained = pyw2v.distributed.train(
            client, [args.train], progress=model.progress, **options, **params
        )
    assert isinstance(trained, Word2Vec)
    return trained


def mode_name(sg: int, hs: int, negative: int) -> str:
    """CBOW-NS, SG-HS, CBOW-HS+NS, ...: the planner and the losses."""
    losses = "+".join((["HS"] if hs else []) + (["NS"] if negative else []))
    return f"{'SG' if sg else 'CBOW'}-{losses}"


def _refuse_overwriting(outputs: list[str], inputs: list[str]) -> None:
    """ValueError if an output is one of the inputs or another output (the same file,
    by device and inode, whatever the names): saving would destroy it. Devices and
    FIFOs (/dev/null, /dev/stdout) may be named twice."""
    seen: dict[tuple[int, int], str] = {}
    for path in inputs:
        identity = _file_identity(path)
        if identity is not None:
            seen.setdefault(identity, path)
    for path in outputs:
        identity = _file_identity(path)
        if identity is None:
            continue
        if identity in seen:
            raise ValueError(
                f"refusing to write {path!r}: it is the same file as {seen[identity]!r}, "
                "which it would overwrite"
            )
        seen[identity] = path


def _file_identity(path: str) -> tuple[int, int] | None:
    """(device, inode) of an existing regular file, following links; else None."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


class _Say:
    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, text: str) -> None:
        if not self.quiet:
            write_quietly(sys.stderr, text + "\n")  # a closed stderr never stops training
