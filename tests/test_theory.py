"""Pure-math checks of the claims made in docs/theory.md.

Nothing here imports pyw2v: these tests pin down the mathematics the implementation
is built on (derivative identities, the sigmoid-table error bounds, the gradient of the
CBOW negative-sampling loss, the alias method's exactness, and the closed-form sample
counts). The implementation itself is checked against the same formulas in
test_kernel.py, test_sigmoid.py, test_sampling.py and test_training.py.

Finite-difference tolerance: a central difference (f(x+h) - f(x-h)) / 2h with h = 1e-5
in float64 has truncation error h^2/6 * |f'''| <= 1e-10 / 6 * 2 ~ 3e-11 (|f'''| <= 1/8
for sigma, <= 2 for tanh) and rounding error ~ eps * |f| / h ~ 2.2e-16 * 20 / 1e-5
~ 4.4e-10 at worst (|f| <= 20 for -log sigma on our grid). 1e-8 is therefore safe by
more than an order of magnitude while still far below any plausible wrong formula.
"""

import heapq
from fractions import Fraction

import numpy as np
import pytest

FD_STEP = 1e-5
FD_TOL = 1e-8
GRID = np.linspace(-20.0, 20.0, 4001)

MAX_EXP = 6.0
TABLE_SIZE = 1000
BIN_WIDTH = 2.0 * MAX_EXP / TABLE_SIZE  # 0.012

TWO32 = 2**32


def sigmoid(x):
    """Numerically stable logistic function in float64."""
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(-np.abs(x))
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def neg_log_sigmoid(x):
    """-log sigma(x) = log(1 + exp(-x)), computed without overflow."""
    return np.logaddexp(0.0, -np.asarray(x, dtype=np.float64))


def central_difference(f, x, h=FD_STEP):
    return (f(x + h) - f(x - h)) / (2.0 * h)


# ---------------------------------------------------------------------------
# Section 4: derivative identities
# ---------------------------------------------------------------------------


def test_sigmoid_derivative_is_sigma_times_one_minus_sigma():
    s = sigmoid(GRID)
    fd = central_difference(sigmoid, GRID)
    assert np.max(np.abs(fd - s * (1.0 - s))) <= FD_TOL
    # The maximum of sigma' is 1/4 at 0 (used by the table error bound).
    assert np.max(s * (1.0 - s)) == pytest.approx(0.25, abs=1e-15)


def test_tanh_derivative_is_one_minus_tanh_squared():
    t = np.tanh(GRID)
    fd = central_difference(np.tanh, GRID)
    assert np.max(np.abs(fd - (1.0 - t * t))) <= FD_TOL


def test_sigmoid_symmetry():
    np.testing.assert_allclose(sigmoid(-GRID), 1.0 - sigmoid(GRID), rtol=0, atol=1e-15)


def test_tanh_is_a_rescaled_sigmoid():
    np.testing.assert_allclose(np.tanh(GRID), 2.0 * sigmoid(2.0 * GRID) - 1.0, rtol=0, atol=1e-14)


def test_derivative_of_neg_log_sigmoid_gives_g0_and_gk():
    # d/dx[-log sigma(x)] = sigma(x) - 1      (positive term, g_0)
    fd_pos = central_difference(neg_log_sigmoid, GRID)
    assert np.max(np.abs(fd_pos - (sigmoid(GRID) - 1.0))) <= FD_TOL
    # d/dx[-log sigma(-x)] = sigma(x)         (noise terms, g_k)
    fd_neg = central_difference(lambda x: neg_log_sigmoid(-x), GRID)
    assert np.max(np.abs(fd_neg - sigmoid(GRID))) <= FD_TOL


# ---------------------------------------------------------------------------
# Section 2.4: optimum of the negative-sampling objective
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("p_true", [0.001, 0.05, 0.3, 0.9])
@pytest.mark.parametrize("k_noise", [0.01, 1.0, 5.0])
def test_negative_sampling_optimum_is_shifted_pmi(p_true, k_noise):
    """x* = log(P(w|C) / (K P_n(w))) minimises P(-log s(x)) + K P_n (-log s(-x))."""

    def loss(x):
        return p_true * neg_log_sigmoid(x) + k_noise * neg_log_sigmoid(-x)

    x_star = np.log(p_true / k_noise)
    derivative = p_true * (sigmoid(x_star) - 1.0) + k_noise * sigmoid(x_star)
    assert abs(derivative) <= 1e-15
    xs = np.linspace(-15.0, 15.0, 300_001)
    assert loss(x_star) <= np.min(loss(xs)) + 1e-15
    # and nowhere else on the grid is as good (the minimiser is unique)
    far = np.abs(xs - x_star) > 1e-2
    assert np.min(loss(xs[far])) > loss(x_star)


# ---------------------------------------------------------------------------
# Section 3: gradient of the CBOW negative-sampling loss
# ---------------------------------------------------------------------------


