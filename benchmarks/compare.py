"""Side-by-side benchmark of pyw2v and its peers on the reference workload W1.

W1 (../shared/SPEC.md): CBOW + negative sampling, d=100, window 5, negative 5,
sample 1e-3, min_count 5, alpha 0.05 decaying linearly, context averaged, 3 epochs,
at 1 and 2 threads. Tools: pyw2v, word2vec.c (PyPI `word2vec`), gensim (iterable
LineSentence corpus), gensim-file (corpus_file=), fasttext (cbow, loss ns, no subwords).

--mode picks the word2vec mode (run_one.MODES): cbow-ns (W1, the default), sg-ns
(pyw2v's default, batched form; sg-ns-pairs its per-pair form), cbow-hs, sg-hs
(hierarchical softmax without negative sampling); the other settings stay
W1's, alpha is word2vec.c's default for the architecture (0.05 CBOW, 0.025 skip-gram,
given explicitly to every tool) and the default epochs are 3 for CBOW, 1 for skip-gram.

Every run is its own process (benchmarks/run_one.py), runs are interleaved
(for rep: for threads: for tool), and the report gives medians over the reps. Every
run's vectors are evaluated by the same function here (gensim KeyedVectors: Google
analogies with restrict_vocab=30000, WordSim-353 Spearman).

Run with the benchmark venv (benchmarks/setup_peers.sh creates it):

    benchmarks/.venv-peers/bin/python benchmarks/compare.py [--mode M] [--tools ...] \
        [--threads 1,2]

Writes the Markdown report (--out, default benchmarks/RESULTS.md for cbow-ns and
benchmarks/RESULTS-<mode>.md for the other modes) and the raw per-run records as JSON in
benchmarks/out/ and in --results-dir (default benchmarks/results/). --corpus-words N
trains on the corpus's first lines up to N words, for quick checks only: its report and
records go to the git-ignored benchmarks/out/ unless --out / --results-dir say otherwise.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import platform
import shlex
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from run_one import DEFAULT_MODE, MODES, TOOLS, workload

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SHARED = ROOT.parent / "shared"
EOS = "</s>"  # word2vec.c and fastText put their end-of-line token in the vocabulary

Record = dict[str, Any]


# --- command line --------------------------------------------------------------------


def comma_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--corpus", type=Path, default=SHARED / "corpus" / "en-mix-17m.txt")
    parser.add_argument("--eval-dir", type=Path, default=SHARED / "eval")
    parser.add_argument(
        "--corpus-words", type=int, metavar="N",
        help="train on the corpus's first lines up to N words (a temporary copy): quick "
        "checks only, not for reported numbers",
    )  # fmt: skip
    parser.add_argument(
        "--mode", choices=MODES,
        help=f"word2vec mode (default {DEFAULT_MODE} = W1; with --report-from: the records')",
    )  # fmt: skip
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma list of tools")
    parser.add_argument("--threads", default="1,2", help="comma list of thread counts")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument(
        "--epochs", type=int,
        help="default: the mode's, " + ", ".join(f"{m} {v['epochs']}" for m, v in MODES.items()),
    )  # fmt: skip
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--out", type=Path,
        help="the report; default benchmarks/RESULTS.md for cbow-ns, "
        "benchmarks/RESULTS-<mode>.md for another mode, benchmarks/out/ with --corpus-words",
    )  # fmt: skip
    parser.add_argument(
        "--results-dir", type=Path,
        help="committed copy of the raw JSON; default benchmarks/results/ "
        "(benchmarks/out/ with --corpus-words)",
    )  # fmt: skip
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds per run")
    parser.add_argument("--keep-vectors", action="store_true", help="keep out/vectors/*")
    parser.add_argument(
        "--report-from", type=Path, metavar="RESULTS_JSON",
        help="run nothing: rewrite --out from the raw records of an earlier run",
    )  # fmt: skip
    args = parser.parse_args(argv)
    args.tools = comma_list(args.tools)
    unknown = [t for t in args.tools if t not in TOOLS]
    if unknown or not args.tools:
        parser.error(f"unknown tool(s) {unknown}; choose from {', '.join(TOOLS)}")
    try:
        args.threads = [int(t) for t in comma_list(args.threads)]
    except ValueError:
        parser.error("--threads takes a comma list of integers")
    if not args.threads or min(args.threads) < 1:
        parser.error("--threads must list positive integers")
    if args.reps < 1 or (args.epochs is not None and args.epochs < 1):
        parser.error("--reps and --epochs must be >= 1")
    if args.corpus_words is not None and args.corpus_words < 1:
        parser.error("--corpus-words must be >= 1")
    if args.report_from is None:
        args.mode = args.mode or DEFAULT_MODE
        if args.epochs is None:
            args.epochs = MODES[args.mode]["epochs"]
        args.out = args.out or default_out(args.mode, args.corpus_words)
        if args.results_dir is None:
            args.results_dir = HERE / ("out" if args.corpus_words else "results")
    for path in (args.corpus, args.eval_dir / "questions-words.txt",
                 args.eval_dir / "wordsim353.tsv"):  # fmt: skip
        if not path.is_file():
            parser.error(f"missing file: {shown(path)}")
    return args


def default_out(mode: str, corpus_words: int | None) -> Path:
    """The report's default path: a mode never overwrites W1's report (RESULTS.md), and
    a quick --corpus-words run stays in the git-ignored out/."""
    if corpus_words:
        return HERE / "out" / f"RESULTS-{mode}-{corpus_words}w.md"
    return HERE / ("RESULTS.md" if mode == DEFAULT_MODE else f"RESULTS-{mode}.md")


def shown(path: Path, start: Path = ROOT) -> str:
    """A path as shown in reports: relative (to the repository root), never absolute."""
    return os.path.relpath(os.path.abspath(path), os.path.abspath(start))


def command_line() -> str:
    """The command that produced the report, with repository-relative paths."""
    exe = Path(os.path.abspath(sys.executable))
    python = shown(exe) if ROOT in exe.parents else "python"
    return shlex.join([python, shown(Path(sys.argv[0])), *sys.argv[1:]])


# --- facts ---------------------------------------------------------------------------


def read_key_values(path: str, sep: str = ":") -> dict[str, str]:
    """First occurrence of each `key<sep>value` line of a text file ({} if unreadable)."""
    facts: dict[str, str] = {}
    try:
        lines = Path(path).read_text().splitlines()
    except OSError:
        return facts
    for line in lines:
        key, found, value = line.partition(sep)
        if found:
            facts.setdefault(key.strip(), value.strip().strip('"'))
    return facts


def first_line_of(cmd: list[str]) -> str:
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False).stdout
    except OSError:
        return "n/a"
    return out.splitlines()[0] if out else "n/a"


def machine_facts() -> Record:
    cpu = read_key_values("/proc/cpuinfo")
    flags = set(cpu.get("flags", "").split())
    simd = [f for f in ("sse4_2", "avx", "avx2", "fma", "avx512f") if f in flags]
    mem_kib = int(read_key_values("/proc/meminfo").get("MemTotal", "0 kB").split()[0])
    return {
        "cpu": cpu.get("model name", platform.processor() or "unknown"),
        "simd": " ".join(simd),
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_gib": round(mem_kib / 2**20, 1),
        "os": read_key_values("/etc/os-release", "=").get("PRETTY_NAME", platform.system()),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "gcc": first_line_of(["gcc", "--version"]),
    }


def corpus_facts(path: Path) -> Record:
    """Whitespace tokens, lines, bytes and sha256 of the corpus (read once)."""
    tokens = lines = size = 0
    digest = hashlib.sha256()
    with open(path, "rb") as corpus:
        for line in corpus:
            tokens += len(line.split())
            lines += 1
            size += len(line)
            digest.update(line)
    return {
        "file": path.name,
        "tokens": tokens,
        "lines": lines,
        "bytes": size,
        "sha256": digest.hexdigest(),
    }


def corpus_prefix(path: Path, words: int, dest: Path) -> None:
    """Copy the first lines of path to dest, up to (and including) the line that reaches
    `words` whitespace tokens."""
    total = 0
    with open(path, "rb") as corpus, open(dest, "wb") as out:
        for line in corpus:
            if total >= words:
                break
            out.write(line)
            total += len(line.split())


def probe_tools(tools: Iterable[str]) -> tuple[dict[str, str], dict[str, str]]:
    """Versions of the usable tools, and why the others are skipped."""
    versions: dict[str, str] = {}
    skipped: dict[str, str] = {}
    for tool in tools:
        proc = subprocess.run(
            [sys.executable, str(HERE / "run_one.py"), tool, "--probe"],
            capture_output=True, text=True, cwd=ROOT, check=False,
        )  # fmt: skip
        if proc.returncode == 0:
            versions[tool] = json.loads(proc.stdout)["version"]
        else:
            reason = (proc.stderr.strip().splitlines() or ["probe failed"])[-1]
            reason = reason.removeprefix(f"{tool}: ")
            skipped[tool] = reason
            print(f"SKIPPING {tool}: {reason}", file=sys.stderr)
    return versions, skipped


# --- running -------------------------------------------------------------------------


def run_process(cmd: list[str], log: Path, timeout: float) -> tuple[int, float, float]:
    """Run cmd (stdout+stderr appended to log); return exit code, wall s, peak RSS MiB.

    Peak RSS comes from wait4(): the maximum over the process and its descendants."""
    with open(log, "ab") as sink:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd, stdout=sink, stderr=subprocess.STDOUT, cwd=ROOT, start_new_session=True
        )
        timer = threading.Timer(timeout, kill_group, (proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # Ctrl-C: do not leave the run (or its binary) behind
            kill_group(proc.pid)
            proc.wait()
            raise
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_maxrss / 1024


HAND_MARKER = "<!-- Everything below this line is kept by compare.py: measurements by hand. -->"


def kept_by_hand(path: Path) -> str:
    """The hand-maintained part of an existing report (after HAND_MARKER), if any."""
    if not path.exists():
        return ""
    old = path.read_text()
    cut = old.find(HAND_MARKER)
    return "\n" + old[cut:] if cut >= 0 else ""


def kill_group(pgid: int) -> None:
    """Kill a run's process group (the runner and a binary it started)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def runner_cmd(
    args: argparse.Namespace, tool: str, threads: int, result: Path, rep: int
) -> list[str]:
    """The runner's command; rep r trains with seed --seed + r - 1, so that the reps
    also show the spread of quality over seeds."""
    return [
        sys.executable, str(HERE / "run_one.py"), tool,
        "--corpus", str(args.train_corpus.resolve()),
        "--threads", str(threads),
        "--mode", args.mode,
        "--epochs", str(args.epochs),
        "--seed", str(args.seed + rep - 1),
        "--result", str(result),
    ]  # fmt: skip


