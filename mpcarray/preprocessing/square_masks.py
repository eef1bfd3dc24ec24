"""Material for a truncation followed by a product of the truncated matrix with itself.

One request ``(m, w, lo, cols, shift)`` serves :func:`mpcarray.protocols.truncated_square`:
a truncation mask for an ``(m, w)`` matrix, ``r`` with ``r_hi = r >> shift`` and
``b = msb(r)`` (as the ``truncation`` kind), plus the products of those masks
that the following product needs, with ``A`` the block of columns
``lo .. lo + m`` and ``B`` the first ``cols`` columns of a mask:

* ``HH = r_hi[:, A] @ r_hi[:, B]`` ``(m, cols)``;
* ``HB[i, k, j] = r_hi[i, A_k] * b[k, B_j]`` and
  ``BH[i, k, j] = b[i, A_k] * r_hi[k, B_j]``, ``(m, m, cols)``.

Every party's share of ``r`` comes from its stream; party 0's shares of the
other parts are the dealer's correction, one row: ``r_hi``, ``b``, ``HH``,
``HB``, ``BH`` flattened in that order. The product of the two mask bits is not
needed: it is multiplied by ``2^(128 - 2 shift)``, zero modulo ``2^64`` for the
shifts allowed here (at most 32).
"""

import numpy as np

from .. import kernels

#: Largest shift: beyond it the product of two wrap corrections no longer vanishes modulo 2^64.
MAX_SHIFT = 32

#: Parts after ``r``, in stream and correction order.
CORRECTED = ("hi", "msb", "HH", "HB", "BH")


def layout(params: tuple) -> list[tuple[str, tuple]]:
    """The parts of one request, ``(name, shape)`` in stream order; :class:`ValueError` for bad parameters."""
    if len(params) != 5:
        raise ValueError(f"truncated_square needs (m, w, lo, cols, shift), got {params}")
    m, w, lo, cols, shift = params
    if not (m >= 1 and 0 <= lo and lo + m <= w and 1 <= cols <= w and 1 <= shift <= MAX_SHIFT):
        raise ValueError(f"truncated_square needs a block of m columns inside w, 1 <= cols <= w and "
                         f"a shift in [1, {MAX_SHIFT}], got (m, w, lo, cols, shift) = {params}")
    return [("r", (m, w)), ("hi", (m, w)), ("msb", (m, w)), ("HH", (m, cols)),
            ("HB", (m, m, cols)), ("BH", (m, m, cols))]


def length(*params) -> int:
    """Stream values one request reserves."""
    return sum(int(np.prod(shape)) for _, shape in layout(params))


def parts(flat: np.ndarray, params: tuple) -> dict[str, np.ndarray]:
    """Every held party's parts from its stream values ``flat`` ``(k, length)``: ``{name: (k, *shape)}``."""
    out, start = {}, 0
    for name, shape in layout(params):
        size = int(np.prod(shape))
        out[name] = flat[:, start: start + size].reshape((flat.shape[0],) + shape)
        start += size
    return out


def products(r: np.ndarray, params: tuple) -> dict[str, np.ndarray]:
    """The true values of the corrected parts from the true mask ``r`` (ring arithmetic, wrapping)."""
    m, _, lo, cols, shift = params
    hi, msb = r >> np.uint64(shift), r >> np.uint64(63)
    block = slice(lo, lo + m)
    return {"hi": hi, "msb": msb, "HH": kernels.ring_matmul(np.ascontiguousarray(hi[:, block]),
                                                            np.ascontiguousarray(hi[:, :cols])),
            "HB": hi[:, block, None] * msb[None, :, :cols], "BH": msb[:, block, None] * hi[None, :, :cols]}


def correction(streams, offset: int, *params) -> np.ndarray:
    """Party 0's shares of the corrected parts, one row: each true value less the other parties' shares."""
    drawn = parts(kernels.fill_streams(streams, offset, length(*params)), params)
    values = products(drawn["r"].sum(axis=0, dtype=np.uint64), params)
    return np.concatenate([(values[name] - drawn[name][1:].sum(axis=0, dtype=np.uint64)).reshape(-1)
                           for name in CORRECTED])


def corrected(held: dict[str, np.ndarray], fix: np.ndarray, row: int) -> None:
    """Put party 0's correction ``fix`` (its row ``row`` of ``held``) in place of its stream values."""
    start = 0
    for name in CORRECTED:
        shape = held[name].shape[1:]
        size = int(np.prod(shape))
        held[name][row] = fix[start: start + size].reshape(shape)
        start += size
    if start != fix.size:
        raise ValueError(f"the dealer's correction has {fix.size} words, expected {start}")