def _cbow_problem():
    rng = np.random.default_rng(20240611)
    vocab, dim = 12, 5
    in_vecs = rng.normal(scale=0.5, size=(vocab, dim))
    out_vecs = rng.normal(scale=0.5, size=(vocab, dim))
    context = [3, 7, 3, 9]  # word 3 appears twice: multiplicity matters
    center = 1
    noise = [4, 8, 10]  # distinct, none equal to the center
    return in_vecs, out_vecs, context, center, noise


def _cbow_loss(in_vecs, out_vecs, context, center, noise, mean=True):
    hidden = in_vecs[context].sum(axis=0)
    if mean:
        hidden = hidden / len(context)
    loss = neg_log_sigmoid(out_vecs[center] @ hidden)
    for k in noise:
        loss = loss + neg_log_sigmoid(-(out_vecs[k] @ hidden))
    return float(loss)


def _cbow_grads(in_vecs, out_vecs, context, center, noise, mean=True):
    """The formulas of Section 3, written out."""
    n_ctx = len(context)
    hidden = in_vecs[context].sum(axis=0)
    if mean:
        hidden = hidden / n_ctx
    g0 = sigmoid(out_vecs[center] @ hidden) - 1.0
    grad_out = np.zeros_like(out_vecs)
    grad_out[center] += g0 * hidden
    grad_hidden = g0 * out_vecs[center]
    for k in noise:
        gk = sigmoid(out_vecs[k] @ hidden)
        grad_out[k] += gk * hidden
        grad_hidden = grad_hidden + gk * out_vecs[k]
    scale = 1.0 / n_ctx if mean else 1.0
    grad_in = np.zeros_like(in_vecs)
    for w in context:  # with multiplicity
        grad_in[w] += scale * grad_hidden
    return grad_in, grad_out


def _numeric_grad(f, x, h=FD_STEP):
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        plus, minus = x.copy(), x.copy()
        plus[idx] += h
        minus[idx] -= h
        grad[idx] = (f(plus) - f(minus)) / (2.0 * h)
    return grad


@pytest.mark.parametrize("mean", [True, False])
def test_cbow_gradient_matches_finite_differences(mean):
    in_vecs, out_vecs, context, center, noise = _cbow_problem()
    grad_in, grad_out = _cbow_grads(in_vecs, out_vecs, context, center, noise, mean)
    num_in = _numeric_grad(lambda a: _cbow_loss(a, out_vecs, context, center, noise, mean), in_vecs)
    num_out = _numeric_grad(
        lambda b: _cbow_loss(in_vecs, b, context, center, noise, mean), out_vecs
    )
    np.testing.assert_allclose(grad_in, num_in, rtol=0, atol=FD_TOL)
    np.testing.assert_allclose(grad_out, num_out, rtol=0, atol=FD_TOL)
    # Rows not involved get exactly zero gradient; the repeated context word gets 2x.
    assert not grad_in[0].any()
    assert not grad_out[0].any()
    np.testing.assert_allclose(grad_in[3], 2.0 * grad_in[7], rtol=1e-15)


def _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, exact):
    """word2vec.c's order: add each row to grad_hidden, then update that row."""
    in_vecs, out_vecs = in_vecs.copy(), out_vecs.copy()
    hidden = in_vecs[context].mean(axis=0)
    grad_hidden = np.zeros_like(hidden)
    for target, label in [(center, 1.0)] + [(k, 0.0) for k in noise]:
        if label == 0.0 and target == center:
            continue
        g = sigmoid(out_vecs[target] @ hidden) - label
        grad_hidden += g * out_vecs[target]
        out_vecs[target] -= alpha * g * hidden
    scale = 1.0 / len(context) if exact else 1.0
    for w in context:
        in_vecs[w] -= alpha * scale * grad_hidden
    return in_vecs, out_vecs


def test_row_by_row_update_equals_one_gradient_step_when_rows_are_distinct():
    in_vecs, out_vecs, context, center, noise = _cbow_problem()
    alpha = 0.05
    grad_in, grad_out = _cbow_grads(in_vecs, out_vecs, context, center, noise)

    new_in, new_out = _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, True)
    np.testing.assert_allclose(new_out, out_vecs - alpha * grad_out, rtol=0, atol=1e-15)
    np.testing.assert_allclose(new_in, in_vecs - alpha * grad_in, rtol=0, atol=1e-15)

    # word2vec.c's convention: the input step is |C| times the exact one.
    new_in, _ = _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, False)
    np.testing.assert_allclose(
        new_in - in_vecs, len(context) * (-alpha * grad_in), rtol=0, atol=1e-15
    )
    # It is still a descent direction for J (a positive rescaling of the a-block).
    assert np.sum((new_in - in_vecs) * grad_in) < 0.0


