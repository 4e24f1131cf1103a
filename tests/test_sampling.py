"""Sampling in the core against the formulas: noise distribution, subsampling keep
probabilities, reduced window sizes, learning-rate schedule."""

import numpy as np
import pytest

from pyw2v import _core

ZIPF_COUNTS = (1_000_000 / np.arange(1, 201) ** 1.1).astype(np.int64) + 1


def implied_noise_distribution(counts, power):
    """The exact distribution an alias table encodes: bucket b (weight 1/V) gives
    threshold/2^32 to b and the rest to its alias."""
    thresholds, aliases = _core.noise_table(counts, power)
    keep = thresholds.astype(np.float64) / 2**32
    n = len(counts)
    full = aliases == np.arange(n)  # full buckets alias themselves
    keep[full] = 1.0
    prob = keep / n
    np.add.at(prob, aliases, (1.0 - keep) / n)
    return prob


@pytest.mark.parametrize("power", [0.0, 0.75, 1.0])
def test_alias_table_encodes_count_power(power):
    want = ZIPF_COUNTS.astype(np.float64) ** power
    want /= want.sum()
    got = implied_noise_distribution(ZIPF_COUNTS, power)
    # 32-bit thresholds: each word's error <= (1 + #aliasing buckets) 2^-32 / V, far
    # below 1e-9; float64 rounding while building adds ~1e-15
    np.testing.assert_allclose(got, want, atol=1e-9, rtol=0)


def test_noise_draw_frequencies():
    counts = np.array([500, 200, 100, 50, 20, 10, 5, 2, 1, 1], dtype=np.int64)
    p = counts**0.75
    p = p / p.sum()
    n = 2_000_000
    draws = _core.noise_draws(counts, 0.75, n, 12345)
    assert draws.min() >= 0 and draws.max() < len(counts)
    freq = np.bincount(draws, minlength=len(counts)) / n
    # binomial standard deviation per word; 5 sigma over 10 words: a false alarm has
    # probability ~6e-6 for a correct sampler, while a power-1 sampler is off by > 50 sigma
    sd = np.sqrt(p * (1 - p) / n)
    assert np.all(np.abs(freq - p) < 5 * sd)
    p1 = counts / counts.sum()
    assert np.max(np.abs(freq - p1) / sd) > 50


def test_noise_table_rejects_bad_counts():
    with pytest.raises(ValueError):
        _core.noise_table([3, 0, 1], 0.75)
    with pytest.raises(ValueError):
        _core.noise_table([3, 2], float("nan"))
    with pytest.raises(ValueError):
        _core.noise_table([], 0.75)


def test_keep_probabilities_formula():
    counts = np.array([100_000, 10_000, 1_000, 100, 10, 1], dtype=np.int64)
    sample = 1e-3
    f = counts / counts.sum()
    want = np.minimum(1.0, (np.sqrt(f / sample) + 1) * sample / f)
    np.testing.assert_allclose(_core.keep_probs(counts, sample), want, rtol=1e-6)
    assert _core.keep_probs(counts, sample)[0] < 0.2  # the frequent word is really dropped
    np.testing.assert_array_equal(_core.keep_probs(counts, 0.0), 1.0)


def test_window_reaches_uniform():
    window = 5
    n = 500_000
    reaches = _core.window_reaches(window, n, 7)
    assert reaches.min() == 1 and reaches.max() == window
    freq = np.bincount(reaches, minlength=window + 1)[1:] / n
    sd = np.sqrt((1 / window) * (1 - 1 / window) / n)
    assert np.all(np.abs(freq - 1 / window) < 5 * sd)


def test_learning_rate_schedule():
    alpha, min_alpha = 0.05, 1e-4
    total = 3_000_000
    for before, done in [(0, 0), (0, 1_000_000), (1_000_000, 500_000), (2_000_000, 1_000_000)]:
        want = alpha - (alpha - min_alpha) * (before + done) / total
        got = _core.schedule_alpha(alpha, min_alpha, before, total, done)
        # alphas are float32 in the core: rounding error <= 2^-24 * 0.05 ~ 3e-9
        assert got == pytest.approx(want, abs=1e-8)
    # never below min_alpha, even if more words than planned arrive
    late = _core.schedule_alpha(alpha, min_alpha, 0, total, 2 * total)
    assert late == pytest.approx(min_alpha, abs=1e-8)
