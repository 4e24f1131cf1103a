"""Runs gensim 4.4's own Word2Vec and KeyedVectors tests against pyw2v and counts what passes.

    python scripts/gensim_suite.py [--verbose] [--json out.json] [--min-pass-rate 0.5]

Run it with a Python in which gensim 4.4.x, pytest, testfixtures (gensim's test extra) and
pyw2v are importable, for example a venv made outside the repository:

    python3 -m venv /tmp/gsuite-venv
    /tmp/gsuite-venv/bin/pip install gensim==4.4.0 pytest pytest-timeout testfixtures .
    /tmp/gsuite-venv/bin/python scripts/gensim_suite.py --verbose

(after changing pyw2v, reinstall it there: pip install --force-reinstall --no-deps .).

gensim/test/test_word2vec.py and gensim/test/test_keyedvectors.py are copied into a
temporary directory and only the imports that choose the implementation are rewritten, to a
shim package `_pyw2v_shim` that is gensim except for Word2Vec and KeyedVectors, which are
pyw2v's (test data, LineSentence, PathLineSentences, utils... stay gensim's). Assertions are
not touched. The copies run under pytest in a subprocess that loads this file as a plugin:
it installs the shim, refuses to run if a test module still holds gensim's classes, and
records each test's outcome as it happens, so that a crash of the C core costs one test (the
run resumes after it) rather than the whole report.

Tests listed in scripts/gensim_out_of_scope.txt (loading pickles written by gensim before
4.0, gensim's own corpus readers and scripts) still run but are counted apart. The in-scope
pass rate is passed / (passed + failed + error) over the other tests; skipped tests (a
missing optional dependency such as POT) are left out of it.

Exit status: 0, or 1 if the in-scope pass rate is below --min-pass-rate, or 2 if the suite
could not be measured (wrong gensim, a test file that changed or failed to import, ...).
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import types
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

TEST_FILES = ("test_word2vec.py", "test_keyedvectors.py")
SHIM = "_pyw2v_shim"
PLUGIN = "gensim_suite_plugin"
RECORD_ENV = "GENSIM_SUITE_RECORD"
OUT_OF_SCOPE_FILE = Path(__file__).with_name("gensim_out_of_scope.txt")

# The import statements that choose the implementation, exactly as gensim 4.4 writes them,
# and what replaces each. Every one must occur exactly once.
REWRITES: dict[str, tuple[tuple[str, str], ...]] = {
    "test_word2vec.py": (
        (
            "from gensim.models import word2vec, keyedvectors",
            f"from {SHIM}.models import word2vec, keyedvectors",
        ),
    ),
    "test_keyedvectors.py": (
        (
            "from gensim.models.keyedvectors import KeyedVectors, REAL, pseudorandom_weak_vector",
            f"from {SHIM}.models.keyedvectors import KeyedVectors, REAL, pseudorandom_weak_vector",
        ),
        ("import gensim.models.keyedvectors", f"import {SHIM} as gensim"),
    ),
}
# Names through which each rewritten module reaches the implementation: all must be pyw2v's.
PYW2V_NAMES: dict[str, tuple[str, ...]] = {
    "test_word2vec": ("word2vec.Word2Vec", "keyedvectors.KeyedVectors"),
    "test_keyedvectors": (
        "KeyedVectors",
        "gensim.models.KeyedVectors",
        "gensim.models.keyedvectors.KeyedVectors",
    ),
}
# Imports from gensim.models left as they are: gensim's Cython corpus reader, used only by
# an out-of-scope test of that reader.
KEPT_IMPORTS = frozenset({"from gensim.models import word2vec_corpusfile"})
GENSIM_MODELS_IMPORT = re.compile(
    r"^\s*(from\s+gensim\.models\b.*\bimport\b.*|import\s+gensim\b.*)$"
)

OUTCOMES = ("passed", "failed", "error", "skipped")
Result = tuple[str, str, float]  # a test's outcome, message and duration


class SuiteError(Exception):
    """The suite could not be measured (as opposed to tests failing)."""


@dataclass
class TestOutcome:
    id: str
    file: str
    outcome: str  # one of OUTCOMES
    message: str  # first line of the failure, error or skip reason; "" when passed
    duration: float
    in_scope: bool
    out_of_scope_reason: str


# --------------------------------------------------------------------------------------
# The shim (runs in the pytest subprocess)


class ProxyModule(types.ModuleType):
    """A module that is `target` except for the attributes set on it."""

    def __init__(self, name: str, target: types.ModuleType, **overrides: Any) -> None:
        super().__init__(name, target.__doc__)
        self.__dict__["_proxy_target"] = target
        self.__dict__["__path__"] = []  # a package, so that `import name.child` resolves
        self.__dict__.update(overrides)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_proxy_target"], name)


def _load_word2vec_format(cls: Any, *args: Any, binary_chunk_size: Any = None, **kw: Any) -> Any:
    """gensim's private loader, as test_keyedvectors calls it with cls=KeyedVectors, routed
    to the public `cls.load_word2vec_format`. binary_chunk_size, a read-buffer size of
    gensim's own reader, has no counterpart and is dropped; the file and the other options
    are passed on as given."""
    del binary_chunk_size
    return cls.load_word2vec_format(*args, **kw)


def install_shim() -> None:
    """Registers `_pyw2v_shim`, `_pyw2v_shim.models`, `_pyw2v_shim.models.word2vec` and
    `_pyw2v_shim.models.keyedvectors`: gensim's modules with Word2Vec and KeyedVectors
    replaced by pyw2v's, wherever the tests can reach them."""
    import gensim
    import gensim.models
    import gensim.models.keyedvectors
    import gensim.models.word2vec

    import pyw2v

    classes = {"Word2Vec": pyw2v.Word2Vec, "KeyedVectors": pyw2v.KeyedVectors}
    keyedvectors = ProxyModule(
        f"{SHIM}.models.keyedvectors",
        gensim.models.keyedvectors,
        KeyedVectors=pyw2v.KeyedVectors,
        _load_word2vec_format=_load_word2vec_format,
    )
    word2vec = ProxyModule(f"{SHIM}.models.word2vec", gensim.models.word2vec, **classes)
    models = ProxyModule(
        f"{SHIM}.models",
        gensim.models,
        word2vec=word2vec,
        keyedvectors=keyedvectors,
        **classes,
    )
    root = ProxyModule(SHIM, gensim, models=models)
    for module in (root, models, word2vec, keyedvectors):
        sys.modules[module.__name__] = module


