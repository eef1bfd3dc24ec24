"""Disclosure by lineage: per element, how many input records a SharedArray aggregates (DESIGN.md §9).

Axis 0 of a shared input is its records axis (one row per individual), so each
element of an input aggregates one record. Operations propagate the counts:

* a sum or mean over the records axis adds the counts up; a reduction over
  another axis combines values of the same records and keeps the smallest count;
* a matrix product contracting the records axis of both operands (``X.T @ X``,
  ``X.T @ y``) adds ``min(left, right)`` over the contracted axis;
* an elementwise combination takes the minimum of its shared operands (a single
  record plus a large mean is still a single record); public operands add nothing;
  where the minimum comes from an operand broadcast along the records axis (``x * 0 + x[2]``,
  a public ``where`` picking ``x[2]``, ``x[2]`` assigned to many elements), the result has no
  records axis, so a sum does not count that record once per position;
* indexing, transposing, reshaping, joining and stacking keep the counts of the
  elements they move; the records axis survives only while each of its
  positions is one distinct record: broadcasting a single row, an index array
  that repeats a row, a flattening or a ``cumsum`` along it (whose element ``i``
  adds up ``i + 1`` records) leave no records axis, so a later sum cannot count
  one record many times;
* a count of 0 marks a public element (a public value assigned, a product with a
  public zero, a shared constant): it adds no record to a sum and is left out of
  a minimum (a mean plus a public constant still aggregates the mean's records).

Library functions (:mod:`mpcarray.functions`, and through them ``np.exp``,
``np.clip``, ``np.median``, ...) are built from primitives, shared constants and
counts over candidates whose intermediate lineages say nothing about what the
result discloses. Each function therefore stamps its result from its inputs
(:func:`stamped`, one rule per function family):

* elementwise functions (``reciprocal``, ``rsqrt``, ``sqrt``, ``exp``, ``log``,
  ``sigmoid``, ``tanh``, ``sign``, ``absolute``, ``relu``, ``clip``, ``maximum``,
  ``minimum``, ``divide``, ``joint_noise``): :func:`elementwise` of their shared
  arguments (:func:`of_elementwise`);
* extremes and order statistics (``amax``, ``amin``, ``argmax``, ``argmin``,
  ``median``, ``quantile``, ``percentile``, ``order_statistics``) disclose one
  of the values they pick from: the fewest records among them, over the records
  axis too (:func:`select`: 1 per element for input rows, not ``n``); ``sort``
  gives each element its lane's fewest and keeps the records axis (the sorted
  lane holds the same records: its sum still aggregates them all);
* ``var`` and ``std``: a mean over the axis (:func:`reduce`), whatever the
  square root on top.

The primitives (:mod:`mpcarray.array.primitives`) that are elementwise in one
shared input (sign bits, bit and leading-one lookups, truncations, relabelling,
fused products) propagate its counts, and shared constants are public (count 0):
that costs nothing (a reference) and keeps library code that uses primitives
directly (the SPD solver, the models' precise reveals) known. What a function
discloses is not what its steps combine, though (a tree of comparisons, counts
of elements below candidates), so the functions stamp their results rather than
trust the primitives; the steps inside a stamped function skip the bookkeeping.

Statistics pool rows: an additive statistic of the rows of its inputs (sums,
counts, scatter matrices, whether computed securely or as hospitals' owner-local
terms) aggregates every row's records (:func:`pooled`, used by
``mpcarray.stats.partition.additive`` and ``owner_local_or_secure(rows=...)``).

Unknown (``None``) remains for what the library cannot see: the result of
:func:`mpcarray.owner_apply` (a party's own plaintext code; its aggregates get a
lineage only through ``owner_local_or_secure(rows=...)``), batched products of
more than two dimensions, and very large non-uniform matrix products. Then a
reveal by a script states no cohort; a reveal by library code uses the cohort
the library states, as before.

Not covered: differencing across queries (two allowed aggregates over
overlapping cohorts can be subtracted), nor the same records joined twice
(``np.concatenate([x, x]).sum()`` counts them twice).
"""
import dataclasses
import functools
import threading
from dataclasses import dataclass

import numpy as np

from . import ranges

_SHARED_TYPE = []


