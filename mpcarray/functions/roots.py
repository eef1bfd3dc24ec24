"""Square root and reciprocal square root of positive SharedArrays.

``rsqrt(0)`` and ``sqrt`` of negative values return meaningless finite values
over sockets (they cannot be detected without revealing the input); the
simulated backend (range check on, the default) raises
:class:`~mpcarray.errors.FunctionDomainError`. ``sqrt(0) = 0``.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.ranges import check_domain
from .mantissa import on_mantissa, spare_bits
from .normalisation import as_fixed, normalise, scale_by_power


def _root_weights(f: int, power: float, headroom: int) -> tuple[list[int], int]:
    """Weights ``round(2^(power * (p + 1 - f)) * 2^shift)`` and the shift, for ``m``-side values <= 2^headroom."""
    exponents = [power * (p + 1 - f) for p in range(62 - f)]
    shift = 61 - f - headroom - int(np.ceil(max(exponents)))
    weights = [round(2.0 ** (e + shift)) for e in exponents] + [0] * (2 + f)
    return weights, shift


@stamped(of_elementwise)
def rsqrt(x) -> SharedArray:
    """``1 / sqrt(x)`` for ``x > 0``.

    Accuracy at ``f = 16`` (``docs/functions.md``): relative error below ``1e-3`` where
    the result is at least ``2^-6``; within 2 ulp (``2^-f``) of the correctly rounded
    result where it is at most 1.

    Steps: normalise ``x = m 2^(p + 1 - f)``; a polynomial for ``1/sqrt(m)``;
    multiply by the looked-up ``2^(-(p + 1 - f) / 2)`` (scaled) and truncate.
    ``m`` and ``1/sqrt(m)`` carry 2 bits beyond ``f`` (at ``f = 16``) to that one
    rounding to ``f`` bits.
    Cost: 18 rounds at ``f = 16`` (22 in Shamir sessions): normalisation (10), ``1/sqrt(m)`` (6), scaling (2).
    Security: only masked openings.
    """
    check_domain("rsqrt", x, lambda v: v > 0, "x > 0")
    x = as_fixed(x)
    return _root(x, "rsqrt", -0.5, 1)


@implements_ufunc(np.sqrt)
@stamped(of_elementwise)
def sqrt(x) -> SharedArray:
    """``sqrt(x)`` for ``x >= 0`` (``sqrt(0) = 0``).

    Accuracy at ``f = 16`` as :func:`rsqrt`: relative error below ``1e-3`` where the
    result is at least ``2^-6``; within 2 ulp of the correctly rounded result up to 1.

    Steps: as :func:`rsqrt` with a polynomial for ``sqrt(m)`` and the weight
    ``2^((p + 1 - f) / 2)``. ``x = 0`` gives the weight 0.
    Cost: 17 rounds at ``f = 16`` (22 in Shamir sessions): normalisation (10), ``sqrt(m)`` (5), scaling (2).
    Security: only masked openings.
    """
    check_domain("sqrt", x, lambda v: v >= 0, "x >= 0")
    x = as_fixed(x)
    return _root(x, "sqrt", 0.5, 0)


def _root(x: SharedArray, name: str, power: float, headroom: int) -> SharedArray:
    """``x^power`` through the mantissa's ``name`` polynomial; ``m`` and ``m^power`` carry
    :func:`~.mantissa.spare_bits` extra bits to the final scaling, the one rounding to ``f`` bits.

    Each extra bit is taken from the weights' shift, which stays at least ``f + 3``: a
    weight rounded to ``2^-shift`` adds below ``2^-(f + 3)`` to a result (``f = 24`` has no room).
    """
    f = x.frac_bits
    extra = max(0, min(spare_bits(name, x), _root_weights(f, power, headroom)[1] - f - 3))
    weights, shift = _root_weights(f, power, headroom + extra)
    m, (weight,) = normalise(x, weights, extra=extra)
    return scale_by_power(on_mantissa(name, m, f), weight, shift, f)
