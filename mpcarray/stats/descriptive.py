"""Means, variances, covariances and Pearson correlations (NumPy names and defaults for columns).

Sums are exact ring sums; centring happens inside MPC on public power-of-two
scaled columns (:mod:`.moments`) and every division by ``n`` happens once, at
the end. Inputs are ``(n,)`` or ``(n, p)``: rows are patients, columns
variables (``axis=0``, ``rowvar=False``).
"""

import numpy as np

from ..array import SharedArray
from ..errors import ShapeError, UnsupportedOperationError
from ..functions import rsqrt
from . import _inputs
from .moments import moments
from .partition import additive
from .scaling import frac_bits, range_bits


def _check_axis(axis):
    if axis not in (0, -2):
        raise ValueError(f"only axis=0 (over rows, per column) is supported, got axis={axis!r}")


def _check_ddof(ddof, n):
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or not 0 <= ddof < n:
        raise ValueError(f"ddof must be an integer in [0, n) = [0, {n}), got {ddof!r}")


def mean(X: SharedArray, axis: int = 0) -> np.ndarray:
    """Column means of ``X``, as ``numpy.mean(X, axis=0)``.

    The sum of the encoded values is exact (ring arithmetic): each hospital
    sums its own encoded rows when the rows are owner-held, else all rows are
    summed on the shares. Error: only the input encoding, ``<= 2^-(f+1)``.

    Reveals: the column sums (equivalently the means, ``n`` being public).
    """
    _inputs.shared(X, "X")
    _check_axis(axis)
    n = X.shape[0]
    if X.frac_bits:
        scale = float(2**X.frac_bits)
        total = additive((X,), lambda a: np.rint(a * scale).astype(np.int64).sum(axis=0),
                         lambda x: x.sum(axis=0))
        value = total.reveal(label="column sums", cohort=n)
        # Owner-local sums are ring integers (the encoded values), secure ones fixed point.
        return (value / scale if total.frac_bits == 0 else value) / n
    total = additive((X,), lambda a: a.astype(np.int64).sum(axis=0), lambda x: x.sum(axis=0))
    return total.reveal(label="column sums", cohort=n) / n


def cov(X: SharedArray, rowvar: bool = False, ddof: int = 1, bounds=None) -> np.ndarray:
    """Covariance matrix of the columns of ``X``, as ``numpy.cov(X, rowvar=False, ddof=1)``.

    ``bounds`` (public bounds on ``|X|`` per column) avoid the magnitude reveal.

    Reveals: the covariance matrix; without ``bounds`` also each column's
    order of magnitude ``ceil(log2 max|x|)`` (see :func:`scale_exponents`).
    """
    X = _columns(X, rowvar)
    _check_ddof(ddof, X.shape[0])
    m = moments(X, bounds)
    scatter = m.scatter.reveal(label="scatter matrix", cohort=m.n)
    unscale = np.ldexp(1.0, -m.exponents)
    return scatter * np.outer(unscale, unscale) / (m.n - ddof)


def var(X: SharedArray, axis: int = 0, ddof: int = 0, bounds=None) -> np.ndarray:
    """Column variances, as ``numpy.var(X, axis=0, ddof=0)``.

    Reveals: the variances; without ``bounds`` also each column's order of
    magnitude (see :func:`scale_exponents`).
    """
    _inputs.shared(X, "X")
    _check_axis(axis)
    _check_ddof(ddof, X.shape[0])
    m = moments(X, bounds)
    p = m.scatter.shape[0]
    diagonal = m.scatter[np.arange(p), np.arange(p)].reveal(label="sums of squared deviations", cohort=m.n)
    result = np.ldexp(diagonal, -2 * m.exponents) / (m.n - ddof)
    return result[0] if X.ndim == 1 else result


def std(X: SharedArray, axis: int = 0, ddof: int = 0, bounds=None) -> np.ndarray:
    """Column standard deviations, as ``numpy.std(X, axis=0, ddof=0)``.

    Reveals: the standard deviations (the square roots of :func:`var`, which
    disclose the same).
    """
    return np.sqrt(var(X, axis, ddof, bounds))


#: corrcoef's validity condition: every column has ``std / max|x| >= 2^-SPREAD_BITS``.
SPREAD_BITS = 8
#: Relative error of ``mpc.rsqrt``'s start, in units of its result's ``2^-f`` (a margin over the
#: 2 ulp ``docs/functions.md`` documents where the result is at most 1).
RSQRT_ULPS = 3