def _shared_type():
    """The SharedArray class (imported on first use: shared_array imports this module)."""
    if not _SHARED_TYPE:
        from .shared_array import SharedArray

        _SHARED_TYPE.append(SharedArray)
    return _SHARED_TYPE[0]


def _ndim(x) -> int:
    return x.ndim if hasattr(x, "_lineage") else np.ndim(x)


def _shape(x) -> tuple:
    return x.shape if hasattr(x, "_lineage") else np.shape(x)


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
    return int(counts.flat[0]) if counts.size and not any(counts.strides) else None


@functools.lru_cache(maxsize=1024)
def _full(value: int, shape: tuple) -> np.ndarray:
    """``value`` broadcast to ``shape``: a read-only view, so one per ``(value, shape)`` serves every
    array (``np.broadcast_to`` costs more than a small elementwise step it would describe)."""
    return np.broadcast_to(np.int64(value), shape)


def _compact(counts: np.ndarray) -> np.ndarray:
    """One broadcast value when every element has the same count; else the counts broadcast from
    their core, the axes along which they vary (a public column beside shared ones: one count per
    column, whatever the rows), so that later steps work on the core (:func:`_core`)."""
    counts = np.asarray(counts, dtype=np.int64)
    if not counts.size or _uniform(counts) is not None:
        return counts
    core = _core(counts)
    if np.all(core == core.flat[0]):
        return _full(int(core.flat[0]), counts.shape)
    for axis, side in enumerate(core.shape):
        if side > 1:
            head = core[(slice(None),) * axis + (slice(0, 1),)]
            if np.array_equal(np.broadcast_to(head, core.shape), core):
                core = head
    return counts if core.shape == counts.shape else np.broadcast_to(core, counts.shape)


def _core(counts: np.ndarray) -> np.ndarray:
    """The counts without their broadcast axes (length 1 there): a view, to compute on before broadcasting."""
    if all(counts.strides) or not counts.size:
        return counts
    return counts[tuple(slice(0, 1) if step == 0 else slice(None) for step in counts.strides)]


