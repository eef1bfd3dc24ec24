"""Order statistics along an axis: ``sort``, ``order_statistics``, ``median``, ``quantile``, ``percentile``.

Two algorithms, both oblivious (which element lands where stays secret):

* :func:`sort`: Batcher's odd-even merge sort (Knuth, TAOCP vol. 3, 5.3.4,
  Algorithm M), vectorised over every compare-exchange of a layer: one batched
  sign test and one product per layer, ``p (p + 1) / 2`` layers for
  ``p = ceil(log2 m)`` and ``m`` elements along the axis.
* :func:`order_statistics` (behind :func:`median`, :func:`quantile`): a
  secure-count bisection on the encoded grid. The ``r``-th smallest value
  (0-based) is the largest grid point ``c`` with ``#{x < c} <= r``; it is built
  from the top bit down. Each step tests ``2^b - 1`` candidates at once
  (``b = bits_per_step``, default 1): one batched sign test of every element against
  every candidate, local counts, and one sign test of ``count - (r + 1)``.
  Rounds do not depend on the number of elements.

A sign test takes ``s`` rounds (:func:`~mpcarray.array.primitives.sign_rounds`:
5 in additive sessions, 8 in Shamir sessions). Order statistics (``median``,
``quantile``, ``percentile``) take whichever of the two needs fewer rounds
(``algorithm="auto"``): in an additive session, for fixed point at ``f = 16``
and ``b = 1`` the sorting network up to 4096 elements along the axis (468
rounds or fewer), the bisection beyond (470 rounds); for integers the network
up to 8192 elements (546 rounds, against 630). Both are exact, so only the
cost differs.

The grid has ``B = range_bits + frac_bits + 1`` bits for fixed-point arrays
(47 at ``f = 16``: every encoded value ``|v| < 2^(B-1)``) and ``B = 63`` for
integer arrays, which must then satisfy ``|x| < 2^62``.
"""

from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements
from ..array.lineage import of_extreme, of_order_statistics, of_quantile, of_sort, stamped
from ..array.primitives import relabel, shared_constant, sign_bits, sign_rounds, truncate
from ..errors import ShapeError, UnsupportedOperationError

#: Bits of the bisection per step by default (one candidate per step: the least work per element).
BITS_PER_STEP = 1


# ------------------------------------------------------------------ helpers
def _ordered(x, what: str) -> SharedArray:
    if not isinstance(x, SharedArray):
        raise UnsupportedOperationError(f"{what} expects a SharedArray, got {type(x).__name__}")
    if x.field is not None:
        raise UnsupportedOperationError(
            f"{what}: elements of {x.field.name} have no order; share integers or reals instead")
    return x


def _lanes(x: SharedArray, axis):
    """``x`` with the reduced axes moved last and merged: ``(values (*rest, m), kept_shape, rest_shape)``."""
    if axis is None:
        axes = tuple(range(x.ndim))
    else:
        axes = (axis,) if np.ndim(axis) == 0 else tuple(axis)
        out = []
        for a in axes:
            a = int(a)
            if not -x.ndim <= a < x.ndim:
                raise ShapeError(f"axis {a} is out of bounds for a SharedArray of dimension {x.ndim}")
            out.append(a % x.ndim)
        if len(set(out)) != len(out):
            raise ShapeError(f"repeated axis in {axis}")
        axes = tuple(out)
    rest = [a for a in range(x.ndim) if a not in axes]
    rest_shape = tuple(x.shape[a] for a in rest)
    m = int(np.prod([x.shape[a] for a in axes], dtype=np.int64))
    kept_shape = tuple(1 if a in axes else n for a, n in enumerate(x.shape))
    values = np.transpose(x, rest + list(axes)).reshape(rest_shape + (m,))
    return values, kept_shape, rest_shape


def grid_bits(x: SharedArray) -> int:
    """``B``: bits of the grid the bisection searches (47 for fixed point at ``f = 16``, 63 for integers)."""
    if x.frac_bits == 0:
        return 63
    return x.fixed_point.range_bits + x.frac_bits + 1