def shim_problems(module: types.ModuleType) -> list[str]:
    """What is wrong with a rewritten test module: names that still hold gensim's
    implementation, or names of PYW2V_NAMES that do not resolve to pyw2v's classes."""
    import gensim
    import gensim.models
    import gensim.models.keyedvectors
    import gensim.models.word2vec

    import pyw2v

    gensim_objects = (
        gensim,
        gensim.models,
        gensim.models.word2vec,
        gensim.models.keyedvectors,
        gensim.models.word2vec.Word2Vec,
        gensim.models.keyedvectors.KeyedVectors,
    )
    problems = [
        f"{name} is gensim's"
        for name, value in vars(module).items()
        if any(value is obj for obj in gensim_objects)
    ]
    for dotted in PYW2V_NAMES.get(module.__name__, ()):
        head, *rest = dotted.split(".")
        value: Any = vars(module).get(head)
        for part in rest:
            value = getattr(value, part, None)
        if value not in (pyw2v.Word2Vec, pyw2v.KeyedVectors):
            problems.append(f"{dotted} is {value!r}, not pyw2v's")
    return problems


def _first_line(text: str, limit: int = 240) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    line = lines[0] if lines else ""
    return line if len(line) <= limit else line[: limit - 3] + "..."


def _report_message(report: Any) -> str:
    """One line for a pytest report: 'ExceptionType: message' or the skip reason."""
    longrepr = report.longrepr
    if longrepr is None:
        return ""
    if isinstance(longrepr, tuple):  # a skip: (path, lineno, "Skipped: reason")
        return _first_line(str(longrepr[2]).removeprefix("Skipped: "))
    crash = getattr(longrepr, "reprcrash", None)
    if crash is not None:
        return _first_line(crash.message)
    lines = str(longrepr).strip().splitlines()
    return _first_line(lines[-1] if lines else "")


def _record(event: dict[str, Any]) -> None:
    with open(os.environ[RECORD_ENV], "a", encoding="utf-8") as out:
        out.write(json.dumps(event) + "\n")


# pytest hooks: active only when this file is loaded as a plugin (`-p gensim_suite_plugin`).


def pytest_configure(config: Any) -> None:
    install_shim()


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _record({"event": "collect_error", "id": report.nodeid, "message": _report_message(report)})


def pytest_collection_finish(session: Any) -> None:
    import pytest

    modules = {item.module for item in session.items if getattr(item, "module", None)}
    for module in modules:
        problems = shim_problems(module)
        if problems:
            raise pytest.UsageError(f"{module.__name__} is not pointed at pyw2v: {problems}")
    _record({"event": "collected", "ids": [item.nodeid for item in session.items]})


