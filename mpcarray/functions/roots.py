"""Square root and reciprocal square root of positive SharedArrays.

``rsqrt(0)`` and ``sqrt`` of negative values return meaningless finite values
over sockets (they cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`. ``sqrt(0) = 0``.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.ranges import check_domain
from .normalisation import as_fixed
from .powers import real_power


def rsqrt(x) -> SharedArray:
    """``1 / sqrt(x)`` for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    the result is at least ``2^-6``; within 3 ulp (``2^-f``) of the correctly rounded
    result where it is at most 1.

    Steps: :func:`~mpcarray.functions.powers.real_power` with ``p = -1/2``: the octave
    of ``x`` by one batched comparison, a polynomial in ``w = x/c - 1``, the power of two.
    Cost: 18 rounds at ``f = 16``: normalisation (10), polynomial (6), power of two (2).
    Security: only masked openings.
    """
    check_domain("rsqrt", x, lambda v: v > 0, "x > 0")
    return real_power(as_fixed(x), -0.5, signed=False)


@implements_ufunc(np.sqrt)
def sqrt(x) -> SharedArray:
    """``sqrt(x)`` for ``x >= 0`` (``sqrt(0) = 0``).

    Accuracy at ``f = 16`` as :func:`rsqrt`: relative error below ``1e-3`` where the
    result is at least ``2^-6``; within 3 ulp of the correctly rounded result up to 1.

    Steps and cost as :func:`rsqrt` with ``p = 1/2`` (18 rounds at ``f = 16``).
    Security: only masked openings.
    """
    check_domain("sqrt", x, lambda v: v >= 0, "x >= 0")
    return real_power(as_fixed(x), 0.5, signed=False)
