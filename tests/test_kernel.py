"""One kernel step against the float64 reference, and the reference's gradient against
finite differences of the objective J."""

import numpy as np
import pytest
import reference as ref

from pyw2v import _core

SIMD_VARIANTS = [name for name in ("scalar", "avx2", "avx512") if _core.simd_available(name)]


def cbow_ns_update(
    in_vecs, out_vecs, ctx, targets, alpha, cbow_mean=True, exact=False, simd="auto"
):
    """CBOW with negative sampling as the planner makes it: the mean (or sum) of the
    context, targets[0] the center word (label 1), the rest noise (label 0)."""
    mean = 1.0 / len(ctx) if cbow_mean else 1.0
    labels = ref.ns_labels(targets)
    return _core.step_update(
        in_vecs, out_vecs, ctx, targets, labels, alpha, mean, mean if exact else 1.0, simd
    )


def make_problem(seed, vocab=20, dim=37, scale=0.5):
    rng = np.random.default_rng(seed)
    in_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    out_vecs = rng.normal(0, scale, size=(vocab, dim)).astype(np.float32)
    ctx = np.array([1, 4, 4, 7, 9], dtype=np.int32)  # a repeated context word on purpose
    targets = np.array([3, 11, 5, 17, 2, 8], dtype=np.int32)
    return in_vecs, out_vecs, ctx, targets


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("cbow_mean", [True, False])
@pytest.mark.parametrize("exact", [False, True])
def test_step_matches_reference(simd, cbow_mean, exact):
    in_vecs, out_vecs, ctx, targets = make_problem(0)
    alpha = 0.05
    want_in, want_out = ref.step(in_vecs, out_vecs, ctx, targets, alpha, cbow_mean, exact)
    a, b = in_vecs.copy(), out_vecs.copy()
    got_loss = cbow_ns_update(a, b, ctx, targets, alpha, cbow_mean, exact, simd)
    # float32 arithmetic on O(1) values over 37-term dot products: relative error ~1e-6;
    # the table is reproduced exactly by the reference, so 1e-5 absolute is ample.
    np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    # Loss from the table vs exact: softplus' slope is at most 1, a half bin is 0.006,
    # and there are 6 terms -> at most 0.036.
    assert got_loss == pytest.approx(
        ref.loss(in_vecs, out_vecs, ctx, targets, cbow_mean), abs=0.036
    )


def test_step_is_the_spec_gradient():
    """With a tiny alpha the step must equal -alpha * SPEC's gradient (exact convention),
    up to the sigmoid table error (|table - sigma| <= 0.0015 per target)."""
    in_vecs, out_vecs, ctx, targets = make_problem(1, scale=0.3)
    alpha = 1e-3
    g_in, g_out = ref.gradients(
        in_vecs.astype(np.float64), out_vecs.astype(np.float64), ctx, targets
    )
    a, b = in_vecs.copy(), out_vecs.copy()
    cbow_ns_update(a, b, ctx, targets, alpha, True, True, "scalar")
    # dJ/db_t = g_t h: table error 0.0015 * |h| (|h_i| <~ 0.3) -> per-entry error
    # alpha * 0.0015 * 1 ~ 1.5e-6; plus float32 rounding of the weights (~3e-8 * 1).
    np.testing.assert_allclose((b - out_vecs) / -alpha, g_out, atol=5e-3)
    np.testing.assert_allclose((a - in_vecs) / -alpha, g_in, atol=5e-3)
    # and the step really moved the weights (the check above cannot pass vacuously)
    assert np.abs(g_out).max() > 0.05