def _fewer(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise fewest records of two counts arrays, public elements (0) left out unless both are."""
    return (np.minimum(_shifted(a), _shifted(b)) + np.uint64(1)).view(np.int64)


def _shifted(counts) -> np.ndarray:
    """``counts - 1`` as unsigned integers: a public element (0) becomes the largest, so minima skip it
    (and ``+ 1`` brings an all-public minimum back to 0)."""
    return np.subtract(counts, 1, dtype=np.uint64, casting="unsafe")


def of_input(shape: tuple, indicator: bool = False) -> Lineage | None:
    """Each element of an input is one record; axis 0 is the records axis (a 0-d input is one record)."""
    return Lineage(_full(1, shape), 0 if len(shape) else None, "indicator" if indicator else None)


def public(shape: tuple) -> Lineage:
    """A public value held as a SharedArray (a shared constant): no record (count 0, no limit in a minimum)."""
    return Lineage(_full(0, shape), None)


def of_kind(result: Lineage | None, kind: str | None) -> Lineage | None:
    return None if result is None else dataclasses.replace(result, kind=kind)


def indicators(*operands) -> bool:
    """True if every shared operand is a 0/1 indicator (their product is one too)."""
    SharedArray = _shared_type()
    shared = [x for x in operands if isinstance(x, SharedArray)]
    return bool(shared) and len(shared) == len(operands) and all(
        x._lineage is not None and x._lineage.kind == "indicator" for x in shared)


def elementwise(shape: tuple, *operands, product: bool = False) -> Lineage | None:
    """The minimum over the shared operands' lineages, broadcast to ``shape``; None if one is unknown.

    In a ``product``, an element multiplied by a public zero aggregates no record (count 0).
    """
    SharedArray = _shared_type()
    shared = [x for x in operands if isinstance(x, SharedArray)]
    if not shared or any(x._lineage is None for x in shared):
        return None
    values = [_uniform(x._lineage.counts) for x in shared]
    if all(v is not None for v in values):
        counts = _full(_fewest(values), shape)
    elif len(shared) == 1 and shared[0].shape == shape:
        counts = shared[0]._lineage.counts
    else:  # on the cores (the axes the counts vary along), broadcast at the end
        counts = _core(np.broadcast_to(shared[0]._lineage.counts, shape))
        for x in shared[1:]:
            counts = _fewer(counts, _core(np.broadcast_to(x._lineage.counts, shape)))
        counts = _compact(np.broadcast_to(counts, shape))
    zeros = [np.asarray(x) == 0 for x in operands if product and not isinstance(x, SharedArray)]
    if any(z.any() for z in zeros):
        core = _core(np.broadcast_to(counts, shape))
        for z in zeros:
            core = np.where(z, 0, core)
        counts = _compact(np.broadcast_to(core, shape))
    return Lineage(_compact(counts), _distinct_axis(shape, shared, _records_axis(shape, shared)))


def _distinct_axis(shape: tuple, shared, axis: int | None) -> int | None:
    """``axis``, unless an operand without a records axis (a single row or value broadcast along it)
    gives some element fewer records than the operands that hold the axis: then that element's
    fewest records are the broadcast ones, the same at every position, and a sum must not count
    them once per position (``A * 0 + A[2]`` is patient 2, 60 times)."""
    if axis is None:
        return None
    broadcast = [x._lineage.counts for x in shared if x._lineage.axis is None]
    if not broadcast:
        return axis
    held = [x._lineage.counts for x in shared if x._lineage.axis is not None]

    def fewest(counts):  # on the cores: no array of the full shape for counts that do not vary
        return functools.reduce(np.minimum, [_shifted(_core(np.broadcast_to(c, shape))) for c in counts])

    return None if np.any(fewest(broadcast) < fewest(held)) else axis


def _records_axis(shape: tuple, shared) -> int | None:
    """The result's records axis: the operands' common one, unless broadcasting repeats a record along it.

    ``x[:1] * np.ones(20)`` repeats one record 20 times: summing it must not count 20 records.
    """
    axes = set()
    for x in shared:
        axis = x._lineage.axis
        if axis is not None:
            moved = len(shape) - x.ndim + axis
            if x.shape[axis] != shape[moved]:
                return None
            axes.add(moved)
    return axes.pop() if len(axes) == 1 else None


def where(shape: tuple, condition, x, y) -> Lineage | None:
    """``where(condition, x, y)``: a public condition picks each element's count (a public value: 0)."""
    SharedArray = _shared_type()
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
    chosen = np.broadcast_to(np.asarray(condition, dtype=bool), shape)
    counts = np.where(chosen, *picked)
    shared = [v for v in (x, y) if isinstance(v, SharedArray)]
    axis = _records_axis(shape, shared)
    # an element picked from an operand without the records axis holds that operand's records
    for value, where_picked, count in zip((x, y), (chosen, ~chosen), picked):
        if isinstance(value, SharedArray) and value._lineage.axis is None and np.any(count[where_picked] > 0):
            axis = None
    return Lineage(_compact(counts), axis)


def assign(target: Lineage | None, key: tuple, selection: tuple, value) -> Lineage | None:
    """``target[key] = value``: the assigned elements take the value's counts (a public value: 0)."""
    SharedArray = _shared_type()
    if target is None or (isinstance(value, SharedArray) and value._lineage is None):
        return None
    counts = np.array(target.counts)
    counts[key] = np.broadcast_to(value._lineage.counts, selection) if isinstance(value, SharedArray) else 0
    axis = target.axis
    if isinstance(value, SharedArray) and value._lineage.axis is None and value._lineage.records and \
            int(np.prod(selection)) > 1:  # records without an axis of their own, at several positions
        axis = None
    return Lineage(_compact(counts), axis)


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
    kept = tuple(1 if a in axes else side for a, side in enumerate(counts.shape))
    core = _core(counts)  # the reductions run on the core: a constant axis sums to its length times the count
    if others:
        core = _least(core, others, True) if counts.size else np.zeros(kept, np.int64)
    if axis is not None and axis in axes:
        core = core * counts.shape[axis] if core.shape[axis] == 1 else core.sum(axis=axis, keepdims=True)
        axis = None
    counts = np.broadcast_to(core, kept)
    if not keepdims:
        counts = counts.reshape([side for a, side in enumerate(counts.shape) if a not in axes])
        if axis is not None:
            axis -= sum(1 for a in axes if a < axis)
    return Lineage(_compact(counts), axis, _summed_kind(lineage, axes))


def _summed_kind(lineage: Lineage, axes: tuple) -> str | None:
    """A sum of indicators over exactly the records axis is a count; a count summed further stays one."""
    if lineage.kind == "indicator" and axes == (lineage.axis,):
        return "count"
    return "count" if lineage.kind == "count" and lineage.axis is None else None


_NONE = np.iinfo(np.int64).max // 4  # "no limit" for a minimum (a public operand's nonzero weight)


def _fewest(values) -> int:
    """The fewest records among counts, public elements (0) left out unless every one is public."""
    known = [v for v in values if v]
    return min(known) if known else 0


def _least(counts: np.ndarray, axes: tuple, keepdims: bool) -> np.ndarray:
    """:func:`_fewest` along ``axes`` of a counts array."""
    return (_shifted(counts).min(axis=axes, keepdims=keepdims) + np.uint64(1)).view(np.int64)


def matmul(left, right, shape: tuple) -> Lineage | None:
    """``left @ right``; indicators contracted over their records axis (``A.T @ B``) give counts."""
    result = _remembered_product(left, right, shape)
    if result is not None and indicators(left, right) and left._lineage.axis == left.ndim - 1 \
            and right._lineage.axis == 0:
        return of_kind(result, "count")
    return result


#: The last products of shared operands with non-uniform counts, by their lineages: an iteration
#: (a model's ``rows @ gamma``) multiplies the same matrix again and again.
_PRODUCTS: dict = {}


def _remembered_product(left, right, shape: tuple) -> Lineage | None:
    SharedArray = _shared_type()
    if not (isinstance(left, SharedArray) and isinstance(right, SharedArray)) \
            or left._lineage is None or right._lineage is None:
        return _matmul_counts(left, right, shape)
    keys = []
    for x in (left, right):
        value = _uniform(x._lineage.counts)
        keys.append((value, x.shape, x._lineage.axis) if value is not None else x._lineage)
    if all(not isinstance(k, Lineage) for k in keys):
        return _matmul_counts(left, right, shape)  # uniform: the fast path
    key = tuple(("uniform", k) if not isinstance(k, Lineage) else ("lineage", id(k)) for k in keys) + (shape,)
    kept = _PRODUCTS.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], keys) if isinstance(b, Lineage)):
        return kept[1]
    result = _matmul_counts(left, right, shape)
    if len(_PRODUCTS) >= 16:
        _PRODUCTS.pop(next(iter(_PRODUCTS)))
    _PRODUCTS[key] = (keys, result)  # the lineages kept alive, so their ids stay theirs
    return result


