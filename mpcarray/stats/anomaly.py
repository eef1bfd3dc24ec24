"""Per-record anomaly scores from the pooled mean and covariance: z-scores and Mahalanobis distances.

Rows are patients held by different hospitals (``np.concatenate`` of their
shares). The column means and the covariance of all rows are computed inside
MPC and never opened; each record's score, or only whether it exceeds a
threshold, is opened to the hospital that holds the record
(``reveal(to=X.row_owners)``), so a hospital learns the flags of its own
patients and nothing about the others' rows.

Notation: ``X' = X 2^e`` with the public power-of-two column scales of
:mod:`.moments` (Mahalanobis distances and z-scores do not change under
column scaling), ``C = X' - m`` the centred rows, ``M = C^T C`` the scatter
matrix, ``S = M / (n - ddof)`` the covariance and ``v = diag(S)``.

* z-scores ``z_ij = C_ij / sqrt(v_j)``; the flag ``|z_ij| > k`` is the
  comparison ``C_ij^2 > k^2 v_j`` (no square root inside MPC).
* squared Mahalanobis distances ``d_i^2 = c_i^T S^-1 c_i``: the shared
  :class:`~mpcarray.functions.solver.SPDSolver` gives ``Y = 2^s S^-1 C^T``
  (one solve for every record, ``s`` extra bits), ``q_i = sum_j C_ij Y_ji =
  2^s d_i^2``; the flag ``d_i > t`` is the comparison ``q_i > t^2 2^s``.
"""

import numpy as np

from ..array import SharedArray, primitives
from ..errors import PartyError, ShapeError
from ..functions import rsqrt
from ..functions.solver import SPDSolver
from ..lazy_imports import scipy_stats
from . import _inputs
from .moments import Scatter, moments
from .scaling import frac_bits, power_of_two, range_bits

__all__ = ["anomaly_flags", "mahalanobis", "zscore"]

#: Bits the z-score path leaves to the scaled variances (``v 4^-a <= 4^ZSCORE_BITS``): a
#: typical column (``std / max`` near 1/10) then has ``v 4^-a`` near 2 and ``rsqrt`` near
#: 0.7, both rounded to ``2^-f`` with little relative loss.
ZSCORE_BITS = 4
#: Significant bits the solver's Jacobi scale ``rsqrt(v)`` keeps at ``2^-f`` resolution. The
#: covariance's diagonal is below ``4^(t + 1)`` (``t`` the scaled values' bits, ``_target``), so
#: it is divided by a public ``4^h`` that brings it below ``4^(f - JACOBI_BITS)``: a scale with
#: fewer bits gives a diagonal far from 1 (0.6 to 3.1 for iris at ``f = 12`` with 1 or 2 bits),
#: beyond the chain's eigenvalue interval, and the solver reported an ill-conditioned matrix.
#: More bits cost precision (at 6, the diabetes distances at ``f = 12`` exceeded their bound).
JACOBI_BITS = 3
#: The solver's eigenvalue margin for a diagonal up to ``(1 + 2^-JACOBI_BITS)^2``, about 1.27.
JACOBI_MARGIN = 1.3
#: Default ``|z|`` above which a value is flagged.
Z_THRESHOLD = 3.0
#: Default tail probability of the chi-squared cut-off for Mahalanobis distances.
CHI2_TAIL = 0.025


def _receivers(X: SharedArray, to):
    """The party receiving each row: ``to``, or the rows' owners; checked before any computation."""
    if to is None:
        to = X.row_owners
        if to is None:
            raise PartyError("X's rows have no single owners (not a concatenation of the hospitals' own "
                             "shares, or its columns: arithmetic and row selection do not keep the owners): "
                             "say who receives each row with to=")
        return to
    names = X.parties
    single = isinstance(to, (str, int, np.integer))
    for party in [to] if single else to:
        if not (party in names or (isinstance(party, (int, np.integer)) and 0 <= party < len(names))):
            raise PartyError(f"unknown party {party!r}; parties are {list(names)}")
    if not single and len(to) != X.shape[0]:
        raise ShapeError(f"to= needs one party per row: got {len(to)} for {X.shape[0]} rows")
    return to


def _ddof(ddof, n: int) -> int:
    if isinstance(ddof, bool) or not isinstance(ddof, (int, np.integer)) or not 0 <= ddof < n:
        raise ValueError(f"ddof must be an integer in [0, n) = [0, {n}), got {ddof!r}")
    return int(ddof)


