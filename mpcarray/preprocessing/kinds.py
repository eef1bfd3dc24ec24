"""The one table of correlated-randomness kinds, shared by every dealer.

Each :class:`Kind` states how many values of every party's PRG stream one
request reserves and how the dealer (holding all parties' streams) computes
party 0's correction. The in-process dealer, the dealer service and the
party-side client all use this table, so there is one generation code path.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

import numba
import numpy as np

from .. import kernels
from . import masks, one_hot, product_masks
from .gates import GATES, gate_length


def _no_gaps(*params) -> tuple[tuple[int, int], ...]:
    return ()


@dataclass(frozen=True)
class Kind:
    """A kind of material: wire ``code``, stream ``length(*params)``, ``correction(streams, offset, *params)``
    and the correction's number of dimensions ``dims``.

    ``party0_gaps(*params)``: the ranges ``(start, stop)`` of a request's stream
    (relative to its start) that party 0 never reads, because its correction
    replaces those shares (its ``c`` of a triple, say); no kernel reads them
    from party 0's stream, neither a party's nor the dealer's correction
    kernel. Materialised keystreams skip them
    (:meth:`~mpcarray.preprocessing.randomness.KeyedStreams.next`), so party
    0 and the dealer compute no AES block they would throw away.
    """

    code: int
    length: Callable[..., int]
    correction: Callable[..., np.ndarray]
    dims: int = 1
    party0_gaps: Callable[..., tuple[tuple[int, int], ...]] = _no_gaps


def gram_chunks(rows: int) -> int:
    """Threads' share of the inner dimension in the Gram kernels (does not change results)."""
    return max(1, min(rows // 256, 4 * numba.get_num_threads()))


def _gram_correction(streams, offset, rows, cols):
    return kernels.gram_correction(streams, offset, rows, cols, gram_chunks(rows))


def matrix_sizes(m: int, inner: int, p: int, count: int) -> tuple[int, int, int]:
    """Stream values taken by ``A``, ``B`` and ``C`` of ``count`` matrix triples."""
    return count * m * inner, count * inner * p, count * m * p


def matrix_correction(flat, m, inner, p, count):
    """Party 0's ``C_0 = (sum A) @ (sum B) - sum_{i>0} C_i`` for every batch entry, ``(count, m, p)``,
    from every party's stream values of the request, ``flat`` (``(n, length)``)."""
    sizes = matrix_sizes(m, inner, p, count)
    a = kernels.sum_rows(np.ascontiguousarray(flat[:, : sizes[0]])).reshape(count, m, inner)
    b = kernels.sum_rows(np.ascontiguousarray(flat[:, sizes[0]: sizes[0] + sizes[1]])).reshape(count, inner, p)
    others = kernels.sum_rows(np.ascontiguousarray(flat[1:, sizes[0] + sizes[1]:])).reshape(count, m, p)
    return np.stack([kernels.ring_matmul(a[i], b[i]) - others[i] for i in range(count)]) if count else others


def _matrix_correction(streams, offset, m, inner, p, count):
    flat = kernels.fill_streams(streams, offset, sum(matrix_sizes(m, inner, p, count)))
    return matrix_correction(flat, m, inner, p, count)


def _gate_correction(streams, offset, size, gate):
    return kernels.gate_correction(streams, offset, size, GATES[gate].products, len(GATES[gate].inputs))


KINDS: dict[str, Kind] = {
    "beaver_triples": Kind(1, lambda size: 3 * size, kernels.triple_correction,
                           party0_gaps=lambda size: ((2 * size, 3 * size),)),  # c_0
    "square_pairs": Kind(2, lambda size: 2 * size, kernels.square_correction,
                         party0_gaps=lambda size: ((size, 2 * size),)),  # s_0
    "truncation": Kind(3, lambda size, shift: 3 * size, kernels.trunc_correction, 2,
                       party0_gaps=lambda size, shift: ((size, 3 * size),)),  # r_hi_0 and msb_0
    "zero_shares": Kind(4, lambda size: size, kernels.zero_correction),
    "edabits": Kind(6, lambda size: 2 * size, kernels.edabit_correction),
    "dabits": Kind(7, lambda size: 2 * size, kernels.dabit_correction),
    "word_dabits": Kind(8, lambda size, width: (1 + width) * size, kernels.word_dabit_correction, 2),
    "gram_masks": Kind(9, lambda rows, cols: rows * cols + cols * cols, _gram_correction, 2),
    "matrix_triple": Kind(10, lambda m, inner, p, count: sum(matrix_sizes(m, inner, p, count)),
                          _matrix_correction, 3),
    "gate_masks": Kind(11, gate_length, _gate_correction, 2),
    "masked_solve": Kind(12, functools.partial(masks.length, "masked_solve"),
                         functools.partial(masks.correction, "masked_solve"), 2),
    "masked_inverse": Kind(13, functools.partial(masks.length, "masked_inverse"),
                           functools.partial(masks.correction, "masked_inverse"), 2),
    "truncated_square": Kind(14, functools.partial(product_masks.length, "truncated_square"),
                             functools.partial(product_masks.correction, "truncated_square")),
    "truncated_product": Kind(15, functools.partial(product_masks.length, "truncated_product"),
                              functools.partial(product_masks.correction, "truncated_product")),
    "one_hot": Kind(16, one_hot.length, one_hot.correction),
    "truncated_scaling": Kind(17, functools.partial(product_masks.length, "truncated_scaling"),
                              functools.partial(product_masks.correction, "truncated_scaling")),
    "truncated_pairs": Kind(18, functools.partial(product_masks.length, "truncated_pairs"),
                            functools.partial(product_masks.correction, "truncated_pairs")),
}
BY_CODE = {kind.code: name for name, kind in KINDS.items()}
assert len(BY_CODE) == len(KINDS)


#: Parameters that count bits (the last one of these kinds): a truncation shift, a word width.
BIT_PARAMETERS = {"truncation": (1, 63), "word_dabits": (1, 64)}


def stream_length(name: str, params: tuple) -> int:
    """Stream values one request of kind ``name`` reserves; :class:`ValueError` for parameters
    no party would send (a shift of 64 bits, say), so a malformed request fails before any work."""
    if name in ("masked_solve", "masked_inverse"):
        masks.layout(name, params)  # ValueError for parameters no party sends
    if name in product_masks.CORRECTED:
        product_masks.layout(name, params)
    if name == "one_hot":
        one_hot.check(*params)
    if name in BIT_PARAMETERS and params:
        low, high = BIT_PARAMETERS[name]
        if not low <= params[-1] <= high:
            raise ValueError(f"{name} needs a bit count in [{low}, {high}], got {params[-1]}")
    return int(KINDS[name].length(*params))


def party0_gaps(name: str, params: tuple) -> tuple[tuple[int, int], ...]:
    """Word ranges of one request's stream that party 0 never reads (:attr:`Kind.party0_gaps`)."""
    return tuple(KINDS[name].party0_gaps(*params))


def correction(name: str, streams, offset: int, params: tuple) -> np.ndarray:
    """Party 0's correction for one request, from all parties' streams."""
    return KINDS[name].correction(streams, offset, *params)


__all__ = ["BIT_PARAMETERS", "BY_CODE", "KINDS", "Kind", "correction", "gram_chunks", "matrix_correction",
           "matrix_sizes", "party0_gaps", "stream_length"]