def _matmul_counts(left, right, shape: tuple) -> Lineage | None:
    """``left @ right`` of 1-D or 2-D operands, either may be public; None for batched products.

    Contracting the records axis adds the counts of the records with a nonzero
    weight (``sum_k min(left[i, k], right[k, j])``); contracting another axis
    keeps the fewest records among the contributing elements. Products of
    large operands whose counts are not uniform give None (unknown).
    """
    SharedArray = _shared_type()
    shared = [x for x in (left, right) if isinstance(x, SharedArray)]
    if any(x._lineage is None for x in shared) or any(_ndim(x) not in (1, 2) for x in (left, right)):
        return None
    contracted = any(x._lineage.axis == (x.ndim - 1 if x is left else 0) for x in shared)
    inner = _shape(left)[-1]
    values = [_uniform(x._lineage.counts) for x in shared]
    if all(v is not None for v in values):
        value = _fewest(values)
        if len(shared) == 2:
            return Lineage(_full(value * inner if contracted else value, shape), None)
        public = np.asarray(right if shared[0] is left else left) != 0
        public = public.reshape((-1, 1) if public.ndim == 1 and shared[0] is left else (1, -1)
                                if public.ndim == 1 else public.shape)
        used = public.sum(axis=0 if shared[0] is left else 1)  # contributing records per output line
        per_line = value * used if contracted else np.where(used > 0, value, 0)
        per_line = per_line[None, :] if shared[0] is left else per_line[:, None]
        full = np.broadcast_to(per_line, (_shape(left)[0] if _ndim(left) == 2 else 1,
                                          _shape(right)[-1] if _ndim(right) == 2 else 1))
        return Lineage(_compact(full.reshape(shape)), None)
    constant = _matmul_constant_inner(left, right, shape, contracted, inner)
    if constant is not None:
        return constant
    if len(shared) == 2 and any(v is not None for v in values):  # one operand's counts uniform
        value = next(v for v in values if v is not None)
        other, k_axis = (right, 0) if values[0] is not None else (left, 1)
        counts = np.asarray(other._lineage.counts)
        if counts.ndim == 1:
            counts = counts[None, :] if k_axis == 1 else counts[:, None]
        core, value = _core(counts), np.int64(value)
        line = (_fewer(core, value).sum(axis=k_axis, keepdims=True) if contracted
                else _fewer(_least(core, (k_axis,), True), value))
        rows = _shape(left)[0] if _ndim(left) == 2 else 1
        columns = _shape(right)[-1] if _ndim(right) == 2 else 1
        return Lineage(_compact(np.broadcast_to(line, (rows, columns)).reshape(shape)), None)
    if np.size(left) * (_shape(right)[-1] if _ndim(right) == 2 else 1) > 2**22:
        return None  # the exact rule would need a large temporary; unknown is the safe answer
    mats = []
    for x, as_row in ((left, True), (right, False)):
        if isinstance(x, SharedArray):
            counts = np.asarray(x._lineage.counts)
            counts = np.where(counts == 0, _NONE, counts)  # public elements: no limit
        else:
            counts = np.where(np.asarray(x) != 0, _NONE, 0 if contracted else _NONE)
        if counts.ndim == 1:
            counts = counts.reshape((1, -1) if as_row else (-1, 1))
        mats.append(counts.astype(np.int64))
    a, b = mats
    pairs = np.minimum(a[:, :, None], b[None, :, :])
    counts = np.where(pairs >= _NONE, 0, pairs).sum(axis=1) if contracted else pairs.min(axis=1, initial=_NONE)
    counts = np.where(counts >= _NONE, 0, counts)
    return Lineage(_compact(counts.reshape(shape)), None)