def _threshold(value, name: str) -> float:
    if isinstance(value, SharedArray):
        raise TypeError(f"{name} must be a public number, not a SharedArray")
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)) \
            or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def _columns(X, inverse: bool = False) -> tuple[int, int]:
    """``(n, p)`` of ``X``: at least 2 rows, and more rows than columns when the covariance is inverted."""
    _inputs.shared(X, "X")
    n, p = X.shape[0], (1 if X.ndim == 1 else X.shape[1])
    if n < 2 or (inverse and n <= p):
        raise ShapeError(f"need {'more records than columns' if inverse else 'at least 2 records'}, "
                         f"got shape {X.shape}")
    return n, p


def _centred(X: SharedArray, bounds) -> tuple[Scatter, SharedArray]:
    """The scaled scatter matrix and the scaled, centred rows ``C = X 2^e - m`` (shared)."""
    m = moments(X, bounds, label="X")
    X = X if X.frac_bits else X.astype(float)
    scaled = X.reshape(X.shape[0], -1) * power_of_two(m.exponents)
    return m, scaled - scaled.mean(axis=0)


def _target(m: Scatter) -> int:
    """Bits of the scaled values: ``|X 2^e| < 2^target``, so ``|C| < 2^(target + 1)``."""
    return int(np.rint(np.log2(m.bound / m.n) / 2))


# ---------------------------------------------------------------- z-scores
def _zscore_shift(m: Scatter) -> int:
    """``a`` with ``v 4^-a <= 4^ZSCORE_BITS`` (about, for ``n >> ddof``)."""
    return max(_target(m) - ZSCORE_BITS, 0)


def _zscore_parts(X, ddof, bounds, to, shifted: bool = False):
    """Checks, then the scatter, the centred rows and the variances ``v`` (times ``4^-a`` if ``shifted``).

    One public multiplication forms ``M_jj 4^-a / (n - ddof)``: a single rounding.
    """
    n, p = _columns(X)
    to = _receivers(X, to)
    ddof = _ddof(ddof, n)
    m, C = _centred(X, bounds)
    factor = (4.0 ** -_zscore_shift(m) if shifted else 1.0) / (m.n - ddof)
    variance = m.scatter[np.arange(p), np.arange(p)] * factor
    return X.ndim == 1, to, m, C, variance


def zscore(X: SharedArray, ddof: int = 0, bounds=None, to=None):
    """Each record's z-scores from the pooled means and standard deviations, as ``scipy.stats.zscore``.

    ``z_ij = (x_ij - mean_j) / std_j`` over all hospitals' rows (``axis=0``);
    every hospital receives the rows of its own patients.

    Steps: the scaled scatter matrix (:mod:`.moments`) and centred rows ``C``;
    the variances times the public ``4^-a`` (``a`` chosen so that ``v 4^-a <= 4^4``:
    the variances and their ``rsqrt`` then both keep their relative accuracy);
    ``z = C rsqrt(v 4^-a) 2^-a`` with one truncation; the rows are opened to their receivers.
    Error and rounds: ``docs/anomaly.md`` (``|z - z_scipy| <= 1.5e-4 max(1, |z|)`` on the
    diabetes data at ``f = 16``).

    Reveals: to each record's receiver (``to``, by default the hospital that
    shared the row, :attr:`~mpcarray.SharedArray.row_owners`) its row of
    z-scores; without ``bounds`` also each column's order of magnitude to all
    (see :func:`~mpcarray.stats.scale_exponents`). The means and standard
    deviations stay shared.

    Parameters
    ----------
    X : SharedArray, shape (n,) or (n, p)
        Records (rows) held by the hospitals, fixed point or integers.
    ddof : int
        Delta degrees of freedom of the standard deviation (SciPy's default 0).
    bounds : array_like, optional
        Public bounds on ``|X|`` per column; they avoid the magnitude reveal.
    to : party or sequence of parties, optional
        The receiver of each row (default ``X.row_owners``).

    Returns
    -------
    numpy.ndarray, the shape of ``X``
        In the simulated backend all rows; over sockets a hospital's own rows
        (``None`` at a party that receives none).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b"], seed=1) as s:
    ...     a = s.share(np.array([61.0, 47.0, 52.0]), owner="hosp_a")
    ...     b = s.share(np.array([55.0, 90.0]), owner="hosp_b")
    ...     z = mpc.stats.zscore(np.concatenate([a, b]))
    >>> print(np.round(z, 2))
    [ 0.   -0.92 -0.59 -0.39  1.91]
    """
    one, to, m, C, v = _zscore_parts(X, ddof, bounds, to, shifted=True)
    a = _zscore_shift(m)
    r = rsqrt(v)
    # C read with a more fractional bits is C 2^-a: the product's one truncation also divides
    z = primitives.relabel(C, C.frac_bits + a) * r
    opened = z.reveal(label="z-scores", cohort=1, to=to)  # each value concerns one record
    return opened.reshape(-1) if one and opened is not None else opened


