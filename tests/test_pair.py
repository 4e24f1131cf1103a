"""The pair step (csrc/step_pair.c, step_pair_avx2.c): the skip-gram pairs of one center
trained one after the other against the same output rows (hierarchical softmax's path),
against one-row steps of the scalar kernel in a row, which define it. The AVX2 kernel
takes them two at a time."""

import corpora
import numpy as np
import pytest
from test_kernel import SIMD_VARIANTS

from pyw2v import Word2Vec, _core


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


# a center's context words: two pairs; an odd one out; a word of the pair before in the
# next pair (it reads the row that pair moved); a word twice in a row (a one-row step)
CONTEXTS = [
    [3, 7, 11, 2],
    [9, 9, 2, 5],
    [3, 7, 9, 9, 2],
    [3, 7, 11, 2, 5, 9, 1],
    [3, 7, 3, 9, 9, 2, 5, 8, 8],
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
    [6],
]


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("inputs", CONTEXTS, ids=lambda c: "-".join(map(str, c)))
def test_pairs_of_a_center_are_steps_in_a_row(simd, inputs):
    """Every column tail and path length as above, for every input row's place."""
    for dim in (1, 4, 5, 8, 12, 16, 24, 33, 100, 300):
        for n_targets in (1, 5, 12, 22):
            in_vecs, out_vecs, targets, labels = problem(dim * n_targets, dim, n_targets)
            assert_pair_is_two_steps(in_vecs, out_vecs, inputs, targets, labels, 0.05, simd)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_second_pair_sees_both_steps_before_it(simd):
    """Large steps: the third and fourth pairs' scores must use the rows both earlier
    steps moved (o_t + s_t a + s'_t b): leaving out either correction is far off."""
    in_vecs, out_vecs, targets, labels = problem(5, 100, 12, scale=0.3)
    for i, j in ((11, 3), (13, 7)):
        in_vecs[i] = in_vecs[j] * 0.9  # c and e close to a and b: large a.c, b.e
    inputs = [3, 7, 11, 13]
    a0, b0 = in_vecs.copy(), out_vecs.copy()
    two_steps(a0, b0, inputs, targets, labels, 1.0)
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    _core.pair_update(a1, b1, inputs, targets, labels, 1.0, simd=simd)
    np.testing.assert_allclose(a1, a0, atol=2e-4, rtol=1e-4)
    np.testing.assert_allclose(b1, b0, atol=2e-4, rtol=1e-4)
    a2, b2 = in_vecs.copy(), out_vecs.copy()
    two_steps(a2, b2, inputs[:2], targets, labels, 1.0)
    _core.block_update(a2, b2, inputs[2:], targets, labels, 1.0, simd="scalar")
    # scoring 11 and 13 on the same rows differs by 10x the tolerance: the test can tell
    assert np.abs(a2 - a0).max() > 2e-3


def test_pair_step_takes_an_input():
    in_vecs, out_vecs, targets, labels = problem(1, 8, 3)
    with pytest.raises(ValueError, match="at least 1 input"):
        _core.pair_update(in_vecs, out_vecs, [], targets, labels, 0.1)


def _train_sg_hs(sentences, **kw):
    args = dict(sg=1, hs=1, negative=0, vector_size=24, min_count=1, workers=1, seed=3)
    return Word2Vec(sentences, progress=False, **(args | kw))


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_skip_gram_hs_training_is_one_row_steps_in_a_row(simd):
    """Whole training: the planner gives each center's window to the pair step; the
    SIMD kernels must train what the portable one (one-row steps of the scalar kernel,
    pair after pair) trains from the same windows. They differ by float32 rounding only
    (about 1e-7 after 3 epochs here); a kernel that trained a pair against the wrong rows,
    or skipped one, would move vectors by far more than the 1e-5 allowed. The windows
    themselves are checked by tests/test_planners.py (_core.planned_steps)."""
    _, sentences = corpora.topic_corpus(n_sentences=400)
    want = _train_sg_hs(sentences, epochs=3, simd="scalar")
    got = _train_sg_hs(sentences, epochs=3, simd=simd)
    np.testing.assert_allclose(got.wv.vectors, want.wv.vectors, atol=1e-5, rtol=0)
    np.testing.assert_allclose(got.syn1, want.syn1, atol=1e-5, rtol=0)
    assert got.get_latest_training_loss() == pytest.approx(want.get_latest_training_loss())


def test_skip_gram_hs_honours_lock_factors():
    """A window with a lock factor trains as one-row steps of the kernel that applies
    them: the locked word's row stays, the others move."""
    _, sentences = corpora.topic_corpus(n_sentences=300)
    model = _train_sg_hs(sentences, epochs=1)
    model.wv.vectors_lockf = np.ones(len(model.wv), dtype=np.float32)
    model.wv.vectors_lockf[0] = 0.0
    before = model.wv.vectors.copy()
    model.train(sentences, epochs=1)
    np.testing.assert_array_equal(model.wv.vectors[0], before[0])
    assert (np.abs(model.wv.vectors[1:] - before[1:]).max(axis=1) > 0).all()
