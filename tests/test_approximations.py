"""The design targets the function docstrings state, checked in float64 on denser grids than
the ones that chose them, at f = 12, 16 and 20: Chebyshev degrees (exp, log, and the reciprocal and
roots of a normalised m), and the sigmoid's and tanh's segment fits (within 2^-(f+6)) and saturation bounds."""


import numpy as np
import pytest

from mpcarray.functions import exponential, logistic, mantissa
from mpcarray.functions.piecewise import uniform_fit
from mpcarray.functions.polynomial import chebyshev_coefficients

FRAC_BITS = [12, 16, 20]


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("name, target", [("reciprocal", lambda m: 1 / m), ("rsqrt", lambda m: m**-0.5),
                                          ("sqrt", np.sqrt)])
def test_mantissa_interpolants_reach_their_target(name, target, f):
    """``mantissa.coefficients``: the polynomial in ``u = 4m - 3`` is within 2^-(f + 3) on [0.5, 1]."""
    m = np.linspace(0.5, 1.0, 1_000_001)
    value = np.polynomial.Polynomial(mantissa.coefficients(name, f))(4 * m - 3)
    assert np.max(np.abs(value - target(m))) < 2.0 ** -(f + 3)


def test_mantissa_degrees_documented():
    """The degrees the module docstring of ``mpcarray/functions/mantissa.py`` states."""
    degrees = {f: [len(mantissa.coefficients(name, f)) - 1 for name in ("reciprocal", "rsqrt", "sqrt")]
               for f in (12, 16, 24)}
    assert degrees == {12: [6, 5, 4], 16: [8, 7, 5], 24: [11, 10, 8]}


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("function, domain", [(np.exp2, (0.0, 1.0)), (exponential._log_quarter, (-1.0, 1.0))])
def test_chebyshev_interpolants_reach_their_target(function, domain, f):
    """``chebyshev_coefficients``: the interpolant is within 2^-(f + 3) of the function."""
    grid = np.linspace(*domain, 1_000_001)
    value = np.polynomial.Polynomial(chebyshev_coefficients(function, domain, f))(grid)
    assert np.max(np.abs(value - function(grid))) < 2.0 ** -(f + 3)


def _logistic(v):
    return 1 / (1 + np.exp(-v))


def _smooth_cases(f):
    s, t = logistic.sigmoid_bound(f), logistic.tanh_bound(f)
    return [(logistic._logistic, _logistic, -s, s), (np.tanh, np.tanh, -t, t)]


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("case", range(2), ids=["sigmoid", "tanh"])
def test_segment_fits_reach_their_target(f, case):
    """Every segment's polynomial (degree 7) is within 2^-(f+6) of the function, segment ends included."""
    function, reference, low, high = _smooth_cases(f)[case]
    margin = logistic.MARGIN
    edges, centres, table = uniform_fit(function, low, high, 7, f, 2.0 ** -(f + margin), False)
    assert edges[0] == low and edges[-1] == high
    for a, b, c, coefficients in zip(edges[:-1], edges[1:], centres, table):
        x = np.linspace(a - 2.0**-f, b + 2.0**-f, 20001 // len(centres) + 50)
        error = np.abs(np.polynomial.Polynomial(coefficients)(x - c) - reference(x))
        assert np.max(error) < 2.0 ** -(f + margin)


@pytest.mark.parametrize("f", FRAC_BITS)
def test_saturation_bounds(f):
    """Beyond the bounds the limits are within 2^-(f+6) of the exact values."""
    assert _logistic(-logistic.sigmoid_bound(f)) <= 2.0 ** -(f + 6)
    assert 1 - np.tanh(logistic.tanh_bound(f)) <= 2.0 ** -(f + 6)


def test_documented_structure_at_16_bits():
    """Segment counts and bounds the docstrings state at f = 16 (logistic.py)."""
    f = 16
    s, t = logistic.sigmoid_bound(f), logistic.tanh_bound(f)
    assert logistic.MARGIN == 6
    assert len(uniform_fit(logistic._logistic, -s, s, 7, f, 2.0**-22)[1]) == 15
    assert len(uniform_fit(np.tanh, -t, t, 7, f, 2.0**-22)[1]) == 17
    assert (round(s, 2), round(t, 2)) == (15.25, 7.97)