def pytest_runtest_logreport(report: Any) -> None:
    _record(
        {
            "event": "report",
            "id": report.nodeid,
            "when": report.when,
            "outcome": report.outcome,
            "message": _report_message(report),
            "duration": report.duration,
        }
    )


# --------------------------------------------------------------------------------------
# Preparing the suite


def find_gensim_tests() -> tuple[str, Path]:
    """gensim's version and its test directory; gensim must be 4.4.x."""
    try:
        version = importlib.metadata.version("gensim")
    except importlib.metadata.PackageNotFoundError as exc:
        raise SuiteError(
            "gensim is not installed in this Python (pip install gensim==4.4.0)"
        ) from exc
    if not version.startswith("4.4."):
        raise SuiteError(f"gensim {version} is installed; this script reads gensim 4.4.x's tests")
    spec = importlib.util.find_spec("gensim")
    if spec is None or spec.origin is None:
        raise SuiteError("gensim cannot be located")
    test_dir = Path(spec.origin).parent / "test"
    missing = [name for name in TEST_FILES if not (test_dir / name).is_file()]
    if missing:
        raise SuiteError(f"gensim's test files are missing: {missing}")
    return version, test_dir


def check_requirements() -> str:
    """pyw2v's version; raises if a module the tests need is not importable."""
    for module, hint in (("pyw2v", "pip install ."), ("testfixtures", "pip install testfixtures")):
        if importlib.util.find_spec(module) is None:
            raise SuiteError(f"{module} is not importable in this Python ({hint})")
    return importlib.metadata.version("pyw2v")


def rewrite_imports(file_name: str, source: str) -> str:
    """The test module with its implementation-choosing imports pointed at the shim."""
    lines = source.splitlines(keepends=True)
    for old, new in REWRITES[file_name]:
        hits = [i for i, line in enumerate(lines) if line.rstrip("\r\n").strip() == old]
        if len(hits) != 1:
            raise SuiteError(f"{file_name}: expected `{old}` once, found it {len(hits)} times")
        i = hits[0]
        indent = lines[i][: len(lines[i]) - len(lines[i].lstrip())]
        lines[i] = f"{indent}{new}\n"
    rewritten = "".join(lines)
    leftover = [
        line.strip()
        for line in rewritten.splitlines()
        if GENSIM_MODELS_IMPORT.match(line) and line.strip() not in KEPT_IMPORTS
    ]
    if leftover:
        raise SuiteError(f"{file_name}: imports of gensim not rewritten: {leftover}")
    return rewritten