def test_reference_gradient_by_finite_differences():
    rng = np.random.default_rng(2)
    in_vecs = rng.normal(0, 0.5, size=(12, 6))
    out_vecs = rng.normal(0, 0.5, size=(12, 6))
    ctx = [0, 2, 2, 5]
    targets = [1, 3, 4, 6]
    for cbow_mean in (True, False):
        g_in, g_out = ref.gradients(in_vecs, out_vecs, ctx, targets, cbow_mean)
        h = 1e-6
        for matrix, grad in ((in_vecs, g_in), (out_vecs, g_out)):
            numeric = np.zeros_like(matrix)
            for idx in np.ndindex(matrix.shape):
                old = matrix[idx]
                matrix[idx] = old + h
                up = ref.loss(in_vecs, out_vecs, ctx, targets, cbow_mean)
                matrix[idx] = old - h
                down = ref.loss(in_vecs, out_vecs, ctx, targets, cbow_mean)
                matrix[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            # central differences: O(h^2) truncation + eps/h rounding ~ 1e-10
            np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_wordvec_c_convention_is_c_times_exact():
    """word2vec.c's input step is |C| times the exact one; output steps are identical."""
    in_vecs, out_vecs, ctx, targets = make_problem(3)
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    a2, b2 = in_vecs.copy(), out_vecs.copy()
    cbow_ns_update(a1, b1, ctx, targets, 0.05, True, False, "scalar")
    cbow_ns_update(a2, b2, ctx, targets, 0.05, True, True, "scalar")
    np.testing.assert_array_equal(b1, b2)
    changed = np.unique(ctx)
    np.testing.assert_allclose(
        a1[changed] - in_vecs[changed],
        len(ctx) * (a2[changed] - in_vecs[changed]),
        rtol=1e-4,
        atol=1e-7,
    )


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_simd_variants_agree_with_scalar(simd):
    # every count of whole registers left after the AVX2 kernel's blocks of 6 (8 to 48
    # floats, then 56 = 6 + 1 registers), tails of 1 to 7 floats, one or more blocks
    for dim in (1, 7, 8, 15, 16, 17, 24, 33, 40, 47, 48, 56, 100, 300):
        in_vecs, out_vecs, ctx, targets = make_problem(4, vocab=20, dim=dim)
        assert_agrees_with_scalar(in_vecs, out_vecs, ctx, targets, simd)


def assert_agrees_with_scalar(in_vecs, out_vecs, ctx, targets, simd):
    a0, b0 = in_vecs.copy(), out_vecs.copy()
    a1, b1 = in_vecs.copy(), out_vecs.copy()
    l0 = cbow_ns_update(a0, b0, ctx, targets, 0.05, True, False, "scalar")
    l1 = cbow_ns_update(a1, b1, ctx, targets, 0.05, True, False, simd)
    # only summation order and FMA contraction differ: float32 rounding (~1e-6 relative
    # on O(1) sums); a score crossing a table bin edge would change sigma by <= 0.012 *
    # 0.25, times alpha 0.05 -> 1.5e-4, so 2e-4 covers even that
    np.testing.assert_allclose(a1, a0, atol=2e-4)
    np.testing.assert_allclose(b1, b0, atol=2e-4)
    assert l1 == pytest.approx(l0, abs=1e-3)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("n_targets", [8, 9, 13, 16, 19])
def test_simd_variants_agree_with_scalar_on_long_steps(simd, n_targets):
    """Steps of 8 or more output rows (a Huffman path) take the AVX2 kernel's eight-row
    dot products, with the d mod 8 columns by masked loads: every tail, one or more
    blocks of columns."""
    for dim in (1, 4, 7, 8, 12, 15, 17, 33, 100, 103, 300):
        in_vecs, out_vecs, ctx, _ = make_problem(n_targets + dim, vocab=40, dim=dim)
        targets = np.random.default_rng(dim).permutation(40)[:n_targets].astype(np.int32)
        assert_agrees_with_scalar(in_vecs, out_vecs, ctx, targets, simd)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_long_steps_never_read_past_a_rows_last_column(simd):
    """Rows that are views of wider buffers: the floats past d (NaN here) are neither
    read into a score nor written (the masked loads of the d mod 8 columns)."""
    for dim in (5, 12, 100):
        in_vecs, out_vecs, ctx, _ = make_problem(dim, vocab=40, dim=dim)
        targets = np.arange(3, 19, dtype=np.int32)  # 16 rows: two groups of eight
        wide_in = np.full((40, dim + 12), np.nan, dtype=np.float32)
        wide_out = np.full((40, dim + 12), np.nan, dtype=np.float32)
        wide_in[:, :dim], wide_out[:, :dim] = in_vecs, out_vecs
        a, b = in_vecs.copy(), out_vecs.copy()
        want = cbow_ns_update(a, b, ctx, targets, 0.05, True, False, simd)
        got = cbow_ns_update(wide_in[:, :dim], wide_out[:, :dim], ctx, targets, 0.05, True,
                             False, simd)  # fmt: skip
        assert got == want and np.isfinite(got)
        np.testing.assert_array_equal(wide_in[:, :dim], a)
        np.testing.assert_array_equal(wide_out[:, :dim], b)
        assert np.isnan(wide_in[:, dim:]).all() and np.isnan(wide_out[:, dim:]).all()


def test_saturated_scores_give_finite_updates():
    """Scores far beyond +-6 saturate: no NaN or Inf, and the gradient is the clipped one."""
    in_vecs = np.full((3, 4), 10.0, dtype=np.float32)
    out_vecs = np.full((3, 4), 10.0, dtype=np.float32)
    a, b = in_vecs.copy(), out_vecs.copy()
    loss = cbow_ns_update(a, b, [0], [1, 2], 0.1)
    # center: score 400 -> sigma 1, g = 0, no change; noise: sigma 1, g = 1, full step
    np.testing.assert_array_equal(b[1], out_vecs[1])
    np.testing.assert_allclose(b[2], out_vecs[2] - 0.1 * in_vecs[0])
    assert np.isfinite(a).all() and np.isfinite(b).all()
    assert loss == pytest.approx(400.0)  # -log sigma(-400) -> 400 (its asymptote)


def test_kernel_rejects_bad_ids():
    in_vecs, out_vecs, ctx, targets = make_problem(5)
    with pytest.raises(ValueError, match="inputs"):
        cbow_ns_update(in_vecs, out_vecs, [99], targets, 0.05)
    with pytest.raises(ValueError, match="targets"):
        cbow_ns_update(in_vecs, out_vecs, ctx, [-1], 0.05)
    with pytest.raises(ValueError, match="same shape"):
        cbow_ns_update(in_vecs, out_vecs[:, :3].copy(), ctx, targets, 0.05)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_step_on_padded_rows(simd):
    """The kernel addresses rows by the matrix's row stride, not by d."""
    in_vecs, out_vecs, ctx, targets = make_problem(6, dim=37)
    wide_in = np.zeros((in_vecs.shape[0], 48), dtype=np.float32)
    wide_out = np.zeros_like(wide_in)
    wide_in[:, :37], wide_out[:, :37] = in_vecs, out_vecs
    a, b = in_vecs.copy(), out_vecs.copy()
    cbow_ns_update(a, b, ctx, targets, 0.05, True, False, simd)
    cbow_ns_update(wide_in[:, :37], wide_out[:, :37], ctx, targets, 0.05, True, False, simd)
    np.testing.assert_array_equal(wide_in[:, :37], a)
    np.testing.assert_array_equal(wide_out[:, :37], b)
    assert not wide_in[:, 37:].any() and not wide_out[:, 37:].any()  # padding untouched
    with pytest.raises(ValueError, match="contiguous"):
        cbow_ns_update(in_vecs[:, ::2], out_vecs[:, ::2], ctx, targets, 0.05)


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("dim", [37, 100, 300])
def test_repeated_targets_see_their_earlier_update(simd, dim):
    """With distinct targets the kernels take all scores before updating (h is fixed in
    a step, so that is the same arithmetic); a target drawn twice must score its second
    occurrence against the row its first occurrence updated, as the reference does."""
    in_vecs, out_vecs, ctx, _ = make_problem(7, dim=dim)
    targets = np.array([3, 11, 3, 17, 11, 8], dtype=np.int32)
    want_in, want_out = ref.step(in_vecs, out_vecs, ctx, targets, 0.05, True, False)
    a, b = in_vecs.copy(), out_vecs.copy()
    cbow_ns_update(a, b, ctx, targets, 0.05, True, False, simd)
    # the same float32 bound as test_step_matches_reference
    np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    # the tolerance tells the orders apart: scoring both occurrences of row 3 before
    # its update (exact sigmoid here) lands more than 10x the tolerance away
    both_first = out_vecs[3].astype(np.float64)
    h = in_vecs[ctx].mean(axis=0)
    sig = 1 / (1 + np.exp(-float(out_vecs[3] @ h)))
    both_first += 0.05 * ((1 - sig) + (0 - sig)) * h
    assert np.abs(b[3] - both_first).max() > 1e-4


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_wide_windows_match_reference(simd):
    """More context words than the AVX2 kernel's row table (64) take the generic path;
    just under the limit takes the fused one: both must be the reference step."""
    rng = np.random.default_rng(8)
    in_vecs, out_vecs, _, targets = make_problem(8, vocab=100, dim=100)
    for n_ctx in (63, 64, 65, 90):
        ctx = rng.integers(0, 100, size=n_ctx).astype(np.int32)
        want_in, want_out = ref.step(in_vecs, out_vecs, ctx, targets, 0.05, True, False)
        a, b = in_vecs.copy(), out_vecs.copy()
        cbow_ns_update(a, b, ctx, targets, 0.05, True, False, simd)
        # the bound of test_step_matches_reference; a context word drawn k times gets
        # k updates, so the largest entries grow but stay O(1)
        np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
        np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)