def test_corrected_gradient_needs_c_times_alpha_for_word2vec_c_input_step():
    """Section 3.5: word2vec.c's convention moves the mean h by a whole alpha-step,
    the exact gradient by alpha/|C|; the exact gradient at |C| alpha gives word2vec.c's
    input rows at alpha, but moves the output rows |C| times farther."""
    in_vecs, out_vecs, _, center, noise = _cbow_problem()
    context = [3, 7, 9, 2]  # distinct: h moves by the mean of the rows' moves
    alpha, n_ctx = 0.05, len(context)
    grad_in, _ = _cbow_grads(in_vecs, out_vecs, context, center, noise)
    grad_hidden = n_ctx * grad_in[7]  # each context row gets dJ/dh / |C|

    def hidden_move(new_in):
        return new_in[context].mean(axis=0) - in_vecs[context].mean(axis=0)

    w2v_in, w2v_out = _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, False)
    exact_in, _ = _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, True)
    np.testing.assert_allclose(hidden_move(w2v_in), -alpha * grad_hidden, atol=1e-15)
    np.testing.assert_allclose(hidden_move(exact_in), -alpha / n_ctx * grad_hidden, atol=1e-15)

    big_in, big_out = _sequential_step(
        in_vecs, out_vecs, context, center, noise, n_ctx * alpha, True
    )
    np.testing.assert_allclose(big_in, w2v_in, rtol=0, atol=1e-15)
    np.testing.assert_allclose(big_out - out_vecs, n_ctx * (w2v_out - out_vecs), atol=1e-12)


def test_repeated_noise_word_sees_its_already_updated_row():
    in_vecs, out_vecs, context, center, _ = _cbow_problem()
    alpha = 0.05
    noise = [4, 4]
    _, seq_out = _sequential_step(in_vecs, out_vecs, context, center, noise, alpha, True)
    _, grad_out = _cbow_grads(in_vecs, out_vecs, context, center, noise)
    diff = np.max(np.abs(seq_out - (out_vecs - alpha * grad_out)))
    assert 0.0 < diff < alpha**2  # a second-order difference, not a bug


# ---------------------------------------------------------------------------
# Section 5: the bin-centred sigmoid / softplus tables and clipping
# ---------------------------------------------------------------------------

BIN_CENTRES = -MAX_EXP + (np.arange(TABLE_SIZE) + 0.5) * BIN_WIDTH


def _table_lookup(table, x, below, above):
    """Read `table` as docs/theory.md describes; saturate outside [-6, 6]."""
    inside = np.clip(x, -MAX_EXP, MAX_EXP)  # index only in-range scores
    idx = np.floor((inside + MAX_EXP) * (TABLE_SIZE / (2.0 * MAX_EXP))).astype(np.int64)
    idx = np.minimum(idx, TABLE_SIZE - 1)  # x == 6 exactly reads the last bin
    out = table[idx]
    out = np.where(x > MAX_EXP, above(x), out)
    return np.where(x < -MAX_EXP, below(x), out)


def _sigmoid_from_table(x):
    table = sigmoid(BIN_CENTRES)
    return _table_lookup(table, x, np.zeros_like, np.ones_like)


def _softplus_from_table(x):
    """-log sigma(x) read from a table: 0 above 6, -x below -6."""
    table = neg_log_sigmoid(BIN_CENTRES)
    return _table_lookup(table, x, lambda v: -v, np.zeros_like)


INSIDE = np.linspace(-MAX_EXP, MAX_EXP, 1_200_001)  # spacing 1e-5, 12 points per 1e-4
OUTSIDE = np.concatenate(
    [
        np.linspace(-60.0, -MAX_EXP, 200_001)[:-1],
        np.linspace(MAX_EXP, 60.0, 200_001)[1:],
    ]
)


def test_table_centres_and_index():
    assert abs(BIN_WIDTH - 0.012) <= 1e-15
    assert BIN_CENTRES[0] == pytest.approx(-6.0 + 0.006, abs=1e-12)
    assert BIN_CENTRES[-1] == pytest.approx(6.0 - 0.006, abs=1e-12)
    # every centre reads its own bin
    idx = np.floor((BIN_CENTRES + MAX_EXP) * (TABLE_SIZE / (2.0 * MAX_EXP))).astype(int)
    np.testing.assert_array_equal(idx, np.arange(TABLE_SIZE))


def test_bin_centred_sigmoid_table_error_bound_is_0_0015_and_tight():
    err = np.max(np.abs(_sigmoid_from_table(INSIDE) - sigmoid(INSIDE)))
    assert err <= 0.25 * BIN_WIDTH / 2.0  # 0.0015
    assert err > 0.001  # the bound is nearly attained (near x = 0, sigma' = 1/4)
    assert err > 0.00149


def test_left_edge_table_like_word2vec_c_has_twice_the_error():
    left_edges = -MAX_EXP + np.arange(TABLE_SIZE) * BIN_WIDTH
    table = sigmoid(left_edges)
    approx = _table_lookup(table, INSIDE, np.zeros_like, np.ones_like)
    err = np.max(np.abs(approx - sigmoid(INSIDE)))
    assert 0.0029 < err <= 0.25 * BIN_WIDTH  # 0.003
    # and it is biased: it never over-estimates sigma (sigma is increasing)
    assert np.all(approx <= sigmoid(INSIDE))


