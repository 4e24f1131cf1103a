"""Peak memory and speed of one epoch on corpora of any size: does memory follow the
model (vocabulary x dimension) rather than the corpus?

    python benchmarks/big_corpus.py CORPUS [CORPUS ...] [--threads 2] [--reps 1]
        [--memory-budget 64M] [--json OUT.json]

Each run trains pyw2v for one epoch (CBOW, negative sampling: d 100, window 5, negative
5, sample 1e-3, min_count 5, alpha 0.05, as W1) on one corpus file in a child process
of its own, and reports the child's peak resident memory (the kernel's ru_maxrss of that
child, from wait4), the vocabulary, the tokens, the wall time of each phase (counting the
vocabulary, encoding the text to packed ids, training) and the training words/s. The
corpora run interleaved (A B C A B C ... for --reps), so that a change in the machine's
load falls on all of them. The model's own size, V x d x 4 bytes x 2 matrices, is
printed beside the peak: what the peak holds beyond it is the constant (the interpreter,
numpy, buffers) and whatever grows with the corpus.

The child also reads its own /proc/self/status after each phase: VmHWM (the peak so
far) and, after training, RssFile (resident pages of mapped files: the encoded ids
when they exceed the memory budget and go to a memory-mapped temporary file).

Generate big corpora with benchmarks/zipf_corpus.py or benchmarks/resample_corpus.py
(outside the repository).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from typing import Any

DIM = 100


def _size(text: str) -> int:
    """Bytes from '64M', '1G', '4096' (binary multiples)."""
    units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
    text = text.strip().lower().removesuffix("b").removesuffix("i")
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return int(text)


def _status() -> dict[str, int]:
    """VmHWM, VmRSS, RssAnon, RssFile of this process, in bytes (Linux)."""
    out = {}
    try:
        with open("/proc/self/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmHWM", "VmRSS", "RssAnon", "RssFile"):
                    out[key] = int(value.split()[0]) * 1024
    except OSError:
        pass
    return out


def child(path: str, threads: int, memory_budget: int | None, seed: int) -> dict[str, Any]:
    """One run, in this (child) process; returns its record."""
    record: dict[str, Any] = {"corpus": path, "threads": threads, "status": {}}
    record["status"]["start"] = _status()
    import numpy as np

    import pyw2v
    from pyw2v import corpus as corpus_mod
    from pyw2v.callbacks import CallbackAny2Vec

    record["status"]["imported"] = _status()
    phases: dict[str, float] = {}

    def timed(name: str, method: Any) -> Any:
        def run(self: Any, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return method(self, *args, **kwargs)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - start
                record["status"][f"after_{name}"] = _status()

        return run

    # instrumentation only: the library's own count and encode, timed
    corpus_mod.FileCorpus.count = timed("count", corpus_mod.FileCorpus.count)  # type: ignore[method-assign]
    corpus_mod.FileCorpus.encode = timed("encode", corpus_mod.FileCorpus.encode)  # type: ignore[method-assign]

    class Clock(CallbackAny2Vec):
        def on_train_begin(self, model: Any) -> None:
            self.begin = time.perf_counter()

        def on_train_end(self, model: Any) -> None:
            self.end = time.perf_counter()

    clock = Clock()
    kwargs: dict[str, Any] = {}
    if memory_budget is not None:
        kwargs["memory_budget"] = memory_budget
    start = time.perf_counter()
    model = pyw2v.Word2Vec(
        vector_size=DIM,
        window=5,
        negative=5,
        sample=1e-3,
        min_count=5,
        alpha=0.05,
        sg=0,
        hs=0,
        epochs=1,
        workers=threads,
        seed=seed,
        progress=False,
        **kwargs,
    )
    model.build_vocab(corpus_file=path)
    words, _ = model.train(corpus_file=path, callbacks=[clock])
    total = time.perf_counter() - start
    record["status"]["after_train"] = _status()
    encoded = model._encoded[1] if model._encoded is not None else None
    vocab = len(model.wv)
    record.update(
        vocab=vocab,
        tokens=int(model.corpus_stats["tokens"]),
        words_trained=int(words),
        ids_bytes=int(encoded.packed.nbytes) if encoded is not None else None,
        ids_mapped=isinstance(encoded.packed, np.memmap) if encoded is not None else None,
        memory_budget=model.memory_budget,
        model_bytes=vocab * DIM * 4 * 2,
        count_s=phases.get("count"),
        encode_s=phases.get("encode"),
        train_s=clock.end - clock.begin,
        total_s=total,
    )
    record["words_per_s"] = words / record["train_s"]
    return record


def run_child(path: str, threads: int, memory_budget: int | None, seed: int) -> dict[str, Any]:
    """Runs `child` in a fresh interpreter; adds its ru_maxrss (from wait4, this child's
    alone, unlike RUSAGE_CHILDREN's maximum over all children so far)."""
    cmd = [sys.executable, os.path.abspath(__file__), "--child", path, "--threads", str(threads)]
    cmd += ["--seed", str(seed)]
    if memory_budget is not None:
        cmd += ["--memory-budget", str(memory_budget)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=os.path.dirname(os.path.abspath(path)))
    with proc.stdout or open(os.devnull, "rb") as pipe:
        out = pipe.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"the run on {path} failed (exit {proc.returncode})")
    record = json.loads(out)
    record["maxrss_bytes"] = usage.ru_maxrss * 1024  # kilobytes on Linux
    return record


