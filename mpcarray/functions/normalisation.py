"""Normalisation ``x = c (1 + w)`` with ``|w|`` small, from one batched comparison.

The magnitude of ``x`` is located among geometric segments ``2^(i/J)``
(:class:`~mpcarray.functions.piecewise.Segments`; ``J`` segments per octave,
from ``2^-f`` to the top of the safe range ``2^(62 - 2f)``, both signs if
asked). Each segment has a public centre ``c`` and the integer ``R = round(2^S /
c)``; ``x R / 2^S = 1 + w`` is exact up to one truncation: the centres are chosen as
``2^S / R`` for integers ``R``, so no rounding of ``R`` enters. The nonlinear functions
approximate ``g(w)`` once, and put the segment's ``phi(c)`` back with a lookup.
"""

from functools import cache

import numpy as np

from ..array import SharedArray
from ..array.primitives import relabel, truncate
from ..array.promotion import INT
from ..errors import UnsupportedOperationError
from .piecewise import Segments, grid


def as_fixed(x) -> SharedArray:
    """``x`` as fixed point: shared integers are converted (locally), anything public refused."""
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError("expected a SharedArray")
    return x if x.frac_bits else x.astype(np.float64)


def inverse_shift(f: int) -> int:
    """``S`` of ``R = round(2^S / c)``: ``x R / 2^S = 1 + w <= 1.5`` stays below ``2^(61 - f)`` units."""
    return 60 - f


@cache
def geometric_segments(f: int, per_octave: int, signed: bool) -> tuple:
    """``(boundaries, centres, low, high)`` of the segments of magnitudes ``2^-f .. 2^(62 - 2f)``.

    ``centres`` has one entry per segment, 0 for the segment of 0, each the
    effective centre ``2^S / R`` of the middle of its grid values; ``low`` and
    ``high`` are the smallest and largest magnitude on the grid in each segment.
    """
    top, unit, shift = 62 - 2 * f, 2.0**-f, inverse_shift(f)
    positive = np.unique(grid(np.exp2(np.arange(-f * per_octave, top * per_octave) / per_octave), f))
    ends = np.append(positive, 2.0**top)
    low, high = ends[:-1], ends[1:] - unit
    centres = np.ldexp(1.0, shift) / np.rint(np.ldexp(2 / (low + high), shift))
    if not signed:
        return positive, *(np.concatenate([[0.0], v]) for v in (centres, low, high))
    boundaries = np.concatenate([-positive[::-1] + unit, positive])
    return boundaries, np.concatenate([-centres[::-1], [0.0], centres]), \
        *(np.concatenate([v[::-1], [0.0], v]) for v in (low, high))


class Normalised:
    """``x = c (1 + w)`` per element: ``w`` as shared integers ``round(w 2^w_bits)``, and segment lookups.

    Cost: 10 rounds: segments (8), ``x R`` (1, an integer product), truncation (1).
    Security: only masked openings.
    """

    def __init__(self, x: SharedArray, per_octave: int, signed: bool, w_bits: int):
        f = x.frac_bits
        shift = inverse_shift(f)
        boundaries, centres, *_ = geometric_segments(f, per_octave, signed)
        inner = centres != 0
        inverse = np.zeros(centres.size)
        inverse[inner] = np.rint(np.ldexp(1 / centres[inner], shift))
        #: Each segment's centre ``2^S / R`` (0 for the segment of 0).
        self.centres = centres
        self.segments = Segments(x, boundaries)
        self.w_bits = w_bits
        product = relabel(self.segments.lookup(inverse), INT) * relabel(x, INT)
        self.w = truncate(product, shift + f - w_bits, INT) - 2**w_bits

    def lookup(self, values) -> SharedArray:
        """Shared integers ``values[segment]`` (one per segment, that of 0 included). Local."""
        return self.segments.lookup(values)


def scale_by_power(value: SharedArray, weight: SharedArray, shift: int) -> SharedArray:
    """``value * weight / 2^shift`` for a shared integer ``weight``.

    Cost: 2 rounds: one product, one truncation.
    """
    return truncate(value * weight, shift, value.frac_bits)
