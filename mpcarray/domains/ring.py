"""The ring Z_2^64 held in ``uint64`` arrays.

NumPy's unsigned arithmetic wraps modulo 2^64, so addition, subtraction and
multiplication of ``uint64`` arrays *are* the ring operations. Signed plaintext
integers map to the ring by two's complement (``int64`` viewed as ``uint64``).
:class:`Ring64` is the domain object the engine asks for these operations; its
methods are thin NumPy/kernel calls, so the additive path pays nothing for the
indirection.
"""

import numpy as np

from .. import kernels

RING_BITS = 64
RING_DTYPE = np.dtype(np.uint64)


def to_ring(values) -> np.ndarray:
    """Map integers (or bools) to ring elements by two's complement.

    Integers must fit in int64; larger unsigned values wrap modulo 2^64 as
    ring elements, which is what ring arithmetic would do anyway.
    """
    arr = np.asarray(values)
    if arr.dtype == np.uint64:
        return arr.copy()
    if arr.dtype.kind not in "biu":
        raise TypeError(f"to_ring expects integers or bools, got dtype {arr.dtype}")
    return arr.astype(np.int64).view(np.uint64)


def from_ring_signed(ring: np.ndarray) -> np.ndarray:
    """Interpret ring elements as signed int64 (two's complement)."""
    return np.asarray(ring, dtype=np.uint64).view(np.int64)


class Ring64:
    """The ring Z_2^64: elements are ``uint64``, arithmetic wraps for free.

    Integers are exact when results stay within int64 (``|v| < 2^63``);
    fixed-point reals live here too (:class:`~mpcarray.domains.FixedPoint`).
    """

    name = "Z_2^64"
    modulus = 2**64
    dtype = RING_DTYPE
    #: Bytes one element takes on the wire.
    element_bytes = 8
    is_ring = True

    def add(self, a, b):
        return np.add(a, b, dtype=np.uint64)

    def sub(self, a, b):
        return np.subtract(a, b, dtype=np.uint64)

    def neg(self, a):
        return np.negative(a)

    def mul(self, a, b):
        return np.multiply(a, b, dtype=np.uint64)

    def mul_pow2(self, a, bits: int):
        """``a * 2^bits`` (a shift)."""
        return a << np.uint64(bits)

    def sum(self, x, axis, keepdims: bool = False):
        """Sum over the tuple of ``axis`` modulo 2^64."""
        return x.sum(axis=axis, dtype=np.uint64, keepdims=keepdims)

    def sum_rows(self, rows):
        """Column sums of a C-contiguous ``(k, N)`` array (additive reconstruction)."""
        return kernels.sum_rows(rows)

    def matmul(self, a, b):
        """Product of two 2-D element matrices."""
        return kernels.ring_matmul(a, b)

    def encode_int(self, values) -> np.ndarray:
        """Integers (or bools) as ring elements (two's complement)."""
        return to_ring(values)

    def decode_int(self, elements) -> np.ndarray:
        """Ring elements as signed int64."""
        return from_ring_signed(elements)

    def decode_real(self, elements, frac: int) -> np.ndarray:
        """Ring elements read as signed integers times ``2^-frac``, as float64."""
        return from_ring_signed(elements).astype(np.float64) * 2.0**-frac

    def uniform(self, rng, shape) -> np.ndarray:
        """Uniform ring elements from ``rng`` (``numpy.random.Generator`` or the crypto generator)."""
        return rng.integers(0, 2**64, size=tuple(shape), dtype=np.uint64)

    def __eq__(self, other):
        return isinstance(other, Ring64)

    def __hash__(self):
        return hash(Ring64)

    def __repr__(self) -> str:
        return "Ring64()"


#: The one ring domain object.
RING = Ring64()
