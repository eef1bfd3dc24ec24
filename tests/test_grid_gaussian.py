"""Gaussian noise on the fixed-point grid keeps its stated (epsilon, delta) (issue: hardening, item 2).

References are independent of the sampler: the exact pmf of a sum of rounded normals from
SciPy's normal CDF, and the privacy profile of an additive integer noise computed from that pmf.
"""

import math

import numpy as np
import pytest
from scipy import stats

import mpcarray as mpc
from mpcarray.privacy import Gaussian

FRAC = 8
STEP = 2.0**-FRAC
#: Sensitivity 2^-4 is D = 16 steps of 2^-8; sigma for (1, 1e-5) is 59.69 steps.
MECHANISM = Gaussian(epsilon=1.0, delta=1e-5, sensitivity=2.0**-4)
DRAWS = 100_000
P_MIN = 1e-3


def rounded_normal_pmf(sigma: float, half_width: int) -> np.ndarray:
    """P(round(Z) = k) for Z ~ N(0, sigma^2), k = -half_width..half_width."""
    edges = np.arange(-half_width, half_width + 2) - 0.5
    return np.diff(stats.norm.cdf(edges, scale=sigma))


def sum_pmf(sigma: float, n: int, half_width: int) -> np.ndarray:
    """The pmf of the sum of ``n`` independent rounded normals, on -n*half_width..n*half_width."""
    one = rounded_normal_pmf(sigma, half_width)
    pmf = one
    for _ in range(n - 1):
        pmf = np.convolve(pmf, one)
    return pmf


def delta_at(pmf: np.ndarray, shift: int, epsilon: float) -> float:
    """The smallest delta with P(N + shift in S) <= e^eps P(N in S) + delta for every set S."""
    moved = np.concatenate([np.zeros(shift), pmf])
    here = np.concatenate([pmf, np.zeros(shift)])
    return float(max(np.maximum(moved - math.exp(epsilon) * here, 0).sum(),
                     np.maximum(here - math.exp(epsilon) * moved, 0).sum()))


def test_on_grid_calibrates_sigma_for_the_sensitivity_in_whole_steps():
    grid = MECHANISM.on_grid(STEP)
    assert grid.sensitivity == 16 and grid.integer
    assert grid.sigma == pytest.approx(MECHANISM.sigma / STEP, rel=1e-9)
    assert grid.sigma == pytest.approx(59.69, abs=0.01)  # the docstring's figure
    # a sensitivity between steps is rounded up: never less noise than asked for
    assert Gaussian(epsilon=1.0, delta=1e-5, sensitivity=16.2 * STEP).on_grid(STEP).sensitivity == 17


@pytest.mark.parametrize("n", [2, 3, 5])
def test_grid_gaussian_noise_is_the_sum_of_n_rounded_normals(n):
    """The noise of a reveal, in steps, against the exact pmf of n rounded N(0, sigma^2): whole steps,
    variance n * (sigma^2 + 1/12) (sqrt(n) times the continuous mechanism's deviation)."""
    sigma = MECHANISM.on_grid(STEP).sigma
    with mpc.Session(n, seed=17, frac_bits=FRAC) as s:
        noise = s.share(np.zeros(DRAWS), owner=0).reveal(label="noise", noise=MECHANISM) / STEP
    assert np.array_equal(noise, np.rint(noise))
    half = int(8 * sigma)
    pmf = sum_pmf(sigma, n, half)
    support = np.arange(-n * half, n * half + 1)
    bins = np.linspace(-4 * math.sqrt(n) * sigma, 4 * math.sqrt(n) * sigma, 41).round()
    index = np.digitize(support, bins)
    expected = np.bincount(index, weights=pmf, minlength=len(bins) + 1) * DRAWS
    observed = np.bincount(np.digitize(noise, bins), minlength=len(bins) + 1)
    keep = expected > 5
    assert stats.chisquare(observed[keep], expected[keep] * observed[keep].sum() / expected[keep].sum()
                           ).pvalue > P_MIN
    assert noise.var() / (n * (sigma**2 + 1 / 12)) == pytest.approx(1, abs=0.02)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_the_rounded_noise_keeps_the_stated_epsilon_and_delta(n):
    """For every shift of at most D = 16 steps, the privacy profile of the integer noise (n rounded
    components of sigma each) at the stated epsilon is at most the stated delta."""
    grid = MECHANISM.on_grid(STEP)
    pmf = sum_pmf(grid.sigma, n, int(12 * grid.sigma))
    for shift in range(1, grid.sensitivity + 1):
        assert delta_at(pmf, shift, MECHANISM.epsilon) <= MECHANISM.delta
    if n == 1:  # one component is the calibrated mechanism, rounded: its delta is nearly all used
        assert delta_at(pmf, grid.sensitivity, MECHANISM.epsilon) > MECHANISM.delta / 2


def test_gaussian_noise_below_the_grid_is_still_refused():
    with mpc.Session(3, seed=1, frac_bits=FRAC) as s:
        x = s.share(np.array([1.0]), owner=0)
        with pytest.raises(mpc.NoiseScaleError, match="below 4 fixed-point steps"):
            x.reveal(label="x", noise=Gaussian(epsilon=1.0, delta=1e-5, sensitivity=STEP / 100))
