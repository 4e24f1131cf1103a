"""Ctrl-C during training: the workers stop within a second, KeyboardInterrupt reaches
the caller, and the model stays usable."""

import os
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from pyw2v import Word2Vec

CHILD = r"""
import signal, sys, time
# a child started with SIGINT ignored (nohup, a background job, some CI runners) would
# inherit SIG_IGN and Python would install no KeyboardInterrupt handler
signal.signal(signal.SIGINT, signal.default_int_handler)
import numpy as np
from pyw2v import Word2Vec

rng = np.random.default_rng(0)
corpus = [[f"w{i}" for i in row] for row in rng.integers(0, 2000, size=(20000, 30))]
model = Word2Vec(vector_size=50, min_count=1, workers=2, epochs=1000, sample=0,
                 progress=False)
model.build_vocab(corpus)


class SayWhenAnEpochIsDone:
    # the parent signals once an epoch is done (not after a guessed delay: an epoch
    # takes seconds under AddressSanitizer on a loaded machine)
    def on_epoch_end(self, model):
        if model.epochs_trained == 1:
            print("training", flush=True)


try:
    model.train(corpus, callbacks=[SayWhenAnEpochIsDone()])
except KeyboardInterrupt:
    stopped = time.perf_counter()
    assert np.isfinite(model.wv.vectors).all()
    assert 0 < model.epochs_trained < 1000
    model.train(corpus, epochs=1)  # still usable
    print(f"interrupted {stopped:.6f}", flush=True)
    sys.exit(0)
print("finished without interruption", flush=True)
sys.exit(1)
"""


def test_sigint_stops_training_cleanly(tmp_path):
    # run outside the source tree so that the installed package is imported
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
    )
    try:
        assert child.stdout.readline().strip() == "training"  # an epoch is done
        sent = time.perf_counter()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, err
    assert out.startswith("interrupted"), (out, err)
    # perf_counter is CLOCK_MONOTONIC on Linux, shared by both processes
    assert float(out.split()[1]) - sent < 1.0


SIGINT_TESTS = [
    "tests/test_interrupt.py::test_sigint_stops_training_cleanly",
    "tests/test_lifecycle.py::test_interrupt_leaves_no_worker_writing",
    "tests/test_side_effects.py::test_ctrl_c_is_prompt_with_a_huge_negative",
    "tests/test_io.py::test_failed_load_leaks_no_file_handle",
]


def test_sigint_tests_pass_with_sigint_ignored(tmp_path):
    """Run as from `nohup` or a background job (SIGINT ignored, inherited by children),
    the tests that rely on SIGINT install the handler they need, and leave no child
    behind for later tests to trip on."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        + [os.path.join(root, test) for test in SIGINT_TESTS],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # not the source tree: the installed package is imported
        timeout=300,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert f"{len(SIGINT_TESTS)} passed" in done.stdout


SENTENCES = [[f"w{(i * 7 + j) % 40}" for j in range(12)] for i in range(200)]


def _thread_whose_start_fails(started: bool, interrupted: bool) -> type[threading.Thread]:
    """A Thread whose start() fails as CPython 3.11's does when Ctrl-C lands inside its
    condition wait (`interrupted`): the KeyboardInterrupt escapes the wait, and the
    `with` block's exit then raises RuntimeError("release unlocked lock") with the
    interrupt as its context. Otherwise a plain RuntimeError, as when no thread can be
    made. The thread has or has not been started by then (`started`)."""

    class FailingStart(threading.Thread):
        def start(self) -> None:
            if started:
                super().start()
            if not interrupted:
                raise RuntimeError("can't start new thread")
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                raise RuntimeError("release unlocked lock")  # noqa: B904 (as CPython does)

    return FailingStart


@pytest.mark.parametrize("started", [False, True])
@pytest.mark.parametrize("interrupted", [True, False])
def test_a_failed_thread_start_raises_what_caused_it(monkeypatch, started, interrupted):
    model = Word2Vec(vector_size=16, min_count=1, workers=1, seed=1, progress=False)
    model.build_vocab(SENTENCES)
    before = model.wv.vectors.copy()
    with monkeypatch.context() as patch:
        patch.setattr(threading, "Thread", _thread_whose_start_fails(started, interrupted))
        expected = KeyboardInterrupt if interrupted else RuntimeError
        with pytest.raises(expected) as caught:
            model.train(SENTENCES, epochs=1)
    assert type(caught.value) is expected
    assert np.isfinite(model.wv.vectors).all()
    if not started:  # the epoch never ran: nothing trained
        assert np.array_equal(model.wv.vectors, before)
    model.train(SENTENCES, epochs=1)  # still usable
    assert not np.array_equal(model.wv.vectors, before)


@pytest.mark.parametrize("started", [False, True])
@pytest.mark.parametrize("interrupted", [True, False])
def test_a_failed_thread_start_while_counting_raises_what_caused_it(
    tmp_path, monkeypatch, started, interrupted
):
    """Counting a file on threads: the pool's submit() starts its threads, and fails as
    Thread.start() does; the count stops and the caller sees the cause."""
    from pyw2v import counting
    from pyw2v.corpus import FileCorpus

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    path = tmp_path / "a.txt"
    path.write_text("\n".join(" ".join(sentence) for sentence in SENTENCES))
    with monkeypatch.context() as patch:
        patch.setattr(threading, "Thread", _thread_whose_start_fails(started, interrupted))
        expected = KeyboardInterrupt if interrupted else RuntimeError
        with pytest.raises(expected) as caught:
            FileCorpus([str(path)]).count(workers=2)
    assert type(caught.value) is expected
    counted = FileCorpus([str(path)]).count(workers=2)  # counting still works
    assert counted.tokens == sum(len(sentence) for sentence in SENTENCES)


def test_interrupt_behind_finds_only_a_ctrl_c_under_a_runtime_error():
    from pyw2v.interrupts import interrupt_behind

    def raised(outer: type[BaseException], inner: type[BaseException] | None) -> BaseException:
        try:
            try:
                if inner is not None:
                    raise inner
            finally:
                raise outer("failed")
        except BaseException as exc:
            return exc

    ctrl_c = raised(RuntimeError, KeyboardInterrupt)
    assert isinstance(interrupt_behind(ctrl_c), KeyboardInterrupt)
    assert interrupt_behind(ctrl_c) is ctrl_c.__context__
    assert interrupt_behind(raised(RuntimeError, None)) is None
    assert interrupt_behind(raised(RuntimeError, ValueError)) is None
    assert interrupt_behind(raised(ValueError, KeyboardInterrupt)) is None  # not the wrapper
    assert interrupt_behind(KeyboardInterrupt()) is None  # unwrapped: raised as it is