def _matmul_constant_inner(left, right, shape: tuple, contracted: bool, inner: int) -> Lineage | None:
    """The product's counts when no operand's counts vary along the contracted axis (a public column
    beside records: one count per column) and no public operand has a zero; else None."""
    SharedArray = _shared_type()
    lines = []
    for x, k_axis in ((left, 1), (right, 0)):
        if isinstance(x, SharedArray):
            counts = np.asarray(x._lineage.counts)
            if counts.ndim == 1:
                counts = counts[None, :] if k_axis == 1 else counts[:, None]
            core = _core(counts)
            if core.shape[k_axis] != 1:
                return None
            lines.append(core[:, :1] if k_axis == 1 else core[:1, :])  # (I, 1) or (1, J)
        elif np.all(np.asarray(x) != 0):
            lines.append(None)  # a public operand without zeros: no limit
        else:
            return None
    a, b = lines
    fewest = a if b is None else b if a is None else _fewer(a, b)
    rows = _shape(left)[0] if _ndim(left) == 2 else 1
    columns = _shape(right)[-1] if _ndim(right) == 2 else 1
    counts = np.broadcast_to(fewest * inner if contracted else fewest, (rows, columns))
    return Lineage(_compact(counts.reshape(shape)), None)


def index(lineage: Lineage | None, key: tuple, shape: tuple) -> Lineage | None:
    """The counts of the selected elements; the records axis survives a leading slice or index array."""
    if lineage is None:
        return None
    value = _uniform(lineage.counts)
    counts = _full(value, shape) if value is not None else _compact(np.array(lineage.counts[key]))
    first = key[0] if key else slice(None)
    keeps_axis = lineage.axis == 0 and (isinstance(first, slice) or (
        np.ndim(first) == 1 and not any(k is None for k in key) and _distinct(first, lineage.counts.shape[0])))
    return Lineage(counts.reshape(shape), 0 if keeps_axis and len(shape) else None, lineage.kind)


