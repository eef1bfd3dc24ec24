"""Cox proportional-hazards regression on shared data: ``CoxPH`` (Newton–Raphson on the partial likelihood).

Notation (Therneau & Grambsch, *Modeling Survival Data*, 2000, §3.3). Rows
``i`` with covariates ``z_i`` (standardised inside), weights
``w_i = exp(z_i γ)``; distinct event times ``t_j`` with ``d_j`` events; risk
set ``R_j = {i : time_i >= t_j}`` and tied events ``D_j``. For ``k = 0, 1, 2``:
``S^k_j = Σ_{R_j} w_i z_i^{⊗k}`` and ``H^k_j = Σ_{D_j} w_i z_i^{⊗k}``. Efron's
terms are ``Φ^k_{jl} = S^k_j - (l / d_j) H^k_j`` for ``l = 0 .. d_j - 1``
(each counted once); Breslow's are ``Φ^k_j = S^k_j`` (counted ``d_j`` times). With
``m = Φ^1 / Φ^0`` the score is ``U = Σ_{events} z_i - Σ m`` and the observed
information ``I = Σ (Φ^2 / Φ^0 - m m^T)``.

Secure evaluation: the distinct event times and ``d_j`` are opened once (as
:func:`mpcarray.stats.kaplan_meier` opens them); each row's 0/1 membership of
every risk set and tie (:func:`mpcarray.stats.survival.risk_set_indicators`,
owner-local for hospitals' own rows) is formed once; per Newton step,
``w = exp(z γ)``, all ``S^k`` and ``H^k`` in one shared matrix product, Efron's
terms as a public linear map, ``2^b / Φ^0`` by a refined reciprocal, and the
step ``I^-1 U`` with :class:`~mpcarray.models.SPDSolver`.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray, primitives
from ..errors import DataError, ShapeError, UnsupportedOperationError
from ..functions import exp
from ..lazy_imports import scipy_stats
from ..stats.survival import event_counts, event_counts_on, risk_set_indicators
from . import precision
from ._validation import NotFittedError, shared
from .moments import standardize
from .params import EstimatorParams
from .solver import SPDSolver

TIES = ("efron", "breslow")
#: Bits of the ``Φ^0`` range that the reciprocal's first guess keeps (``2^b / Φ^0`` needs
#: ``Φ^0 < 2^RECIPROCAL_BITS`` to start Newton's iteration inside its basin).
RECIPROCAL_BITS = 12
#: Refinement steps of the reciprocal (each squares its relative error).
RECIPROCAL_STEPS = 3


@dataclass(frozen=True)
class _Terms:
    """The public structure of the partial likelihood: which sums each term combines.

    ``matrix`` (terms x 2G) maps the stacked risk-set and tie sums to the terms
    (scaled by ``2^-shift``); ``weight`` is each term's multiplicity divided by
    the number of events ``D``.
    """

    matrix: np.ndarray
    weight: np.ndarray
    shift: int


def _terms(deaths: np.ndarray, ties: str, n: int) -> _Terms:
    """Efron's ``d_j`` terms per event time, or Breslow's one term of multiplicity ``d_j``."""
    g = deaths.size
    shift = max(0, int(np.ceil(np.log2(n))) - RECIPROCAL_BITS)  # keeps Φ^0 <= n max(w) 2^-shift small
    if ties == "breslow":
        matrix = np.hstack([np.eye(g), np.zeros((g, g))])
        weight = deaths.astype(np.float64)
    else:
        rows = np.repeat(np.arange(g), deaths)
        tie = np.concatenate([np.arange(d) / d for d in deaths])
        matrix = np.zeros((rows.size, 2 * g))
        matrix[np.arange(rows.size), rows] = 1.0
        matrix[np.arange(rows.size), g + rows] = -tie
        weight = np.ones(rows.size)
    return _Terms(matrix * 2.0**-shift, weight / deaths.sum(), shift)


def _pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Column indices ``(a, b)``, ``a <= b``, of the packed symmetric products ``z_a z_b``."""
    return np.triu_indices(p)


