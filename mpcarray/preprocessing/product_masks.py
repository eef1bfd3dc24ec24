"""Material for a truncation whose result is multiplied in the same opening.

After a truncation's one opening ``c = P + 2^62 + r``
(:mod:`mpcarray.protocols.truncation`) the truncated ``T`` is public up to the
mask: ``T = K - (r_hi - b u)`` with public ``K`` and ``u`` and ``b = msb(r)``. A
product with ``T`` then needs no opening of its own if the dealer also shares the
products of ``r_hi`` and ``b`` with the other factor's mask. Two kinds:

* ``truncated_square`` ``(m, w, lo, cols, shift)``: the product of two blocks of
  ``T`` itself, ``A`` its columns ``lo .. lo + m`` and ``B`` its first ``cols``
  (:func:`mpcarray.protocols.truncated_square`): the truncation mask for ``(m, w)``,
  ``HH = r_hi[:, A] @ r_hi[:, B]`` ``(m, cols)`` and, entry by entry of the inner
  index, ``HB[i, k, j] = r_hi[i, A_k] b[k, B_j]`` and ``BH[i, k, j] = b[i, A_k] r_hi[k, B_j]``
  ``(m, m, cols)``. The product of two mask bits is not needed: it is multiplied by
  ``2^(128 - 2 shift)``, zero modulo ``2^64`` for shifts up to :data:`MAX_SQUARE_SHIFT`.
* ``truncated_product`` ``(a, m, w, shift)``: ``M @ T`` for another shared ``M``
  ``(a, m)`` (:func:`mpcarray.protocols.truncated_product`): a Beaver mask ``A``
  ``(a, m)``, the truncation mask for ``(m, w)``, ``AH = A @ r_hi`` ``(a, w)`` and
  ``AB[i, k, j] = A[i, k] b[k, j]`` ``(a, m, w)``.
* ``truncated_scaling`` ``(a, w, shift)``: ``M * T`` for the vector ``T`` ``(w,)`` and a
  shared ``M`` ``(a, w)`` whose column ``j`` is multiplied by ``T_j``
  (:func:`mpcarray.protocols.truncated_scaling`): a Beaver mask ``A`` ``(a, w)``, the
  truncation mask for ``(w,)``, ``AH = A * r_hi`` and ``AB = A * b`` ``(a, w)``, entry by entry.
* ``truncated_pairs`` ``(k, w, shift, a_1, b_1, a_2, b_2, ...)``: products ``T[a_i] * T[b_i]``,
  entry by entry, of rows of the truncated ``(k, w)`` stack ``T`` itself
  (:func:`mpcarray.protocols.truncated_pairs`): the truncation mask for ``(k, w)`` and, per pair,
  ``HH = r_hi[a] r_hi[b]``, ``HB = r_hi[a] b[b]`` and ``BH = b[a] r_hi[b]`` ``(pairs, w)``; as for
  ``truncated_square``, the mask bits' product vanishes for shifts up to :data:`MAX_SQUARE_SHIFT`.

Every party's shares of ``A`` and ``r`` come from its stream; party 0's shares of
the other parts (:data:`CORRECTED`) are the dealer's correction, one row, in that order.
"""

import numpy as np

from .. import kernels

#: Largest shift of ``truncated_square``: beyond it two wrap corrections' product no longer vanishes.
MAX_SQUARE_SHIFT = 32

#: The parts party 0 takes from the dealer, per kind, in stream and correction order.
CORRECTED = {"truncated_square": ("hi", "msb", "HH", "HB", "BH"), "truncated_product": ("hi", "msb", "AH", "AB"),
             "truncated_scaling": ("hi", "msb", "AH", "AB"), "truncated_pairs": ("hi", "msb", "HH", "HB", "BH")}


