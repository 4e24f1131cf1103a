"""Run ONE training of one tool on the reference workload W1 (or another mode) and
report timings as JSON.

Started by benchmarks/compare.py as a separate process per run, so that the peak RSS
the harness reads (os.wait4) belongs to this run alone. Usage:

    python benchmarks/run_one.py TOOL --corpus FILE --threads T [--mode M] [--epochs E] \
        --seed S [--alpha A] --vectors OUT.bin --result RESULT.json [--setup-only]
    python benchmarks/run_one.py TOOL --probe     # print {"version": ...} or exit 3

TOOL is one of: pyw2v, word2vec.c, gensim, gensim-file, fasttext. MODE is one of
cbow-ns (W1, the default), sg-ns, cbow-hs, sg-hs (see MODES); --epochs defaults to the
mode's (3 for CBOW, 1 for skip-gram). The vectors are written in word2vec binary format
(the harness evaluates every tool the same way).

--setup-only runs the part of a tool that cannot be timed apart from training inside
one call, so the harness can subtract it: for word2vec.c the binary without -output
(it learns the vocabulary, then exits), for fasttext train_unsupervised with epoch=0
(vocabulary, matrix initialisation, negative table; no training step).

Heavy imports happen inside the tool functions: a word2vec.c run imports no numpy.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import resource
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

TOOLS = ("pyw2v", "word2vec.c", "gensim", "gensim-file", "fasttext")

# Reference workload W1 (../shared/SPEC.md); epochs, threads and seed come from the CLI.
W1: dict[str, Any] = {
    "model": "CBOW, negative sampling, no hierarchical softmax",
    "vector_size": 100,
    "window": 5,
    "negative": 5,
    "sample": 1e-3,
    "min_count": 5,
    "alpha": 0.05,
    "min_alpha": 0.0001,
    "cbow_mean": 1,
}

# The four word2vec modes: W1 with another architecture and/or loss. Every tool gets the
# same explicit alpha, word2vec.c's default for the architecture (0.05 CBOW, 0.025
# skip-gram); the hierarchical-softmax modes use no negative sampling (negative 0).
# "epochs" is the default when --epochs is not given: 3 for CBOW, 1 for skip-gram.
MODES: dict[str, dict[str, Any]] = {
    "cbow-ns": {"sg": 0, "hs": 0, "negative": 5, "alpha": 0.05, "epochs": 3,
                "model": W1["model"]},
    # pyw2v's default skip-gram with negative sampling is the batched form (sg_batch)
    "sg-ns": {"sg": 1, "hs": 0, "negative": 5, "alpha": 0.025, "epochs": 1,
              "model": "skip-gram, negative sampling, no hierarchical softmax"},
    # sg-ns with pyw2v's per-pair form (sg_batch=False), word2vec.c's and gensim's
    "sg-ns-pairs": {"sg": 1, "hs": 0, "negative": 5, "alpha": 0.025, "epochs": 1,
                    "sg_batch": False,
                    "model": "skip-gram, negative sampling (pyw2v: per pair, sg_batch=False)"},
    "cbow-hs": {"sg": 0, "hs": 1, "negative": 0, "alpha": 0.05, "epochs": 3,
                "model": "CBOW, hierarchical softmax, no negative sampling"},
    "sg-hs": {"sg": 1, "hs": 1, "negative": 0, "alpha": 0.025, "epochs": 1,
              "model": "skip-gram, hierarchical softmax, no negative sampling"},
    # sg-ns with pyw2v's batched form (sg_batch: noise shared by a window); the peers
    # train plain sg-ns
    "sg-ns-batched": {"sg": 1, "hs": 0, "negative": 5, "alpha": 0.025, "epochs": 1,
                      "sg_batch": True,
                      "model": "skip-gram, negative sampling (pyw2v: batched, sg_batch)"},
    # sg-hs with pyw2v's batched form (sg_batch: the center's path shared by a window)
    "sg-hs-batched": {"sg": 1, "hs": 1, "negative": 0, "alpha": 0.025, "epochs": 1,
                      "sg_batch": True,
                      "model": "skip-gram, hierarchical softmax (pyw2v: batched, sg_batch)"},
}  # fmt: skip
DEFAULT_MODE = "cbow-ns"


def workload(mode: str) -> dict[str, Any]:
    """The settings of a mode: W1's, with the mode's model, sg, hs, negative and alpha
    (no epochs: those come from the command line)."""
    spec = MODES[mode]
    return W1 | {"mode": mode} | {k: v for k, v in spec.items() if k != "epochs"}


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The run's settings: its mode's, with --alpha in place of the mode's if given
    (e.g. gensim's own default 0.025 for CBOW)."""
    w = workload(args.mode)
    return w if args.alpha is None else w | {"alpha": args.alpha}


