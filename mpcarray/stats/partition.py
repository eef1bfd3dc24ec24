"""Owner-local aggregation: let each hospital sum its own rows before anything is shared.

When every input is the row-wise ``np.concatenate`` of hospitals' own shares
(:func:`mpcarray.row_parts`), an additive statistic is the sum over hospitals
of the same statistic on each hospital's rows; each hospital computes its term
in plaintext (:func:`mpcarray.owner_apply`) and shares only that aggregate.
Otherwise (vertical splits, derived arrays) the secure path runs on all rows.
"""

from collections.abc import Callable

import numpy as np

from ..array import SharedArray, lineage, owner_local_or_secure
from ..array.blocks import aligned_parts, local_terms
from ..functions import maximum


def additive(arrays: tuple, local: Callable, secure: Callable) -> SharedArray:
    """``sum_k local(rows of hospital k)`` when the rows are owner-held, else ``secure(*arrays)``.

    ``local`` receives plaintext NumPy arrays and must return integers for
    exact counts; both functions must compute the same additive statistic.
    Its result aggregates every row's records (:func:`mpcarray.array.lineage.pooled`).
    """
    groups = aligned_parts(*arrays)
    if groups is None:
        result = secure(*arrays)
    else:
        result = owner_local_or_secure(lambda: sum(local_terms(groups, local)), lambda: secure(*arrays))
    # Either path: an additive statistic of every row (the secure formula's own lineage may undercount,
    # e.g. after flattening the rows into one vector; the owner-local terms have none).
    pooled = lineage.pooled(result.shape, *arrays)
    if pooled is not None:
        result._lineage = pooled
    return result


def _tree_maximum(values: list[SharedArray]) -> SharedArray:
    """Elementwise maximum of equal-shape ``values``: pairs meet level by level, one batched call per level.

    The same ``k - 1`` comparisons as a chain, in ``ceil(log2 k)`` levels instead of ``k - 1``.
    """
    shape = values[0].shape
    while len(values) > 1:
        half, size = len(values) // 2, values[0].size
        flat = [v.reshape(-1) for v in values]
        both = maximum(np.concatenate(flat[0 : 2 * half : 2]), np.concatenate(flat[1 : 2 * half : 2]))
        values = [both[i * size : (i + 1) * size].reshape(shape) for i in range(half)] + values[2 * half :]
    return values[0]


def column_maximum(x: SharedArray, absolute: bool = False) -> SharedArray:
    """Shared maxima over the rows of ``x`` (of ``|x|`` with ``absolute``).

    Owner-held rows: each hospital's local maxima, then a secure maximum over
    the hospitals (``k - 1`` comparisons in ``ceil(log2 k)`` levels); otherwise a
    comparison tree over all rows.
    """
    def secure() -> SharedArray:
        return np.max(np.absolute(x) if absolute else x, axis=0)

    def local() -> SharedArray:
        maxima = local_terms(groups, lambda a: (np.abs(a) if absolute else a).max(axis=0))
        largest = _tree_maximum(maxima)
        largest._lineage = lineage.select(x._lineage, (0,))  # one record's value, as np.max's
        return largest

    groups = aligned_parts(x)
    return secure() if groups is None else owner_local_or_secure(local, secure)