def test_saturation_error_below_0_0025():
    assert round(float(sigmoid(6.0)), 5) == 0.99753
    sat_bound = float(1.0 - sigmoid(MAX_EXP))
    assert sat_bound < 0.0025
    err_out = np.max(np.abs(_sigmoid_from_table(OUTSIDE) - sigmoid(OUTSIDE)))
    assert err_out <= sat_bound
    assert err_out > 0.0024  # attained just beyond +-6
    # over the whole line the worst error (table plus clipping) is the saturation one
    everywhere = np.concatenate([INSIDE, OUTSIDE])
    assert np.max(np.abs(_sigmoid_from_table(everywhere) - sigmoid(everywhere))) < 0.0025


def test_saturated_gradients_take_their_limits():
    big = np.array([6.5, 10.0, 50.0, 1e30])
    # positive term g_0 = sigma(s) - 1: 0 when right beyond the margin, -1 when wrong
    np.testing.assert_array_equal(_sigmoid_from_table(big) - 1.0, 0.0)
    np.testing.assert_array_equal(_sigmoid_from_table(-big) - 1.0, -1.0)
    # noise term g_k = sigma(s): 1 when wrong (noise scored high), 0 when right
    np.testing.assert_array_equal(_sigmoid_from_table(big), 1.0)
    np.testing.assert_array_equal(_sigmoid_from_table(-big), 0.0)
    # and these are the limits of the true values
    np.testing.assert_allclose(sigmoid(big[1:]), 1.0, atol=1e-4)
    np.testing.assert_allclose(sigmoid(-big[1:]), 0.0, atol=1e-4)


def test_softplus_loss_table_and_clipping():
    inside = np.max(np.abs(_softplus_from_table(INSIDE) - neg_log_sigmoid(INSIDE)))
    # slope of -log sigma is sigma(x) - 1, at most sigma(6) < 1 in size on [-6, 6]
    assert inside <= float(sigmoid(MAX_EXP)) * BIN_WIDTH / 2.0
    assert inside <= 0.006
    outside = np.max(np.abs(_softplus_from_table(OUTSIDE) - neg_log_sigmoid(OUTSIDE)))
    assert outside <= np.exp(-MAX_EXP) < 0.0025
    assert outside > 0.0024  # attained just beyond +-6


# ---------------------------------------------------------------------------
# Section 6: subsampling and the alias sampler
# ---------------------------------------------------------------------------

SAMPLE = 1e-3
FREQS = np.logspace(-9, 0, 2001)


def keep_probability(f, t=SAMPLE):
    return np.minimum(1.0, (np.sqrt(f / t) + 1.0) * t / f)


def test_keep_probability_forms_agree_and_exceed_the_paper():
    raw = (np.sqrt(FREQS / SAMPLE) + 1.0) * SAMPLE / FREQS
    np.testing.assert_allclose(raw, np.sqrt(SAMPLE / FREQS) + SAMPLE / FREQS, rtol=1e-14)
    paper_keep = np.minimum(1.0, np.sqrt(SAMPLE / FREQS))
    assert np.all(keep_probability(FREQS) >= paper_keep)
    frequent = FREQS > 10 * SAMPLE
    assert np.all(keep_probability(FREQS[frequent]) > paper_keep[frequent])


def test_keep_probability_cap_is_at_golden_ratio_squared_times_t():
    phi = (1.0 + np.sqrt(5.0)) / 2.0
    f_star = phi**2 * SAMPLE
    raw = lambda f: (np.sqrt(f / SAMPLE) + 1.0) * SAMPLE / f  # noqa: E731
    assert raw(f_star) == pytest.approx(1.0, abs=1e-12)
    assert raw(f_star * 0.999) > 1.0
    assert raw(f_star * 1.001) < 1.0
    freqs = FREQS
    assert np.all(keep_probability(freqs[freqs <= f_star]) == 1.0)
    assert np.all(keep_probability(freqs[freqs > f_star * 1.0001]) < 1.0)


def test_expected_kept_occurrences():
    total = 17_000_000
    counts = np.array([50_000.0, 1_000_000.0, 5_000_000.0])  # all above the cap
    kept = counts * keep_probability(counts / total)
    np.testing.assert_allclose(kept, np.sqrt(SAMPLE * counts * total) + SAMPLE * total, rtol=1e-12)


def vose_alias(weights):
    """Vose's (1991) alias-table construction in float64."""
    n = len(weights)
    scaled = np.asarray(weights, dtype=np.float64) * n / np.sum(weights)
    prob = np.ones(n)
    alias = np.arange(n)
    small = [i for i in range(n) if scaled[i] < 1.0]
    large = [i for i in range(n) if scaled[i] >= 1.0]
    while small and large:
        s, g = small.pop(), large.pop()
        prob[s], alias[s] = scaled[s], g
        scaled[g] = (scaled[g] + scaled[s]) - 1.0
        (small if scaled[g] < 1.0 else large).append(g)
    # whatever is left has scaled ~ 1 up to rounding: prob 1, aliased to itself
    return prob, alias


def implied_probabilities(accept, alias):
    n = len(accept)
    p = accept / n
    np.add.at(p, alias, (1.0 - accept) / n)
    return p