def run_once(
    args: argparse.Namespace, tool: str, threads: int, tag: str, dirs: Record, rep: int = 1
) -> Record:
    """One training run (+ the setup-only run that word2vec.c and fasttext need)."""
    record: Record = {"tool": tool, "mode": args.mode, "threads": threads, "ok": False}
    vectors = dirs["vectors"] / f"{tag}.bin"
    result = dirs["runs"] / f"{tag}.json"
    log = dirs["logs"] / f"{tag}.log"
    cmd = [*runner_cmd(args, tool, threads, result, rep), "--vectors", str(vectors)]
    code, wall, rss = run_process(cmd, log, args.timeout)
    if code != 0:
        record["error"] = f"exit status {code}, see {shown(log)}"
        return record
    runner = json.loads(result.read_text())
    # the runner's own measure; wait4's ru_maxrss also counts this harness's memory at
    # fork (Linux carries it over exec), kept for reference only
    peak = runner.get("peak_rss_mib", rss)
    record |= {"whole_s": wall, "peak_rss_mib": peak, "wait4_maxrss_mib": rss, "runner": runner}
    if tool in ("word2vec.c", "fasttext"):
        setup_result = dirs["runs"] / f"{tag}-setup.json"
        cmd = [*runner_cmd(args, tool, threads, setup_result, rep), "--setup-only"]
        code, setup_wall, setup_rss = run_process(cmd, log, args.timeout)
        if code != 0:
            record["error"] = f"setup-only run: exit status {code}, see {shown(log)}"
            return record
        setup = json.loads(setup_result.read_text())
        record["setup"] = setup | {"whole_s": setup_wall, "peak_rss_mib": setup_rss}
        record["train_s"] = runner["call_s"] - setup["setup_s"]
    else:
        record["train_s"] = runner["train_s"]
    record["eval"] = evaluate_vectors(vectors, args.eval_dir)
    record["ok"] = True
    if not args.keep_vectors:
        vectors.unlink(missing_ok=True)
    return record