class CoxPH(EstimatorParams):
    """Cox proportional-hazards model ``h(t | x) = h_0(t) exp(x coef_)``, as lifelines' ``CoxPHFitter``.

    Parameters
    ----------
    ties : {"efron", "breslow"}
        Handling of tied event times: Efron's approximation (lifelines' and
        R's default) or Breslow's (statsmodels' ``PHReg`` default).
    max_iter : int
        Newton–Raphson steps, all run (a stopping test would reveal progress).
    alpha : float
        ``1 - alpha`` confidence intervals in :meth:`summary`.
    max_condition : float
        Largest condition number of each (Jacobi-scaled) information matrix.

    Attributes
    ----------
    coef_ : ndarray (p,)
        Log hazard ratios.
    se_ : ndarray (p,)
        Standard errors from the inverse observed information at the last step.
    event_times_, event_counts_ : ndarray
        The distinct event times and the number of events at each (opened).

    Notes
    -----
    ``time`` must be shared non-negative integers (days, weeks; as
    :func:`mpcarray.stats.kaplan_meier` with ``timeline=None``) and ``event``
    shared 0/1 integers; ``X`` shared reals, rows aligned with ``time``
    (hospitals' rows concatenated, or columns stacked). ``X`` is standardised
    inside (the partial likelihood does not depend on centring, and scaling
    only rescales the coefficients); ``|x coef_|`` of the standardised rows must
    stay below about 20 (where ``exp`` saturates at 16 fractional bits).

    Reveals: the longest follow-up time (not with a public ``timeline``, see
    :meth:`fit`), the distinct event times and the number of events at each, whether ``event`` holds only 0/1 values, then
    ``coef_`` and the variances ``se_**2`` (each coarse, then precise), and per
    Newton step one or two bits about the conditioning of the information
    matrix (as :class:`~mpcarray.models.LogisticRegression`).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> from lifelines.datasets import load_rossi
    >>> rossi = load_rossi()
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     X = s.share(rossi[["fin", "age", "prio"]].to_numpy(float), owner="hosp_a")
    ...     week = s.share(rossi["week"].to_numpy(), owner="hosp_a")
    ...     arrest = s.share(rossi["arrest"].to_numpy(), owner="hosp_a")
    ...     model = mpc.models.CoxPH().fit(X, week, arrest)
    >>> np.round(model.coef_, 3)
    array([-0.347, -0.067,  0.097])
    >>> model.summary(names=["fin", "age", "prio"])[["coef", "se(coef)", "p"]].round(3)  # doctest: +NORMALIZE_WHITESPACE
                coef  se(coef)      p
    covariate
    fin       -0.347     0.190  0.068
    age       -0.067     0.021  0.001
    prio       0.097     0.027  0.000
    """

    def __init__(self, ties: str = "efron", max_iter: int = 6, alpha: float = 0.05,
                 max_condition: float = 1e4):
        if ties not in TIES:
            raise ValueError(f"ties must be one of {TIES}, got {ties!r}")
        if not (isinstance(max_iter, (int, np.integer)) and max_iter >= 1):
            raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
        if not 0 < alpha < 1:
            raise ValueError(f"alpha must lie in (0, 1), got {alpha}")
        self.ties = ties
        self.max_iter = max_iter
        self.alpha = alpha
        self.max_condition = max_condition

    def fit(self, X: SharedArray, time: SharedArray, event: SharedArray, timeline=None) -> "CoxPH":
        """Fit on shared covariates ``X`` (n, p), integer times (n,) and 0/1 events (n,). Returns ``self``.

        ``timeline``: optional public increasing times that contain every event time
        (e.g. the study's weeks 1 to 52). Then the longest follow-up time, one
        patient's value that a ``min_cohort`` policy refuses, is not opened (nor searched
        for: rossi with weeks 1 to 52 takes 627 rounds instead of 649); the events are
        counted at every timeline point and :class:`~mpcarray.errors.DataError` is
        raised if some event time is missing.

        Reveals: see the class docstring (labels ``"CoxPH.<name>"``).
        """
        X, time, event = _check(X, time, event)
        n, p = X.shape
        bits = precision.extra_bits(precision.model_range_bits(X, "CoxPH"))
        if timeline is None:
            grid, deaths = event_counts(time, event)
            indicators = risk_set_indicators(time, event, grid)  # (n, 2G) 0/1
        else:
            grid, deaths, indicators = event_counts_on(time, event, timeline)
        if deaths.sum() == 0:
            raise DataError("CoxPH needs at least one event")
        self.event_times_, self.event_counts_ = grid, deaths
        terms = _terms(deaths, self.ties, n)
        Z, _, weight = standardize(X)
        a, b = _pairs(p)
        columns = np.hstack([np.ones((n, 1)), Z, Z[:, a] * Z[:, b]])  # 1, z, packed z z^T
        events = int(deaths.sum())
        observed = (event @ Z) * (2.0**bits / events)  # 2^b Σ_events z / D
        gamma, solver = None, None  # γ * 2^bits
        for _ in range(int(self.max_iter)):
            w = exp((Z @ gamma) * 2.0**-bits) if gamma is not None else None
            values = columns if w is None else columns * w.reshape(n, 1)
            phi = terms.matrix @ (indicators.T @ values)  # Φ^0, Φ^1, packed Φ^2 per term
            inverse = precision.refined_reciprocal(phi[:, 0], bits, RECIPROCAL_STEPS)  # 2^b / Φ^0
            ratios = phi[:, 1:] * inverse.reshape(-1, 1)  # 2^b (m, packed Φ^2 / Φ^0)
            mean = ratios[:, :p]
            gradient = observed - terms.weight @ mean  # 2^b U / D
            unscaled = mean * 2.0**-bits
            packed = (terms.weight @ ratios[:, p:]) * 2.0**-bits
            information = _unpack(packed, p) - (unscaled * terms.weight.reshape(-1, 1)).T @ unscaled
            solver = SPDSolver(information, self.max_condition, warm_start=solver, rhs=(gradient, 0, 3))
            step = solver.solution  # solved in the rounds of the solver's conditioning check
            gamma = step if gamma is None else gamma + step

        def variances():  # Var(β_j) = w_j^2 (I^-1)_jj, I = D × information
            index = np.arange(p)
            identity = solver.A * 0 + np.eye(p)  # a shared constant, no communication
            diagonal = solver.solve(identity, scale_bits=bits)[index, index]
            return precision.reveal_product(diagonal * weight, weight, bits, "CoxPH.variance")

        # the coefficients' reveal does not depend on the variances: its openings ride in their rounds
        self.coef_, variance = primitives.concurrently(
            gamma, lambda: precision.reveal_product(gamma, weight, bits, "CoxPH.coef_"), variances)
        self.se_ = np.sqrt(variance / events)
        return self

    def summary(self, names=None) -> "pandas.DataFrame":  # noqa: F821 - pandas is imported on use
        """The coefficient table of lifelines' ``CoxPHFitter.summary``: coef, exp(coef), se, z, p, CI.

        ``names`` labels the rows (default ``x0, x1, ...``): the covariates' public names. Needs
        pandas (not a dependency of mpcarray itself; it comes with lifelines and statsmodels).

        Reveals: nothing (computed from ``coef_`` and ``se_``).
        """
        if getattr(self, "coef_", None) is None:
            raise NotFittedError("this CoxPH is not fitted yet; call fit(X, time, event) first")
        z = self.coef_ / self.se_
        q = scipy_stats().norm.ppf(1 - self.alpha / 2)
        lower, upper = self.coef_ - q * self.se_, self.coef_ + q * self.se_
        level = round(100 * (1 - self.alpha))
        import pandas as pd  # only the table needs it

        return pd.DataFrame({
            "coef": self.coef_, "exp(coef)": np.exp(self.coef_), "se(coef)": self.se_,
            f"coef lower {level}%": lower, f"coef upper {level}%": upper,
            f"exp(coef) lower {level}%": np.exp(lower), f"exp(coef) upper {level}%": np.exp(upper),
            "z": z, "p": 2 * scipy_stats().norm.sf(np.abs(z)),
        }, index=pd.Index(_names(names, self.coef_.size), name="covariate"))


