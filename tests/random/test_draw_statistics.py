"""keras.random's C++ draws against float64 expectations: moments, tail frequencies and
the Kolmogorov-Smirnov distance to the exact CDF (computed with math.erf). Seeds are
fixed, so each check is deterministic; the bounds are ~5 standard errors wide."""

import math

import numpy as np
import pytest

from pyfastfit import random

N = 400_000
KS_BOUND = 1.95 / math.sqrt(N)  # the Kolmogorov statistic's 0.1% quantile


def phi(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def ks_distance(values, cdf):
    v = np.sort(np.asarray(values, np.float64))
    f = np.array([cdf(x) for x in v[:: len(v) // 2000]])  # a 2000-point subsample of F
    i = np.arange(0, len(v), len(v) // 2000)
    return float(np.max(np.maximum(np.abs(f - i / len(v)), np.abs(f - (i + 1) / len(v)))))


@pytest.mark.parametrize("seed", [0, 1, 2**40 + 3])
def test_normal_moments_tails_and_cdf(seed):
    z = np.asarray(random.normal((N,), seed=seed), np.float64)
    se = 1 / math.sqrt(N)
    assert abs(z.mean()) < 5 * se
    assert abs(z.var() - 1) < 5 * math.sqrt(2 / N)
    assert abs(np.mean(z ** 3)) < 5 * math.sqrt(15 / N)  # skewness
    assert abs(np.mean(z ** 4) - 3) < 5 * math.sqrt(96 / N)  # kurtosis
    for k, p in ((1, 0.6826894921370859), (2, 0.9544997361036416), (3, 0.9973002039367398)):
        inside = np.mean(np.abs(z) < k)
        assert abs(inside - p) < 5 * math.sqrt(p * (1 - p) / N), k
    assert ks_distance(z, phi) < KS_BOUND
    # Even and odd elements (the two halves of each Box-Muller pair) are uncorrelated.
    assert abs(np.corrcoef(z[0::2], z[1::2])[0, 1]) < 5 / math.sqrt(N / 2)


def test_normal_mean_and_stddev_are_applied_in_float64():
    a = np.asarray(random.normal((1000,), seed=3), np.float64)
    b = np.asarray(random.normal((1000,), mean=100.0, stddev=1e-3, seed=3), np.float64)
    np.testing.assert_allclose(b, (100.0 + 1e-3 * a).astype(np.float32), rtol=1e-7)


@pytest.mark.parametrize("seed", [0, 7])
def test_uniform_moments_and_cdf(seed):
    u = np.asarray(random.uniform((N,), minval=-2.0, maxval=6.0, seed=seed), np.float64)
    assert u.min() >= -2.0 and u.max() < 6.0
    assert abs(u.mean() - 2.0) < 5 * math.sqrt(64 / 12 / N)
    assert abs(u.var() - 64 / 12) < 5 * math.sqrt(64**2 / 180 / N)
    assert ks_distance(u, lambda x: (x + 2) / 8) < KS_BOUND


@pytest.mark.parametrize("seed", [0, 5])
def test_truncated_normal_bounds_moments_and_cdf(seed):
    mean, sd = -1.0, 3.0
    v = np.asarray(random.truncated_normal((N,), mean=mean, stddev=sd, seed=seed), np.float64)
    assert v.min() >= mean - 2 * sd and v.max() <= mean + 2 * sd
    mass = phi(2) - phi(-2)
    dens2 = math.exp(-2) / math.sqrt(2 * math.pi)  # the normal density at 2
    var = 1 - 2 * 2 * dens2 / mass  # of the standard normal truncated to [-2, 2]
    z = (v - mean) / sd
    assert abs(z.mean()) < 5 * math.sqrt(var / N)
    assert abs(z.var() - var) < 5 * math.sqrt(2 * var**2 / N)
    assert ks_distance(z, lambda x: (phi(x) - phi(-2)) / mass) < KS_BOUND


def test_truncated_normal_bounds_hold_in_float32():
    v = np.asarray(random.truncated_normal((N,), mean=0.1, stddev=0.3, seed=9))
    assert v.min() >= np.float32(0.1 - 0.6) and v.max() <= np.float32(0.1 + 0.6)


@pytest.mark.parametrize("lo,hi,dtype", [(0, 10, "int32"), (-5, 2, "int32"),
                                         (2**40, 2**40 + 10, "int64")])
def test_randint_range_and_chi_square(lo, hi, dtype):
    v = np.asarray(random.randint((N,), lo, hi, dtype=dtype, seed=4))
    assert v.dtype == dtype and v.min() == lo and v.max() == hi - 1
    counts = np.bincount(v - lo, minlength=hi - lo)
    expected = N / (hi - lo)
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    assert chi2 < 35.0  # 9 degrees of freedom at most: p < 1e-4


def test_randint_extreme_ranges():
    v = np.asarray(random.randint((N,), -2**31, 2**31 - 1, seed=1))
    assert v.min() < -2**30 and v.max() > 2**30  # both halves of the range
    w = np.asarray(random.randint((1000,), -2**63, 2**63, dtype="int64", seed=1))
    assert (w < 0).mean() == pytest.approx(0.5, abs=0.06)