# --- evaluation ----------------------------------------------------------------------


def load_vectors(path: Path) -> tuple[Any, bool]:
    """word2vec-format vectors, without an end-of-line token `</s>` if there is one
    (so restrict_vocab=30000 covers 30000 real words for every tool)."""
    from gensim.models import KeyedVectors

    kv = KeyedVectors.load_word2vec_format(str(path), binary=True)
    if EOS not in kv.key_to_index:
        return kv, False
    keep = [i for i, word in enumerate(kv.index_to_key) if word != EOS]
    clean = KeyedVectors(kv.vector_size, dtype=kv.vectors.dtype)
    clean.add_vectors([kv.index_to_key[i] for i in keep], kv.vectors[keep])
    return clean, True


def accuracy(sections: Iterable[Record]) -> tuple[float, int]:
    """Accuracy (%) and number of questions over analogy sections."""
    correct = sum(len(s["correct"]) for s in sections)
    total = correct + sum(len(s["incorrect"]) for s in sections)
    return (100.0 * correct / total if total else float("nan")), total


def evaluate_vectors(path: Path, eval_dir: Path) -> Record:
    """The single evaluation used for every tool."""
    kv, dropped_eos = load_vectors(path)
    _, sections = kv.evaluate_word_analogies(
        str(eval_dir / "questions-words.txt"), restrict_vocab=30000, case_insensitive=True
    )
    parts = [s for s in sections if s["section"] != "Total accuracy"]
    semantic = [s for s in parts if not s["section"].startswith("gram")]
    syntactic = [s for s in parts if s["section"].startswith("gram")]
    total, n_questions = accuracy(parts)
    pearson, spearman, oov = kv.evaluate_word_pairs(
        str(eval_dir / "wordsim353.tsv"), case_insensitive=True
    )
    return {
        "vocab_size": len(kv.index_to_key),
        "dropped_eos": dropped_eos,
        "analogy_total": total,
        "analogy_semantic": accuracy(semantic)[0],
        "analogy_syntactic": accuracy(syntactic)[0],
        "analogy_questions": n_questions,
        "ws353_spearman": float(spearman[0]),
        "ws353_pearson": float(pearson[0]),
        "ws353_oov_pct": float(oov),
    }


