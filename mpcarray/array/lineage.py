"""Disclosure by lineage: per element, how many input records a SharedArray aggregates (DESIGN.md §9).

Axis 0 of a shared input is its records axis (one row per individual), so each
element of an input aggregates one record. Operations propagate the counts:

* a sum or mean over the records axis adds the counts up; a reduction over
  another axis combines values of the same records and keeps the smallest count;
* a matrix product contracting the records axis of both operands (``X.T @ X``,
  ``X.T @ y``) adds ``min(left, right)`` over the contracted axis;
* an elementwise combination takes the minimum of its shared operands (a single
  record plus a large mean is still a single record); public operands add nothing;
* indexing and transposing keep the counts of the elements they select.

Anything else (library functions called directly, joins along other axes,
reshapes that merge the records axis) gives an unknown lineage (``None``):
then a reveal falls back to the cohort the caller states, as before.

This first step covers aggregation only. It does not cover differencing across
queries (two allowed aggregates over overlapping cohorts can be subtracted).
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Lineage:
    """``counts``: records aggregated per element; ``axis``: the records axis, or None once reduced."""

    counts: np.ndarray
    axis: int | None

    @property
    def records(self) -> int:
        """The fewest records any element aggregates (what a reveal of the whole array discloses)."""
        return int(self.counts.min()) if self.counts.size else 0


def of_input(shape: tuple) -> Lineage | None:
    """Each element of an input is one record; axis 0 is the records axis (a 0-d input is one record)."""
    return Lineage(np.ones(shape, dtype=np.int64), 0 if len(shape) else None)


def elementwise(shape: tuple, *operands) -> Lineage | None:
    """The minimum over the shared operands' lineages, broadcast to ``shape``; None if one is unknown."""
    from .shared_array import SharedArray

    shared = [x for x in operands if isinstance(x, SharedArray)]
    if not shared or any(x._lineage is None for x in shared):
        return None
    counts = np.broadcast_to(shared[0]._lineage.counts, shape)
    for x in shared[1:]:
        counts = np.minimum(counts, np.broadcast_to(x._lineage.counts, shape))
    axes = {len(shape) - x.ndim + x._lineage.axis for x in shared if x._lineage.axis is not None}
    return Lineage(np.array(counts), axes.pop() if len(axes) == 1 else None)


def reduce(lineage: Lineage | None, axes: tuple, keepdims: bool) -> Lineage | None:
    """A sum or mean over ``axes``: counts add over the records axis, the minimum over other axes."""
    if lineage is None:
        return None
    counts, axis = lineage.counts, lineage.axis
    others = tuple(a for a in axes if a != axis)
    if others:
        counts = counts.min(axis=others, keepdims=True) if counts.size else counts.sum(axis=others, keepdims=True)
    if axis is not None and axis in axes:
        counts = counts.sum(axis=axis, keepdims=True)
        axis = None
    if not keepdims:
        counts = counts.reshape([side for a, side in enumerate(counts.shape) if a not in axes])
        if axis is not None:
            axis -= sum(1 for a in axes if a < axis)
    return Lineage(counts, axis)


def matmul(left, right, shape: tuple) -> Lineage | None:
    """``left @ right`` (2-D or 1-D operands, either may be public); None for batched products."""
    from .shared_array import SharedArray

    if isinstance(left, SharedArray) and isinstance(right, SharedArray):
        if left._lineage is None or right._lineage is None or left.ndim > 2 or right.ndim > 2:
            return None
        a = left._lineage.counts.reshape((1, -1) if left.ndim == 1 else left.shape)
        b = right._lineage.counts.reshape((-1, 1) if right.ndim == 1 else right.shape)
        contracted = (left._lineage.axis == left.ndim - 1) and (right._lineage.axis == (0 if right.ndim == 1
                                                                                          else right.ndim - 2))
        pairs = np.minimum(a[:, :, None], b[None, :, :])
        counts = pairs.sum(axis=1) if contracted else pairs.min(axis=1)
        return Lineage(counts.reshape(shape), None)
    shared, public_left = (right, True) if isinstance(right, SharedArray) else (left, False)
    if shared._lineage is None or shared.ndim > 2:
        return None
    counts = shared._lineage.counts
    # a public matrix combines the shared operand's rows (or columns): the fewest records any element has
    contracted_axis = 0 if public_left else shared.ndim - 1
    axis = shared._lineage.axis
    if axis == contracted_axis:
        reduced = counts.sum(axis=contracted_axis)  # a public weighting of records: they add up
    else:
        reduced = counts.min(axis=contracted_axis)
    if shared.ndim == 1:
        return Lineage(np.broadcast_to(reduced, shape).copy(), None)
    if public_left:
        return Lineage(np.broadcast_to(reduced[None, :], shape).copy(), None)
    return Lineage(np.broadcast_to(reduced[:, None], shape).copy(),
                   0 if axis == 0 and len(shape) == 2 else None)


def index(lineage: Lineage | None, key: tuple, shape: tuple) -> Lineage | None:
    """The counts of the selected elements; the records axis survives a leading slice or index array."""
    if lineage is None:
        return None
    counts = np.array(lineage.counts[key])
    first = key[0] if key else slice(None)
    keeps_axis = lineage.axis == 0 and (isinstance(first, slice) or
                                        (np.ndim(first) == 1 and not any(k is None for k in key)))
    return Lineage(counts.reshape(shape), 0 if keeps_axis and len(shape) else None)


def transpose(lineage: Lineage | None, order: tuple) -> Lineage | None:
    if lineage is None:
        return None
    axis = None if lineage.axis is None else order.index(lineage.axis)
    return Lineage(lineage.counts.transpose(order), axis)


def reshape(lineage: Lineage | None, shape: tuple) -> Lineage | None:
    """Counts reshaped; the records axis survives only as a leading axis of unchanged length."""
    if lineage is None:
        return None
    old = lineage.counts.shape
    keeps = lineage.axis == 0 and len(shape) and len(old) and shape[0] == old[0]
    return Lineage(lineage.counts.reshape(shape), 0 if keeps else None)
