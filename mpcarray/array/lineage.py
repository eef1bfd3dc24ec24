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

import dataclasses
import functools
from dataclasses import dataclass

import numpy as np

from . import ranges


@dataclass(frozen=True)
class Lineage:
    """``counts``: records aggregated per element; ``axis``: the records axis, or None once reduced.

    ``kind``: ``"indicator"`` for 0/1 values per record (comparisons, bool
    inputs, their products), ``"count"`` for sums of indicators over the records
    axis (what :func:`mpcarray.privacy.suppress_small` accepts), else None.
    """

    counts: np.ndarray
    axis: int | None
    kind: str | None = None

    @property
    def records(self) -> int:
        """The fewest records any element aggregates (what a reveal of the whole array discloses)."""
        value = _uniform(self.counts)
        if value is not None:
            return value
        return int(self.counts.min()) if self.counts.size else 0


def _uniform(counts: np.ndarray) -> int | None:
    """The count of every element when ``counts`` is one value broadcast (no memory per element)."""
    return int(counts.flat[0]) if counts.size and all(s == 0 for s in counts.strides) else None


@functools.lru_cache(maxsize=1024)
def _full(value: int, shape: tuple) -> np.ndarray:
    """``value`` broadcast to ``shape``: a read-only view, so one per ``(value, shape)`` serves every
    array (``np.broadcast_to`` costs more than a small elementwise step it would describe)."""
    return np.broadcast_to(np.int64(value), shape)


def _compact(counts: np.ndarray) -> np.ndarray:
    """One broadcast value when every element has the same count, else the array."""
    counts = np.asarray(counts, dtype=np.int64)
    if counts.size and _uniform(counts) is None and np.all(counts == counts.flat[0]):
        return _full(int(counts.flat[0]), counts.shape)
    return counts


def of_input(shape: tuple, indicator: bool = False) -> Lineage | None:
    """Each element of an input is one record; axis 0 is the records axis (a 0-d input is one record)."""
    return Lineage(_full(1, shape), 0 if len(shape) else None, "indicator" if indicator else None)


def of_kind(result: Lineage | None, kind: str | None) -> Lineage | None:
    return None if result is None else dataclasses.replace(result, kind=kind)


def indicators(*operands) -> bool:
    """True if every shared operand is a 0/1 indicator (their product is one too)."""
    from .shared_array import SharedArray

    shared = [x for x in operands if isinstance(x, SharedArray)]
    return bool(shared) and len(shared) == len(operands) and all(
        x._lineage is not None and x._lineage.kind == "indicator" for x in shared)


def elementwise(shape: tuple, *operands, product: bool = False) -> Lineage | None:
    """The minimum over the shared operands' lineages, broadcast to ``shape``; None if one is unknown.

    In a ``product``, an element multiplied by a public zero aggregates no record (count 0).
    """
    from .shared_array import SharedArray

    shared = [x for x in operands if isinstance(x, SharedArray)]
    if not shared or any(x._lineage is None for x in shared):
        return None
    values = [_uniform(x._lineage.counts) for x in shared]
    if all(v is not None for v in values):
        counts = _full(min(values), shape)
    else:
        counts = np.broadcast_to(shared[0]._lineage.counts, shape)
        for x in shared[1:]:
            counts = np.minimum(counts, np.broadcast_to(x._lineage.counts, shape))
    zeros = [np.asarray(x) == 0 for x in operands if product and not isinstance(x, SharedArray)]
    if any(z.any() for z in zeros):
        counts = np.array(counts)
        for z in zeros:
            counts[np.broadcast_to(z, shape)] = 0
    axes = {len(shape) - x.ndim + x._lineage.axis for x in shared if x._lineage.axis is not None}
    return Lineage(_compact(counts), axes.pop() if len(axes) == 1 else None)


def where(shape: tuple, condition, x, y) -> Lineage | None:
    """``where(condition, x, y)``: a public condition picks each element's count (a public value: 0)."""
    from .shared_array import SharedArray

    if isinstance(condition, SharedArray):
        return elementwise(shape, condition, x, y)
    picked = []
    for value in (x, y):
        if isinstance(value, SharedArray):
            if value._lineage is None:
                return None
            picked.append(np.broadcast_to(value._lineage.counts, shape))
        else:
            picked.append(np.zeros(shape, dtype=np.int64))
    counts = np.where(np.broadcast_to(np.asarray(condition, dtype=bool), shape), *picked)
    axes = {len(shape) - v.ndim + v._lineage.axis for v in (x, y)
            if isinstance(v, SharedArray) and v._lineage.axis is not None}
    return Lineage(_compact(counts), axes.pop() if len(axes) == 1 else None)


