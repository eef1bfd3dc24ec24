"""Secure implementations of NumPy functions, registered for ``__array_function__``.

Each mirrors the NumPy signature; arguments NumPy accepts but mpcarray cannot
honour securely (``out=``, ``dtype=``, ``where=``, ...) raise
:class:`~mpcarray.errors.UnsupportedOperationError` rather than being ignored.
"""

import numpy as np

from .. import protocols
from ..errors import ShapeError, UnsupportedOperationError
from .dispatch import implements
from .owner import row_parts
from .promotion import public_array
from .shared_array import (
    SharedArray,
    _encode_public,
    _known_by,
    _lift,
    _matmul,
    _multiply,
    _runtime_of,
    _with_ndim,
)


def _refuse_extra(name, **extra):
    given = sorted(k for k, v in extra.items() if v is not None)
    if given:
        raise UnsupportedOperationError(f"numpy.{name} on SharedArray does not support {given}")


@implements(np.sum)
def _sum(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
    _refuse_extra("sum", dtype=dtype, out=out, **unsupported)
    return a.sum(axis=axis, keepdims=keepdims)


@implements(np.mean)
def _mean(a, axis=None, dtype=None, out=None, keepdims=False, **unsupported):
    _refuse_extra("mean", dtype=dtype, out=out, **unsupported)
    return a.mean(axis=axis, keepdims=keepdims)


@implements(np.cumsum)
def _cumsum(a, axis=None, dtype=None, out=None):
    _refuse_extra("cumsum", dtype=dtype, out=out)
    return a.cumsum(axis=axis)


@implements(np.dot)
def _dot(a, b, out=None):
    _refuse_extra("dot", out=out)
    ndims = [np.ndim(x) if not isinstance(x, SharedArray) else x.ndim for x in (a, b)]
    if 0 in ndims:
        return _multiply(a, b)
    if max(ndims) > 2:
        raise UnsupportedOperationError("numpy.dot of arrays with more than 2 dimensions; use matmul")
    return _matmul(a, b)


@implements(np.transpose)
def _transpose(a, axes=None):
    return a.transpose(axes)


@implements(np.reshape)
def _reshape(a, shape=None, order="C", *, newshape=None, copy=None):
    if order != "C":
        raise UnsupportedOperationError("numpy.reshape on SharedArray supports order='C' only")
    return a.reshape(shape if shape is not None else newshape)


@implements(np.broadcast_to)
def _broadcast_to(array, shape, subok=False):
    shape = tuple(shape) if np.iterable(shape) else (shape,)
    rows = _with_ndim(array._shares, len(shape))
    try:
        rows = np.broadcast_to(rows, rows.shape[:1] + tuple(int(s) for s in shape))
    except ValueError as err:
        raise ShapeError(f"cannot broadcast a SharedArray of shape {array.shape} to {shape}") from err
    return array._view(rows, array._known_by)


@implements(np.ravel)
def _ravel(a, order="C"):
    if order != "C":
        raise UnsupportedOperationError("numpy.ravel on SharedArray supports order='C' only")
    return a.ravel()


@implements(np.shape)
def _shape(a):
    return a.shape


@implements(np.ndim)
def _ndim(a):
    return a.ndim


@implements(np.size)
def _size(a, axis=None):
    return a.size if axis is None else a.shape[axis]


def _as_rows(arrays):
    """Share rows of every operand, public ones shared trivially, all at a common encoding."""
    arrays = list(arrays)
    if not arrays:
        raise ShapeError("need at least one array to join")
    rt = _runtime_of(*arrays)
    frac = max(x._frac for x in arrays if isinstance(x, SharedArray))
    if any(not isinstance(x, SharedArray) and np.asarray(x).dtype.kind == "f" for x in arrays):
        frac = max(frac, rt.fixed.frac_bits)  # public reals at f bits, lifted exactly to any more
    template = next(x for x in arrays if isinstance(x, SharedArray))
    field = template._field
    rows = [
        _lift(x, frac) if isinstance(x, SharedArray)
        else protocols.public_shares(rt, _encode_public(rt, public_array(x, field), frac, field))
        for x in arrays
    ]
    return rows, frac, template, _known_by(*arrays)


def _join(join, rows, axis, what):
    try:
        return join(rows, axis=axis)
    except (ValueError, np.exceptions.AxisError) as err:
        shapes = [r.shape[1:] for r in rows]
        raise ShapeError(f"cannot {what} arrays of shapes {shapes} along axis {axis}") from err


def _party_axis(axis, ndim):
    """Map an element axis to the share array's axis (the party axis comes first)."""
    if not -ndim <= axis < ndim:
        raise ShapeError(f"axis {axis} is out of bounds for dimension {ndim}")
    return axis % ndim + 1


@implements(np.concatenate)
def _concatenate(arrays, axis=0, out=None, dtype=None, casting=None):
    _refuse_extra("concatenate", out=out, dtype=dtype, casting=casting)
    rows, frac, template, known = _as_rows(arrays)
    along_rows = axis is not None and rows[0].ndim > 1 and axis % (rows[0].ndim - 1) == 0
    if axis is None:
        rows, axis = [r.reshape(r.shape[0], -1) for r in rows], 0
    if any(r.ndim == 1 for r in rows):
        raise ShapeError("zero-dimensional arrays cannot be concatenated")
    shares = _join(np.concatenate, rows, _party_axis(axis, rows[0].ndim - 1), "concatenate")
    joined = _boolean_if(template._new(shares, frac, known), arrays)
    if along_rows:
        joined._parts = _row_blocks(arrays, frac)
    return joined


def _row_blocks(arrays, frac):
    """The owner-shared blocks of an axis-0 concatenation, if every operand has them."""
    blocks = []
    for x in arrays:
        parts = row_parts(x) if isinstance(x, SharedArray) else None
        if parts is None or any(p._frac != frac for p in parts):
            return None
        blocks.extend(parts)
    return tuple(blocks)


@implements(np.stack)
def _stack(arrays, axis=0, out=None, dtype=None, casting=None):
    _refuse_extra("stack", out=out, dtype=dtype, casting=casting)
    rows, frac, template, known = _as_rows(arrays)
    if len({r.shape for r in rows}) != 1:
        raise ShapeError(f"all input arrays must have the same shape, got {[r.shape[1:] for r in rows]}")
    shares = _join(np.stack, rows, _party_axis(axis, rows[0].ndim), "stack")
    return _boolean_if(template._new(shares, frac, known), arrays)


def _boolean_if(joined: SharedArray, arrays) -> SharedArray:
    """``joined``, marked 0/1 when every operand is (shared 0/1 arrays, public bools)."""
    joined._bool = all(x.is_bool if isinstance(x, SharedArray) else np.asarray(x).dtype.kind == "b"
                       for x in arrays)
    return joined


@implements(np.hstack)
def _hstack(tup, dtype=None, casting=None):
    _refuse_extra("hstack", dtype=dtype, casting=casting)
    tup = [np.reshape(x, (1,)) if np.ndim(x) == 0 else x for x in tup]
    return _concatenate(tup, axis=0 if max(np.ndim(x) for x in tup) == 1 else 1)


@implements(np.vstack)
def _vstack(tup, dtype=None, casting=None):
    _refuse_extra("vstack", dtype=dtype, casting=casting)
    tup = [np.reshape(x, (1, -1)) if np.ndim(x) <= 1 else x for x in tup]
    return _concatenate(tup, axis=0)