# ---------------------------------------------------------------- Mahalanobis
def _squared_distances(X, ddof, bounds, to, max_condition):
    """Checks, then ``(q, s, n)`` with the shared ``q_i = 2^s d_i^2``."""
    n, _ = _columns(X, inverse=True)
    to = _receivers(X, to)
    ddof = _ddof(ddof, n)
    if not max_condition >= 1:
        raise ValueError(f"max_condition must be >= 1, got {max_condition!r}")
    m, C = _centred(X, bounds)
    R = range_bits(frac_bits(X))
    t = _target(m)
    # |C| 2^s and q = 2^s d^2 (d^2 <= n) stay below the safe range, with a bit to spare
    s = min(R - 3 - t, R - 2 - int(np.ceil(np.log2(n))))
    # at most s / 2, so that q = 2^s d^2 stays in range (then the scale keeps fewer bits)
    h = int(np.clip(t + 1 - (frac_bits(X) - JACOBI_BITS), 0, s // 2))
    covariance = m.scatter * (4.0**-h / (n - ddof))  # S 4^-h, so S^-1 = 4^-h (S 4^-h)^-1
    # 2^s S^-1 C^T, (p, n), solved in the rounds of the solver's conditioning check
    Y = SPDSolver(covariance, max_condition, margin=JACOBI_MARGIN, rhs=(C.T, s - 2 * h, 3)).solution
    return (C * Y.T).sum(axis=1), s, to


def mahalanobis(X: SharedArray, ddof: int = 1, bounds=None, to=None, max_condition: float = 1e4):
    """Each record's Mahalanobis distance from the pooled mean, under the pooled covariance.

    ``d_i = sqrt((x_i - mean)^T S^-1 (x_i - mean))`` with ``S = numpy.cov(X, rowvar=False, ddof=1)``,
    as ``scipy.spatial.distance.mahalanobis(x_i, mean, inv(S))`` for every row;
    every hospital receives the distances of its own patients.

    Steps: the scaled scatter matrix (:mod:`.moments`) and centred rows ``C``;
    ``Y = 2^s S^-1 C^T`` by the SPD solver (:class:`~mpcarray.functions.solver.SPDSolver`,
    Jacobi scaling, 3 refinements) for all records at once;
    ``q_i = sum_j C_ij Y_ji = 2^s d_i^2``; ``q`` is opened to the receivers,
    who divide by ``2^s`` and take the square root.
    Error and rounds: ``docs/anomaly.md`` (``|d^2 - d^2_scipy| <= 5e-4`` on the
    diabetes data at ``f = 16``).

    Reveals: to each record's receiver (``to``, default ``X.row_owners``) its
    distance; to all, one bit, whether the covariance (scaled to a unit
    diagonal) is conditioned within ``max_condition``; without ``bounds``
    each column's order of magnitude (see :func:`~mpcarray.stats.scale_exponents`).
    The mean and covariance stay shared.

    Parameters
    ----------
    X : SharedArray, shape (n, p)
        Records held by the hospitals, ``n > p``.
    ddof : int
        Delta degrees of freedom of the covariance (NumPy's default 1).
    bounds : array_like, optional
        Public bounds on ``|X|`` per column; they avoid the magnitude reveal.
    to : party or sequence of parties, optional
        The receiver of each row (default ``X.row_owners``).
    max_condition : float
        Largest condition number of the correlation matrix the solver accepts;
        above it :class:`~mpcarray.errors.ConditioningError` is raised and no distance is opened.

    Returns
    -------
    numpy.ndarray, shape (n,)
        In the simulated backend all rows; over sockets a hospital's own rows
        (``None`` at a party that receives none).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> a_rows = np.array([[61.0, 80.0], [47.0, 71.0], [52.0, 77.0]])
    >>> b_rows = np.array([[55.0, 75.0], [70.0, 73.0]])
    >>> with mpc.Session(parties=["hosp_a", "hosp_b"], seed=1) as s:
    ...     X = np.concatenate([s.share(a_rows, owner="hosp_a"), s.share(b_rows, owner="hosp_b")])
    ...     d = mpc.stats.mahalanobis(X)
    >>> print(np.round(d, 2))
    [1.39 1.51 0.85 0.23 1.74]
    """
    q, s, to = _squared_distances(X, ddof, bounds, to, max_condition)
    opened = q.reveal(label="Mahalanobis distances", cohort=1, to=to)
    return None if opened is None else np.sqrt(np.maximum(np.ldexp(opened, -s), 0.0))


# ---------------------------------------------------------------- flags
def anomaly_flags(X: SharedArray, method: str = "mahalanobis", threshold=None, ddof=None, bounds=None,
                  to=None, max_condition: float = 1e4):
    """Which records are anomalous, each hospital told only about its own patients.

    * ``method="mahalanobis"``: record ``i`` is flagged when its Mahalanobis
      distance (:func:`mahalanobis`) exceeds ``threshold``, by default
      ``sqrt(chi2.ppf(0.975, p))`` (the cut-off for ``p`` normal variables with
      2.5% of records above it). Result shape ``(n,)``.
    * ``method="zscore"``: value ``(i, j)`` is flagged when ``|z_ij| >
      threshold`` (:func:`zscore`), by default 3. Result shape of ``X``.

    The comparison happens inside MPC: ``q_i > threshold^2 2^s`` for the
    shared ``q_i = 2^s d_i^2``, or ``C_ij^2 > threshold^2 v_j`` without any
    square root; only the flags are opened. Records whose distance is within
    the documented error of the threshold may be flagged either way
    (``docs/anomaly.md``).

    Reveals: to each record's receiver (``to``, default ``X.row_owners``) its
    flag(s), nothing else about the record; for ``"mahalanobis"`` to all one bit,
    whether the covariance is conditioned within ``max_condition``; without
    ``bounds`` each column's order of magnitude (see
    :func:`~mpcarray.stats.scale_exponents`).

    Parameters
    ----------
    X : SharedArray, shape (n,) or (n, p)
    method : {"mahalanobis", "zscore"}
    threshold : float, optional
        Distance (not squared) or ``|z|`` above which a record is flagged.
    ddof : int, optional
        Delta degrees of freedom: default 1 for the covariance, 0 for z-scores (NumPy's and SciPy's defaults).
    bounds, to, max_condition
        As for :func:`mahalanobis`.

    Returns
    -------
    numpy.ndarray of bool
        In the simulated backend all rows; over sockets a hospital's own rows
        (``None`` at a party that receives none).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b"], seed=1) as s:
    ...     a = s.share(np.array([61.0, 47.0, 52.0]), owner="hosp_a")
    ...     b = s.share(np.array([55.0, 90.0]), owner="hosp_b")
    ...     flags = mpc.stats.anomaly_flags(np.concatenate([a, b]), method="zscore", threshold=1.5)
    ...     print(flags, s.disclosures[-1]["receivers"])
    [False False False False  True] ('hosp_a', 'hosp_a', 'hosp_a', 'hosp_b', 'hosp_b')
    """
    if method not in ("mahalanobis", "zscore"):
        raise ValueError(f"method must be 'mahalanobis' or 'zscore', got {method!r}")
    if method == "zscore":
        k = _threshold(Z_THRESHOLD if threshold is None else threshold, "threshold")
        one, to, _, C, variance = _zscore_parts(X, 0 if ddof is None else ddof, bounds, to)
        above = (C * C) > variance * k**2
    else:
        _inputs.shared(X, "X")
        p = 1 if X.ndim == 1 else X.shape[1]
        t = _threshold(np.sqrt(scipy_stats().chi2.ppf(1 - CHI2_TAIL, p)) if threshold is None else threshold, "threshold")
        q, s, to = _squared_distances(X, 1 if ddof is None else ddof, bounds, to, max_condition)
        one, above = False, q > t * t * 2.0**s
    opened = above.reveal(label=f"anomaly flags ({method})", cohort=1, to=to)
    if opened is None:
        return None
    flags = opened.astype(bool)
    return flags.reshape(-1) if one else flags