def prepare_suite(work: Path, test_dir: Path) -> None:
    """Copies the rewritten test modules, an empty pytest config and the plugin into work."""
    for name in TEST_FILES:
        source = (test_dir / name).read_text(encoding="utf-8")
        (work / name).write_text(rewrite_imports(name, source), encoding="utf-8")
    (work / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    plugin_dir = work / "plugin"
    plugin_dir.mkdir()
    shutil.copyfile(Path(__file__), plugin_dir / f"{PLUGIN}.py")


def load_out_of_scope(path: Path) -> dict[str, str]:
    """test id -> reason, from lines 'file::Class::test  # reason'."""
    entries: dict[str, str] = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        test_id, sep, reason = line.partition("#")
        test_id, reason = test_id.strip(), reason.strip()
        if not sep or not reason or test_id.count("::") < 1:
            raise SuiteError(f"{path.name}:{number}: expected 'file::Class::test  # reason'")
        entries[test_id] = reason
    return entries


# --------------------------------------------------------------------------------------
# Running pytest


@dataclass
class Run:
    """What the recorded events say: collected ids, per-test phase reports, collect errors."""

    collected: list[str]
    reports: dict[str, list[dict[str, Any]]]
    collect_errors: list[dict[str, Any]]


def read_record(path: Path) -> Run:
    run = Run(collected=[], reports={}, collect_errors=[])
    if not path.exists():
        return run
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if event["event"] == "collected":
            run.collected.extend(i for i in event["ids"] if i not in run.collected)
        elif event["event"] == "collect_error":
            run.collect_errors.append(event)
        else:
            run.reports.setdefault(event["id"], []).append(event)
    return run


def fold(reports: Sequence[dict[str, Any]]) -> Result | None:
    """(outcome, message, duration) of a test from its phase reports; None if unfinished."""
    if not any(r["when"] == "teardown" for r in reports):
        return None
    duration = sum(r["duration"] for r in reports)
    by_phase = {r["when"]: r for r in reports}
    for phase in ("setup", "call", "teardown"):
        report = by_phase.get(phase)
        if report is None:
            continue
        if report["outcome"] == "skipped":
            return "skipped", report["message"], duration
        if report["outcome"] == "failed":
            outcome = "failed" if phase == "call" else "error"
            return outcome, report["message"], duration
    return "passed", "", duration


def build_pytest_command(targets: Sequence[str], timeout: float, keyword: str | None) -> list[str]:
    command = [sys.executable, "-m", "pytest", "-c", "pytest.ini", "--rootdir", "."]
    command += ["-p", "no:cacheprovider", "-p", PLUGIN, "-q", "--continue-on-collection-errors"]
    if importlib.util.find_spec("pytest_timeout") is not None:
        command += [f"--timeout={timeout:g}"]
    if keyword:
        command += ["-k", keyword]
    return command + list(targets)


def run_pytest_once(
    work: Path, targets: Sequence[str], args: argparse.Namespace, budget: float
) -> int | None:
    """Runs pytest on targets; its exit status, or None if it overran the budget."""
    env = dict(os.environ)
    env[RECORD_ENV] = str(work / "record.jsonl")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(work / "plugin"), env.get("PYTHONPATH")]))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    command = build_pytest_command(targets, args.timeout, args.keyword)
    with open(work / "pytest.log", "a", encoding="utf-8") as log:
        log.write(f"$ {' '.join(command)}\n")
        log.flush()
        process = subprocess.Popen(
            command, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            return process.wait(timeout=max(budget, 1.0))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return None


def describe_stop(status: int | None) -> str:
    """Why a pytest run ended early, from its exit status (None: it overran the budget)."""
    if status is None:
        return "the run overran --total-timeout"
    if status < 0:
        return f"pytest died on signal {signal.Signals(-status).name}"
    return f"pytest exited with status {status}"


def run_suite(work: Path, args: argparse.Namespace) -> tuple[Run, dict[str, Result]]:
    """Runs the suite, resuming after a test that kills pytest; the recorded run and each
    test's (outcome, message, duration)."""
    deadline = time.monotonic() + args.total_timeout
    results: dict[str, Result] = {}
    targets: list[str] = list(TEST_FILES)
    while True:
        status = run_pytest_once(work, targets, args, deadline - time.monotonic())
        run = read_record(work / "record.jsonl")
        for test_id, reports in run.reports.items():
            folded = fold(reports)
            if folded is not None:
                results[test_id] = folded
        if status in (0, 1, 5):
            break
        if status in (2, 3, 4) and not run.reports:
            raise SuiteError(f"pytest stopped with status {status}; see its log:\n{tail(work)}")
        in_flight = [i for i in run.reports if i not in results]
        for test_id in in_flight:
            results[test_id] = ("error", f"{describe_stop(status)} while this test ran", 0.0)
        targets = [i for i in run.collected if i not in results]
        if not in_flight or not targets or time.monotonic() >= deadline:
            for test_id in targets:
                results[test_id] = ("error", f"not run: {describe_stop(status)} before it", 0.0)
            break
    return run, results


def tail(work: Path, lines: int = 40) -> str:
    log = work / "pytest.log"
    text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
    return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------
# Reporting


def classify(
    results: dict[str, Result], collected: Iterable[str], out_of_scope: dict[str, str]
) -> list[TestOutcome]:
    outcomes = []
    for test_id in collected:
        outcome, message, duration = results.get(test_id, ("error", "no outcome recorded", 0.0))
        reason = out_of_scope.get(test_id, "")
        outcomes.append(
            TestOutcome(
                id=test_id,
                file=test_id.split("::", 1)[0],
                outcome=outcome,
                message=message,
                duration=round(duration, 3),
                in_scope=not reason,
                out_of_scope_reason=reason,
            )
        )
    return outcomes


def count(outcomes: Iterable[TestOutcome]) -> dict[str, int]:
    tests = list(outcomes)
    counts = Counter(t.outcome for t in tests if t.in_scope)
    summary = {name: counts[name] for name in OUTCOMES}
    summary["out_of_scope"] = sum(not t.in_scope for t in tests)
    summary["total"] = len(tests)
    return summary


def pass_rate(counts: dict[str, int]) -> float:
    applicable = counts["passed"] + counts["failed"] + counts["error"]
    return counts["passed"] / applicable if applicable else 0.0


def print_summary(outcomes: list[TestOutcome], versions: dict[str, str]) -> None:
    print(f"gensim {versions['gensim']}'s tests, pointed at pyw2v {versions['pyw2v']}")
    print(
        f"{'file':<24}{'pass':>6}{'fail':>6}{'error':>7}{'skip':>6}{'out-of-scope':>14}{'total':>7}"
    )
    files = [f for f in TEST_FILES if any(t.file == f for t in outcomes)]
    for label, tests in [(f, [t for t in outcomes if t.file == f]) for f in files] + [
        ("all", outcomes)
    ]:
        c = count(tests)
        print(
            f"{label:<24}{c['passed']:>6}{c['failed']:>6}{c['error']:>7}{c['skipped']:>6}"
            f"{c['out_of_scope']:>14}{c['total']:>7}"
        )
    c = count(outcomes)
    applicable = c["passed"] + c["failed"] + c["error"]
    print(
        f"in-scope pass rate: {c['passed']}/{applicable} = {pass_rate(c):.1%} "
        "(passed / (passed + failed + error); skipped and out-of-scope tests left out)"
    )


def print_failures(outcomes: list[TestOutcome]) -> None:
    failing = [t for t in outcomes if t.in_scope and t.outcome in ("failed", "error")]
    if failing:
        print(f"\nin-scope failures and errors ({len(failing)}):")
    for t in sorted(failing, key=lambda t: (t.message, t.id)):
        print(f"  {t.outcome:<6} {t.id}\n         {t.message}")
    skipped = [t for t in outcomes if t.in_scope and t.outcome == "skipped"]
    if skipped:
        print(f"\nskipped ({len(skipped)}):")
    for t in skipped:
        print(f"  {t.id}: {t.message}")
    out = [t for t in outcomes if not t.in_scope]
    if out:
        print(f"\nout of scope ({len(out)}), as they ran:")
    for t in out:
        print(f"  {t.outcome:<7} {t.id}  # {t.out_of_scope_reason}")


def write_json(path: Path, outcomes: list[TestOutcome], versions: dict[str, str]) -> None:
    files = {f: count(t for t in outcomes if t.file == f) for f in TEST_FILES}
    totals = count(outcomes)
    document = {
        "versions": versions,
        "counts": {"files": files, "all": totals},
        "in_scope_pass_rate": round(pass_rate(totals), 4),
        "tests": [asdict(t) for t in outcomes],
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------


def parse_rate(text: str) -> float:
    """A pass rate given as a fraction (0.45) or a percentage (45%)."""
    value = float(text[:-1]) / 100 if text.endswith("%") else float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"a pass rate is in [0, 1] or [0%, 100%], not {text}")
    return value


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list each failing test's reason"
    )
    parser.add_argument("--json", type=Path, help="write the per-test outcomes to this file")
    parser.add_argument(
        "--min-pass-rate", type=parse_rate, help="exit 1 if the in-scope pass rate is below this"
    )
    parser.add_argument(
        "--timeout", type=float, default=300.0, help="per-test seconds (with pytest-timeout)"
    )
    parser.add_argument(
        "--total-timeout", type=float, default=3600.0, help="seconds for the whole run"
    )
    parser.add_argument("-k", dest="keyword", help="pytest -k expression to run a subset")
    parser.add_argument(
        "--out-of-scope", type=Path, default=OUT_OF_SCOPE_FILE, help="the out-of-scope list"
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary directory (printed) for a look"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="gensim-suite-"))
    try:
        gensim_version, test_dir = find_gensim_tests()
        versions = {"gensim": gensim_version, "pyw2v": check_requirements()}
        out_of_scope = load_out_of_scope(args.out_of_scope)
        prepare_suite(work, test_dir)
        run, results = run_suite(work, args)
        if run.collect_errors:
            errors = "\n".join(f"  {e['id']}: {e['message']}" for e in run.collect_errors)
            raise SuiteError(f"test files failed to import:\n{errors}\n{tail(work)}")
        stale = sorted(set(out_of_scope) - set(run.collected))
        if stale and not args.keyword:
            print(f"warning: out-of-scope entries matching no test: {stale}", file=sys.stderr)
        outcomes = classify(results, run.collected, out_of_scope)
    except SuiteError as exc:
        print(f"gensim_suite: {exc}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    print_summary(outcomes, versions)
    if args.verbose:
        print_failures(outcomes)
    if args.json:
        write_json(args.json, outcomes, versions)
    rate = pass_rate(count(outcomes))
    if args.min_pass_rate is not None and rate < args.min_pass_rate:
        print(f"in-scope pass rate {rate:.1%} is below --min-pass-rate {args.min_pass_rate:.1%}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