def bisection_rounds(x: SharedArray, bits_per_step: int = BITS_PER_STEP) -> int:
    """Rounds of :func:`order_statistics` on ``x``: ``2 s * ceil(B / bits_per_step)`` (0 for one element)."""
    return 2 * sign_rounds(x) * -(-grid_bits(x) // bits_per_step)


def sort_layers(m: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Compare-exchange pairs ``(low, high)`` of each layer of Batcher's merge sort of ``m`` elements.

    >>> [len(low) for low, high in sort_layers(4)]
    [2, 2, 1]
    """
    layers = []
    p = 1
    while p < m:
        k = p
        while k >= 1:
            a = np.arange(max(m - k, 0))
            start = a - k % p
            keep = (start >= 0) & (start % (2 * k) < k) & (a // (2 * p) == (a + k) // (2 * p))
            if keep.any():
                layers.append((a[keep], a[keep] + k))
            k //= 2
        p *= 2
    return layers


def sort_rounds(x: SharedArray, m: int) -> int:
    """Rounds of :func:`sort` along an axis of ``m`` elements of ``x``'s session: ``s + 1`` per layer of :func:`sort_layers`."""
    return (sign_rounds(x) + 1) * len(sort_layers(m))


# --------------------------------------------------------------------- sort
@stamped(of_sort)
def sort(a, axis=-1) -> SharedArray:
    """Sorted copy of ``a`` along ``axis`` (flattened if None), as :func:`numpy.sort`.

    Steps: Batcher's odd-even merge sort; per layer, for all its pairs at once,
    ``d = x_high - x_low``, ``s = [d < 0]``, ``x_low += s d``, ``x_high -= s d``.
    Cost: ``(s + 1) L`` rounds, ``L = p (p + 1) / 2`` layers for ``p = ceil(log2 m)``
    (:func:`sort_rounds`; ``m = 8``: 36 rounds in an additive session).
    Security: masked openings only; the permutation stays secret.
    Exact: the output holds the input's encoded values.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(np.sort(s.share(np.array([3.5, -1.0, 2.0]), owner=0)).reveal())
    [-1.   2.   3.5]
    """
    x = _ordered(a, "sort")
    if axis is None:
        x, axis = x.ravel(), 0
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(f"sort takes one integer axis or None, got {axis!r}")
    if x.ndim == 0:
        raise ShapeError("cannot sort a 0-d SharedArray; use axis=None")
    values, _, rest = _lanes(x, axis)
    moved = int(axis) % x.ndim
    m = values.shape[-1]
    frac = values.frac_bits
    work = relabel(values, 0).copy()  # ring integers: the product by the 0/1 swap needs no truncation
    for low, high in sort_layers(m):
        x_low, x_high = work[..., low], work[..., high]
        difference = x_high - x_low
        (swap,) = sign_bits(difference)
        change = swap * difference
        work[..., low] = x_low + change
        work[..., high] = x_high - change
    order = list(range(len(rest)))
    order.insert(moved, len(rest))
    return cast(SharedArray, np.transpose(relabel(work, frac), order))  # NumPy dispatches to SharedArray


@implements(np.sort)
def _np_sort(a, axis=-1, kind=None, order=None, *, stable=None):
    if kind is not None or order is not None or stable is not None:
        raise UnsupportedOperationError("numpy.sort on SharedArray supports only axis "
                                        "(the sorting network is oblivious; kind, order and stable do not apply)")
    return sort(a, axis)


# ------------------------------------------------------- order statistics
ALGORITHMS = ("auto", "bisection", "sort")


def chosen_algorithm(x: SharedArray, m: int, bits_per_step: int = BITS_PER_STEP) -> str:
    """``"sort"`` when the sorting network of ``m`` elements needs fewer rounds than the bisection, else ``"bisection"``."""
    return "sort" if sort_rounds(x, m) < bisection_rounds(x, bits_per_step) else "bisection"


@stamped(of_order_statistics)
def order_statistics(a, ranks, axis=-1, bits_per_step: int = BITS_PER_STEP,
                     algorithm: str = "auto") -> SharedArray:
    """The ``ranks``-th smallest values (0-based, public) along ``axis``, stacked on a new last axis.

    ``axis`` may be None (all elements) or a tuple of axes. The result has the
    shape of ``a`` without the reduced axes, plus ``len(ranks)``.

    Steps (per step, for ``2^b - 1`` candidates ``c_t = lo + t 2^j``, all
    ranks and all lanes at once): (1) ``s = [x - c_t < 0]`` for every element;
    (2) ``n_t = sum s`` (local); (3) ``u_t = [n_t - (r + 1) < 0]``;
    (4) ``lo += 2^j sum_t u_t`` (local).
    Cost: ``2 s ceil(B / b)`` rounds (:func:`bisection_rounds`; additive: 470 for
    fixed point at ``f = 16`` and ``b = 1``, 240 for ``b = 2``), whatever the number of elements;
    no rounds for a single element. ``algorithm="sort"`` picks the ranks from
    :func:`sort` instead (:func:`sort_rounds`); ``"auto"`` (the default) takes
    whichever needs fewer rounds (:func:`chosen_algorithm`). Work: ``(2^b - 1) * ceil(B / b)`` sign tests per element and rank.
    Security: masked openings only; the counts stay secret.
    Exact: the result is the order statistic's encoded value.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     x = s.share(np.array([5, 1, 4, 2, 3]), owner=0)
    ...     print(order_statistics(x, [0, 2]).reveal())
    [1 3]
    """
    x = _ordered(a, "order_statistics")
    if isinstance(bits_per_step, bool) or not isinstance(bits_per_step, (int, np.integer)) \
            or not 1 <= bits_per_step <= 8:
        raise ValueError(f"bits_per_step must be an integer in [1, 8], got {bits_per_step!r}")
    if algorithm not in ALGORITHMS:
        raise ValueError(f"algorithm must be one of {ALGORITHMS}, got {algorithm!r}")
    values, _, rest = _lanes(x, axis)
    n = values.shape[-1]
    ranks = np.asarray(ranks)
    if ranks.ndim != 1 or ranks.dtype.kind not in "iu" or ranks.size == 0:
        raise ValueError("ranks must be a non-empty 1-D sequence of public integers")
    if n == 0:
        raise ShapeError("order statistics of an empty SharedArray")
    if np.any((ranks < 0) | (ranks >= n)):
        raise ValueError(f"ranks must lie in [0, {n}), got {ranks.tolist()}")
    if n == 1:
        return np.broadcast_to(values, rest + (ranks.size,)).copy()
    if algorithm == "auto":
        algorithm = chosen_algorithm(x, n, bits_per_step)
    if algorithm == "sort":
        return sort(values, axis=-1)[..., ranks]
    frac = values.frac_bits
    grid = relabel(values, 0)[..., None, None, :]  # (*rest, 1, 1, n)
    B = grid_bits(x)
    lo = shared_constant(x, np.full(rest + (ranks.size,), -(2 ** (B - 1)), dtype=np.int64))
    limit = ranks.astype(np.int64) + 1
    top = B
    while top > 0:
        width = top - (-(-top // bits_per_step) - 1) * bits_per_step  # the first step takes the remainder
        j = top - width
        offsets = np.arange(1, 2**width, dtype=np.int64) * 2**j  # (T,)
        candidates = lo[..., None] + offsets  # (*rest, R, T)
        (below,) = sign_bits(grid - candidates[..., None])
        counts = below.sum(axis=-1)  # (*rest, R, T)
        (under,) = sign_bits(counts - limit[:, None])
        lo = lo + under.sum(axis=-1) * 2**j
        top = j
    return relabel(lo, frac)


def _fixed(x: SharedArray) -> SharedArray:
    return x if x.frac_bits else x.astype(float)


def _interpolated(x, q, axis, keepdims, bits_per_step, what, algorithm="auto") -> SharedArray:
    """NumPy's default ('linear') quantiles: ``x_(k) + g (x_(k+1) - x_(k))`` with ``h = (n - 1) q``."""
    x = _ordered(x, what)
    if isinstance(q, SharedArray):
        raise UnsupportedOperationError(f"{what}: q must be public")
    q = np.asarray(q, dtype=np.float64)
    if not np.all((q >= 0) & (q <= 1)):
        raise ValueError("Quantiles must be in the range [0, 1]")
    values, kept_shape, rest = _lanes(x, axis)
    n = values.shape[-1]
    if n == 0:
        raise ShapeError(f"{what} of an empty SharedArray")
    h = (n - 1) * q.ravel()
    k = np.floor(h).astype(np.int64)
    g = h - k
    upper = np.minimum(k + 1, n - 1)
    needed = np.unique(np.concatenate([k, upper[g > 0]]))
    stats = _fixed(order_statistics(values, needed, axis=-1, bits_per_step=bits_per_step,
                                    algorithm=algorithm))
    low = stats[..., np.searchsorted(needed, k)]  # (*rest, Q)
    result = low
    if np.any(g > 0):
        high = stats[..., np.searchsorted(needed, np.where(g > 0, upper, k))]
        result = low + _times_fraction(high - low, g)
    result = np.transpose(result, [len(rest)] + list(range(len(rest))))  # (Q, *rest)
    out_rest = kept_shape if keepdims else rest
    return result.reshape(q.shape + out_rest)


#: Bits per limb of the public fraction ``g`` in :func:`_times_fraction` (4 limbs: 56 bits of ``g``).
LIMB_BITS = 14


def _times_fraction(d: SharedArray, g: np.ndarray) -> SharedArray:
    """``d * g`` for public ``0 <= g < 1`` (along the last axis), within 1.01 ulps whatever ``|d|``.

    A power of two ``g`` (one value) is a shift: one truncation, below 1 ulp.
    Otherwise Horner's rule over four 14-bit limbs ``G_1..G_4`` of ``g``
    (56 bits): ``r <- (G_i D + r) / 2^14`` from the least significant limb, on
    the encoded integers ``D`` (``|G_i D + r| < 2^61`` for values in the safe
    range); each truncation errs below one unit, scaled down by the later ones.
    Cost: 1 round for a power of two, else 4 rounds.
    """
    if np.all(g == g.flat[0]) and g.flat[0] > 0 and np.frexp(g.flat[0])[0] == 0.5:
        return d * g
    digits = np.floor(np.ldexp(g, 4 * LIMB_BITS)).astype(np.int64)
    mask = 2**LIMB_BITS - 1
    encoded = relabel(d, 0)
    r = truncate(encoded * (digits & mask), LIMB_BITS, 0)  # least significant limb first
    for i in range(1, 4):
        limb = (digits >> (LIMB_BITS * i)) & mask
        r = truncate(encoded * limb + r, LIMB_BITS, 0)
    return relabel(r, d.frac_bits)


@stamped(of_quantile)
def quantile(a, q, axis=None, keepdims: bool = False, bits_per_step: int = BITS_PER_STEP,
             algorithm: str = "auto") -> SharedArray:
    """The ``q``-th quantiles along ``axis``, as ``numpy.quantile(a, q, axis)`` (method 'linear').

    With ``h = (n - 1) q``, ``k = floor(h)`` and ``g = h - k`` (public), the
    result is ``x_(k) + g (x_(k+1) - x_(k))``: the order statistics come exactly
    from :func:`order_statistics` (both in the same bisection); the term
    ``g (x_(k+1) - x_(k))`` is the only rounding (stochastic, :func:`_times_fraction`):
    below 1 ulp off NumPy's value when ``g`` is one power of two (the median of
    an even count), below 1.01 ulps otherwise (Horner over 56 bits of ``g``),
    whatever the gap; exact when ``g = 0``. The result is fixed point (integers are converted first; they must then be in the
    fixed-point safe range). Its shape is ``q.shape`` followed by ``a``'s shape
    without ``axis``.

    Cost: those of :func:`order_statistics` (``algorithm="auto"``, additive: :func:`sort_rounds`
    up to 4096 elements, 468 or fewer; :func:`bisection_rounds`, 470 at ``f = 16``,
    beyond), plus 1 round when ``g`` is one power of two, 4 when it is another
    non-zero fraction, 0 when every ``g`` is 0.
    Security: masked openings only (nothing is revealed until the caller's ``reveal``).

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     x = s.share(np.array([1.0, 2.0, 3.0, 4.0, 10.0]), owner=0)
    ...     print(np.quantile(x, [0.25, 0.5]).reveal())
    [2. 3.]
    """
    return _interpolated(a, q, axis, keepdims, bits_per_step, "quantile", algorithm)


@stamped(of_quantile)
def percentile(a, q, axis=None, keepdims: bool = False, bits_per_step: int = BITS_PER_STEP,
               algorithm: str = "auto") -> SharedArray:
    """The ``q``-th percentiles (``0 <= q <= 100``), as :func:`numpy.percentile`; see :func:`quantile`.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(np.percentile(s.share(np.arange(11.0), owner=0), 30).reveal())
    3.0
    """
    if isinstance(q, SharedArray):
        raise UnsupportedOperationError("percentile: q must be public")
    q = np.true_divide(np.asarray(q, dtype=np.float64), 100)
    if not np.all((q >= 0) & (q <= 1)):
        raise ValueError("Percentiles must be in the range [0, 100]")
    return _interpolated(a, q, axis, keepdims, bits_per_step, "percentile", algorithm)


@stamped(of_extreme)
def median(a, axis=None, keepdims: bool = False, bits_per_step: int = BITS_PER_STEP,
           algorithm: str = "auto") -> SharedArray:
    """The median along ``axis``, as :func:`numpy.median`: :func:`quantile` at ``q = 0.5``.

    Exact for odd counts; for even counts the mean of the two middle values,
    rounded stochastically to the grid (below 1 ulp).
    Cost: :func:`quantile`'s, plus 1 round for even counts (additive: 18 (+1)
    for 3 or 4 values, 471 for an even count above 4096 at ``f = 16``).

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(np.median(s.share(np.array([7.0, 1.0, 3.0]), owner=0)).reveal())
    3.0
    """
    return _interpolated(a, 0.5, axis, keepdims, bits_per_step, "median", algorithm)


def _no_extra(name, **extra):
    given = sorted(k for k, v in extra.items() if v not in (None, False))
    if given:
        raise UnsupportedOperationError(f"numpy.{name} on SharedArray does not support {given}")


@implements(np.median)
def _np_median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    _no_extra("median", out=out)
    return median(a, axis, keepdims)


def _method(name, method, extra):
    if method != "linear":
        raise UnsupportedOperationError(f"numpy.{name} on SharedArray supports method='linear' only, "
                                        f"got {method!r}")
    _no_extra(name, **extra)


@implements(np.quantile)
def _np_quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
                 **extra):
    _method("quantile", method, dict(out=out, **extra))
    return quantile(a, q, axis, keepdims)


@implements(np.percentile)
def _np_percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False,
                   **extra):
    _method("percentile", method, dict(out=out, **extra))
    return percentile(a, q, axis, keepdims)
