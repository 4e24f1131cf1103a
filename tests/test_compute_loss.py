"""compute_loss=False: the kernels skip the loss's lookups and nothing else. The vectors
must come out bit for bit as with the loss (one thread, a seed), in every mode and on
every kernel this CPU runs; the running loss stays 0, as gensim's does."""

import io
import math
import re

import corpora
import numpy as np
import pytest

from pyw2v import Word2Vec, _core
from pyw2v.model import _MAX_WEIGHT, _divergence

MODES = [
    pytest.param({"sg": 0, "hs": 0, "negative": 5}, id="cbow-ns"),
    pytest.param({"sg": 1, "hs": 0, "negative": 5}, id="sg-ns"),
    pytest.param({"sg": 1, "hs": 0, "negative": 5, "sg_batch": True}, id="sg-ns-batched"),
    pytest.param({"sg": 0, "hs": 1, "negative": 0}, id="cbow-hs"),
    pytest.param({"sg": 1, "hs": 1, "negative": 0}, id="sg-hs"),
    pytest.param({"sg": 1, "hs": 1, "negative": 3}, id="sg-hs-ns"),
]
KERNELS = [name for name in ("scalar", "avx2", "avx512") if _core.simd_available(name)]
SENTENCES = corpora.topic_corpus(n_sentences=300)[1]


def train(compute_loss, **kw):
    # d 24: the AVX kernels' whole registers and their tails both run
    args = dict(vector_size=24, min_count=1, epochs=2, workers=1, seed=7, progress=False)
    args.update(kw)
    return Word2Vec(SENTENCES, compute_loss=compute_loss, **args)


@pytest.mark.parametrize("simd", KERNELS)
@pytest.mark.parametrize("mode", MODES)
def test_skipping_the_loss_changes_no_weight(mode, simd):
    with_loss = train(True, simd=simd, **mode)
    without = train(False, simd=simd, **mode)
    assert with_loss.get_latest_training_loss() > 0
    assert without.get_latest_training_loss() == 0.0
    np.testing.assert_array_equal(with_loss.wv.vectors, without.wv.vectors)
    for name in with_loss._output_names():
        np.testing.assert_array_equal(getattr(with_loss, name), getattr(without, name))


def test_epochs_without_the_loss_record_nan_and_train_can_turn_it_back_on(tmp_path):
    model = train(False)
    assert model.compute_loss is False
    assert len(model.epoch_losses) == 2 and all(math.isnan(x) for x in model.epoch_losses)
    model.train(SENTENCES, epochs=1, compute_loss=True)  # gensim's train() sets it
    assert model.compute_loss is True
    assert model.get_latest_training_loss() > 0 and model.epoch_losses[-1] > 0
    model.train(SENTENCES, epochs=1)  # not given: the model's setting stays
    assert model.get_latest_training_loss() > 0
    model.save(tmp_path / "m.pyw2v")
    loaded = Word2Vec.load(tmp_path / "m.pyw2v")
    assert math.isnan(loaded.epoch_losses[0]) and loaded.epoch_losses[-1] > 0
    assert loaded.compute_loss is True
    model.train(SENTENCES, epochs=1, compute_loss=False)  # turned off by train()
    assert model.get_latest_training_loss() == 0.0 and math.isnan(model.epoch_losses[-1])
    model.save(tmp_path / "m.pyw2v")
    assert Word2Vec.load(tmp_path / "m.pyw2v").compute_loss is False  # kept, as gensim's


def test_progress_shows_no_loss_when_none_is_computed(monkeypatch):
    shown = {}
    for compute_loss in (True, False):
        stream = io.StringIO()
        monkeypatch.setattr("sys.stderr", stream)
        train(compute_loss, progress=True)
        shown[compute_loss] = stream.getvalue()
    number = re.compile(r"loss \d+\.\d{4}")
    assert number.search(shown[True]) and "loss -" not in shown[True]
    assert "loss -" in shown[False] and not number.search(shown[False])


def test_divergence_is_still_caught_without_the_loss():
    with pytest.raises(FloatingPointError, match="diverged"):
        train(False, alpha=1e30, min_alpha=1e30, negative=5)
    # weights that blow up but stay finite: the loss tells with it, their size without
    for compute_loss in (True, False):
        with pytest.raises(FloatingPointError, match="diverged.*lower alpha"):
            train(compute_loss, alpha=1.0, min_alpha=1.0, epochs=5, sample=0)


def test_divergence_reasons():
    fine = np.full((3, 4), 5.0, dtype=np.float32)
    assert _divergence(None, 6, fine, fine) is None
    assert _divergence(1.0, 6, fine) is None
    assert "the loss is" in _divergence(float("nan"), 6, fine)
    assert "the loss is" in _divergence(10 * 6 * _core.MAX_EXP + 1, 6, fine)
    for bad in (2 * _MAX_WEIGHT, -2 * _MAX_WEIGHT, np.inf, np.nan):
        weights = fine.copy()
        weights[1, 2] = bad
        reason = _divergence(None, 6, fine, weights)
        assert reason == f"a weight reached {float(np.float32(bad)):.4g}"
    assert _divergence(None, 6, np.zeros((0, 4), dtype=np.float32)) is None


@pytest.mark.parametrize("value", [2, -1, "yes", None, 0.5])
def test_bad_compute_loss_is_named(value):
    with pytest.raises((TypeError, ValueError), match="compute_loss"):
        Word2Vec(progress=False, compute_loss=value)
    model = Word2Vec(SENTENCES, min_count=1, vector_size=8, epochs=1, progress=False)
    with pytest.raises((TypeError, ValueError), match="compute_loss"):
        model.train(SENTENCES, epochs=1, compute_loss=value if value is not None else "x")
