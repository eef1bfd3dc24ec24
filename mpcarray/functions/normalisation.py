"""Exact normalisation ``a = m * 2^(p + 1 - f)``, ``m`` in ``[0.5, 1)``, and its helpers.

The bit decomposition of a positive ``a`` gives the position ``p`` of its
leading one (:func:`mpcarray.array.primitives.leading_one_tables`), and the same
protocol returns any public function of ``p`` as a shared integer. So the
nonlinear functions only approximate on ``[0.5, 1)`` and put the power of two
back exactly with a shared integer weight.
"""

import numpy as np

from ..array import SharedArray
from ..array.primitives import leading_one_tables, truncate
from ..errors import UnsupportedOperationError


def as_fixed(x) -> SharedArray:
    """``x`` as fixed point: shared integers are converted (locally), anything public refused."""
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError("expected a SharedArray")
    return x if x.frac_bits else x.astype(np.float64)


def normalise(a: SharedArray, *tables) -> tuple[SharedArray, list[SharedArray]]:
    """``m`` in ``[0.5, 1)`` with ``a = m * 2^(p + 1 - f)``, and ``table[p]`` for each table.

    Steps: the leading-one lookup gives ``2^(top - p)`` and the tables' values;
    ``a * 2^(top - p)`` (an exact integer product) has ``top + 1`` bits and is
    truncated to ``m``. ``a`` must be positive fixed point.
    Cost: 10 rounds: leading-one lookup (8), product (1), truncation (1).
    Security: only masked openings inside the primitives.
    """
    f = a.frac_bits
    top = 61 - f  # highest leading-one position in the safe range
    up = [2 ** (top - p) if p <= top else 0 for p in range(64)]
    scale, *values = leading_one_tables(a, [up, *tables])
    return truncate(a * scale, top - f + 1, f), values


def scale_by_power(value: SharedArray, weight: SharedArray, shift: int) -> SharedArray:
    """``value * weight / 2^shift`` for a shared integer ``weight``.

    Cost: 2 rounds: one product, one truncation.
    """
    return truncate(value * weight, shift, value.frac_bits)

