"""The block step (skip-gram's batched form, sg_batch; csrc/step_block.c) against the
float64 reference of tests/reference.py, the reference against finite differences of the
block's loss, and the block of one input row against the one-row step."""

import numpy as np
import pytest
import reference as ref

from pyw2v import _core

SIMD_VARIANTS = [name for name in ("scalar", "avx2", "avx512") if _core.simd_available(name)]


def make_block(seed, n_in=5, n_out=6, vocab=40, dim=37, scale=0.5):
    """A window's rows: the inputs with a word twice, the targets a center (label 1) and
    noise words (label 0) with one drawn twice, as the planner may make them."""
    rng = np.random.default_rng(seed)
    in_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    out_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    inputs = rng.choice(vocab, size=n_in, replace=False).astype(np.int32)
    targets = rng.choice(vocab, size=n_out, replace=False).astype(np.int32)
    if n_in > 2:
        inputs[2] = inputs[0]
    if n_out > 3:
        targets[3] = targets[1]
    labels = np.where(np.arange(n_out) == 0, 1.0, 0.0)
    return in_vecs, out_vecs, inputs, targets, labels


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("dim", [3, 8, 13, 37, 100, 300])
def test_block_matches_reference(simd, dim):
    in_vecs, out_vecs, inputs, targets, labels = make_block(dim, dim=dim)
    alpha = 0.05
    want_in, want_out = ref.block_step(in_vecs, out_vecs, inputs, targets, labels, alpha)
    a, b = in_vecs.copy(), out_vecs.copy()
    loss = _core.block_update(a, b, inputs, targets, labels, alpha, simd)
    # float32 dot products of up to 300 O(0.25) terms: ~1e-6 relative; the reference
    # reads the same sigmoid table
    np.testing.assert_allclose(a, want_in, atol=2e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=2e-5, rtol=0)
    # rows outside the block are untouched; rows inside it moved
    untouched = np.setdiff1d(np.arange(len(a)), inputs)
    np.testing.assert_array_equal(a[untouched], in_vecs[untouched])
    assert not np.array_equal(a[inputs], in_vecs[inputs])
    # the table's loss: a half bin of 0.006 at slope <= 1, for each of the 30 terms
    exact = ref.block_loss(in_vecs, out_vecs, inputs, targets, labels)
    assert loss == pytest.approx(exact, abs=0.006 * inputs.size * targets.size)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize(("n_in", "n_out"), [(1, 1), (2, 7), (10, 6), (64, 64), (63, 61)])
def test_block_sizes_match_reference(simd, n_in, n_out):
    """Every shape up to the largest block, including row counts that are no multiple
    of the 8 scores the AVX2 kernel looks up at a time."""
    in_vecs, out_vecs, inputs, targets, labels = make_block(
        n_in + n_out, n_in=n_in, n_out=n_out, vocab=200, dim=21, scale=0.3
    )
    labels = np.random.default_rng(n_in).integers(0, 2, size=n_out).astype(np.float64)
    alpha = 0.02
    want_in, want_out = ref.block_step(in_vecs, out_vecs, inputs, targets, labels, alpha)
    a, b = in_vecs.copy(), out_vecs.copy()
    _core.block_update(a, b, inputs, targets, labels, alpha, simd)
    np.testing.assert_allclose(a, want_in, atol=2e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=2e-5, rtol=0)