def _names(names, p: int) -> list[str]:
    """Row labels of the summary: the given names, or ``x0 .. x(p-1)``."""
    if names is None:
        return [f"x{j}" for j in range(p)]
    names = [str(name) for name in names]
    if len(names) != p:
        raise ShapeError(f"names has {len(names)} entries for {p} coefficients")
    return names


def _unpack(packed: SharedArray, p: int) -> SharedArray:
    """The symmetric ``p x p`` matrix from its packed upper triangle (a public index map)."""
    full = np.zeros((p, p), dtype=np.int64)
    full[np.triu_indices(p)] = np.arange(packed.shape[0])
    full = np.maximum(full, full.T)
    return packed[full.ravel()].reshape(p, p)


def _check(X, time, event) -> tuple:
    """Shapes and types of the inputs; that ``event`` holds 0/1 (one opened bit)."""
    X = shared(X, "X", 2)
    time, event = shared(time, "time", 1), shared(event, "event", 1)
    if X.shape[0] < 2 or X.shape[1] < 1:
        raise ShapeError(f"X needs at least 2 rows and 1 column, got shape {X.shape}")
    if not X.shape[0] == time.shape[0] == event.shape[0]:
        raise ShapeError(f"X, time and event must have the same number of rows, got "
                         f"{X.shape[0]}, {time.shape[0]} and {event.shape[0]}")
    if time.dtype.kind != "i":
        raise UnsupportedOperationError("CoxPH needs shared integer times (e.g. days or weeks), got fixed-point reals")
    if event.dtype.kind != "i":
        raise UnsupportedOperationError("event must be shared 0/1 integers, got fixed-point reals")
    if X.dtype.kind != "f":
        X = X * 1.0
    binary = ((event * (event - 1)).sum() == 0).reveal(label="CoxPH: event is 0/1", cohort=event.shape[0])
    if not binary:
        raise DataError("event must hold only 0 (censored) and 1 (event)")
    return X, time, event