# ---------------------------------------------------------------- labelled steps:
# hierarchical softmax (a path's nodes, label 1 - code bit) and skip-gram (one input row)


def labelled_update(in_vecs, out_vecs, ctx, targets, labels, alpha, mean, simd):
    """A step as a planner makes it: in_scale 1/|C| for CBOW's mean, 1 for one row."""
    in_scale = 1.0 / len(ctx) if mean else 1.0
    return _core.step_update(in_vecs, out_vecs, ctx, targets, labels, alpha, in_scale, 1.0, simd)


# a path of 5 inner nodes with codes 0, 1, 0, 0, 1 (labels 1 - code), then negative
# sampling's center (label 1) and three noise rows (label 0)
HS_ROWS, HS_LABELS = [19, 12, 7, 3, 0], [1.0, 0.0, 1.0, 1.0, 0.0]
NS_ROWS, NS_LABELS = [5, 11, 17, 2], [1.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize(
    ("targets", "labels"),
    [(HS_ROWS, HS_LABELS), (HS_ROWS + NS_ROWS, HS_LABELS + NS_LABELS)],
    ids=["hs", "hs+ns"],
)
@pytest.mark.parametrize("ctx", [[1, 4, 4, 7, 9], [6]], ids=["cbow", "skipgram"])
def test_labelled_step_matches_reference(simd, targets, labels, ctx):
    """CBOW (mean of a context) and skip-gram (one input row, in_scale 1) steps against
    hierarchical softmax's mixed labels, alone or followed by negative sampling's rows."""
    in_vecs, out_vecs, _, _ = make_problem(10)
    mean = len(ctx) > 1
    want_in, want_out = ref.step(
        in_vecs, out_vecs, ctx, targets, 0.05, cbow_mean=mean, labels=labels
    )
    a, b = in_vecs.copy(), out_vecs.copy()
    got_loss = labelled_update(a, b, ctx, targets, labels, 0.05, mean, simd)
    # the bound of test_step_matches_reference
    np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    # the loss: 0.006 per target (a half bin at slope <= 1, see test_step_matches_reference)
    want_loss = ref.loss(in_vecs, out_vecs, ctx, targets, mean, labels=labels)
    assert got_loss == pytest.approx(want_loss, abs=0.006 * len(targets))
    # the labels matter: treating the path as negative sampling (first row 1, rest 0)
    # is another step, far outside the tolerance
    _, ns_out = ref.step(in_vecs, out_vecs, ctx, targets, 0.05, cbow_mean=mean)
    assert np.abs(ns_out - want_out).max() > 1e-3


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_skipgram_step_is_a_one_row_cbow_step(simd):
    """One input row: the mean and the sum coincide, and word2vec.c's input step is the
    exact gradient (grad_scale 1 = 1/|C|)."""
    in_vecs, out_vecs, _, _ = make_problem(11)
    targets, labels = HS_ROWS + NS_ROWS, HS_LABELS + NS_LABELS
    a, b = in_vecs.copy(), out_vecs.copy()
    _core.step_update(a, b, [6], targets, labels, 0.05, 1.0, 1.0, simd)
    for mean in (True, False):
        for exact in (True, False):
            want_in, want_out = ref.step(
                in_vecs, out_vecs, [6], targets, 0.05, mean, exact, labels=labels
            )
            np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
            np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    # only row 6 of the input matrix moved
    assert np.flatnonzero(np.abs(a - in_vecs).max(axis=1)).tolist() == [6]


def test_reference_gradient_with_labels_by_finite_differences():
    """reference.gradients against central differences of reference.loss, for labels
    of a hierarchical-softmax path followed by negative sampling's, with a CBOW context
    (mean and sum, a repeated word) and with skip-gram's single row."""
    rng = np.random.default_rng(12)
    in_vecs = rng.normal(0, 0.5, size=(12, 6))
    out_vecs = rng.normal(0, 0.5, size=(12, 6))
    targets = [9, 4, 7, 1, 3, 6]
    labels = [1.0, 0.0, 1.0, 1.0, 0.0, 0.0]
    for ctx, cbow_mean in (([0, 2, 2, 5], True), ([0, 2, 2, 5], False), ([8], False)):
        g_in, g_out = ref.gradients(in_vecs, out_vecs, ctx, targets, cbow_mean, labels=labels)
        h = 1e-6
        for matrix, grad in ((in_vecs, g_in), (out_vecs, g_out)):
            numeric = np.zeros_like(matrix)
            for idx in np.ndindex(matrix.shape):
                old = matrix[idx]
                matrix[idx] = old + h
                up = ref.loss(in_vecs, out_vecs, ctx, targets, cbow_mean, labels=labels)
                matrix[idx] = old - h
                down = ref.loss(in_vecs, out_vecs, ctx, targets, cbow_mean, labels=labels)
                matrix[idx] = old
                numeric[idx] = (up - down) / (2 * h)
            # central differences: O(h^2) truncation + eps/h rounding ~ 1e-10
            np.testing.assert_allclose(grad, numeric, atol=1e-7)
        # the labels enter the gradient: with all-0 labels it differs
        _, g_zero = ref.gradients(in_vecs, out_vecs, ctx, targets, cbow_mean, labels=[0.0] * 6)
        assert np.abs(g_zero - g_out).max() > 0.1


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("ctx", [[1, 4, 4, 7, 9], [6]], ids=["cbow", "skipgram"])
def test_step_over_rows_of_two_matrices(simd, ctx):
    """A step of hierarchical softmax with negative sampling trains rows of syn1 and of
    syn1neg: here rows 0..9 and 10..19 of one array, the path's rows first, then the
    center's and the noise rows (one noise row drawn twice, one row index shared by both
    halves). It must be the reference step over the same rows."""
    in_vecs, out_vecs, _, _ = make_problem(13)
    syn1, syn1neg = 0, 10
    path, codes = [8, 5, 3, 2], [0, 1, 1, 0]
    ns_rows = [3, 7, 2, 7]  # center 3 (same index as node 3 of the path), noise 7 twice
    targets = [syn1 + r for r in path] + [syn1neg + r for r in ns_rows]
    labels = [1.0 - c for c in codes] + [1.0, 0.0, 0.0, 0.0]
    mean = len(ctx) > 1
    want_in, want_out = ref.step(
        in_vecs, out_vecs, ctx, targets, 0.05, cbow_mean=mean, labels=labels
    )
    a, b = in_vecs.copy(), out_vecs.copy()
    labelled_update(a, b, ctx, targets, labels, 0.05, mean, simd)
    np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
    np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)
    # the two halves moved where they should: the path's nodes and the NS rows only
    moved = np.flatnonzero(np.abs(b - out_vecs).max(axis=1)).tolist()
    assert moved == sorted({syn1 + r for r in path} | {syn1neg + r for r in ns_rows})


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
def test_long_target_lists_match_reference(simd):
    """A deep path with negative sampling: more output rows than the kernels score ahead
    (64) take the row-by-row path, just under it the scores-first one."""
    rng = np.random.default_rng(14)
    in_vecs, out_vecs, ctx, _ = make_problem(14, vocab=100, dim=100, scale=0.3)
    for n_out in (6, 63, 64, 65, 90):
        targets = rng.permutation(100)[:n_out].astype(np.int32)
        labels = rng.integers(0, 2, size=n_out).astype(np.float32)
        for inputs, mean in ((ctx, True), ([6], False)):
            want_in, want_out = ref.step(
                in_vecs, out_vecs, inputs, targets, 0.02, cbow_mean=mean, labels=labels
            )
            a, b = in_vecs.copy(), out_vecs.copy()
            labelled_update(a, b, inputs, targets, labels, 0.02, mean, simd)
            # the bound of test_step_matches_reference: grad_hidden sums up to 90 terms of
            # size alpha |g| |b| <~ 0.02 * 0.3, float32 rounding stays ~1e-7
            np.testing.assert_allclose(a, want_in, atol=1e-5, rtol=0)
            np.testing.assert_allclose(b, want_out, atol=1e-5, rtol=0)