def assign(target: Lineage | None, key: tuple, selection: tuple, value) -> Lineage | None:
    """``target[key] = value``: the assigned elements take the value's counts (a public value: 0)."""
    from .shared_array import SharedArray

    if target is None or (isinstance(value, SharedArray) and value._lineage is None):
        return None
    counts = np.array(target.counts)
    counts[key] = np.broadcast_to(value._lineage.counts, selection) if isinstance(value, SharedArray) else 0
    return Lineage(_compact(counts), target.axis)


def reduce(lineage: Lineage | None, axes: tuple, keepdims: bool) -> Lineage | None:
    """A sum or mean over ``axes``: counts add over the records axis, the minimum over other axes."""
    if lineage is None:
        return None
    counts, axis = lineage.counts, lineage.axis
    value = _uniform(counts)
    if value is not None:
        if axis in axes:
            value *= counts.shape[axis]
        kept = [1 if a in axes else side for a, side in enumerate(counts.shape)] if keepdims else [
            side for a, side in enumerate(counts.shape) if a not in axes]
        new_axis = None if axis is None or axis in axes else (
            axis if keepdims else axis - sum(1 for a in axes if a < axis))
        return Lineage(_full(value, tuple(kept)), new_axis, _summed_kind(lineage, axes))
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
    return Lineage(counts, axis, _summed_kind(lineage, axes))


def _summed_kind(lineage: Lineage, axes: tuple) -> str | None:
    """A sum of indicators over exactly the records axis is a count; a count summed further stays one."""
    if lineage.kind == "indicator" and axes == (lineage.axis,):
        return "count"
    return "count" if lineage.kind == "count" and lineage.axis is None else None


_NONE = np.iinfo(np.int64).max // 4  # "no limit" for a minimum (a public operand's nonzero weight)


def matmul(left, right, shape: tuple) -> Lineage | None:
    """``left @ right``; indicators contracted over their records axis (``A.T @ B``) give counts."""
    result = _matmul_counts(left, right, shape)
    if result is not None and indicators(left, right) and left._lineage.axis == left.ndim - 1 \
            and right._lineage.axis == 0:
        return of_kind(result, "count")
    return result


def _matmul_counts(left, right, shape: tuple) -> Lineage | None:
    """``left @ right`` of 1-D or 2-D operands, either may be public; None for batched products.

    Contracting the records axis adds the counts of the records with a nonzero
    weight (``sum_k min(left[i, k], right[k, j])``); contracting another axis
    keeps the fewest records among the contributing elements. Products of
    large operands whose counts are not uniform give None (unknown).
    """
    from .shared_array import SharedArray

    shared = [x for x in (left, right) if isinstance(x, SharedArray)]
    if any(x._lineage is None for x in shared) or any(np.ndim(x) not in (1, 2) for x in (left, right)):
        return None
    contracted = any(x._lineage.axis == (x.ndim - 1 if x is left else 0) for x in shared)
    inner = np.shape(left)[-1]
    values = [_uniform(x._lineage.counts) for x in shared]
    if all(v is not None for v in values):
        value = min(values)
        if len(shared) == 2:
            return Lineage(_full(value * inner if contracted else value, shape), None)
        public = np.asarray(right if shared[0] is left else left) != 0
        public = public.reshape((-1, 1) if public.ndim == 1 and shared[0] is left else (1, -1)
                                if public.ndim == 1 else public.shape)
        used = public.sum(axis=0 if shared[0] is left else 1)  # contributing records per output line
        per_line = value * used if contracted else np.where(used > 0, value, 0)
        per_line = per_line[None, :] if shared[0] is left else per_line[:, None]
        full = np.broadcast_to(per_line, (np.shape(left)[0] if np.ndim(left) == 2 else 1,
                                          np.shape(right)[-1] if np.ndim(right) == 2 else 1))
        return Lineage(_compact(full.reshape(shape)), None)
    if np.size(left) * (np.shape(right)[-1] if np.ndim(right) == 2 else 1) > 2**22:
        return None  # the exact rule would need a large temporary; unknown is the safe answer
    mats = []
    for x, as_row in ((left, True), (right, False)):
        if isinstance(x, SharedArray):
            counts = np.asarray(x._lineage.counts)
        else:
            counts = np.where(np.asarray(x) != 0, _NONE, 0 if contracted else _NONE)
        if counts.ndim == 1:
            counts = counts.reshape((1, -1) if as_row else (-1, 1))
        mats.append(counts.astype(np.int64))
    a, b = mats
    pairs = np.minimum(a[:, :, None], b[None, :, :])
    counts = pairs.sum(axis=1) if contracted else pairs.min(axis=1, initial=_NONE)
    counts = np.where(counts >= _NONE, 0, counts)
    return Lineage(_compact(counts.reshape(shape)), None)


