"""The pair step (csrc/step_pair.c, step_pair_avx2.c): two skip-gram pairs of one center
trained one after the other against the same output rows (hierarchical softmax's path),
against two one-row steps of the scalar kernel in a row, which define it."""

import numpy as np
import pytest
from test_kernel import SIMD_VARIANTS

from pyw2v import _core


def problem(seed, dim, n_targets, vocab=60, scale=0.5):
    rng = np.random.default_rng(seed)
    in_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    out_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    targets = rng.permutation(vocab)[:n_targets].astype(np.int32)
    labels = rng.integers(0, 2, size=n_targets).astype(np.float32)
    return in_vecs, out_vecs, targets, labels


def two_steps(in_vecs, out_vecs, inputs, targets, labels, alpha):
    loss = 0.0
    for i in inputs:
        loss += _core.step_update(in_vecs, out_vecs, [i], targets, labels, alpha, simd="scalar")
    return loss


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("n_targets", [1, 3, 4, 7, 12, 22, 40])
def test_pair_step_is_two_steps_in_a_row(simd, n_targets):
    """Every tail of columns (d mod 8, the 4-wide register), blocks of 3 registers and
    their remainders, paths shorter and longer than the 4 rows scored at once. Only the
    summation order differs: float32 rounding, well within the 2e-4 that covers a score
    crossing a sigmoid-table bin (test_kernel)."""
    for dim in (1, 4, 5, 8, 12, 16, 24, 33, 100, 300):
        in_vecs, out_vecs, targets, labels = problem(dim + n_targets, dim, n_targets)
        assert_pair_is_two_steps(in_vecs, out_vecs, [3, 7], targets, labels, 0.05, simd)


def assert_pair_is_two_steps(in_vecs, out_vecs, inputs, targets, labels, alpha, simd):
    a0, b0 = in_vecs.copy(), out_vecs.copy()
    want = two_steps(a0, b0, inputs, targets, labels, alpha)
    got = _core.pair_update(in_vecs, out_vecs, inputs, targets, labels, alpha, simd=simd)
    np.testing.assert_allclose(in_vecs, a0, atol=2e-4)
    np.testing.assert_allclose(out_vecs, b0, atol=2e-4)
    assert got == pytest.approx(want, abs=1e-3)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_pair_step_second_step_sees_the_first(simd):
    """Large steps: the second pair's scores and gradient must use the rows the first
    moved (o_t + s_t a); a kernel that scored both pairs on the rows before the pair
    (the block step's rule) would be far off."""
    in_vecs, out_vecs, targets, labels = problem(5, 100, 12, scale=0.3)
    in_vecs[7] = in_vecs[3] * 0.9  # b close to a: a.b large
    a0, b0 = in_vecs.copy(), out_vecs.copy()
    two_steps(a0, b0, [3, 7], targets, labels, 1.0)
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    _core.pair_update(a1, b1, [3, 7], targets, labels, 1.0, simd=simd)
    np.testing.assert_allclose(a1, a0, atol=2e-4, rtol=1e-4)
    np.testing.assert_allclose(b1, b0, atol=2e-4, rtol=1e-4)
    a2, b2 = in_vecs.copy(), out_vecs.copy()
    _core.block_update(a2, b2, [3, 7], targets, labels, 1.0, simd="scalar")
    assert np.abs(a2 - a0).max() > 1e-2  # the block's rule differs: the test can tell


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_pair_step_of_one_word_twice_is_two_steps(simd):
    """The same context word in both pairs: the second step reads the input row the
    first moved (the fused kernel then runs the two steps in a row)."""
    in_vecs, out_vecs, targets, labels = problem(9, 37, 10)
    assert_pair_is_two_steps(in_vecs, out_vecs, [4, 4], targets, labels, 0.1, simd)


def test_pair_step_takes_two_inputs():
    in_vecs, out_vecs, targets, labels = problem(1, 8, 3)
    with pytest.raises(ValueError, match="2 inputs"):
        _core.pair_update(in_vecs, out_vecs, [1, 2, 3], targets, labels, 0.1)