def test_saturated_path_nodes_are_clipped_not_skipped():
    """docs/theory.md Section 12: a node scored beyond +-6 takes sigma = 0 or 1 for
    every loss. On the wrong side (label 1, score <= -6; label 0, score >= 6) it gets the
    full step alpha h that word2vec.c's hierarchical softmax would skip; on the right
    side it does not move."""
    in_vecs = np.full((4, 4), 2.0, dtype=np.float32)  # h = (2, 2, 2, 2)
    out_vecs = np.array(
        [[1.0] * 4, [-1.0] * 4, [1.0] * 4, [-1.0] * 4], dtype=np.float32
    )  # scores +8, -8, +8, -8
    labels = [0.0, 1.0, 1.0, 0.0]  # wrong, wrong, right, right
    a, b = in_vecs.copy(), out_vecs.copy()
    loss = _core.step_update(a, b, [0], [0, 1, 2, 3], labels, 0.1, 1.0, 1.0, "scalar")
    h = in_vecs[0]
    np.testing.assert_allclose(b[0], out_vecs[0] - 0.1 * h)  # g = sigma - label = 1
    np.testing.assert_allclose(b[1], out_vecs[1] + 0.1 * h)  # g = -1
    np.testing.assert_array_equal(b[2:], out_vecs[2:])  # g = 0
    # the input row gets -alpha (o_0 - o_1) = -0.1 * 2 per entry
    np.testing.assert_allclose(a[0], in_vecs[0] - 0.1 * (out_vecs[0] - out_vecs[1]))
    assert loss == pytest.approx(16.0)  # two wrong terms at their asymptote 8 each


