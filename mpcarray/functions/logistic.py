"""The logistic sigmoid and ``tanh``, on the whole safe range, as piecewise polynomials.

Both saturate (to 0 and 1, or -1 and 1) where the exact value is within
``2^-(f+6)`` of the limit (a 64th of a unit, so that the saturated tails add no
bias a model fit would notice): beyond ``|x| = (f + 6) ln 2`` for the sigmoid
(15.25 at ``f = 16``) and ``(f + 7) ln 2 / 2`` for ``tanh`` (7.97). In between: polynomials
of degree 7 on equal segments (15 for the sigmoid, 17 for ``tanh`` at ``f = 16``), within
``2^-(f+6)`` of the function.
"""

import math

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from .normalisation import as_fixed
from .piecewise import grid, smooth

#: The fits are within 2^-(f + MARGIN): their error is systematic, and model fits (Newton's
#: steps in logistic regression at f = 12) notice a bias of a fraction of a unit.
MARGIN = 6


def _logistic(v):
    return 1 / (1 + np.exp(-v))


def sigmoid_bound(f: int) -> float:
    """``B`` on the grid with ``sigmoid(-B) <= 2^-(f+6)``: the sigmoid is 0 below ``-B`` and 1 above ``B``."""
    return float(grid(math.ceil((f + 6) * math.log(2) * 2**f) / 2**f, f))


def tanh_bound(f: int) -> float:
    """``B`` on the grid with ``1 - tanh(B) <= 2^-(f+6)``."""
    return float(grid(math.ceil((f + 7) * math.log(2) / 2 * 2**f) / 2**f, f))


@stamped(of_elementwise)
def sigmoid(x) -> SharedArray:
    """Logistic function ``1 / (1 + e^-x)``.

    Absolute error below ``3e-5`` at ``f = 16`` (measured 1.5e-5, 1 ulp of the correctly
    rounded result; ``docs/functions.md``), on the whole safe range.

    Steps: :func:`~mpcarray.functions.piecewise.smooth`: the segment of ``x`` among
    equal segments of ``[-B, B]`` (one batched comparison), a polynomial of degree 7 in ``x - centre``.
    Cost: 10 rounds (15 in Shamir sessions): segments (5; 8 with Shamir), ``u`` (1),
    polynomial (3, each truncation in the opening of the next level's products; 5 with Shamir),
    truncation (1).
    Security: only masked openings.
    """
    x = as_fixed(x)
    bound = sigmoid_bound(x.frac_bits)
    return smooth(x, _logistic, -bound, bound, 0.0, 1.0, margin=MARGIN)


@implements_ufunc(np.tanh)
@stamped(of_elementwise)
def tanh(x) -> SharedArray:
    """Hyperbolic tangent; steps, cost (10 rounds; 15 with Shamir) and security as :func:`sigmoid`.

    Absolute error below ``3e-5`` at ``f = 16`` (measured 1.5e-5, 1 ulp).
    """
    x = as_fixed(x)
    bound = tanh_bound(x.frac_bits)
    return smooth(x, np.tanh, -bound, bound, -1.0, 1.0, margin=MARGIN)