def _mib(n: float | None) -> str:
    return "-" if n is None else f"{n / (1 << 20):.0f}"


def table(records: list[dict[str, Any]]) -> str:
    head = (
        "| corpus | tokens | V | model MiB (V x d x 4 x 2) | budget MiB | ids MiB | ids in "
        "| peak RSS MiB | peak - model | after count | after encode | RssFile end "
        "| count s | encode s | train s | words/s |"
    )
    rows = [head, "|" + "---|" * 16]
    for r in records:
        st = r["status"]
        rows.append(
            f"| {os.path.basename(r['corpus'])} | {r['tokens']:,} | {r['vocab']:,} "
            f"| {_mib(r['model_bytes'])} | {_mib(r['memory_budget'])} | {_mib(r['ids_bytes'])} "
            f"| {'mapped file' if r['ids_mapped'] else 'memory'} "
            f"| {_mib(r['maxrss_bytes'])} | {_mib(r['maxrss_bytes'] - r['model_bytes'])} "
            f"| {_mib(st.get('after_count', {}).get('VmHWM'))} "
            f"| {_mib(st.get('after_encode', {}).get('VmHWM'))} "
            f"| {_mib(st.get('after_train', {}).get('RssFile'))} "
            f"| {r['count_s']:.1f} | {r['encode_s']:.1f} | {r['train_s']:.1f} "
            f"| {r['words_per_s'] / 1e6:.2f} M |"
        )
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("corpora", nargs="+", help="corpus files, run interleaved")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--reps", type=int, default=1, help="rounds over the corpora (default 1)")
    ap.add_argument(
        "--memory-budget",
        type=_size,
        default=None,
        help="memory_budget of the runs, e.g. 64M (default: the library's, 1 GiB)",
    )
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", help="also write the records to this file")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        record = child(args.corpora[0], args.threads, args.memory_budget, args.seed)
        sys.stdout.write(json.dumps(record))
        return 0
    records = []
    for rep in range(args.reps):
        for path in args.corpora:
            record = run_child(os.path.abspath(path), args.threads, args.memory_budget, args.seed)
            record["rep"] = rep
            records.append(record)
            print(
                f"rep {rep} {path}: peak {_mib(record['maxrss_bytes'])} MiB, "
                f"{record['words_per_s'] / 1e6:.2f} M words/s",
                file=sys.stderr,
            )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(records, f, indent=1)
    print(table(records))
    return 0


if __name__ == "__main__":
    sys.exit(main())
