"""Exact normalisation ``a = m * 2^(p + 1 - f)``, ``m`` in ``[0.5, 1)``, and its helpers.

The bit decomposition of a positive ``a`` gives the position ``p`` of its
leading one (:func:`mpcarray.array.primitives.leading_one_tables`), and the same
protocol returns any public function of ``p`` as a shared integer. So the
nonlinear functions only approximate on ``[0.5, 1)`` and put the power of two
back exactly with a shared integer weight. A signed ``a`` needs no sign test:
the lookup of ``[a, -a]`` gives the weight with the sign of ``a``
(:func:`signed_normalise`).
"""

from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.primitives import leading_one_tables, relabel, truncate
from ..errors import UnsupportedOperationError


def as_fixed(x) -> SharedArray:
    """``x`` as fixed point: shared integers are converted (locally), anything public refused."""
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError("expected a SharedArray")
    return x if x.frac_bits else x.astype(np.float64)


def normalise(a: SharedArray, *tables, extra: int = 0) -> tuple[SharedArray, list[SharedArray]]:
    """``m`` in ``[0.5, 1)`` with ``a = m * 2^(p + 1 - f)``, and ``table[p]`` for each table.

    Steps: the leading-one lookup gives ``2^(top - p)`` and the tables' values;
    ``a * 2^(top - p)`` (an exact integer product) has ``top + 1`` bits and is
    truncated to ``m`` with ``f + extra`` fractional bits (the extra bits carry
    what an ``a >= 1`` has below ``2^-f`` relative to its leading one). ``a`` must
    be positive fixed point. It may carry ``F`` fractional bits, up to ``2f`` (an exact
    product not yet truncated, which saves its truncation's round): ``p`` is then read
    ``F - f`` positions lower, and an ``a`` below ``2^-f`` takes position 0's entries.
    Cost: 10 rounds: leading-one lookup (8), product (1), truncation (1); 7 in additive sessions for at
    most 256 elements (:data:`~mpcarray.protocols.tables.COMPARISON_LOOKUP_MAX_ELEMENTS`), whose lookup
    compares with every power of two at once (5 rounds).
    Security: only masked openings inside the primitives.
    """
    lift = _lift(a)
    scale, *values = leading_one_tables(a, [_up(a)] + [_lifted(table, lift) for table in tables])
    return _mantissa(a, scale, extra), values


def signed_normalise(a: SharedArray, *tables, extra: int = 0,
                     ) -> tuple[SharedArray, list[SharedArray], list[SharedArray]]:
    """``m`` in ``[0.5, 1)`` with ``|a| = m * 2^(p + 1 - f)``, and ``sign(a) table[p]`` and ``table[p]`` for each table.

    Steps: one leading-one lookup of the stacked ``[a, -a]``. The negative one
    of the two has bit 63 set, so its leading one is bit 63, where every table
    is made 0 (as every entry above ``top``): ``T(a) - T(-a) = sign(a) T(|a|)``
    and ``T(a) + T(-a) = T(|a|)``, locally, with no sign test. Then
    ``a * sign(a) 2^(top - p) = |a| 2^(top - p)`` is truncated to ``m`` (``f + extra``
    fractional bits, as :func:`normalise`). ``a = 0``
    gives ``m = 0`` and 0 for every table.
    Cost: 10 rounds, as :func:`normalise` (7 for at most 128 elements of ``a``, whose stacked ``[a, -a]``
    has 256; the lookup sends twice the bytes).
    Security: only masked openings inside the primitives.
    """
    top, lift = _top(a), _lift(a)
    zeroed = [[value if p <= top else 0 for p, value in enumerate(table)]
              for table in [_up(a)] + [_lifted(table, lift) for table in tables]]
    rows = leading_one_tables(cast(SharedArray, np.stack([a, -a])), zeroed)
    signed = [row[0] - row[1] for row in rows]
    return _mantissa(a, signed[0], extra), signed[1:], [row[0] + row[1] for row in rows[1:]]


def _lift(a: SharedArray) -> int:
    """The fractional bits ``a`` carries beyond the session's ``f`` (0 to ``f``)."""
    f = a.fixed_point.frac_bits
    lift = a.frac_bits - f
    if not 0 <= lift <= f:
        raise ValueError(f"normalisation needs {f} to {2 * f} fractional bits, got {a.frac_bits}")
    return lift


def _lifted(table, lift: int) -> list[int]:
    """``table`` (indexed by the leading one at ``f`` bits) indexed by the leading one of a value with
    ``lift`` more fractional bits: ``lift`` positions higher, position 0's entry below."""
    return [table[max(p - lift, 0)] for p in range(64)]


def _top(a: SharedArray) -> int:
    """The highest leading-one position of ``a`` in the safe range."""
    return 61 - a.fixed_point.frac_bits + _lift(a)


def _up(a: SharedArray) -> list[int]:
    """The table ``2^(top - p)`` (0 above ``top``)."""
    top = _top(a)
    return [2 ** (top - p) if p <= top else 0 for p in range(64)]


def _mantissa(a: SharedArray, scale: SharedArray, extra: int = 0) -> SharedArray:
    """``a * scale`` (``top + 1`` bits) truncated to ``m`` with ``f + extra`` fractional bits. Cost: 2 rounds."""
    f = a.fixed_point.frac_bits
    exact = relabel(relabel(a, 0) * scale, a.frac_bits)  # an exact integer product
    return truncate(exact, _top(a) - f + 1 - extra, f + extra)


def scale_by_power(value: SharedArray, weight: SharedArray, shift: int, frac: int | None = None,
                   rounded: bool = True) -> SharedArray:
    """``value * weight / 2^shift`` for a shared integer ``weight``, with ``frac`` fractional bits
    (default ``value``'s; fewer when ``value`` carried extra bits to this last rounding).

    ``rounded=False``: the exact product, read with ``shift + value.frac_bits`` fractional bits
    (the same value before its rounding), for a caller that truncates it in a later opening.
    Cost: 2 rounds: one product, one truncation (1 with ``rounded=False``).
    """
    return scaled_by_power(relabel(relabel(value, 0) * weight, value.frac_bits), shift, frac, rounded)


def scaled_by_power(scaled: SharedArray, shift: int, frac: int | None = None, rounded: bool = True) -> SharedArray:
    """The rest of :func:`scale_by_power` from ``scaled``, the exact product of the value and the weight
    read with the value's fractional bits (:func:`~.mantissa.on_mantissa_scaled` makes it in the
    polynomial's last round). Cost: 1 round (0 with ``rounded=False``).
    """
    frac = scaled.frac_bits if frac is None else frac
    if not rounded:
        return relabel(scaled, shift + scaled.frac_bits)
    return truncate(scaled, shift + scaled.frac_bits - frac, frac)