def correlation_format(f: int) -> tuple[int, int, int]:
    """``(a, S, steps)`` of :func:`corrcoef` at ``f`` fractional bits (``R = 62 - 2f``).

    * ``|M| <= 2^a`` with ``a = 2 SPREAD_BITS``: a column at the validity limit then has
      ``M_jj >= 2^(a - 2 SPREAD_BITS - 3)``, so ``Y^2 = 4^S / M_jj <= 2^(2S + 3) < 2^R``;
    * ``Y = 2^S / sqrt(M_jj)`` with ``S = (R - 4) / 2``, so ``M_jj Y^2 = 4^S`` and
      ``M_ij Y_i <= 2^(S + a/2)`` stay below ``2^(R - 1)``, and ``2^a <= 2^(R - 2)``:
      needs ``R >= 18`` (``f <= 22``);
    * ``steps`` Newton steps take rsqrt's start (relative error ``RSQRT_ULPS 2^(a/2 - f)``,
      its result being at least ``2^-(a/2)``; each step maps ``e`` to ``1.5 e^2 + 0.5 e^3``)
      below ``Y``'s own resolution ``2^-(f + S - a/2)``: 4 at ``f = 12``, 2 at 16 and 20.
      The steps converge from a start below 1/2: needs ``f >= 11``.

    Raises :class:`~mpcarray.errors.UnsupportedOperationError` outside ``11 <= f <= 22``.
    """
    a = 2 * SPREAD_BITS
    supported = [g for g in range(1, 29) if _fits(g, a) and RSQRT_ULPS * 2.0 ** (a // 2 - g) < 0.5]
    if f not in supported:
        why = ("raise frac_bits: rsqrt's start is too coarse for the Newton steps" if f < min(supported) else
               "lower frac_bits: the scaled products leave the safe range 2^(62 - 2 frac_bits)")
        raise UnsupportedOperationError(
            f"corrcoef needs {min(supported)} <= frac_bits <= {max(supported)}, got frac_bits={f}: {why}")
    S = (range_bits(f) - 4) // 2
    error, steps = RSQRT_ULPS * 2.0 ** (a // 2 - f), 0
    while error > 2.0 ** -(f + S - a // 2):
        error, steps = 1.5 * error**2 + 0.5 * error**3, steps + 1
    return a, S, steps


def _fits(f: int, a: int) -> bool:
    """Whether ``|M| <= 2^a`` and ``|M_ij Y_i| <= 2^(S + a/2)`` keep a bit of headroom in ``2^R``."""
    R = range_bits(f)
    return a <= R - 2 and (R - 4) // 2 + a // 2 < R - 1


def corrcoef(X: SharedArray, rowvar: bool = False, bounds=None, newton_steps: int | None = None) -> np.ndarray:
    """Pearson correlation matrix of the columns, as ``numpy.corrcoef(X, rowvar=False)``.

    ``rho_ij = M_ij / sqrt(M_ii M_jj)`` is formed inside MPC. With ``R = 62 - 2f``
    and ``(a, S, steps)`` from :func:`correlation_format`: the scatter matrix ``M`` is
    rescaled (public power of two) so that ``|M| <= 2^a``; ``Y_j = 2^S / sqrt(M_jj)``
    starts from :func:`mpcarray.rsqrt` and is refined by ``steps`` Newton steps
    (``newton_steps`` overrides) ``Y <- Y (3 - M_jj Y^2 / 2^(2S)) / 2`` in a representation
    where every factor has many significant bits; ``rho * 2^(2S)`` is opened and rescaled.
    At ``f = 16``: ``a = 16``, ``S = 13``, 2 steps. Valid while every column has
    ``std / max|x| >= 2^-8`` and ``11 <= f <= 22`` (see the docs).

    Cost: each Newton step 9 rounds (additive sessions), so ``f = 12`` (4 steps) takes 18
    rounds more than ``f = 16``.

    Reveals: the correlation matrix; without ``bounds`` also each column's
    order of magnitude (see :func:`scale_exponents`).
    """
    X = _columns(X, rowvar)
    a, S, steps = correlation_format(frac_bits(X))
    m = moments(X, bounds)
    M = m.scatter * np.ldexp(1.0, a - int(np.ceil(np.log2(m.bound))))
    p = M.shape[0]
    v = M[np.arange(p), np.arange(p)]
    y = rsqrt(v) * 2**S
    for _ in range(steps if newton_steps is None else newton_steps):
        # e = v y^2 / 2^(2S - 7) ~ 2^7 keeps many significant bits; y (1.5 - e / 2^8).
        e = (v * (y * y)) * 2.0 ** (7 - 2 * S)
        y = y * 1.5 - (y * e) * 2.0**-8
    scaled = (M * y[:, None]) * y[None, :]
    return scaled.reveal(label="correlation matrix", cohort=m.n) / 4.0**S


def _columns(X, rowvar: bool) -> SharedArray:
    """``X`` with variables as columns (``rowvar=True`` transposes, as NumPy)."""
    _inputs.shared(X, "X")
    if rowvar:
        X = X.T if X.ndim == 2 else X
    if X.ndim == 2 and X.shape[0] < 2:
        raise ShapeError(f"need at least 2 observations, got shape {X.shape}")
    return X