# --- aggregation and report ----------------------------------------------------------


def median_of(runs: list[Record], key: str, sub: str | None = None) -> float:
    values = [(r[sub] if sub else r)[key] for r in runs]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else float("nan")


def peak_rss(runs: list[Record]) -> float:
    """Median peak RSS over the runs whose runner measured it itself (VmHWM, see
    run_one.rusage_mb); runs recorded before it did only have wait4's figure, which
    includes the harness's memory at fork, and count only if no run has the former."""
    own = [r["runner"]["peak_rss_mib"] for r in runs if "peak_rss_mib" in r["runner"]]
    return statistics.median(own) if own else median_of(runs, "peak_rss_mib")


def summarize(records: list[Record]) -> dict[int, dict[str, Record]]:
    """Medians per thread count and tool over the successful runs."""
    summary: dict[int, dict[str, Record]] = {}
    for rec in records:
        summary.setdefault(rec["threads"], {}).setdefault(rec["tool"], {"runs": []})
        summary[rec["threads"]][rec["tool"]]["runs"].append(rec)
    for by_tool in summary.values():
        for row in by_tool.values():
            ok = [r for r in row.pop("runs") if r["ok"]]
            row["n_ok"] = len(ok)
            if not ok:
                continue
            row["train_s"] = median_of(ok, "train_s")
            row["train_wps"] = median_of(ok, "train_wps")
            row["whole_s"] = median_of(ok, "whole_s")
            row["peak_rss_mib"] = peak_rss(ok)
            for key in ("analogy_total", "analogy_semantic", "analogy_syntactic",
                        "ws353_spearman", "vocab_size", "analogy_questions"):  # fmt: skip
                row[key] = median_of(ok, key, "eval")
            if ok[0]["tool"] == "word2vec.c":
                row["train_from_progress_s"] = median_of(
                    [r["runner"] for r in ok], "train_from_progress_s"
                )
    return summary


