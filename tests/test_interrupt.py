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


def test_interrupt_behind_finds_the_ctrl_c_an_exception_was_raised_under():
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
    assert interrupt_behind(raised(ValueError, KeyboardInterrupt)) is not None  # zipfile's
    assert interrupt_behind(raised(RuntimeError, None)) is None
    assert interrupt_behind(raised(RuntimeError, ValueError)) is None
    assert interrupt_behind(KeyboardInterrupt()) is None  # unwrapped: raised as it is

    from pyw2v.interrupts import raise_interrupt_behind

    with pytest.raises(KeyboardInterrupt) as caught:
        raise_interrupt_behind(ctrl_c)
    assert caught.value is ctrl_c.__context__
    assert raise_interrupt_behind(raised(RuntimeError, ValueError)) is None  # returns


@pytest.fixture
def default_sigint():
    """Python's own SIGINT handler, even in a run started with SIGINT ignored."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_deferred_interrupts_raise_at_the_end_of_the_block(default_sigint):
    from pyw2v.interrupts import deferred_interrupts

    stops = []
    reached = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupts(lambda: stops.append(1)):
        signal.raise_signal(signal.SIGINT)
        reached.append("after the signal")  # the block runs on
        signal.raise_signal(signal.SIGINT)
        reached.append("after the second")
    assert reached == ["after the signal", "after the second"]
    assert stops == [1, 1]  # each Ctrl-C asked the work to stop
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # restored
    with deferred_interrupts():  # no Ctrl-C: nothing raised
        pass
    with pytest.raises(ValueError), deferred_interrupts():
        raise ValueError("its own error")  # passes through when no Ctrl-C came
    with pytest.raises(KeyboardInterrupt) as caught, deferred_interrupts():
        signal.raise_signal(signal.SIGINT)
        raise ValueError("stopped by the Ctrl-C")
    assert isinstance(caught.value.__cause__, ValueError)  # the Ctrl-C wins, the cause kept


def test_deferred_interrupts_nest_and_leave_other_handlers_alone(default_sigint):
    from pyw2v.interrupts import deferred_interrupts

    with pytest.raises(KeyboardInterrupt), deferred_interrupts() as outer:
        with deferred_interrupts() as inner:  # inside another: the outer one defers
            signal.raise_signal(signal.SIGINT)
        assert outer.pressed and not inner.pressed
        assert signal.getsignal(signal.SIGINT) == outer._handler
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    own = []
    signal.signal(signal.SIGINT, lambda signum, frame: own.append(signum))
    with deferred_interrupts():
        signal.raise_signal(signal.SIGINT)  # the program's own handler runs, as before
    assert own == [signal.SIGINT]
    seen = []
    thread = threading.Thread(target=lambda: seen.append(deferred_interrupts().__enter__()))
    thread.start()
    thread.join()
    assert seen[0]._previous is None  # another thread: nothing installed


def test_a_ctrl_c_right_after_the_training_lock_is_taken_does_not_keep_it(
    monkeypatch, default_sigint
):
    """The per-model lock of train(): a Ctrl-C that lands just after it was taken (the
    next bytecode) used to skip the `try` that releases it, and every later train()
    said the model was already training."""
    model = Word2Vec(vector_size=16, min_count=1, workers=1, seed=1, progress=False)
    model.build_vocab(SENTENCES)

    real_lock = threading.Lock

    class InterruptedOnAcquire:
        def __init__(self) -> None:
            self.inner = real_lock()
            self.calls = 0

        def acquire(self, blocking: bool = True) -> bool:
            taken = self.inner.acquire(blocking)
            self.calls += 1
            if self.calls == 1:
                signal.raise_signal(signal.SIGINT)  # lands as acquire returns
            return taken

        def release(self) -> None:
            self.inner.release()

    from pyw2v import training_guard

    monkeypatch.setattr(training_guard.threading, "Lock", InterruptedOnAcquire)
    with pytest.raises(KeyboardInterrupt):
        model.train(SENTENCES, epochs=1)
    monkeypatch.undo()
    model.train(SENTENCES, epochs=1)  # not "already training"


def _signal_as_it_returns(function):
    """`function`, with a Ctrl-C (a real SIGINT) landing just as it returns."""

    def landing(*args, **kwargs):
        result = function(*args, **kwargs)
        signal.raise_signal(signal.SIGINT)
        return result

    return landing


def _open_descriptors() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
@pytest.mark.parametrize("where", ["open", "fdopen"])
def test_a_ctrl_c_as_the_temporary_file_is_made_leaves_nothing_behind(
    tmp_path, monkeypatch, default_sigint, where
):
    """Ctrl-C just after the save's temporary file was created (os.open) or wrapped
    (os.fdopen): KeyboardInterrupt, the old file whole, no temporary file and no open
    descriptor left. After os.open it used to land before the `try` that removes the
    file, leaving it and its descriptor."""
    from pyw2v import saving

    model = Word2Vec(vector_size=16, min_count=1, workers=1, seed=1, progress=False)
    model.build_vocab(SENTENCES)
    model.train(SENTENCES, epochs=1)
    target = tmp_path / "model.pyw2v"
    model.save(target)
    before = target.read_bytes()
    model.train(SENTENCES, epochs=1)
    descriptors = _open_descriptors()
    with monkeypatch.context() as patch:
        patch.setattr(saving.os, where, _signal_as_it_returns(getattr(os, where)))
        with pytest.raises(KeyboardInterrupt) as caught:
            model.save(target)
    assert type(caught.value) is KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.pyw2v"]  # no temporary
    assert target.read_bytes() == before  # the old model, whole
    assert _open_descriptors() == descriptors


def test_a_ctrl_c_as_the_epoch_thread_starts_stops_it_before_raising(monkeypatch, default_sigint):
    model = Word2Vec(vector_size=16, min_count=1, workers=2, seed=1, progress=False, epochs=50)
    model.build_vocab(SENTENCES)
    with monkeypatch.context() as patch:
        patch.setattr(threading.Thread, "start", _signal_as_it_returns(threading.Thread.start))
        with pytest.raises(KeyboardInterrupt):
            model.train(SENTENCES)
    assert not [t for t in threading.enumerate() if t.name == "pyw2v-epoch"]
    assert model.epochs_trained < 50
    assert np.isfinite(model.wv.vectors).all()
    model.train(SENTENCES, epochs=1)  # still usable


def test_a_ctrl_c_while_counting_on_threads_stops_the_pieces(tmp_path, monkeypatch, default_sigint):
    from pyw2v import counting
    from pyw2v.corpus import FileCorpus

    monkeypatch.setattr(counting, "PARALLEL_MIN_BYTES", 256)
    path = tmp_path / "a.txt"
    path.write_text("\n".join(" ".join(sentence) for sentence in SENTENCES))
    threads = set(threading.enumerate())
    pieces = []
    count_piece = counting._count_piece

    def piece_that_waits_for_the_stop(piece, record_bytes, buffers, stop):
        pieces.append(stop)
        if len(pieces) == 1:
            signal.raise_signal(signal.SIGINT)  # from a pool thread: handled in the main
        for _ in range(1000):  # a long piece, until told to stop
            if stop.is_set():
                break
            time.sleep(0.01)
        return count_piece(piece, record_bytes, buffers, stop)

    with monkeypatch.context() as patch:
        patch.setattr(counting, "_count_piece", piece_that_waits_for_the_stop)
        with pytest.raises(KeyboardInterrupt):
            FileCorpus([str(path)]).count(workers=2)
    assert pieces and all(stop.is_set() for stop in pieces)
    assert set(threading.enumerate()) <= threads  # the pool's threads are gone