def layout(kind: str, params: tuple) -> list[tuple[str, tuple]]:
    """The parts of one request, ``(name, shape)`` in stream order; :class:`ValueError` for bad parameters."""
    if kind == "truncated_square":
        if len(params) != 5:
            raise ValueError(f"truncated_square needs (m, w, lo, cols, shift), got {params}")
        m, w, lo, cols, shift = params
        if not (m >= 1 and 0 <= lo and lo + m <= w and 1 <= cols <= w and 1 <= shift <= MAX_SQUARE_SHIFT):
            raise ValueError(f"truncated_square needs a block of m columns inside w, 1 <= cols <= w and a "
                             f"shift in [1, {MAX_SQUARE_SHIFT}], got (m, w, lo, cols, shift) = {params}")
        return [("r", (m, w)), ("hi", (m, w)), ("msb", (m, w)), ("HH", (m, cols)),
                ("HB", (m, m, cols)), ("BH", (m, m, cols))]
    if kind == "truncated_pairs":
        k, w, shift, *pairs = params if len(params) >= 5 else (0, 0, 0)
        if (len(params) < 5 or len(pairs) % 2 or min(k, w) < 1 or not 1 <= shift <= MAX_SQUARE_SHIFT
                or not all(0 <= row < k for row in pairs)):
            raise ValueError(f"truncated_pairs needs (k, w, shift, a_1, b_1, ...) with rows in [0, k) and a "
                             f"shift in [1, {MAX_SQUARE_SHIFT}], got {params}")
        count = len(pairs) // 2
        return [("r", (k, w)), ("hi", (k, w)), ("msb", (k, w)), ("HH", (count, w)), ("HB", (count, w)),
                ("BH", (count, w))]
    if kind == "truncated_scaling":
        if len(params) != 3 or min(params[:2]) < 1 or not 1 <= params[2] <= 62:
            raise ValueError(f"truncated_scaling needs positive sizes and a shift in [1, 62], "
                             f"got (a, w, shift) = {params}")
        a, w, _ = params
        return [("A", (a, w)), ("r", (w,)), ("hi", (w,)), ("msb", (w,)), ("AH", (a, w)), ("AB", (a, w))]
    if len(params) != 4:
        raise ValueError(f"truncated_product needs (a, m, w, shift), got {params}")
    a, m, w, shift = params
    if min(a, m, w) < 1 or not 1 <= shift <= 62:
        raise ValueError(f"truncated_product needs positive sizes and a shift in [1, 62], "
                         f"got (a, m, w, shift) = {params}")
    return [("A", (a, m)), ("r", (m, w)), ("hi", (m, w)), ("msb", (m, w)), ("AH", (a, w)), ("AB", (a, m, w))]


def length(kind: str, *params) -> int:
    """Stream values one request reserves."""
    return sum(int(np.prod(shape)) for _, shape in layout(kind, params))


def parts(flat: np.ndarray, kind: str, params: tuple) -> dict[str, np.ndarray]:
    """Every held party's parts from its stream values ``flat`` ``(k, length)``: ``{name: (k, *shape)}``."""
    out, start = {}, 0
    for name, shape in layout(kind, params):
        size = int(np.prod(shape))
        out[name] = flat[:, start: start + size].reshape((flat.shape[0],) + shape)
        start += size
    return out


def products(kind: str, sums: dict[str, np.ndarray], params: tuple) -> dict[str, np.ndarray]:
    """The true values of the corrected parts from the true random parts ``sums`` (ring arithmetic)."""
    shift = np.uint64(params[2] if kind == "truncated_pairs" else params[-1])
    hi, msb = sums["r"] >> shift, sums["r"] >> np.uint64(63)
    if kind == "truncated_product":
        mask = sums["A"]
        return {"hi": hi, "msb": msb, "AH": kernels.ring_matmul(mask, hi), "AB": mask[:, :, None] * msb[None]}
    if kind == "truncated_scaling":
        mask = sums["A"]
        return {"hi": hi, "msb": msb, "AH": mask * hi[None], "AB": mask * msb[None]}
    if kind == "truncated_pairs":
        left, right = list(params[3::2]), list(params[4::2])
        return {"hi": hi, "msb": msb, "HH": hi[left] * hi[right], "HB": hi[left] * msb[right],
                "BH": msb[left] * hi[right]}
    m, _, lo, cols, _ = params
    block = slice(lo, lo + m)
    left = np.ascontiguousarray(hi[:, block])
    return {"hi": hi, "msb": msb, "HH": kernels.ring_matmul(left, np.ascontiguousarray(hi[:, :cols])),
            "HB": left[:, :, None] * msb[None, :, :cols], "BH": msb[:, block, None] * hi[None, :, :cols]}


def correction(kind: str, streams, offset: int, *params) -> np.ndarray:
    """Party 0's shares of the corrected parts, one row: each true value less the other parties' shares."""
    drawn = parts(kernels.fill_streams(streams, offset, length(kind, *params)), kind, params)
    random = {name: values.sum(axis=0, dtype=np.uint64) for name, values in drawn.items()
              if name not in CORRECTED[kind]}
    values = products(kind, random, params)
    return np.concatenate([(values[name] - drawn[name][1:].sum(axis=0, dtype=np.uint64)).reshape(-1)
                           for name in CORRECTED[kind]])


def corrected(kind: str, held: dict[str, np.ndarray], fix: np.ndarray, row: int) -> None:
    """Put party 0's correction ``fix`` (its row ``row`` of ``held``) in place of its stream values."""
    start = 0
    for name in CORRECTED[kind]:
        shape = held[name].shape[1:]
        size = int(np.prod(shape))
        held[name][row] = fix[start: start + size].reshape(shape)
        start += size
    if start != fix.size:
        raise ValueError(f"the dealer's correction has {fix.size} words, expected {start}")
