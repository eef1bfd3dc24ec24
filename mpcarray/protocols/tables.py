"""Public tables of the bits of shared values: the lookups behind exp, log, reciprocal and roots.

Each function dispatches by scheme: ring shares go through the dealer's edaBits
and word daBits (:mod:`mpcarray.protocols.comparison`,
:mod:`mpcarray.protocols.binary`), Shamir shares through the dealer-free
field protocols (:mod:`mpcarray.protocols.field_comparison`). Both return rows
``(R, k, N)`` for ``R`` tables, equal integers in both schemes whenever each
sum fits in int64.
"""

import numpy as np

from . import field_comparison
from .binary import words_to_ring
from .circuits import leading_one
from .comparison import bit_decompose, leading_one_by_comparisons

#: Most elements whose leading one is found by comparisons with every power of two (5 rounds,
#: about 1.1 kB per element and other party) instead of a bit decomposition and a prefix OR
#: (8 rounds, about 150 B): 3 rounds of 10-50 ms outweigh 290 kB up to about 100 Mbit/s.
COMPARISON_LOOKUP_MAX_ELEMENTS = 256


def bit_tables(rt, a: np.ndarray, tables) -> np.ndarray:
    """Rows ``(R, k, N)`` of ``sum_i tables[r][i] * bit_i(a)`` for shares ``a`` (flattened), bits of the two's complement.

    Cost: ring: 5 rounds (bit decomposition 4, one word daBit 1);
    Shamir: :func:`~mpcarray.protocols.field_comparison.bit_tables` (8 rounds).
    """
    if rt.shamir:
        return field_comparison.bit_tables(rt, a, tables)
    return words_to_ring(rt, bit_decompose(rt, a), tables)


def leading_one_tables(rt, a: np.ndarray, tables) -> np.ndarray:
    """Rows ``(R, k, N)`` of ``tables[r][p]`` for positive ``a`` whose leading one is bit ``p``.

    Cost: ring: 8 rounds (bit decomposition 4, prefix OR 3, one word daBit 1), or 5 for at most
    :data:`COMPARISON_LOOKUP_MAX_ELEMENTS` elements
    (:func:`~mpcarray.protocols.comparison.leading_one_by_comparisons` 4, one word daBit 1);
    Shamir: :func:`~mpcarray.protocols.field_comparison.leading_one_tables` (14 rounds).
    """
    if rt.shamir:
        return field_comparison.leading_one_tables(rt, a, tables)
    if a[0].size <= COMPARISON_LOOKUP_MAX_ELEMENTS:
        return words_to_ring(rt, leading_one_by_comparisons(rt, a), tables)
    return words_to_ring(rt, leading_one(rt, bit_decompose(rt, a)), tables)