def _distinct(rows, n: int) -> bool:
    """Whether an index array selects no row twice (``x[[3, 3]]`` repeats one record: no records axis)."""
    rows = np.asarray(rows)
    return rows.dtype == np.bool_ or len(np.unique(rows % max(n, 1))) == len(rows)


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
    """Joined counts (public parts: 0); the records axis survives when every shared part has it as axis 0."""
    SharedArray = _shared_type()
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
    counts = np.concatenate([np.broadcast_to(p, p.shape) for p in parts], axis=axis)
    keeps = axes == {0}  # along the records axis (rows of several owners) or beside it (their columns)
    return Lineage(_compact(counts.reshape(shape)), 0 if keeps else None, kinds.pop() if len(kinds) == 1 else None)


# ------------------------------------------ dispatch: what SharedArray calls
def safely(compute, *args, **kwargs):
    """A lineage, or None (unknown: reveals then trust no script's statement) for any case not modelled.

    None without computing inside a library function that stamps its result (:func:`stamped`):
    its intermediate arrays never leave it, so their lineage would be wasted work.
    """
    if getattr(_STAMPING, "depth", 0):
        return None
    try:
        return compute(*args, **kwargs)
    except (ValueError, IndexError, TypeError):
        return None


def of_dot(result, a, b, *_, **__):
    return matmul(a, b, result.shape) if max(_ndim(a), _ndim(b)) <= 2 and min(
        _ndim(a), _ndim(b)) >= 1 else elementwise(result.shape, a, b, product=True)


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
    arrays = list(arrays)
    if axis is None and any(np.ndim(x) > 1 for x in arrays):  # flattened parts: their rows merge
        flat = [x.ravel() if hasattr(x, "_lineage") else np.ravel(x) for x in arrays]
        joined = concatenate(result.shape, flat, 0)
        return None if joined is None else dataclasses.replace(joined, axis=None)
    try:
        return concatenate(result.shape, arrays, 0 if axis is None else int(axis))
    except (ValueError, TypeError):  # public parts NumPy would broadcast or flatten differently
        return None


def _vstack_lineage(result, arrays, *_, **__):
    arrays = list(arrays)
    if any(np.ndim(x) < 2 for x in arrays):
        return None
    return _concatenate_lineage(result, arrays, 0)


def _hstack_lineage(result, tup, *_, **__):
    SharedArray = _shared_type()
    tup = [x if np.ndim(x) else x.reshape(1) if isinstance(x, SharedArray) else np.reshape(x, (1,)) for x in tup]
    return _concatenate_lineage(result, tup, 0 if max(_ndim(x) for x in tup) == 1 else 1)


def _stack_lineage(result, arrays, axis=0, *_, **__):
    """``np.stack``: the operands' counts stacked on a new axis (public operands: 0)."""
    SharedArray = _shared_type()
    arrays = list(arrays)
    axis = int(axis) % result.ndim
    if any(isinstance(x, SharedArray) and x._lineage is None for x in arrays):
        return None
    shared = [x for x in arrays if isinstance(x, SharedArray)]
    values = [_uniform(x._lineage.counts) for x in shared]
    if len(shared) == len(arrays) and len(set(values)) == 1 and values[0] is not None:
        counts = _full(values[0], result.shape)
    else:
        counts = _compact(np.stack([np.broadcast_to(x._lineage.counts, x.shape) if isinstance(x, SharedArray)
                                    else np.zeros(np.shape(x), dtype=np.int64) for x in arrays], axis=axis))
    axes = {x._lineage.axis for x in shared}
    kinds = {x._lineage.kind for x in shared} | ({None} if len(shared) < len(arrays) else set())
    records = axes.pop() if len(axes) == 1 else None
    records = None if records is None else records + (records >= axis)
    return Lineage(counts, records, kinds.pop() if len(kinds) == 1 else None)


def _broadcast_lineage(result, array, shape, *_, **__):
    """``np.broadcast_to``: the counts broadcast; a stretched records axis repeats a record (no records axis)."""
    if array._lineage is None:
        return None
    value = _uniform(array._lineage.counts)
    counts = _full(value, result.shape) if value is not None else np.broadcast_to(array._lineage.counts, result.shape)
    return Lineage(counts, _records_axis(result.shape, [array]), array._lineage.kind)