def fmt(value: float, digits: int = 1) -> str:
    return "n/a" if value != value else f"{value:,.{digits}f}"


def thread_table(
    threads: int, by_tool: dict[str, Record], tools: list[str], mode: str
) -> list[str]:
    lines = [
        f"### {mode}, {threads} thread{'s' if threads > 1 else ''}",
        "",
        "| tool | train words/s | train s | whole-process s | peak RSS MiB "
        "| analogy % total / sem / syn (questions) | WS353 Spearman | vocab | runs ok |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in tools:
        row = by_tool.get(tool)
        if row is None:
            continue
        if not row["n_ok"]:
            lines.append(f"| {tool} | failed | | | | | | | 0 |")
            continue
        analogy = " / ".join(
            fmt(row[k]) for k in ("analogy_total", "analogy_semantic", "analogy_syntactic")
        )
        analogy += f" ({fmt(row['analogy_questions'], 0)})"
        lines.append(
            f"| {tool} | {fmt(row['train_wps'], 0)} | {fmt(row['train_s'], 2)} "
            f"| {fmt(row['whole_s'], 2)} | {fmt(row['peak_rss_mib'], 0)} | {analogy} "
            f"| {fmt(row['ws353_spearman'], 3)} | {fmt(row['vocab_size'], 0)} "
            f"| {row['n_ok']} |"
        )
    return [*lines, ""]


def ratio_table(summary: dict[int, dict[str, Record]], tools: list[str], mode: str) -> list[str]:
    peers = [t for t in tools if t != "pyw2v"]
    lines = [f"## Speed ratio pyw2v / peer ({mode}, median train words/s)", ""]
    have_pyw2v = any(s.get("pyw2v", {}).get("n_ok") for s in summary.values())
    if not have_pyw2v:
        return [*lines, "pyw2v did not run in this session: no ratios.", ""]
    lines += ["| threads | " + " | ".join(peers) + " |", "|---:|" + "---:|" * len(peers)]
    for threads, by_tool in sorted(summary.items()):
        ours = by_tool.get("pyw2v", {}).get("train_wps", float("nan"))
        cells = []
        for peer in peers:
            theirs = by_tool.get(peer, {}).get("train_wps", float("nan"))
            cells.append(f"{ours / theirs:.2f}x" if theirs == theirs and ours == ours else "n/a")
        lines.append(f"| {threads} | " + " | ".join(cells) + " |")
    return [*lines, ""]


def short_float(value: float) -> str:
    """A small float as the notes write it: 1e-3, 2.5e-6."""
    mantissa, exponent = f"{value:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def timing_notes(w: Record) -> dict[str, str]:
    """How each tool's training time is measured, for the mode's settings w."""
    setup = (
        "InitNet, the 1e8-entry (400 MB) unigram table and writing the vectors (about 1 s "
        "on a 2-core VM)"
        if w["negative"] > 0
        else "InitNet (with the Huffman tree) and writing the vectors"
    )
    tree = "Huffman tree" if w["hs"] else "negative table"
    return {
        "pyw2v": "perf_counter around `model.train(path)` after `model.build_vocab(path)` "
        "(which counts the corpus, then encodes it to packed ids once for all epochs; "
        "gensim's corpus_file mode re-reads the text in every epoch, inside its `train`).",
        "word2vec.c": (
            "The binary does everything in one call, so its wall time minus the wall time of "
            "a vocabulary-only run (the same binary without `-output`, run right after) is "
            f"the training time; it still includes {setup}. Cross-check: time from the "
            "first progress line (flushed about 10k words into training) to exit, shown "
            "below the tables."
        ),
        "gensim": (
            "perf_counter around `model.train(LineSentence(path), ...)` after "
            "`build_vocab(LineSentence(path))` (gensim also prepares weights in build_vocab)."
        ),
        "gensim-file": "perf_counter around `model.train(corpus_file=path, ...)` after "
        "`build_vocab(corpus_file=path)`.",
        "fasttext": (
            "`fasttext.train_unsupervised()` reads the vocabulary, initialises and trains in "
            "one call: its wall time minus that of the same call with `epoch=0` (vocabulary, "
            f"matrix init, {tree}; run right after in its own process)."
        ),
    }


def settings_notes(w: Record) -> dict[str, str]:
    """Each tool's exact settings for the mode's settings w."""
    alpha, min_alpha, neg = w["alpha"], w["min_alpha"], w["negative"]
    arch = f"sg={w['sg']}, hs={w['hs']}, negative={neg}"
    fasttext_model = "skipgram" if w["sg"] else "cbow"
    fasttext_loss = "hs" if w["hs"] else "ns"
    fasttext_noise = (
        "negatives are drawn from count^0.5 (not ^0.75) and redrawn when equal to the target; "
        if neg
        else ""
    )
    return {
        "pyw2v": f"`{arch}`, alpha {alpha} -> min_alpha {min_alpha}; seed from --seed.",
        "word2vec.c": (
            f"`-cbow {1 - w['sg']} -hs {w['hs']} -size {w['vector_size']} "
            f"-window {w['window']} -negative {neg} -sample {short_float(w['sample'])} "
            f"-min-count {w['min_count']} -alpha {alpha} -iter E -threads T -binary 1`; "
            "alpha decays linearly to 0 with a floor of alpha*1e-4 = "
            f"{short_float(alpha * 1e-4)} (not settable); no seed option (each thread seeds "
            "with its id); inserts `</s>` at line ends (a sentence break, never inside a "
            "window)."
        ),
        "gensim": f"`Word2Vec({arch}, cbow_mean={w['cbow_mean']}, alpha={alpha}, "
        f"min_alpha={min_alpha}, seed=S)`.",
        "gensim-file": "same as gensim.",
        "fasttext": (
            f"`train_unsupervised(model='{fasttext_model}', loss='{fasttext_loss}', "
            f"dim={w['vector_size']}, ws={w['window']}, neg={neg}, "
            f"t={short_float(w['sample'])}, minCount={w['min_count']}, lr={alpha}, minn=0, "
            "maxn=0, wordNgrams=1, bucket=0)`; lr decays linearly to 0 (no floor, updated "
            "every 100 tokens); seed fixed at 0 (the Python API takes none). Semantics that "
            "differ from word2vec.c: the discard test is the same formula, keep with "
            "p = sqrt(t/f) + t/f, but f counts the `</s>` end-of-line tokens, which are also "
            f"kept in the line and act as context words; {fasttext_noise}lines are cut every "
            "1024 tokens."
        ),
    }


def mode_label(mode: str) -> str:
    return f"W1 ({mode})" if mode == DEFAULT_MODE else f"mode {mode}"


def report(meta: Record, summary: dict[int, dict[str, Record]], json_name: str) -> str:
    tools = [t for t in meta["tools"] if t in meta["versions"]]
    m, c = meta["machine"], meta["corpus"]
    mode = meta.get("mode", DEFAULT_MODE)  # records from before --mode are W1's
    w = workload(mode)
    label = mode_label(mode)
    corpus_note = ""
    if c.get("corpus_words"):
        corpus_note = (
            f" (its first lines up to {c['corpus_words']:,} words, --corpus-words: a quick "
            "check, not for reported numbers)"
        )
    lines = [
        f"# {label[0].upper()}{label[1:]} end-to-end benchmark: pyw2v and peers",
        "",
        f"- Command: `{meta['command']}`",
        f"- Date: {meta['date']}",
        f"- Machine: {m['cpu']} ({m['simd']}), {m['cores']} cores "
        f"({m['cores_usable']} usable), {m['ram_gib']} GiB RAM; {m['os']}, "
        f"kernel {m['kernel']}",
        f"- Python {m['python']}; {m['gcc']}",
        "- Tools: " + "; ".join(f"{t}: {meta['versions'][t]}" for t in tools),
        f"- Corpus: `{c['file']}`{corpus_note}: {c['tokens']:,} tokens, {c['lines']:,} "
        f"lines, {c['bytes']:,} bytes, sha256 {c['sha256'][:16]}...",
        f"- Workload {label}: {w['model']}, d={w['vector_size']}, window {w['window']}, "
        f"negative {w['negative']}, sample {w['sample']:g}, min_count {w['min_count']}, "
        f"alpha {w['alpha']} decaying linearly, "
        f"{'' if w['sg'] else 'context averaged, '}{meta['epochs']} "
        f"epoch{'s' if meta['epochs'] != 1 else ''}, "
        f"seed {meta['seed']} + rep - 1",
        f"- Runs: {meta['reps']} rep(s), interleaved (for rep: for threads: for tool), "
        "one process per run; medians over reps",
        f"- Raw per-run records: [`{json_name}`]({json_name}) (relative to this file)",
    ]
    for tool, reason in meta["skipped"].items():
        lines.append(f"- Skipped {tool}: {reason}")
    lines += [
        "",
        f"train words/s = corpus tokens ({c['tokens']:,}, whitespace tokens counted once "
        f"by the harness) x epochs / training time. Analogy: gensim "
        "`evaluate_word_analogies(questions-words.txt, restrict_vocab=30000, "
        "case_insensitive=True)`, semantic = the 5 non-`gram` sections, syntactic = "
        "`gram1`..`gram9`; (questions) = questions whose 4 words are all among the "
        "30,000 most frequent, so it can differ a little between tools when counts tie "
        "at the boundary; WS353: Spearman of `evaluate_word_pairs(wordsim353.tsv)`. "
        "All tools' vectors are exported in word2vec binary format and evaluated by the "
        "same code; a `</s>` token (word2vec.c, fastText) is dropped before evaluation.",
        "",
        "## Results",
        "",
    ]
    for threads, by_tool in sorted(summary.items()):
        lines += thread_table(threads, by_tool, tools, mode)
    lines += ratio_table(summary, tools, mode)
    cross = [
        f"{threads} thread(s): {fmt(by_tool['word2vec.c']['train_from_progress_s'], 2)} s"
        for threads, by_tool in sorted(summary.items())
        if by_tool.get("word2vec.c", {}).get("n_ok")
    ]
    if cross:
        lines += [
            "word2vec.c cross-check, median time from its first progress line to exit "
            "(vs the subtraction in `train s`): " + "; ".join(cross) + ".",
            "",
        ]
    lines += ["## How each tool is timed and configured", ""]
    timing, settings = timing_notes(w), settings_notes(w)
    for tool in tools:
        lines.append(f"- **{tool}**: timing: {timing[tool]} Settings: {settings[tool]}")
    lines += [
        "",
        "whole-process s = wall time of the run's process as seen by the harness "
        "(interpreter start, imports, vocabulary, training, writing the vectors; for "
        "word2vec.c a small Python runner starts the binary). Peak RSS = the larger of "
        "the run process's VmHWM (its peak since exec) and its children's ru_maxrss, as "
        "the runner reports them (not wait4's ru_maxrss, which Linux carries over exec "
        "and so includes the harness's own memory at fork).",
        "",
    ]
    return "\n".join(lines)


# --- main ----------------------------------------------------------------------------


def make_dirs(stamp: str) -> Record:
    out = HERE / "out"
    dirs = {
        "out": out,
        "vectors": out / "vectors",
        "runs": out / "runs" / stamp,
        "logs": out / "logs" / stamp,
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    return dirs


def progress_line(rep: int, reps: int, rec: Record) -> str:
    head = f"[rep {rep}/{reps}] {rec['mode']} threads={rec['threads']} {rec['tool']:<11}"
    if not rec["ok"]:
        return f"{head} FAILED: {rec['error']}"
    e = rec["eval"]
    return (
        f"{head} train {rec['train_s']:7.2f} s  {rec['train_wps']:>12,.0f} words/s  "
        f"whole {rec['whole_s']:7.2f} s  rss {rec['peak_rss_mib']:6.0f} MiB  "
        f"analogy {e['analogy_total']:5.1f}%  ws353 {e['ws353_spearman']:.3f}"
    )


def rewrite_report(args: argparse.Namespace) -> int:
    """--report-from: the report of an earlier run, from its raw records."""
    raw = json.loads(args.report_from.read_text())
    mode = raw["meta"].get("mode", DEFAULT_MODE)
    if args.mode not in (None, mode):
        print(f"--mode {args.mode}, but the records are of mode {mode}", file=sys.stderr)
        return 1
    args.out = args.out or default_out(mode, raw["meta"]["corpus"].get("corpus_words"))
    text = report(raw["meta"], summarize(raw["runs"]), shown(args.report_from, args.out.parent))
    args.out.write_text(text + kept_by_hand(args.out))
    print(f"wrote {shown(args.out)} from {shown(args.report_from)}", file=sys.stderr)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.report_from:
        return rewrite_report(args)
    logging.basicConfig(level=logging.WARNING)
    now = dt.datetime.now(dt.timezone.utc)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    dirs = make_dirs(stamp)
    versions, skipped = probe_tools(args.tools)
    tools = [t for t in args.tools if t in versions]
    if not tools:
        print("no usable tool", file=sys.stderr)
        return 1
    if args.corpus_words is None:
        args.train_corpus = args.corpus
        return run_all(args, now, stamp, dirs, versions, skipped, tools)
    with tempfile.TemporaryDirectory(prefix="pyw2v-bench-") as tmp:
        args.train_corpus = Path(tmp) / args.corpus.name
        corpus_prefix(args.corpus, args.corpus_words, args.train_corpus)
        return run_all(args, now, stamp, dirs, versions, skipped, tools)


def run_all(
    args: argparse.Namespace,
    now: dt.datetime,
    stamp: str,
    dirs: Record,
    versions: dict[str, str],
    skipped: dict[str, str],
    tools: list[str],
) -> int:
    """The session: every (rep, threads, tool) run of args.train_corpus, then the report."""
    print(f"counting tokens of {shown(args.train_corpus)} ...", file=sys.stderr)
    corpus = corpus_facts(args.train_corpus)
    if args.corpus_words is not None:
        corpus["corpus_words"] = args.corpus_words
    meta: Record = {
        "command": command_line(),
        "date": now.isoformat(timespec="seconds"),
        "machine": machine_facts(),
        "corpus": corpus,
        "mode": args.mode,
        "tools": args.tools,
        "versions": versions,
        "skipped": skipped,
        "threads": args.threads,
        "reps": args.reps,
        "epochs": args.epochs,
        "seed": args.seed,
        "workload": workload(args.mode),
    }
    work_words = meta["corpus"]["tokens"] * args.epochs
    tag = "" if args.mode == DEFAULT_MODE else f"{args.mode}-"
    if args.corpus_words is not None:
        tag += f"{args.corpus_words}w-"
    json_name = f"results-{tag}{stamp}.json"
    raw_paths = [dirs["out"] / json_name, args.results_dir / json_name]
    records: list[Record] = []
    for rep in range(1, args.reps + 1):
        for threads in args.threads:
            for tool in tools:
                run_tag = f"{args.mode}-{tool}-t{threads}-r{rep}"
                rec = run_once(args, tool, threads, run_tag, dirs, rep) | {"rep": rep}
                if rec["ok"]:
                    rec["train_wps"] = work_words / rec["train_s"]
                records.append(rec)
                print(progress_line(rep, args.reps, rec), file=sys.stderr, flush=True)
                write_json(raw_paths[0], meta, records)
    summary = summarize(records)
    args.results_dir.mkdir(parents=True, exist_ok=True)
    write_json(raw_paths[1], meta, records)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = report(meta, summary, shown(raw_paths[1], args.out.parent))
    args.out.write_text(text + kept_by_hand(args.out))
    print(f"wrote {shown(args.out)}, {shown(raw_paths[0])}, {shown(raw_paths[1])}",
          file=sys.stderr)  # fmt: skip
    return 0 if all(r["ok"] for r in records) else 2


def write_json(path: Path, meta: Record, records: list[Record]) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"meta": meta, "runs": records}, indent=1) + "\n")
    tmp.replace(path)


if __name__ == "__main__":
    sys.exit(main())
