"""Variance and standard deviation along an axis, as SharedArrays (``np.var``, ``np.std``, ``x.var()``, ``x.std()``).

``var = mean((x - mean(x))^2) * n / (n - ddof)`` on the shares; ``std = sqrt(var)``
(:func:`mpcarray.functions.sqrt`). Valid while every deviation satisfies
``|x - mean| < 2^(range_bits / 2)`` (``2^15`` at ``f = 16``), so that its square
stays in the fixed-point range; nothing checks this without revealing. For
columns of unknown magnitude use :func:`mpcarray.stats.var` / :func:`mpcarray.stats.std`,
which scale by a public power of two and reveal the result.
"""

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements
from ..array.lineage import of_variance, stamped
from ..errors import ShapeError, UnsupportedOperationError
from .roots import sqrt


@stamped(of_variance)
def var(x, axis=None, ddof: int = 0, keepdims: bool = False) -> SharedArray:
    """Variance along ``axis`` (all elements if None), as ``numpy.var``; a fixed-point SharedArray.

    Steps: ``m = mean(x)`` (truncated mean); ``d = x - m``; ``mean(d * d)``;
    times the public ``n / (n - ddof)`` when ``ddof > 0``.
    Error: a few ulps (the error of ``m`` cancels to first order, since the
    deviations sum to about zero); see the module docstring for the range.
    Cost: 2 rounds for the mean (1 if ``n`` is a power of two), 2 for the
    squares (product, truncation), 2 (or 1) for their mean, 1 more for
    ``ddof > 0``: 7 rounds at most (4 for ``n = 4``, ``ddof = 0``).
    Security: masked openings only.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(s.share(np.array([1.0, 2.0, 3.0, 6.0]), owner=0).var().reveal())
    3.5
    """
    x = _values(x, "var")
    axes = tuple(range(x.ndim)) if axis is None else (axis,) if np.ndim(axis) == 0 else tuple(axis)
    if any(not -x.ndim <= int(a) < x.ndim for a in axes):
        raise ShapeError(f"axis {axis} is out of bounds for a SharedArray of dimension {x.ndim}")
    n = int(np.prod([x.shape[int(a)] for a in axes], dtype=np.int64))
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or not 0 <= ddof < max(n, 1):
        raise ValueError(f"ddof must be an integer in [0, n) = [0, {n}), got {ddof!r}")
    if n == 0:
        raise ShapeError("var of an empty SharedArray")
    deviation = x - x.mean(axis=axis, keepdims=True)
    result = (deviation * deviation).mean(axis=axis, keepdims=keepdims)
    return result * (n / (n - ddof)) if ddof else result


@stamped(of_variance)
def std(x, axis=None, ddof: int = 0, keepdims: bool = False) -> SharedArray:
    """Standard deviation along ``axis``, as ``numpy.std``: ``sqrt`` of :func:`var`.

    Error: that of :func:`mpcarray.functions.sqrt` on the variance (``docs/functions.md``).
    Cost: :func:`var` plus 18 rounds for the square root (15 for at most 256 results): 25 rounds at most at ``f = 16``.
    Security: masked openings only.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(round(float(np.std(s.share(np.array([2.0, 4.0, 4.0, 6.0]), owner=0)).reveal()), 3))
    1.414
    """
    return sqrt(var(x, axis, ddof, keepdims))


def _values(x, what: str) -> SharedArray:
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError(f"{what} expects a SharedArray, got {type(x).__name__}")
    if x.field is not None:
        raise UnsupportedOperationError(f"the {what} of elements of {x.field.name} is not defined")
    return x if x.frac_bits else x.astype(float)


def _check(name, dtype, out, where, mean, ddof, correction):
    if dtype is not None or out is not None or where is not True or mean is not None:
        raise UnsupportedOperationError(
            f"numpy.{name} on SharedArray supports axis, ddof and keepdims only "
            f"(for columns of unknown magnitude see mpc.stats.{name})")
    if correction is not None:
        if ddof:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return correction
    return ddof


@implements(np.var)
def _np_var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None,
            correction=None):
    return var(a, axis, _check("var", dtype, out, where, mean, ddof, correction), keepdims)


@implements(np.std)
def _np_std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=None,
            correction=None):
    return std(a, axis, _check("std", dtype, out, where, mean, ddof, correction), keepdims)
