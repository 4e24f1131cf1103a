"""gensim's vectors_lockf: a per-word factor of the input-row updates (0 locks a word's
vector), in the step against the float64 reference and in training in every mode."""

import numpy as np
import pytest
import reference as ref

from pyw2v import Word2Vec, _core

SENTENCES = [[f"w{(i * 7 + j) % 13}" for j in range(9)] for i in range(40)]
MODES = [
    {"sg": 0, "hs": 0, "negative": 5},
    {"sg": 1, "hs": 0, "negative": 5},
    {"sg": 0, "hs": 1, "negative": 0},
    {"sg": 1, "hs": 1, "negative": 3},
]


def _model(**kw):
    kw = {"vector_size": 8, "min_count": 1, "workers": 1, "epochs": 2, "sample": 0,
          "progress": False, "seed": 5, **kw}  # fmt: skip
    model = Word2Vec(**kw)
    model.build_vocab(SENTENCES)
    return model


@pytest.mark.parametrize("cbow_mean", [True, False])
def test_step_with_lock_factors_matches_reference(cbow_mean):
    rng = np.random.default_rng(1)
    in_vecs = rng.normal(0, 0.5, size=(20, 37)).astype(np.float32)
    out_vecs = rng.normal(0, 0.5, size=(20, 37)).astype(np.float32)
    ctx = np.array([1, 4, 4, 7, 9], dtype=np.int32)  # 4 twice: each position its factor
    targets = np.array([3, 11, 5, 17], dtype=np.int32)
    lockf = np.array([0.0, 0.5, 0.5, 1.0, 2.0], dtype=np.float32)
    mean = 1.0 / len(ctx) if cbow_mean else 1.0
    labels = ref.ns_labels(targets)
    want_in, want_out = ref.step(in_vecs, out_vecs, ctx, targets, 0.05, cbow_mean, lockf=lockf)
    a, b = in_vecs.copy(), out_vecs.copy()
    _core.step_update(a, b, ctx, targets, labels, 0.05, mean, 1.0, "auto", lockf)
    # the tolerance of test_kernel's reference test (float32 over 37-term dot products)
    np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    np.testing.assert_array_equal(a[1], in_vecs[1])  # factor 0: locked
    with pytest.raises(ValueError, match="one factor per input"):
        _core.step_update(a, b, ctx, targets, labels, 0.05, mean, 1.0, "auto", lockf[:2])


@pytest.mark.parametrize("mode", MODES)
def test_locked_words_keep_their_vectors(mode):
    model = _model(**mode)
    before = model.wv.vectors.copy()
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.vectors_lockf[[0, 3]] = 0.0
    model.train()
    np.testing.assert_array_equal(model.wv.vectors[[0, 3]], before[[0, 3]])
    moved = np.abs(model.wv.vectors - before).max(axis=1) > 0
    assert moved.sum() == len(model.wv) - 2


def test_one_factor_applies_to_every_word():
    model = _model()
    before = model.wv.vectors.copy()
    model.wv.vectors_lockf = np.zeros(1, dtype=np.float32)  # gensim's single value
    model.train()
    np.testing.assert_array_equal(model.wv.vectors, before)
    assert model.syn1neg.any()  # the output layer still trains


def test_factors_of_one_change_nothing():
    """All ones takes the fast kernels, bit for bit what training without lockf gives."""
    plain, locked = _model(), _model()
    locked.wv.vectors_lockf = np.ones(len(locked.wv), dtype=np.float32)
    plain.train()
    locked.train()
    np.testing.assert_array_equal(plain.wv.vectors, locked.wv.vectors)


@pytest.mark.parametrize(
    ("lockf", "message"),
    [
        (np.ones(3, dtype=np.float32), "1 or 13"),
        (np.ones((13, 1), dtype=np.float32), "1 or 13"),
        (np.full(13, np.nan, dtype=np.float32), "NaN"),
    ],
)
def test_bad_lock_factors_are_named(lockf, message):
    model = _model()
    model.wv.vectors_lockf = lockf
    with pytest.raises(ValueError, match=message):
        model.train()
