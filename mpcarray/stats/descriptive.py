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


def corrcoef(X: SharedArray, rowvar: bool = False, bounds=None, newton_steps: int = 2) -> np.ndarray:
    """Pearson correlation matrix of the columns, as ``numpy.corrcoef(X, rowvar=False)``.

    ``rho_ij = M_ij / sqrt(M_ii M_jj)`` is formed inside MPC. With ``R = 62 - 2f``
    (30 at ``f = 16``): the scatter matrix ``M`` is rescaled (public power of
    two) so that ``|M| <= 2^(R - 14)``; ``Y_j = 2^S / sqrt(M_jj)``, ``S = (R - 4) / 2``,
    starts from :func:`mpcarray.rsqrt` and is refined by Newton steps
    ``Y <- Y (3 - M_jj Y^2 / 2^(2S)) / 2`` in a representation where every
    factor has many significant bits; ``rho * 2^(2S)`` is opened and rescaled.
    Valid while every column has ``std / max|x| >= 2^-8`` and ``f <= 20`` (see the docs).

    Reveals: the correlation matrix; without ``bounds`` also each column's
    order of magnitude (see :func:`scale_exponents`).
    """
    X = _columns(X, rowvar)
    R = range_bits(frac_bits(X))
    if R < 22:
        raise UnsupportedOperationError(f"corrcoef needs frac_bits <= 20 (the Newton steps need 2^22 of range), "
                                        f"got {frac_bits(X)}")
    m = moments(X, bounds)
    S = (R - 4) // 2
    M = m.scatter * np.ldexp(1.0, R - 14 - int(np.ceil(np.log2(m.bound))))
    p = M.shape[0]
    v = M[np.arange(p), np.arange(p)]
    y = rsqrt(v) * 2**S
    for _ in range(newton_steps):
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