def index(lineage: Lineage | None, key: tuple, shape: tuple) -> Lineage | None:
    """The counts of the selected elements; the records axis survives a leading slice or index array."""
    if lineage is None:
        return None
    value = _uniform(lineage.counts)
    counts = _full(value, shape) if value is not None else _compact(np.array(lineage.counts[key]))
    first = key[0] if key else slice(None)
    keeps_axis = lineage.axis == 0 and (isinstance(first, slice) or
                                        (np.ndim(first) == 1 and not any(k is None for k in key)))
    return Lineage(counts.reshape(shape), 0 if keeps_axis and len(shape) else None, lineage.kind)


def transpose(lineage: Lineage | None, order: tuple) -> Lineage | None:
    if lineage is None:
        return None
    axis = None if lineage.axis is None else order.index(lineage.axis)
    return Lineage(lineage.counts.transpose(order), axis, lineage.kind)


def reshape(lineage: Lineage | None, shape: tuple) -> Lineage | None:
    """Counts reshaped; the records axis survives only as a leading axis of unchanged length."""
    if lineage is None:
        return None
    old = lineage.counts.shape
    keeps = lineage.axis == 0 and len(shape) and len(old) and shape[0] == old[0]
    value = _uniform(lineage.counts)
    counts = _full(value, shape) if value is not None else lineage.counts.reshape(shape)
    return Lineage(counts, 0 if keeps else None, lineage.kind)


def concatenate(shape: tuple, arrays, axis: int) -> Lineage | None:
    """Joined counts (public parts: 0); joining along the records axis keeps it."""
    from .shared_array import SharedArray

    parts, axes, kinds = [], set(), set()
    for x in arrays:
        if isinstance(x, SharedArray):
            if x._lineage is None:
                return None
            parts.append(x._lineage.counts)
            axes.add(x._lineage.axis)
            kinds.add(x._lineage.kind)
        else:
            parts.append(np.zeros(np.shape(x), dtype=np.int64))
            kinds.add(None)
    ndim = len(shape)
    counts = np.concatenate([np.broadcast_to(p, p.shape) for p in parts], axis=axis)
    keeps = axes == {0} and axis % max(ndim, 1) == 0
    return Lineage(_compact(counts.reshape(shape)), 0 if keeps else None, kinds.pop() if len(kinds) == 1 else None)


# ------------------------------------------ dispatch: what SharedArray calls
def safely(compute, *args, **kwargs):
    """A lineage, or None (unknown: reveals then trust no script's statement) for any case not modelled."""
    try:
        return compute(*args, **kwargs)
    except (ValueError, IndexError, TypeError):
        return None


def of_dot(result, a, b, *_, **__):
    return matmul(a, b, result.shape) if max(np.ndim(a), np.ndim(b)) <= 2 and min(
        np.ndim(a), np.ndim(b)) >= 1 else elementwise(result.shape, a, b, product=True)


def _mean_lineage(result, x, axis=None, *_, keepdims=False, **__):
    return of_kind(_reduction_lineage(result, x, axis, keepdims=keepdims), None)


def _reduction_lineage(result, x, axis=None, *_, keepdims=False, **__):
    from .shared_array import SharedArray, _element_axes

    if not isinstance(x, SharedArray):
        return None
    return reduce(x._lineage, _element_axes(axis, x.ndim), keepdims)


def _where_lineage(result, condition, x=None, y=None):
    return where(result.shape, condition, x, y)


def _concatenate_lineage(result, arrays, axis=0, *_, **__):
    try:
        return concatenate(result.shape, list(arrays), 0 if axis is None else int(axis))
    except (ValueError, TypeError):  # public parts NumPy would broadcast or flatten differently
        return None


def _vstack_lineage(result, arrays, *_, **__):
    arrays = list(arrays)
    if any(np.ndim(x) < 2 for x in arrays):
        return None
    return _concatenate_lineage(result, arrays, 0)


#: The lineage of the results of NumPy functions that the operations inside them do not give.
OF_FUNCTION = {np.sum: _reduction_lineage, np.mean: _mean_lineage, np.dot: of_dot,
               np.where: _where_lineage, np.concatenate: _concatenate_lineage, np.vstack: _vstack_lineage}


def records_and_caller(x) -> tuple:
    """The lineage's record count (None if unknown) and who asked (a library function or ``"script"``)."""
    caller = ranges.calling_module(1, function=True)
    return (None if x._lineage is None else x._lineage.records,
            caller if ranges.is_library(caller) else "script")


def cohort(stated, records, asked_by):
    """What policies see: the lineage, lowered by a statement; unknown lineage trusts only the library."""
    if stated is not None and (isinstance(stated, bool) or not isinstance(stated, (int, np.integer))
                               or stated < 0):
        raise ValueError(f"cohort must be a non-negative integer, got {stated!r}")
    if records is not None:
        return records if stated is None else min(int(stated), records)
    return None if asked_by == "script" else stated
