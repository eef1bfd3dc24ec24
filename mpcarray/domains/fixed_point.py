"""Fixed-point encoding of real numbers into Z_2^64.

A real ``v`` is stored as the ring element ``round(v * 2^f)`` (two's complement),
where ``f`` is the number of fractional bits. A product of two encodings carries
``2f`` fractional bits and is brought back to ``f`` by the truncation protocol,
which needs the double-scaled product ``z`` to satisfy ``|z| < 2^62``. Hence the
**safe range** ``|v| < 2^(62 - 2f)`` for every stored value *and* every product
(about 1.07e9 at the default ``f = 16``). Encoding rejects values outside it
rather than letting them wrap silently; sums of in-range values may grow up to
``2^(62 - f)`` as long as they are not multiplied again.
"""

from dataclasses import dataclass

import numpy as np

from ..errors import EncodingError
from .ring import RING_BITS

#: Truncation needs |z| < 2^TRUNCATION_BITS for a double-scaled product z.
TRUNCATION_BITS = RING_BITS - 2


@dataclass(frozen=True)
class FixedPoint:
    """Fixed-point format with ``frac_bits`` fractional bits.

    ``truncation_bits`` is ``K``, the bound ``|z| < 2^K`` the number domain's
    truncation allows for a double-scaled product: 62 in Z_2^64, 78 to 82 in
    GF(2^127 - 1) (:mod:`mpcarray.domains.mersenne127`).
    """

    frac_bits: int = 16
    truncation_bits: int = TRUNCATION_BITS

    def __post_init__(self):
        if not isinstance(self.frac_bits, (int, np.integer)) or not 1 <= self.frac_bits <= 28:
            raise ValueError(f"frac_bits must be an integer in [1, 28], got {self.frac_bits!r}")

    @property
    def scale(self) -> int:
        """The integer scale 2^f."""
        return 1 << self.frac_bits

    @property
    def range_bits(self) -> int:
        """Bits of the safe range: values and products stay below ``2^range_bits = 2^(62 - 2f)``.

        The same in every domain, so a script behaves alike on both schemes
        (the nonlinear functions are built for this range); a field's larger
        ``truncation_bits`` is headroom for its statistical masks.
        """
        return TRUNCATION_BITS - 2 * self.frac_bits

    @property
    def max_abs(self) -> float:
        """Largest magnitude (exclusive) a value or a product may have: ``2^range_bits``."""
        return float(2**self.range_bits)

    @property
    def resolution(self) -> float:
        """One unit in the last place: 2^-f."""
        return 2.0**-self.frac_bits

    def encode(self, values) -> np.ndarray:
        """Encode reals as ring elements, rounding to nearest.

        Raises :class:`~mpcarray.errors.EncodingError` for NaN, infinities and
        values with ``|v| >= max_abs`` once rounded to the grid.
        """
        return self.to_integers(values).view(np.uint64)

    def to_integers(self, values) -> np.ndarray:
        """Reals as the int64 integers ``round(v * 2^f)``, checked like :meth:`encode`."""
        arr = np.asarray(values, dtype=np.float64)
        if not np.all(np.isfinite(arr)):
            bad = "NaN" if np.isnan(arr).any() else "an infinite value"
            raise EncodingError(f"cannot encode {bad}: fixed-point values must be finite")
        scaled = np.rint(arr * self.scale)  # rounding may reach the limit from just below
        if arr.size and np.max(np.abs(scaled)) >= self.max_abs * self.scale:
            raise EncodingError(
                f"value {np.max(np.abs(arr)):.10g} is outside the fixed-point safe range "
                f"|v| < 2^{self.range_bits} = {self.max_abs:.6g} "
                f"(frac_bits={self.frac_bits}); rescale the data or lower frac_bits"
            )
        return scaled.astype(np.int64)

    def decode(self, ring) -> np.ndarray:
        """Decode ring elements to float64 through exact signed integers."""
        signed = np.asarray(ring, dtype=np.uint64).view(np.int64)
        return signed.astype(np.float64) * self.resolution
