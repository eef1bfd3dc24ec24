"""``exp`` and ``log`` of SharedArrays, as piecewise polynomials.

``exp`` saturates at the safe-range limit and flushes to zero below
``-(f - 1) ln 2``; ``log`` of non-positive values returns a meaningless finite
value over sockets (it cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`.
"""

import math
from functools import cache

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.ranges import check_domain
from .normalisation import Normalised, as_fixed, geometric_segments
from .piecewise import chebyshev, estrin, fit_error, grid, smooth, to_fixed

_LN2 = math.log(2.0)
#: log's polynomial degree in ``w`` (Estrin: 4 rounds with public coefficients).
LOG_DEGREE = 4


def exp_range(f: int) -> tuple[float, float]:
    """``[low, high]``: ``exp`` is 0 below ``low = -(f - 1) ln 2`` and saturates above ``high`` (grid values)."""
    return float(grid(-(f - 1) * _LN2, f)), float(grid((62 - 2 * f) * _LN2 - 2.0 ** (2 - f), f))


@implements_ufunc(np.exp)
def exp(x) -> SharedArray:
    """``e^x``: 0 below ``-(f-1) ln 2``, saturating at ``e^high`` just below the safe-range limit.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``2e-4`` where
    ``e^x >= 0.1``; within 3 ulp (``2^-f``) of the correctly rounded result where
    ``e^x <= 1``; below ``x = -10.4`` the result is 0 (the exact value is under ``3.1e-5``, 2 ulp).

    Steps: :func:`~mpcarray.functions.piecewise.smooth`: 116 equal segments of
    ``[-(f-1) ln 2, (62 - 2f) ln 2]`` at ``f = 16`` by one batched comparison, a cubic within
    ``2^-(f+3)`` relative on each.
    Cost: 13 rounds: segments (8), ``u`` (1), cubic (3), truncation (1).
    Security: only masked openings.
    """
    x = as_fixed(x)
    low, high = exp_range(x.frac_bits)
    return smooth(x, np.exp, low, high, 0.0, math.exp(high), degree=3, relative=True)


def _log1p(w):
    return np.log1p(w)


@cache
def log_fit(f: int) -> tuple:
    """``(per_octave, coefficients)``: the fewest segments per octave for a degree-4 ``log(1 + w)`` within ``2^-(f+3)``."""
    for per_octave in range(1, 17):
        _, centres, low, high = geometric_segments(f, per_octave, False)
        inner = centres != 0
        lo = float(np.min(low[inner] / centres[inner])) - 1
        hi = float(np.max(high[inner] / centres[inner])) - 1
        a = chebyshev(_log1p, lo, hi, LOG_DEGREE)
        if fit_error(_log1p, lo, hi, a) <= 2.0 ** -(f + 3):
            return per_octave, a
    raise RuntimeError(f"no polynomial for log at f={f}")


@implements_ufunc(np.log)
def log(x) -> SharedArray:
    """Natural logarithm for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    ``|log x| >= 0.05``; within 3 ulp (``2^-f``) of the correctly rounded result where
    ``|log x| <= 1``.

    Steps: ``x = c (1 + w)`` with ``c`` the centre of one of 3 segments per octave at ``f = 16``
    (:class:`~mpcarray.functions.normalisation.Normalised`); ``log c`` (a lookup)
    plus a polynomial of degree 4 in ``w``.
    Cost: 15 rounds at ``f = 16``: normalisation (10), polynomial (4), truncation (1).
    Security: only masked openings.
    """
    check_domain("log", x, lambda v: v > 0, "x > 0")
    x = as_fixed(x)
    f = x.frac_bits
    per_octave, a = log_fit(f)
    w_bits = f + 4
    norm = Normalised(x, per_octave, False, w_bits)
    inner = norm.centres != 0
    logs = np.zeros(norm.centres.size)
    logs[inner] = np.log(norm.centres[inner])
    bits = 56 - w_bits - math.ceil(math.log2((62 - 2 * f) * _LN2 + f * _LN2 + 1))

    def coefficient(k, scale):
        return norm.lookup(np.rint(np.ldexp(logs + a[k], scale))) if k == 0 else round(a[k] * 2**scale)

    return to_fixed(estrin(norm.w, coefficient, LOG_DEGREE, w_bits, bits), bits + w_bits, f)