Result = dict[str, Any]


def call_text(function: str, kwargs: dict[str, Any]) -> str:
    """`function(k=v, ...)` as recorded in the result JSON (paths shown by name only)."""
    shown = (f"{k}={Path(v).name!r}" if isinstance(v, Path) else f"{k}={v!r}"
             for k, v in kwargs.items())  # fmt: skip
    return f"{function}({', '.join(shown)})"


def alpha_schedule(w: dict[str, Any], end: str) -> str:
    return f"alpha {w['alpha']} -> {end}"


def write_word2vec_binary(path: Path, words: Sequence[str], vectors: Any) -> None:
    """Write vectors (V x d float32 array-like) in word2vec.c's binary format."""
    import numpy as np

    mat = np.ascontiguousarray(vectors, dtype="<f4")
    with open(path, "wb") as out:
        out.write(f"{mat.shape[0]} {mat.shape[1]}\n".encode())
        for word, row in zip(words, mat, strict=True):
            out.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")


# --- pyw2v ---------------------------------------------------------------------------


def run_pyw2v(args: argparse.Namespace) -> Result:
    """pyw2v: time of model.train() after build_vocab() (which counts and encodes)."""
    from pyw2v import Word2Vec

    corpus = str(args.corpus)
    w = settings(args)
    kwargs = {
        "vector_size": w["vector_size"],
        "window": w["window"],
        "sg": w["sg"],
        "hs": w["hs"],
        "negative": w["negative"],
        "sample": w["sample"],
        "min_count": w["min_count"],
        "epochs": args.epochs,
        "workers": args.threads,
        "alpha": w["alpha"],
        "min_alpha": w["min_alpha"],
        "seed": args.seed,
        "progress": False,
        # the work gensim (compute_loss=False by default) and word2vec.c do: no loss
        "compute_loss": False,
    }
    if "sg_batch" in w:
        kwargs["sg_batch"] = w["sg_batch"]
    model = Word2Vec(**kwargs)
    t0 = time.perf_counter()
    model.build_vocab(corpus)
    t1 = time.perf_counter()
    model.train(corpus)
    t2 = time.perf_counter()
    model.wv.save_word2vec_format(str(args.vectors), binary=True)
    t3 = time.perf_counter()
    return {
        "vocab_s": t1 - t0,
        "train_s": t2 - t1,
        "export_s": t3 - t2,
        "work_s": t3 - t0,
        "train_method": "perf_counter around model.train() after build_vocab()",
        "alpha_schedule": alpha_schedule(w, f"min_alpha {w['min_alpha']}, linear"),
        "call": call_text("Word2Vec", kwargs),
    }


# --- gensim --------------------------------------------------------------------------


def gensim_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """gensim Word2Vec's arguments for the mode."""
    w = settings(args)
    return {
        "vector_size": w["vector_size"],
        "window": w["window"],
        "negative": w["negative"],
        "hs": w["hs"],
        "sg": w["sg"],
        "cbow_mean": w["cbow_mean"],
        "sample": w["sample"],
        "min_count": w["min_count"],
        "alpha": w["alpha"],
        "min_alpha": w["min_alpha"],
        "epochs": args.epochs,
        "workers": args.threads,
        "seed": args.seed,
    }