def _noise_distribution():
    counts = np.floor(1_000_000 / np.arange(1, 201))  # Zipf-like, V = 200
    weights = counts**0.75
    return weights / weights.sum()


def test_alias_table_is_exact():
    p = _noise_distribution()
    prob, alias = vose_alias(p)
    assert np.all((prob >= 0.0) & (prob <= 1.0))
    np.testing.assert_allclose(implied_probabilities(prob, alias), p, rtol=0, atol=1e-15)


def test_alias_threshold_quantisation_bound():
    p = _noise_distribution()
    n = len(p)
    prob, alias = vose_alias(p)
    thresholds = np.round(prob * TWO32)  # integers <= 2^32, exact in float64
    quantised = implied_probabilities(thresholds / TWO32, alias)
    touches = 1 + np.bincount(alias[alias != np.arange(n)], minlength=n)
    err = np.abs(quantised - p)
    assert np.all(err <= touches * 2.0**-32 / n + 1e-17)
    assert np.sum(err) <= 2.0**-31  # each bucket touches at most two words
    assert np.max(err) > 0.0  # quantisation is visible, so the check is not vacuous


def _multiply_shift_counts(n_buckets, bits):
    """How many of the 2^bits values r give floor(r * n / 2^bits) == j, for each j."""
    j = np.arange(n_buckets + 1, dtype=np.int64)
    first = -((-(j << bits)) // n_buckets)  # ceil(j * 2^bits / n)
    return np.diff(first)


def test_multiply_shift_counting_formula_by_enumeration():
    bits = 16
    r = np.arange(2**bits, dtype=np.int64)
    for n in [1, 3, 7, 100, 1000, 40_000]:
        brute = np.bincount((r * n) >> bits, minlength=n)
        np.testing.assert_array_equal(brute, _multiply_shift_counts(n, bits))


@pytest.mark.parametrize("n_buckets", [3, 7, 1000, 71_290, 1_000_000])
def test_multiply_shift_bucket_bias(n_buckets):
    counts = _multiply_shift_counts(n_buckets, 32)
    assert counts.sum() == TWO32
    assert set(np.unique(counts)) <= {TWO32 // n_buckets, -(-TWO32 // n_buckets)}
    relative = np.abs(counts * n_buckets / TWO32 - 1.0)
    assert np.max(relative) <= n_buckets / TWO32


# ---------------------------------------------------------------------------
# Section 8: positive-sample counts
# ---------------------------------------------------------------------------


def brute_force_pairs(n, windows):
    """Skip-gram pairs and CBOW examples with per-position windows windows[i]."""
    pairs = 0
    cbow = 0
    for i in range(n):
        ctx = [j for j in range(n) if 0 < abs(j - i) <= windows[i]]
        pairs += len(ctx)
        cbow += 1 if ctx else 0
    return pairs, cbow


def skipgram_pairs_general(n, m):
    return 2 * sum(min(m, i) for i in range(n))


def skipgram_pairs_piecewise(n, m):
    return 2 * (m * n - m * (m + 1) // 2) if n >= m + 1 else n * (n - 1)


def cbow_examples(n):
    return n if n >= 2 else 0


@pytest.mark.parametrize("m", range(1, 9))
def test_fixed_window_counts_match_brute_force(m):
    for n in range(1, 31):
        pairs, cbow = brute_force_pairs(n, [m] * n)
        left = sum(min(m, i) for i in range(n))
        right = sum(min(m, n - 1 - i) for i in range(n))
        assert left == right
        assert pairs == left + right == skipgram_pairs_general(n, m)
        assert pairs == skipgram_pairs_piecewise(n, m)
        assert cbow == cbow_examples(n)


def test_both_regimes_agree_at_the_boundary():
    for m in range(1, 9):
        n = m + 1
        assert 2 * (m * n - m * (m + 1) // 2) == n * (n - 1)


def test_worked_example():
    assert skipgram_pairs_piecewise(10, 5) == 70
    assert brute_force_pairs(10, [5] * 10) == (70, 10)
    assert brute_force_pairs(1, [5]) == (0, 0)


@pytest.mark.parametrize("m", range(1, 9))
def test_reduced_window_expected_interior_pairs_is_m_plus_1(m):
    expected = sum(Fraction(2 * r, m) for r in range(1, m + 1))
    assert expected == m + 1


@pytest.mark.parametrize("m", range(1, 9))
def test_reduced_window_expected_sentence_pairs(m):
    """E[pairs] = (m+1) n - (m+1)(m+2)/3 for n >= m+1, exact over m' per position."""
    for n in range(1, 31):
        # positions are independent, so E[sum] = sum of per-position expectations
        expected = sum(Fraction(brute_force_pairs(n, [r] * n)[0], m) for r in range(1, m + 1))
        per_position = sum(
            Fraction(min(r, i) + min(r, n - 1 - i), m) for i in range(n) for r in range(1, m + 1)
        )
        assert expected == per_position
        if n >= m + 1:
            assert expected == (m + 1) * n - Fraction((m + 1) * (m + 2), 3)
        # CBOW does not depend on the reduced window at all
        for r in range(1, m + 1):
            assert brute_force_pairs(n, [r] * n)[1] == cbow_examples(n)


# ---------------------------------------------------------------------------
# Section 10: skip-gram with negative sampling
# ---------------------------------------------------------------------------


def _sg_loss(in_vecs, out_vecs, ctx_word, center, noise):
    """J = -log sigma(b_c . a_j) - sum_k log sigma(-b_k . a_j)."""
    h = in_vecs[ctx_word]
    loss = neg_log_sigmoid(out_vecs[center] @ h)
    for k in noise:
        loss = loss + neg_log_sigmoid(-(out_vecs[k] @ h))
    return float(loss)


def _sg_grads(in_vecs, out_vecs, ctx_word, center, noise):
    """The formulas of Section 10, written out."""
    h = in_vecs[ctx_word]
    g0 = sigmoid(out_vecs[center] @ h) - 1.0
    grad_out = np.zeros_like(out_vecs)
    grad_in = np.zeros_like(in_vecs)
    grad_out[center] += g0 * h
    grad_in[ctx_word] += g0 * out_vecs[center]
    for k in noise:
        gk = sigmoid(out_vecs[k] @ h)
        grad_out[k] += gk * h
        grad_in[ctx_word] += gk * out_vecs[k]
    return grad_in, grad_out


def test_skipgram_gradient_matches_finite_differences():
    in_vecs, out_vecs, _, center, noise = _cbow_problem()
    ctx_word = 7
    grad_in, grad_out = _sg_grads(in_vecs, out_vecs, ctx_word, center, noise)
    num_in = _numeric_grad(lambda a: _sg_loss(a, out_vecs, ctx_word, center, noise), in_vecs)
    num_out = _numeric_grad(lambda b: _sg_loss(in_vecs, b, ctx_word, center, noise), out_vecs)
    np.testing.assert_allclose(grad_in, num_in, rtol=0, atol=FD_TOL)
    np.testing.assert_allclose(grad_out, num_out, rtol=0, atol=FD_TOL)
    # only the one input row moves, by the whole of dJ/dh (mean = sum for one row)
    assert np.flatnonzero(np.abs(grad_in).max(axis=1)).tolist() == [ctx_word]
    cbow_in, cbow_out = _cbow_grads(in_vecs, out_vecs, [ctx_word], center, noise, mean=True)
    np.testing.assert_allclose(grad_in, cbow_in, rtol=1e-15, atol=0)
    np.testing.assert_allclose(grad_out, cbow_out, rtol=1e-15, atol=0)


def _pairs_by_word(sentence, reaches, paper_reading):
    """Expected multiplicity of each (input word, predicted word) when position i's
    reach is reaches[i]: word2vec.c's reading (input = context word, predicted =
    center) or the paper's (input = center, predicted = context word)."""
    out = {}
    n = len(sentence)
    for i in range(n):
        for j in range(n):
            if i != j and abs(i - j) <= reaches[i]:
                key = (sentence[i], sentence[j]) if paper_reading else (sentence[j], sentence[i])
                out[key] = out.get(key, 0) + 1
    return out


def test_skipgram_readings_train_the_same_pairs():
    """Section 10: with a fixed window "center predicts context" and "context predicts
    center" train the same multiset of (input, predicted) word pairs; with reduced
    windows the same in expectation."""
    sentence = [0, 1, 2, 1, 3, 0, 4, 2, 2]
    n = len(sentence)
    for m in (1, 2, 3):
        fixed = [m] * n
        assert _pairs_by_word(sentence, fixed, True) == _pairs_by_word(sentence, fixed, False)
        # not the same for one draw of reduced windows ...
        drawn = [1, 3, 1, 2, 3, 1, 1, 3, 2][:n]
        if m == 3:
            assert _pairs_by_word(sentence, drawn, True) != _pairs_by_word(sentence, drawn, False)
        # ... but in expectation: position i's reach is uniform on 1..m, independently
        expected = {True: {}, False: {}}
        for reading in (True, False):
            for i in range(n):
                for r in range(1, m + 1):
                    reaches = [0] * n
                    reaches[i] = r
                    for key, c in _pairs_by_word(sentence, reaches, reading).items():
                        expected[reading][key] = expected[reading].get(key, 0) + Fraction(c, m)
        assert expected[True] == expected[False]


# ---------------------------------------------------------------------------
# Section 11: hierarchical softmax
# ---------------------------------------------------------------------------


def _two_queue(counts):
    """word2vec.c's O(V) construction (Section 11.5) on counts sorted descending: nodes
    0..V-1 are the leaves, V..2V-2 the inner nodes in the order made. Returns (parent,
    code bit, the merge weights in order)."""
    v = len(counts)
    assert list(counts) == sorted(counts, reverse=True)
    weight = list(counts) + [None] * (v - 1)
    parent, bit = [None] * (2 * v - 1), [0] * (2 * v - 1)
    leaf, inner = v - 1, v
    merges = []
    for a in range(v - 1):
        pick = []
        for _ in range(2):
            if leaf >= 0 and (inner >= v + a or weight[leaf] < weight[inner]):
                pick.append(leaf)
                leaf -= 1
            else:
                pick.append(inner)
                inner += 1
        weight[v + a] = weight[pick[0]] + weight[pick[1]]
        merges.append(weight[v + a])
        parent[pick[0]] = parent[pick[1]] = v + a
        bit[pick[1]] = 1
    return parent, bit, merges


def two_queue_huffman(counts):
    """(each word's path root first as [(inner node 0..V-2, code)], merge weights)."""
    v = len(counts)
    parent, bit, merges = _two_queue(counts)
    paths = []
    for w in range(v):
        path, node = [], w
        while node != 2 * v - 2:
            path.append((parent[node] - v, bit[node]))
            node = parent[node]
        paths.append(path[::-1])
    return paths, merges


def two_queue_depths(counts):
    """Each word's path length, from the root down (a parent is made after its children)."""
    v = len(counts)
    parent, _, _ = _two_queue(counts)
    depth = [0] * (2 * v - 1)
    for node in range(2 * v - 3, -1, -1):
        depth[node] = depth[parent[node]] + 1
    return depth[:v]


def heap_huffman_cost(counts):
    """The optimal weighted path length: the sum of the merged weights of any Huffman
    construction (here with a heap, O(V log V))."""
    heap = list(counts)
    heapq.heapify(heap)
    cost = 0
    while len(heap) > 1:
        merged = heapq.heappop(heap) + heapq.heappop(heap)
        cost += merged
        heapq.heappush(heap, merged)
    return cost


HUFFMAN_COUNTS = [
    [1000 // r for r in range(1, 101)],  # Zipf-like
    [5] * 33,
    [9, 9, 9, 1, 1],
    [2, 1],
    [13, 8, 5, 3, 2, 1, 1],  # Fibonacci: a chain
    sorted(np.random.default_rng(3).integers(1, 10**6, size=200).tolist(), reverse=True),
]


@pytest.mark.parametrize("counts", HUFFMAN_COUNTS, ids=lambda c: f"V{len(c)}")
def test_two_queue_construction_is_huffman(counts):
    paths, merges = two_queue_huffman(counts)
    # the inner nodes are made in non-decreasing order of weight (Section 11.5's claim)
    assert all(a <= b for a, b in zip(merges, merges[1:], strict=False))
    # and the tree is optimal: its weighted length is the heap construction's
    lengths = [len(p) for p in paths]
    assert sum(c * n for c, n in zip(counts, lengths, strict=True)) == heap_huffman_cost(counts)
    assert sum(Fraction(1, 2**n) for n in lengths) == 1  # Kraft: a full binary tree


def _hs_probabilities(paths, nodes, h):
    x = nodes @ h
    return np.array([np.prod([sigmoid((1 - 2 * c) * x[n]) for n, c in path]) for path in paths])


@pytest.mark.parametrize("counts", HUFFMAN_COUNTS, ids=lambda c: f"V{len(c)}")
def test_hierarchical_softmax_probabilities_sum_to_one(counts):
    paths, _ = two_queue_huffman(counts)
    rng = np.random.default_rng(len(counts))
    for scale in (0.1, 1.0, 10.0):  # up to strongly saturated nodes
        nodes = rng.normal(0.0, scale, size=(len(counts) - 1, 6))
        h = rng.normal(0.0, 1.0, size=6)
        probs = _hs_probabilities(paths, nodes, h)
        # products of <= 100 float64 factors summed over <= 200 words: ~1e-13
        assert probs.sum() == pytest.approx(1.0, abs=1e-9)
        # with one code bit flipped (on the likeliest word's last node) two words share
        # a leaf and another leaf is lost: the sum moves by far more than the tolerance
        w = int(np.argmax(probs))
        flipped = [list(p) for p in paths]
        node, code = flipped[w][-1]
        flipped[w][-1] = (node, 1 - code)
        assert abs(_hs_probabilities(flipped, nodes, h).sum() - 1.0) > 1e-6


def test_hierarchical_softmax_loss_is_the_labelled_logistic_loss():
    """-log sigma((1 - 2c) x) = -y log sigma(x) - (1 - y) log sigma(-x) with y = 1 - c."""
    for code in (0, 1):
        y = 1 - code
        direct = neg_log_sigmoid((1 - 2 * code) * GRID)
        labelled = y * neg_log_sigmoid(GRID) + (1 - y) * neg_log_sigmoid(-GRID)
        np.testing.assert_allclose(direct, labelled, rtol=0, atol=1e-15)


def test_hierarchical_softmax_gradient_matches_finite_differences():
    paths, _ = two_queue_huffman([13, 8, 5, 3, 2, 1, 1])
    rng = np.random.default_rng(4)
    nodes = rng.normal(0.0, 0.7, size=(6, 5))
    h = rng.normal(0.0, 0.7, size=5)
    for path in (paths[0], paths[-1]):  # the shortest and the deepest (6 nodes) paths
        points = [n for n, _ in path]
        labels = np.array([1.0 - c for _, c in path])

        def loss(nodes_, h_, path=path):
            return float(sum(neg_log_sigmoid((1 - 2 * c) * (nodes_[n] @ h_)) for n, c in path))

        g = sigmoid(nodes[points] @ h) - labels  # g_l = sigma(x_l) - y_l
        grad_nodes = np.zeros_like(nodes)
        grad_nodes[points] = g[:, None] * h
        grad_h = g @ nodes[points]
        np.testing.assert_allclose(
            grad_nodes, _numeric_grad(lambda v: loss(v, h), nodes), rtol=0, atol=FD_TOL
        )
        np.testing.assert_allclose(
            grad_h, _numeric_grad(lambda x: loss(nodes, x), h), rtol=0, atol=FD_TOL
        )
        # and J = -log P(w | h)
        p = np.prod([sigmoid((1 - 2 * c) * (nodes[n] @ h)) for n, c in path])
        assert loss(nodes, h) == pytest.approx(-np.log(p), rel=1e-12)


@pytest.mark.parametrize("counts", HUFFMAN_COUNTS, ids=lambda c: f"V{len(c)}")
def test_expected_path_length_entropy_bound(counts):
    paths, _ = two_queue_huffman(counts)
    p = np.array(counts, dtype=np.float64) / sum(counts)
    mean = float(np.sum(p * [len(x) for x in paths]))
    entropy = float(-np.sum(p * np.log2(p)))
    # float64 sums of <= 200 terms: 1e-12 slack for rounding
    assert entropy - 1e-12 <= mean < entropy + 1.0
    assert mean <= np.ceil(np.log2(len(counts))) + 1e-12  # no worse than a balanced tree
    assert [len(x) for x in paths] == two_queue_depths(counts)


def test_zipf_example_of_section_11_4():
    """counts ~ 1/rank over V = 71 290 words: H = 11.21 bits, mean path 11.24 nodes,
    log2 V = 16.1, paths of 4 to 20 nodes."""
    v = 71_290
    counts = [10**7 // r for r in range(1, v + 1)]
    lengths = np.array(two_queue_depths(counts))
    p = np.array(counts, dtype=np.float64) / sum(counts)
    assert round(float(-np.sum(p * np.log2(p))), 2) == 11.21
    assert round(float(np.sum(p * lengths)), 2) == 11.24
    assert round(np.log2(v), 1) == 16.1
    assert (lengths.min(), lengths.max()) == (4, 20)


def test_fibonacci_counts_make_a_chain():
    fib = [1, 1]
    while len(fib) < 30:
        fib.append(fib[-1] + fib[-2])
    paths, _ = two_queue_huffman(fib[::-1])
    assert sorted(len(p) for p in paths) == list(range(1, 29)) + [29, 29]


# ---------------------------------------------------------------------------
# Section 12: one saturation rule (clip) against word2vec.c's HS rule (skip)
# ---------------------------------------------------------------------------


def test_clipping_is_within_0_0025_where_skipping_is_off_by_almost_1():
    for label in (0.0, 1.0):
        true_g = sigmoid(OUTSIDE) - label
        clipped_g = _sigmoid_from_table(OUTSIDE) - label
        skipped_g = np.zeros_like(OUTSIDE)
        wrong = OUTSIDE <= -MAX_EXP if label == 1.0 else OUTSIDE >= MAX_EXP
        # both rules are within 0.0025 on the right side of the margin
        assert np.max(np.abs(clipped_g - true_g)[~wrong]) < 0.0025
        assert np.max(np.abs(skipped_g - true_g)[~wrong]) < 0.0025
        # on the wrong side clipping still is, skipping misses the whole gradient
        assert np.max(np.abs(clipped_g - true_g)[wrong]) < 0.0025
        assert np.min(np.abs(skipped_g - true_g)[wrong]) > 0.9975
        np.testing.assert_array_equal(np.abs(clipped_g[wrong]), 1.0)


# ---------------------------------------------------------------------------
# Section 13: the worked example (the seed's Problem 2)
# ---------------------------------------------------------------------------


def test_problem_2_three_sentences_at_window_one():
    lengths = (7, 8, 11)
    counts = [brute_force_pairs(n, [1] * n) for n in lengths]
    assert [cbow for _, cbow in counts] == [7, 8, 11]
    assert [pairs for pairs, _ in counts] == [12, 14, 20] == [2 * (n - 1) for n in lengths]
    assert sum(cbow for _, cbow in counts) == 26
    assert sum(pairs for pairs, _ in counts) == 46
    assert sum(skipgram_pairs_general(n, 1) for n in lengths) == 46
    # CBOW's context rows over the 26 examples are the same 46 (center, context) pairs
    rows = sum(min(1, i) + min(1, n - 1 - i) for n in lengths for i in range(n))
    assert rows == 46
    # m = 1 leaves the reduced window no choice: m' is uniform on 1..1
    assert list(range(1, 1 + 1)) == [1]
