"""The command line: `pyw2v COMMAND` (train, similar, analogy, eval, info, plot, convert-gensim,
demo).

`pyw2v train` takes word2vec.c's flags unchanged (`-train corpus -output vectors.bin
-size 200 ...`), and so does `pyw2v` itself when its first argument is one of them.
Errors are one line on stderr, `pyw2v: error: ...`, with exit status 1, or 2 for a
command line argparse cannot parse; `--debug` adds the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import NoReturn

from pyw2v import __version__, cli_convert, cli_plot, cli_query, cli_train


class UsageError(Exception):
    """A command line that does not parse (exit status 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    common = _Parser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show tracebacks of errors")
    parser = _Parser(
        prog="pyw2v",
        description="Fast word2vec: CBOW and skip-gram, negative sampling and hierarchical "
        "softmax.",
        parents=[common],
        allow_abbrev=False,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    cli_train.add_parser(sub, [common])
    cli_query.add_parsers(sub, [common])
    cli_plot.add_parser(sub, [common])
    cli_convert.add_parser(sub, [common])
    demo = sub.add_parser(
        "demo",
        parents=[common],
        allow_abbrev=False,
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
    demo.add_argument("--sg", action="store_true", help="train skip-gram instead of CBOW")
    demo.add_argument(
        "--hs", action="store_true", help="hierarchical softmax instead of negative sampling"
    )
    demo.add_argument(
        "--compare",
        action="store_true",
        help="train CBOW and skip-gram and print their neighbours side by side",
    )
    demo.add_argument(
        "--plot",
        metavar="PNG",
        help="also draw the validation words and their 5 nearest neighbours (matplotlib)",
    )
    demo.set_defaults(run=_run_demo)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    from pyw2v.demo import run_compare, run_demo

    common = dict(
        words=[w.strip() for w in args.words.split(",")],
        n_random=args.n_random,
        topn=args.topn,
        epochs=args.epochs,
        workers=args.workers,
        seed=args.seed,
        progress=not args.quiet,
        hs=int(args.hs),
    )
    if args.plot:
        from pyw2v.plot import require_matplotlib

        require_matplotlib()  # before training
    if args.compare:
        if args.sg:
            raise UsageError("--compare trains both CBOW and skip-gram: drop --sg")
        model = run_compare(**common)[0]
    else:
        model = run_demo(sg=int(args.sg), **common)
    if args.plot:
        from pyw2v.demo import validation_words
        from pyw2v.plot import draw_word_map

        words = [w for w in validation_words(model, common["words"], args.n_random, args.seed)
                 if w in model.wv]  # fmt: skip
        draw_word_map(model.wv, words, args.plot, topn=5)
        print(f"wrote {args.plot}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the command line; returns the exit status."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_in
    if args_in and args_in[0] in cli_train.WORD2VEC_FLAGS:
        args_in.insert(0, "train")  # `pyw2v -train ...`, as one would run word2vec
    try:
        args = build_parser().parse_args(args_in)
        args.word2vec_style = any(a in cli_train.WORD2VEC_FLAGS for a in args_in)
        status = int(args.run(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return status
    except UsageError as exc:
        return _fail(exc, 2, debug)
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print("pyw2v: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader went away (`pyw2v similar ... | head -1`): stop quietly, with the
        # status of a Unix tool ended by SIGPIPE
        _discard_stdout()
        return SIGPIPE_STATUS
    except Exception as exc:
        return _fail(exc, 1, debug)


SIGPIPE_STATUS = 128 + 13  # what a shell reports for a process ended by SIGPIPE


def _discard_stdout() -> None:
    """Points stdout at /dev/null, so that flushing it at exit does not fail again
    ("Exception ignored ... BrokenPipeError")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real stdout: nothing to flush
        pass


def _fail(exc: BaseException, status: int, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    print(f"pyw2v: error: {describe(exc)}", file=sys.stderr)
    return status


def describe(exc: BaseException) -> str:
    """One line saying what went wrong, without Python's decoration."""
    if isinstance(exc, KeyError) and exc.args:
        text = str(exc.args[0])
    elif isinstance(exc, OSError) and exc.strerror and exc.filename:
        text = f"{exc.filename}: {exc.strerror}"
    else:
        text = str(exc) or type(exc).__name__
    if not isinstance(exc, (ValueError, KeyError, OSError, TypeError, UsageError)):
        text = f"{type(exc).__name__}: {text}"
    return " ".join(text.split())