def gensim_model(args: argparse.Namespace) -> Any:
    """A gensim Word2Vec configured for the mode (vocabulary not built yet)."""
    from gensim.models import Word2Vec

    return Word2Vec(**gensim_kwargs(args))


def run_gensim(args: argparse.Namespace) -> Result:
    """gensim with an iterable corpus (LineSentence): time of model.train()."""
    from gensim.models.word2vec import LineSentence

    model = gensim_model(args)
    t0 = time.perf_counter()
    model.build_vocab(LineSentence(str(args.corpus)))
    t1 = time.perf_counter()
    model.train(
        LineSentence(str(args.corpus)),
        total_examples=model.corpus_count,
        epochs=model.epochs,
    )
    t2 = time.perf_counter()
    return finish_gensim(args, model, t0, t1, t2, "LineSentence iterable")


def run_gensim_file(args: argparse.Namespace) -> Result:
    """gensim with corpus_file= (one file chunk per worker): time of model.train()."""
    model = gensim_model(args)
    t0 = time.perf_counter()
    model.build_vocab(corpus_file=str(args.corpus))
    t1, c1 = time.perf_counter(), time.process_time()
    model.train(
        corpus_file=str(args.corpus),
        total_words=model.corpus_total_words,
        epochs=model.epochs,
    )
    t2, c2 = time.perf_counter(), time.process_time()
    return finish_gensim(args, model, t0, t1, t2, "corpus_file=") | {"train_cpu_s": c2 - c1}


def finish_gensim(
    args: argparse.Namespace, model: Any, t0: float, t1: float, t2: float, mode: str
) -> Result:
    """Export a trained gensim model and build its result record."""
    model.wv.save_word2vec_format(str(args.vectors), binary=True)
    t3 = time.perf_counter()
    w = settings(args)
    return {
        "vocab_s": t1 - t0,
        "train_s": t2 - t1,
        "export_s": t3 - t2,
        "work_s": t3 - t0,
        "train_method": f"perf_counter around model.train() after build_vocab(), {mode}",
        "alpha_schedule": alpha_schedule(w, f"min_alpha {w['min_alpha']}, linear"),
        "call": call_text("Word2Vec", gensim_kwargs(args)) + f", corpus via {mode}",
    }


# --- word2vec.c ----------------------------------------------------------------------


def word2vec_binary() -> str:
    """Path of the word2vec.c binary installed by the PyPI `word2vec` package."""
    candidate = Path(sys.prefix) / "bin" / "word2vec"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    found = shutil.which("word2vec")
    if found is None:
        raise FileNotFoundError("word2vec binary not found (pip install word2vec)")
    return found