@pytest.mark.parametrize("simd", SIMD_VARIANTS)
@pytest.mark.parametrize("n_rows", [1, 7, 8, 9, 22])
def test_sigmoid_lookups_of_every_kernel_are_the_scalar_ones(simd, n_rows):
    """The SIMD kernels look sigma and -log sigma up 8 rows at a time (step_avx2.c): the
    same values as the scalar lookups, bin edges, saturation at +-6 and row counts that are
    not a multiple of 8 included. h = e_0 makes every score exact in any summation order
    (one product), so the output rows' moves o_t + step_t h and the loss must be equal
    bit for bit."""
    scores = [-100.0, -6.0, -5.999, -5.99, -3.3, -0.006, 0.0, 0.004, 0.006, 2.5, 5.99, 5.999]
    scores += [6.0, 6.001, 7.0, 100.0, -7.0, 1e-8, -1e-8, 3.0, -2.0, 4.5]
    dim, n = 9, n_rows
    in_vecs = np.zeros((n + 1, dim), dtype=np.float32)
    in_vecs[n, 0] = 1.0  # the input row: h = e_0
    out_vecs = np.zeros((n + 1, dim), dtype=np.float32)
    out_vecs[:n, 0] = scores[:n]
    for parity in (0, 1):  # each score with label 0 and with label 1
        labels = [float((t + parity) % 2) for t in range(n)]
        got = []
        for variant in ("scalar", simd):
            a, b = in_vecs.copy(), out_vecs.copy()
            loss = _core.step_update(a, b, [n], list(range(n)), labels, 0.05, 1.0, 1.0, variant)
            got.append((loss, b))
        assert got[1][0] == got[0][0]
        np.testing.assert_array_equal(got[1][1], got[0][1])