def test_reference_block_gradient_by_finite_differences():
    rng = np.random.default_rng(5)
    in_vecs = rng.normal(0, 0.5, size=(12, 6))
    out_vecs = rng.normal(0, 0.5, size=(12, 6))
    inputs = [0, 2, 2, 5]  # a repeated input row
    targets = [1, 3, 4, 3, 6]  # a repeated noise row
    labels = [1.0, 0.0, 0.0, 0.0, 0.0]
    g_in, g_out = ref.block_gradients(in_vecs, out_vecs, inputs, targets, labels)
    h = 1e-6
    for matrix, grad in ((in_vecs, g_in), (out_vecs, g_out)):
        numeric = np.zeros_like(matrix)
        for idx in np.ndindex(matrix.shape):
            saved = matrix[idx]
            matrix[idx] = saved + h
            up = ref.block_loss(in_vecs, out_vecs, inputs, targets, labels)
            matrix[idx] = saved - h
            down = ref.block_loss(in_vecs, out_vecs, inputs, targets, labels)
            matrix[idx] = saved
            numeric[idx] = (up - down) / (2 * h)
        np.testing.assert_allclose(grad, numeric, atol=1e-7)
    assert np.abs(g_in).max() > 0.1 and np.abs(g_out).max() > 0.1


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_block_is_minus_alpha_times_the_block_gradient(simd):
    """With a tiny alpha the step is -alpha dJ/d(rows) of the block's loss, up to the
    sigmoid table (|table - sigma| <= 0.0015 per score) times |o| or |a| summed over
    the block's terms."""
    in_vecs, out_vecs, inputs, targets, labels = make_block(9, scale=0.3)
    alpha = 1e-3
    g_in, g_out = ref.block_gradients(
        in_vecs.astype(np.float64), out_vecs.astype(np.float64), inputs, targets, labels
    )
    a, b = in_vecs.copy(), out_vecs.copy()
    _core.block_update(a, b, inputs, targets, labels, alpha, simd)
    np.testing.assert_allclose((a - in_vecs) / -alpha, g_in, atol=2e-2)
    np.testing.assert_allclose((b - out_vecs) / -alpha, g_out, atol=2e-2)
    assert np.abs(g_in).max() > 0.3 and np.abs(g_out).max() > 0.3


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_block_of_one_input_is_the_one_row_step(simd):
    """One input row and distinct targets: the block is skip-gram's one-row step."""
    in_vecs, out_vecs, _, _, _ = make_block(3, dim=50)
    inputs = np.array([7], dtype=np.int32)
    targets = np.array([2, 11, 5, 30, 19, 8], dtype=np.int32)
    labels = ref.ns_labels(targets)
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    a2, b2 = in_vecs.copy(), out_vecs.copy()
    l1 = _core.block_update(a1, b1, inputs, targets, labels, 0.05, simd)
    l2 = _core.step_update(a2, b2, inputs, targets, labels, 0.05, 1.0, 1.0, simd)
    np.testing.assert_allclose(a1, a2, atol=1e-6, rtol=0)
    np.testing.assert_allclose(b1, b2, atol=1e-6, rtol=0)
    assert l1 == pytest.approx(l2, abs=1e-5)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_block_differs_from_pairs_in_turn(simd):
    """The block takes every update from the rows before it: training its input rows one
    after another (each seeing the outputs moved by the one before) gives other rows.
    (Guards against a kernel that updates the outputs in place between inputs.)"""
    in_vecs, out_vecs, inputs, targets, labels = make_block(4, scale=1.0)
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    _core.block_update(a1, b1, inputs, targets, labels, 0.5, simd)
    a2, b2 = in_vecs.copy(), out_vecs.copy()
    for i in inputs:
        _core.block_update(a2, b2, [i], targets, labels, 0.5, simd)
    assert np.abs(b1 - b2).max() > 1e-3


def test_block_applies_lock_factors():
    in_vecs, out_vecs, inputs, targets, labels = make_block(6)
    lockf = np.array([0.0, 0.5, 1.0, 2.0, 1.0])
    want_in, want_out = ref.block_step(
        in_vecs, out_vecs, inputs, targets, labels, 0.05, lockf=lockf
    )
    a, b = in_vecs.copy(), out_vecs.copy()
    _core.block_update(a, b, inputs, targets, labels, 0.05, lockf=lockf)
    np.testing.assert_allclose(a, want_in, atol=2e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=2e-5, rtol=0)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_saturated_block_scores_are_clipped(simd):
    """Scores far past the table (|x| >> 6) give sigma 0 or 1: finite updates, the loss
    of a wrong saturated label is |x| (softplus' asymptote)."""
    in_vecs = np.full((4, 16), 2.0, dtype=np.float32)
    out_vecs = np.full((4, 16), 2.0, dtype=np.float32)  # every score 64
    a, b = in_vecs.copy(), out_vecs.copy()
    loss = _core.block_update(a, b, [0, 1], [2, 3], [1.0, 0.0], 0.1, simd)
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert loss == pytest.approx(2 * 64.0)  # the label-1 terms cost nothing
    np.testing.assert_allclose(b[2], out_vecs[2])  # sigma = 1 = label: no step
    np.testing.assert_allclose(b[3], out_vecs[3] - 0.1 * 2 * 2.0)


def test_block_refuses_too_many_rows():
    in_vecs = np.zeros((100, 4), dtype=np.float32)
    out_vecs = np.zeros((100, 4), dtype=np.float32)
    many = np.arange(_core.BLOCK_MAX_IN + 1)
    with pytest.raises(ValueError, match="at most"):
        _core.block_update(in_vecs, out_vecs, many, [1], [1.0], 0.1)
    with pytest.raises(ValueError, match="at most"):
        _core.block_update(in_vecs, out_vecs, [1], np.arange(_core.BLOCK_MAX_OUT + 1),
                           np.zeros(_core.BLOCK_MAX_OUT + 1), 0.1)  # fmt: skip