def children_cpu_s() -> float:
    """CPU time (user + system) of the reaped child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_process(cmd: list[str], marker: bytes | None = None) -> tuple[float, float | None]:
    """Run cmd; return its wall time and the time from the first output chunk
    containing `marker` to the end (None if the marker never shows)."""
    t0 = time.perf_counter()
    t_marker = None
    seen = b""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    assert proc.stdout is not None
    while chunk := os.read(proc.stdout.fileno(), 65536):
        sys.stdout.buffer.write(chunk)  # into the run's log
        if t_marker is None and marker is not None:
            seen = (seen + chunk)[-4096:]
            if marker in seen:
                t_marker = time.perf_counter()
    code = proc.wait()
    t1 = time.perf_counter()
    sys.stdout.buffer.flush()
    if code != 0:
        raise RuntimeError(f"{cmd[0]} exited with status {code}")
    return t1 - t0, (t1 - t_marker) if t_marker is not None else None


def run_word2vec_c(args: argparse.Namespace) -> Result:
    """word2vec.c: whole binary timed; the harness subtracts a vocabulary-only run."""
    binary = word2vec_binary()
    w = settings(args)
    common = ["-train", str(args.corpus), "-min-count", str(w["min_count"])]
    if args.setup_only:
        # Without -output the binary learns the vocabulary and exits (TrainModel()).
        cmd = [binary, *common, "-debug", "2"]
        wall, _ = timed_process(cmd)
        return {
            "setup_s": wall,
            "setup_cpu_s": children_cpu_s(),
            "setup_method": "word2vec.c without -output (vocab only)",
            "command": shown_command(cmd, args),
        }
    cmd = [
        binary, *common,
        "-output", str(args.vectors), "-binary", "1",
        "-cbow", str(1 - w["sg"]), "-hs", str(w["hs"]),
        "-size", str(w["vector_size"]),
        "-window", str(w["window"]),
        "-negative", str(w["negative"]),
        "-sample", str(w["sample"]),
        "-alpha", str(w["alpha"]),
        "-iter", str(args.epochs),
        "-threads", str(args.threads),
        "-debug", "2",
    ]  # fmt: skip
    # The first progress line ("Alpha: ...") is flushed ~10k words into training, after
    # vocabulary, InitNet and the unigram table: a cross-check of the subtraction.
    wall, from_progress = timed_process(cmd, marker=b"Alpha:")
    cpu = children_cpu_s()  # the binary is this runner's only child
    # InitUnigramTable() runs only with negative sampling; InitNet() builds the Huffman
    # tree (CreateBinaryTree) in every mode.
    table = ", the 1e8-entry unigram table" if w["negative"] > 0 else ""
    floor = f"{w['alpha'] * 1e-4:.2g}".replace("e-0", "e-")  # 5e-6 for alpha 0.05
    return {
        "call_s": wall,
        "call_cpu_s": cpu,
        "work_s": wall,
        "train_from_progress_s": from_progress,
        "train_method": (
            "whole binary wall time minus a vocabulary-only run of the binary "
            f"(same process start, vocabulary pass; training also keeps InitNet{table} "
            "and writing the output)"
        ),
        "alpha_schedule": f"alpha {w['alpha']} -> 0 linear, floor alpha*1e-4 = {floor} (fixed)",
        "seed": "none (word2vec.c seeds each thread with its thread id)",
        "command": shown_command(cmd, args),
    }


def shown_command(cmd: list[str], args: argparse.Namespace) -> str:
    """cmd as recorded in the result JSON: the binary, corpus and output by name only."""
    paths = {cmd[0], str(args.corpus), str(args.vectors)}
    return shlex.join(Path(part).name if part in paths else part for part in cmd)


# --- fastText ------------------------------------------------------------------------


def run_fasttext(args: argparse.Namespace) -> Result:
    """fastText: train_unsupervised() call timed; the harness subtracts an epoch=0 call."""
    import fasttext

    w = settings(args)
    kwargs = {
        "input": args.corpus,
        "model": "skipgram" if w["sg"] else "cbow",
        "loss": "hs" if w["hs"] else "ns",
        "dim": w["vector_size"],
        "ws": w["window"],
        "neg": w["negative"],  # unused with loss="hs"
        "t": w["sample"],
        "minCount": w["min_count"],
        "lr": w["alpha"],
        "epoch": 0 if args.setup_only else args.epochs,
        "thread": args.threads,
        "minn": 0,
        "maxn": 0,
        "wordNgrams": 1,
        "bucket": 0,  # no subword/n-gram rows (the fastText CLI does the same for maxn=0)
        "lrUpdateRate": 100,
        "verbose": 0,
    }
    t0 = time.perf_counter()
    model = fasttext.train_unsupervised(**(kwargs | {"input": str(args.corpus)}))
    t1 = time.perf_counter()
    if args.setup_only:
        table = "Huffman tree" if w["hs"] else "negative table"
        return {
            "setup_s": t1 - t0,
            "setup_method": f"train_unsupervised(epoch=0): vocab, init, {table}",
            "call": call_text("train_unsupervised", kwargs),
        }
    words = model.get_words()
    write_word2vec_binary(args.vectors, words, [model.get_word_vector(w) for w in words])
    t2 = time.perf_counter()
    return {
        "call_s": t1 - t0,
        "export_s": t2 - t1,
        "work_s": t2 - t0,
        "train_method": (
            "train_unsupervised() wall time minus a train_unsupervised(epoch=0) run "
            f"(vocabulary, matrix init and {'Huffman tree' if w['hs'] else 'negative table'})"
        ),
        "alpha_schedule": f"lr {w['alpha']} -> 0 linear, updated every 100 tokens",
        "seed": "0 (fixed: the Python API takes no seed)",
        "call": call_text("train_unsupervised", kwargs),
    }


RUNNERS: dict[str, Callable[[argparse.Namespace], Result]] = {
    "pyw2v": run_pyw2v,
    "word2vec.c": run_word2vec_c,
    "gensim": run_gensim,
    "gensim-file": run_gensim_file,
    "fasttext": run_fasttext,
}


def probe(tool: str) -> Result:
    """Version facts of a tool; raises if it cannot be used."""
    if tool == "pyw2v":
        import pyw2v

        version = getattr(pyw2v, "__version__", None) or importlib.metadata.version("pyw2v")
        return {"version": f"pyw2v {version}"}
    if tool == "word2vec.c":
        word2vec_binary()
        pkg = importlib.metadata.version("word2vec")
        return {"version": f"word2vec.c via PyPI word2vec {pkg} (gcc -Ofast -march=native)"}
    if tool in ("gensim", "gensim-file"):
        import gensim
        from gensim.models.word2vec_inner import FAST_VERSION

        return {"version": f"gensim {gensim.__version__} (FAST_VERSION {FAST_VERSION})"}
    import fasttext  # noqa: F401

    return {"version": f"fasttext {importlib.metadata.version('fasttext')}"}


def vm_hwm_mib() -> float:
    """Peak RSS of this process since its exec (VmHWM, in MiB). Unlike ru_maxrss, which
    Linux carries over exec, it does not include the memory of the process that forked
    this one: a harness holding 230 MiB of evaluated vectors would otherwise set the
    floor of every run it starts."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def rusage_mb() -> dict[str, float]:
    """Peak RSS of this process and of its reaped children, in MiB (Linux: KiB units).
    peak_rss_mib is the larger of this process's VmHWM and its children's ru_maxrss (a
    child's includes this small runner's memory at fork, a few MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    hwm = vm_hwm_mib()
    return {
        "self_maxrss_mb": own / 1024,
        "children_maxrss_mb": children / 1024,
        "self_vm_hwm_mib": hwm,
        "peak_rss_mib": max(hwm, children / 1024),
    }


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tool", choices=TOOLS)
    parser.add_argument("--probe", action="store_true", help="print version JSON and exit")
    parser.add_argument("--corpus", type=Path)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--mode", choices=MODES, default=DEFAULT_MODE)
    parser.add_argument("--epochs", type=int, help="default: the mode's (MODES)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--alpha", type=float, help="default: the mode's (MODES)")
    parser.add_argument("--vectors", type=Path, help="output vectors (word2vec binary)")
    parser.add_argument("--result", type=Path, help="where to write the result JSON")
    parser.add_argument("--setup-only", action="store_true")
    args = parser.parse_args(list(argv) if argv is not None else None)
    if not args.probe and (args.corpus is None or args.result is None):
        parser.error("--corpus and --result are required unless --probe")
    if not args.probe and not args.setup_only and args.vectors is None:
        parser.error("--vectors is required for a training run")
    if args.epochs is None:
        args.epochs = MODES[args.mode]["epochs"]
    return args


def main(argv: Iterable[str] | None = None) -> int:
    args = parse_args(argv)
    if args.probe:
        try:
            print(json.dumps(probe(args.tool)))
        except Exception as exc:  # any import or lookup failure means "not available"
            print(f"{args.tool}: not available: {type(exc).__name__}: {exc}", file=sys.stderr)
            return 3
        return 0
    result: Result = {
        "tool": args.tool,
        "mode": args.mode,
        "threads": args.threads,
        "epochs": args.epochs,
    }
    result |= RUNNERS[args.tool](args)
    result |= rusage_mb()
    args.result.write_text(json.dumps(result, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
