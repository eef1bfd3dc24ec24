"""The design targets the function docstrings state, checked in float64 on denser grids than
the ones that chose them: Newton step counts and Chebyshev degrees at f = 12, 16 and 20."""

import math

import numpy as np
import pytest

from mpcarray.functions import exponential, logistic
from mpcarray.functions.newton import _ITERATIONS, newton_steps
from mpcarray.functions.polynomial import chebyshev_coefficients

FRAC_BITS = [12, 16, 20]


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("name, target", [("reciprocal", lambda m: 1 / m), ("rsqrt", lambda m: m**-0.5)])
def test_newton_steps_reach_their_target(name, target, f):
    """``newton_steps``: worst relative error on [0.5, 1) below 2^-(f + 2)."""
    start, step = _ITERATIONS[name]
    m = np.linspace(0.5, 1.0, 1_000_001)[:-1]
    y = start(m)
    for _ in range(newton_steps(name, f)):
        y = step(y, m)
    assert np.max(np.abs(y / target(m) - 1)) < 2.0 ** -(f + 2)


@pytest.mark.parametrize("f", FRAC_BITS)
@pytest.mark.parametrize("function, domain", [(np.exp2, (0.0, 1.0)), (exponential._log_quarter, (-1.0, 1.0))])
def test_chebyshev_interpolants_reach_their_target(function, domain, f):
    """``chebyshev_coefficients``: the interpolant is within 2^-(f + 3) of the function."""
    grid = np.linspace(*domain, 1_000_001)
    value = np.polynomial.Polynomial(chebyshev_coefficients(function, domain, f))(grid)
    assert np.max(np.abs(value - function(grid))) < 2.0 ** -(f + 3)


def test_sigmoid_clip_bound():
    """The comment on ``logistic._BOUND``: sigmoid(-12) < 6.2e-6."""
    assert 1 / (1 + math.exp(logistic._BOUND)) < 6.2e-6
