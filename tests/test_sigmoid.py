"""The sigmoid table and its clipping rule (csrc/sigmoid.c)."""

import numpy as np

from pyw2v import _core


def exact_sigma(x):
    return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def test_table_holds_sigma_at_bin_centres():
    sigma, neg_log = _core.sigmoid_table()
    assert sigma.shape == neg_log.shape == (_core.SIGMOID_SIZE,)
    width = 2 * _core.MAX_EXP / _core.SIGMOID_SIZE
    centres = -_core.MAX_EXP + (np.arange(_core.SIGMOID_SIZE) + 0.5) * width
    np.testing.assert_allclose(sigma, exact_sigma(centres), atol=1e-7)
    np.testing.assert_allclose(neg_log, np.logaddexp(0.0, -centres), atol=1e-6)


def test_lookup_error_within_half_a_bin():
    x = np.linspace(-5.999, 5.999, 200_001, dtype=np.float32)
    sig, neg_log = _core.sigmoid(x)
    # sigma' <= 1/4, half a bin is 0.006: |error| <= 0.0015 (plus float32 rounding)
    err = np.abs(sig - exact_sigma(x))
    assert err.max() <= 0.0015 + 1e-6
    assert err.max() > 0.0014  # the bound is tight: the test would notice a coarser table
    # softplus(-x) has slope in (-1, 0): error <= 0.006
    assert np.abs(neg_log - np.logaddexp(0.0, -x.astype(np.float64))).max() <= 0.006 + 1e-6


def test_saturation_outside_the_table():
    x = np.array([6.0, 6.5, 50.0, 1e30, np.inf], dtype=np.float32)
    sig, neg_log = _core.sigmoid(x)
    np.testing.assert_array_equal(sig, 1.0)
    np.testing.assert_array_equal(neg_log, 0.0)
    sig, neg_log = _core.sigmoid(-x)
    np.testing.assert_array_equal(sig, 0.0)
    np.testing.assert_array_equal(neg_log, x)  # -log sigma(-x) -> x, its asymptote
    # the saturated values are within sigma(-6) < 0.0025 of the truth at the edge
    assert 1.0 - exact_sigma(6.0) < 0.0025


def test_nan_never_indexes_the_table():
    sig, neg_log = _core.sigmoid(np.array([np.nan], dtype=np.float32))
    assert sig[0] == 0.0  # NaN takes the saturated branch, so the loss shows the NaN
    assert np.isnan(neg_log[0])


def test_table_is_monotonic():
    sigma, neg_log = _core.sigmoid_table()
    assert np.all(np.diff(sigma) > 0)
    assert np.all(np.diff(neg_log) < 0)