def cumulative(lineage: Lineage | None, axis: int) -> Lineage | None:
    """``cumsum`` along ``axis``: along the records axis element ``i`` adds up the counts up to ``i``
    and the axis is no records axis any more (its elements overlap); along another axis the fewest so far."""
    if lineage is None:
        return None
    if lineage.axis == axis:
        counts = np.cumsum(np.broadcast_to(lineage.counts, lineage.counts.shape), axis=axis)
        return Lineage(_compact(counts), None, "count" if lineage.kind == "indicator" else None)
    value = _uniform(lineage.counts)
    counts = lineage.counts if value is not None else np.minimum.accumulate(lineage.counts, axis=axis)
    return Lineage(counts, lineage.axis, None)



#: The lineage of the results of NumPy functions that the operations inside them do not give.
OF_FUNCTION = {np.sum: _reduction_lineage, np.mean: _mean_lineage, np.dot: of_dot,
               np.where: _where_lineage, np.concatenate: _concatenate_lineage, np.vstack: _vstack_lineage,
               np.hstack: _hstack_lineage, np.stack: _stack_lineage, np.broadcast_to: _broadcast_lineage}


# ------------------------------------------ owner-local aggregates (mpcarray.array.owner)
def _row_counts(arrays) -> tuple[int | None, np.ndarray | None]:
    """Records per row of row-aligned ``arrays`` (the fewest over their elements), as ``(uniform, per_row)``.

    ``(None, None)`` when an array's lineage is unknown or its axis 0 is not its records axis.
    """
    SharedArray = _shared_type()
    shared = [x for x in arrays if isinstance(x, SharedArray)]
    if not shared or any(x._lineage is None or x._lineage.axis != 0 for x in shared):
        return None, None
    values = [_uniform(x._lineage.counts) for x in shared]
    if all(v is not None for v in values):
        return _fewest(values), None
    rows = [_least(np.broadcast_to(x._lineage.counts, x.shape).reshape(x.shape[0], -1), (1,), False)
            for x in shared]
    per_row = rows[0]
    for other in rows[1:]:
        per_row = np.where(per_row == 0, other, np.where(other == 0, per_row, np.minimum(per_row, other)))
    return None, per_row


def pooled(shape: tuple, *arrays) -> Lineage | None:
    """An additive statistic of the rows of ``arrays`` (a sum, a count, a scatter matrix over their
    records axis 0), however computed (owner-local sums included): each element aggregates every row's records."""
    value, per_row = _row_counts(arrays)
    if value is None and per_row is None:
        return None
    total = value * np.shape(arrays[0])[0] if value is not None else int(per_row.sum())
    return Lineage(_full(total, shape), None)


def per_row(shape: tuple, *arrays) -> Lineage | None:
    """A value per row of row-aligned ``arrays`` (shape ``(n, ...)``): each row has that row's records."""
    value, rows = _row_counts(arrays)
    if value is None and rows is None:
        return None
    if value is not None:
        return Lineage(_full(value, shape), 0)
    return Lineage(_compact(np.broadcast_to(rows.reshape((-1,) + (1,) * (len(shape) - 1)), shape)), 0)


def stamp_unknown(value, lineage_of) -> None:
    """Give every SharedArray in ``value`` (an array, a tuple or list, or a dataclass of them) whose
    lineage is unknown ``lineage_of(array.shape)``."""
    if hasattr(value, "_lineage"):
        if value._lineage is None:
            value._lineage = lineage_of(value.shape)
    elif isinstance(value, (tuple, list)):
        for item in value:
            stamp_unknown(item, lineage_of)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            stamp_unknown(getattr(value, field.name), lineage_of)


# ------------------------------------- library functions: a result stamped from its inputs
#: ``depth``: how many stamped library functions this thread is inside (their steps skip lineage).
_STAMPING = threading.local()


def stamped(rule):
    """Decorate a library function so that its SharedArray result gets ``rule(result, *args, **kwargs)``.

    The functions of :mod:`mpcarray.functions` are built from primitives and
    public constants whose intermediate lineages say nothing about what the
    result discloses (a tree of comparisons, counts over candidates); the rule
    states it from the inputs once, at the function's boundary (one lineage
    computation per call, the uniform fast path for the usual inputs).
    """

    def decorate(function):
        @functools.wraps(function)
        def stamp(*args, **kwargs):
            depth = getattr(_STAMPING, "depth", 0)
            _STAMPING.depth = depth + 1
            try:
                result = function(*args, **kwargs)
            finally:
                _STAMPING.depth = depth
            if depth:
                return result  # a step of an outer stamped function, which stamps its own result
            if hasattr(result, "_lineage") and not any(result is x for x in args):
                made = safely(rule, result, *args, **kwargs)
                result._lineage = made if made is None or made.counts.shape == result.shape else None
            return result

        stamp.lineage_rule = rule
        return stamp

    return decorate


