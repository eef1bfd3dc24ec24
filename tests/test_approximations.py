"""The design targets of the piecewise fits, checked in float64 on denser grids than the ones
that chose them, at f = 12, 16 and 20: every segment's polynomial within 2^-(f+3) of its
function (2^-(f+6) for sigmoid and tanh; relative for exp and the powers), and the
saturation bounds of sigmoid and tanh."""

import math

import numpy as np
import pytest

from mpcarray.functions import exponential, logistic, powers
from mpcarray.functions.normalisation import Normalised, geometric_segments, inverse_shift
from mpcarray.functions.piecewise import uniform_fit

FRAC_BITS = [12, 16, 20]
DENSE = 20001


def _logistic(v):
    return 1 / (1 + np.exp(-v))


def _smooth_cases(f):
    s, t = logistic.sigmoid_bound(f), logistic.tanh_bound(f)
    low, high = exponential.exp_range(f)
    margin = logistic.MARGIN
    return [(logistic._logistic, _logistic, -s, s, False, 7, margin), (np.tanh, np.tanh, -t, t, False, 7, margin),
            (np.exp, np.exp, low, high, True, 3, 3)]


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("case", range(3), ids=["sigmoid", "tanh", "exp"])
def test_segment_fits_reach_their_target(f, case):
    function, reference, low, high, relative, degree, margin = _smooth_cases(f)[case]
    edges, centres, table = uniform_fit(function, low, high, degree, f, 2.0 ** -(f + margin), relative)
    assert edges[0] == low and edges[-1] == high
    for a, b, c, coefficients in zip(edges[:-1], edges[1:], centres, table):
        x = np.linspace(a - 2.0**-f, b + 2.0**-f, DENSE // len(centres) + 50)
        error = np.abs(np.polynomial.Polynomial(coefficients)(x - c) - reference(x))
        assert np.max(error / (np.abs(reference(x)) if relative else 1)) < 2.0 ** -(f + margin)


@pytest.mark.parametrize("f", FRAC_BITS)
def test_saturation_bounds(f):
    """Beyond the bounds the limits are within 2^-(f+6) of the exact values."""
    assert _logistic(-logistic.sigmoid_bound(f)) <= 2.0 ** -(f + 6)
    assert 1 - np.tanh(logistic.tanh_bound(f)) <= 2.0 ** -(f + 6)
    low, _ = exponential.exp_range(f)
    assert math.exp(low) < 2.0 ** -(f - 2)  # flushed to 0: at most 2 ulp (3.1e-5 at f = 16)


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("power, signed", [(-1.0, True), (-0.5, False), (0.5, False)])
def test_power_polynomials_cover_every_segment(f, power, signed):
    """(1 + w)^p within 2^-(f+3) relative on the w of every grid value of every octave."""
    coefficients, (lo, hi) = powers.power_fit(f, power, signed)
    _, centres, low, high = geometric_segments(f, powers.PER_OCTAVE, signed)
    inner = centres != 0
    assert lo <= np.min(low[inner] / np.abs(centres[inner]) - 1)
    assert hi >= np.max(high[inner] / np.abs(centres[inner]) - 1)
    w = np.linspace(lo, hi, DENSE)
    exact = (1 + w) ** power
    assert np.max(np.abs(np.polynomial.Polynomial(coefficients)(w) / exact - 1)) < 2.0 ** -(f + 3)


@pytest.mark.parametrize("f", FRAC_BITS)
def test_log_polynomial(f):
    per_octave, coefficients = exponential.log_fit(f)
    _, centres, low, high = geometric_segments(f, per_octave, False)
    inner = centres != 0
    w = np.linspace(np.min(low[inner] / centres[inner]) - 1, np.max(high[inner] / centres[inner]) - 1, DENSE)
    assert np.max(np.abs(np.polynomial.Polynomial(coefficients)(w) - np.log1p(w))) < 2.0 ** -(f + 3)


def test_centres_are_exact_inverses(session):
    """Each centre is ``2^S / R`` for the integer ``R`` the lookup uses, so ``x R / 2^S = 1 + w`` exactly."""
    f = session.fixed_point.frac_bits
    norm = Normalised(session.share(np.array([1.0, 3.0]), owner=0), 1, True, f)
    inner = norm.centres != 0
    inverse = np.rint(np.ldexp(1 / norm.centres[inner], inverse_shift(f)))
    assert np.all(np.ldexp(1.0, inverse_shift(f)) / inverse == norm.centres[inner])
    assert np.all(inverse < 2.0**61)


def test_documented_structure_at_16_bits():
    """Segment counts and degrees the docstrings state at f = 16 (logistic.py, exponential.py, powers.py)."""
    f, tolerance = 16, 2.0**-19
    s, t = logistic.sigmoid_bound(f), logistic.tanh_bound(f)
    low, high = exponential.exp_range(f)
    assert logistic.MARGIN == 6
    assert len(uniform_fit(logistic._logistic, -s, s, 7, f, 2.0**-22)[1]) == 15
    assert len(uniform_fit(np.tanh, -t, t, 7, f, 2.0**-22)[1]) == 17
    assert len(uniform_fit(np.exp, low, high, 3, f, tolerance, True)[1]) == 116
    assert (round(s, 2), round(t, 2)) == (15.25, 7.97)
    assert exponential.log_fit(f)[0] == 3
    degrees = [len(powers.power_fit(f, p, signed)[0]) - 1 for p, signed in [(-1.0, True), (-0.5, False), (0.5, False)]]
    assert degrees == [7, 7, 5]
