"""The ring Z_2^64 held in ``uint64`` arrays.

NumPy's unsigned arithmetic wraps modulo 2^64, so addition, subtraction and
multiplication of ``uint64`` arrays *are* the ring operations. Signed plaintext
integers map to the ring by two's complement (``int64`` viewed as ``uint64``).
"""

import numpy as np

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
