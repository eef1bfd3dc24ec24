"""Material for testing small shared integers for zero in one opening: a mask and its one-hot vector.

A request ``(size, bits)`` holds, for each of ``size`` elements, a uniform ring
element ``r`` and the one-hot vector ``e`` of ``r mod 2^bits`` (``2^bits``
ring elements, 1 at that position and 0 elsewhere), both additively shared.
Every party's ``r`` and the other parties' shares of ``e`` come from their
streams; party 0's share of ``e`` is the dealer's correction, one row.
"""

import numpy as np

from .. import kernels

#: Widest table: 2^16 ring elements (512 KiB) per tested element.
MAX_BITS = 16


def check(size: int, bits: int) -> None:
    """:class:`ValueError` for parameters no party sends."""
    if size < 1 or not 1 <= bits <= MAX_BITS:
        raise ValueError(f"one_hot needs a positive size and bits in [1, {MAX_BITS}], got ({size}, {bits})")


def length(size: int, bits: int) -> int:
    """Stream values one request reserves: ``r`` then ``e``."""
    return size * (1 + (1 << bits))


def parts(flat: np.ndarray, size: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
    """Every held party's ``r`` ``(k, size)`` and ``e`` ``(k, size, 2^bits)`` from its stream values ``flat``."""
    k = flat.shape[0]
    return flat[:, :size], flat[:, size:].reshape(k, size, 1 << bits)


def correction(streams, offset: int, size: int, bits: int) -> np.ndarray:
    """Party 0's share of ``e``, one row: the one-hot vectors less the other parties' shares."""
    masks, vectors = parts(kernels.fill_streams(streams, offset, length(size, bits)), size, bits)
    positions = masks.sum(axis=0, dtype=np.uint64) & np.uint64((1 << bits) - 1)
    hot = np.zeros((size, 1 << bits), dtype=np.uint64)
    hot[np.arange(size), positions.astype(np.int64)] = 1
    return (hot - vectors[1:].sum(axis=0, dtype=np.uint64)).reshape(-1)