def of_elementwise(result, *args, **kwargs) -> Lineage | None:
    """Rule of an elementwise function: the elementwise minimum over its shared arguments."""
    return elementwise(result.shape, *args, *kwargs.values())


def _axes(axis, ndim: int) -> tuple:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
    return tuple(sorted(int(a) % ndim for a in axes))


def select(lineage: Lineage | None, axes: tuple, keepdims: bool = False) -> Lineage | None:
    """A value picked among the elements along ``axes`` (a maximum, an order statistic): it discloses one
    of them, so it aggregates the fewest records among them, over the records axis too (1 for input rows)."""
    if lineage is None:
        return None
    counts, axis = lineage.counts, lineage.axis
    kept = tuple(1 if a in axes else side for a, side in enumerate(counts.shape)) if keepdims else tuple(
        side for a, side in enumerate(counts.shape) if a not in axes)
    value = _uniform(counts)
    if value is not None:
        counts = _full(value, kept)
    elif axes:
        counts = _compact(_least(counts, axes, keepdims) if counts.size else np.zeros(kept, np.int64))
    new_axis = None if axis is None or axis in axes else axis if keepdims else axis - sum(a < axis for a in axes)
    return Lineage(counts, new_axis)


def of_extreme(result, x, axis=None, keepdims=False, *_, **__) -> Lineage | None:
    """Rule of ``amax``, ``amin``, ``argmax``, ``argmin``, ``median``: :func:`select` over ``axis``."""
    return select(x._lineage, _axes(axis, x.ndim), keepdims)


def of_quantile(result, a, q, axis=None, keepdims=False, *_, **__) -> Lineage | None:
    """Rule of ``quantile``, ``percentile``: :func:`select` over ``axis``, repeated for each ``q`` (leading axes)."""
    picked = select(a._lineage, _axes(axis, a.ndim), keepdims)
    return _spread(picked, result.shape, np.ndim(q), leading=True)


def of_order_statistics(result, a, ranks, axis=-1, *_, **__) -> Lineage | None:
    """Rule of ``order_statistics``: :func:`select` over ``axis``, repeated for each rank (a last axis)."""
    return _spread(select(a._lineage, _axes(axis, a.ndim)), result.shape, 1, leading=False)


def _spread(picked: Lineage | None, shape: tuple, extra: int, leading: bool) -> Lineage | None:
    """``picked`` repeated along ``extra`` new leading (or trailing) axes of ``shape``."""
    if picked is None:
        return None
    value = _uniform(picked.counts)
    if value is not None:
        counts = _full(value, shape)
    else:
        counts = picked.counts if leading else picked.counts.reshape(picked.counts.shape + (1,) * extra)
        counts = np.broadcast_to(counts, shape)
    axis = None if picked.axis is None else picked.axis + (extra if leading else 0)
    return Lineage(counts, axis)


def of_sort(result, a, axis=-1, *_, **__) -> Lineage | None:
    """Rule of ``sort``: each sorted element is one of its lane's, so it has the lane's fewest records.

    The records axis stays one: the sorted lane holds the same records, so its
    sum still aggregates them all; any single element discloses one.
    """
    lineage = a._lineage
    if axis is None:
        lineage, axis = reshape(lineage, (a.size,)), 0
    if lineage is None:
        return None
    axis = int(axis) % len(result.shape)
    value = _uniform(lineage.counts)
    counts = _full(value, result.shape) if value is not None else _compact(
        np.broadcast_to(_least(lineage.counts, (axis,), True), result.shape))
    return Lineage(counts, lineage.axis)


def of_variance(result, x, axis=None, ddof=0, keepdims=False, *_, **__) -> Lineage | None:
    """Rule of ``var`` and ``std``: a mean over ``axis`` (:func:`reduce`): the records it averages."""
    return of_kind(reduce(x._lineage, _axes(axis, x.ndim), keepdims), None)


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
