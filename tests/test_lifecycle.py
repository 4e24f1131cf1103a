"""What a gensim user does between and around training calls: new corpora each call,
corpora changed in place, parameters set as attributes, replaced weight arrays, saving,
loading and interrupting. Each test is a bug found in review."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time

import numpy as np
import pytest

from pyw2v import Word2Vec, _core


def _model(**kw):
    kw = {"vector_size": 8, "min_count": 1, "workers": 1, "epochs": 1, "sample": 0,
          "progress": False, "seed": 1, **kw}  # fmt: skip
    return Word2Vec(**kw)


def _changed_rows(model, before):
    changed = np.abs(model.wv.vectors - before).max(axis=1) > 0
    return sorted(model.wv.index_to_key[i] for i in np.flatnonzero(changed))


def test_each_train_call_trains_the_corpus_it_is_given():
    """Fresh lists each call (CPython may give a new list the id of a freed one) and a
    list changed in place are trained as they are at the call, not as encoded before."""
    model = _model()
    model.build_vocab([["a", "b", "c", "d"], ["w", "x", "y", "z"]])
    for batch in (["a", "b", "c", "d"], ["w", "x", "y", "z"], ["a", "b", "c", "d"]):
        before = model.wv.vectors.copy()
        model.train([list(batch) for _ in range(50)])
        assert _changed_rows(model, before) == sorted(batch)
    sentences = [["a", "b", "c", "d"]] * 50
    model.build_vocab(sentences + [["w", "x", "y", "z"]])
    model.train(sentences)  # the encoding of build_vocab, once
    sentences[:] = [["w", "x", "y", "z"]] * 50
    before = model.wv.vectors.copy()
    model.train(sentences)
    assert _changed_rows(model, before) == ["w", "x", "y", "z"]


def test_a_rewritten_file_is_read_again(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b c d\n" * 100 + "w x y z\n")
    model = _model()
    model.build_vocab(str(path))
    assert model.train(str(path))[1] == 404
    path.write_text("w x y z\n" * 100)
    before = model.wv.vectors.copy()
    assert model.train(str(path))[1] == 400
    assert _changed_rows(model, before) == ["w", "x", "y", "z"]


def test_parameters_set_as_attributes_drive_training():
    """gensim's manual decay loop sets model.alpha / min_alpha / epochs; train() must use
    them (alpha 1e-9 barely moves the vectors; epochs=2 runs two epochs)."""
    sents = [["a", "b", "c", "d", "e", "f"]] * 300
    model = _model(epochs=5, alpha=0.05)
    model.build_vocab(sents)
    model.alpha -= 0.05 - 1e-9  # below min_alpha for a moment, as in gensim's loop
    model.min_alpha = model.alpha
    model.epochs = 2
    assert model.alpha == model.min_alpha == model.params.alpha == pytest.approx(1e-9)
    assert model.params.epochs == 2
    epochs = []

    class Count:
        def on_epoch_begin(self, m):
            epochs.append(1)

    before = model.wv.vectors.copy()
    model.train(sents, callbacks=[Count()])
    assert len(epochs) == 2
    assert np.abs(model.wv.vectors - before).max() < 1e-6
    with pytest.raises(ValueError, match="window"):
        model.window = 0
    model.alpha = 0.05
    assert model.min_alpha == pytest.approx(1e-9)  # raising alpha leaves min_alpha alone


def test_replaced_vectors_train_or_fail_clearly(tmp_path):
    sents = [["a", "b", "c", "d"]] * 50
    model = _model()
    model.build_vocab(sents)
    model.wv.vectors = model.wv.vectors.copy()  # contiguous rows, unlike syn1neg's
    before = model.wv.vectors.copy()
    model.train(sents)
    assert np.isfinite(model.wv.vectors).all() and (model.wv.vectors != before).any()
    for bad, message in (
        (model.wv.vectors.astype(np.float64), "float32"),
        (np.zeros((3, 8), np.float32), "shape"),
    ):
        model.wv.vectors = bad
        with pytest.raises(ValueError, match=message):
            model.train(sents)
        target = tmp_path / "m.model"
        with pytest.raises(ValueError, match="wv.vectors"):
            model.save(target)
        assert not target.exists()


def test_progress_without_stderr(monkeypatch):
    """pythonw and daemons run with sys.stderr None: training must not write to it."""
    monkeypatch.setattr(sys, "stderr", None)
    model = _model(progress=True)
    model.build_vocab([["a", "b", "c"]] * 10)
    model.train()
    assert model.epochs_trained == 1


def test_load_refuses_counts_below_one(tmp_path):
    from pyw2v import io

    model = _model()
    model.build_vocab([["a", "b", "c"]] * 10)
    path = tmp_path / "m.model"
    model.save(path)
    header, arrays = io.load_native(path, "word2vec")
    arrays["counts"] = np.array([10, 0, 10], dtype=np.int64)
    io.save_native(path, header, arrays)
    with pytest.raises(ValueError, match="count below 1"):
        Word2Vec.load(path)


def test_a_stop_requested_before_the_epoch_starts_is_kept():
    """A stop that lands while an epoch is starting (before the workers run) stops it."""
    model = _model()
    model.build_vocab([["a", "b", "c", "d"]] * 5000)
    trainer = _core.Trainer(model.wv.vectors, model.syn1neg, model.vocab.keep_probs(0),
                            model.vocab.counts, 0.75, 5, 5, True, False, 1, 1)  # fmt: skip
    packed = model._encoded[1].packed
    trainer.request_stop()
    stopped, words, _, _ = trainer.train_epoch(packed, 1, 0.05, 0.0001, 0, 20000)
    assert stopped and words < 20000


def test_interrupt_leaves_no_worker_writing(tmp_path):
    """Ctrl-C while waiting for an epoch: when KeyboardInterrupt reaches the caller the
    epoch's workers are done (the vectors no longer change) and no epoch thread runs."""
    import _thread

    rng = np.random.default_rng(0)
    corpus = [[f"w{i}" for i in row] for row in rng.integers(0, 500, size=(4000, 20))]
    model = _model(workers=2, epochs=200)
    model.build_vocab(corpus)
    # interrupt_main simulates SIGINT: it does nothing if SIGINT is ignored (a test run
    # from nohup or a background job), so install the handler this test relies on
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt):
            model.train(corpus)
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    after = model.wv.vectors.copy()
    time.sleep(0.2)
    np.testing.assert_array_equal(model.wv.vectors, after)
    assert not [t for t in threading.enumerate() if t.name == "pyw2v-epoch"]
    assert model.epochs_trained < 200
    if os.path.isdir("/proc/self/task"):
        names = []
        for task in os.listdir("/proc/self/task"):
            try:
                with open(f"/proc/self/task/{task}/comm") as f:
                    names.append(f.read().strip())
            except OSError:
                pass  # exited meanwhile
        assert "pyw2v-epoch" not in names
