"""Workloads timed by ``peers.py`` and the gate: a secure call and its NumPy call on the same data.

Every builder takes a simulated session, shares its inputs (outside any timing) and returns a
:class:`Workload`. Inputs come from different parties, so no party knows both operands. Data:
seeded uniform reals (``_common.uniform``), scikit-learn's diabetes and breast-cancer sets.
"""

import functools
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

import mpcarray as mpc
from mpcarray.linkage.identifiers import normalise

from ._common import uniform
from .bench_models import GD_EPOCHS, breast_cancer, plain_gd_logistic, plain_ols
from .bench_nonlinear import OPERATIONS

#: Parties of every model workload (rows or columns split across this many hospitals).
HOSPITALS = 3


class Workload(NamedTuple):
    """One row: label, secure and plaintext calls, largest relative error of the secure result."""

    label: str
    secure: Callable
    plain: Callable
    error: float | None = None


def relative_error(got, want) -> float:
    """Largest relative error, element by element."""
    return float(np.max(np.abs(np.asarray(got) - want) / np.abs(want)))


def _exponent(size: int) -> int:
    return round(np.log10(size))


def products(s, size: int = 10**6) -> Workload:
    """``size`` fixed-point products x * y, x from party 0 and y from party 1."""
    a, b = uniform(size, stream=1), uniform(size, stream=2)
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    scheme = "" if s.scheme == "additive" else f", {s.scheme} {s.n_parties} parties"
    return Workload(f"x * y, 10^{_exponent(size)}{scheme}", lambda: x * y, lambda: a * b)


def comparisons(s, size: int) -> Workload:
    """``size`` comparisons x < y, x from party 0 and y from party 1."""
    a, b = uniform(size, stream=3), uniform(size, stream=4)
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    return Workload(f"x < y, 10^{_exponent(size)}", lambda: x < y, lambda: a < b)


def nonlinear(s, name: str, size: int) -> Workload:
    """``mpc.<name>`` of ``bench_nonlinear.OPERATIONS`` on ``size`` reals inside its documented range."""
    secure, plain, (low, high) = OPERATIONS[name]
    a = low + (high - low) * (uniform(size, stream=5) + 100.0) / 200.0
    x = s.share(a, owner=0)
    return Workload(f"{name}, 10^{_exponent(size)}", lambda: secure(x, x), lambda: plain(a, a))


def intersection(s, size: int) -> Workload:
    """Private set intersection of ``size`` identifiers per party, half common to all, beside Python sets."""
    common = [f"P{i:07d}" for i in range(size // 2)]
    ids = {name: common + [f"{name}-{i:07d}" for i in range(size - len(common))] for name in s.parties}
    return Workload(f"PSI, 10^{_exponent(size)} ids per party",
                    lambda: mpc.linkage.private_intersection(s, ids),
                    lambda: set.intersection(*({normalise(x) for x in v} for v in ids.values())))


def matvec(s) -> Workload:
    """X (10^4 x 20, party 0) @ w (party 1)."""
    a, b = uniform((10**4, 20), stream=5) / 100.0, uniform(20, stream=6) / 100.0
    x, w = s.share(a, owner=0), s.share(b, owner=1)
    return Workload("X @ w, X 10^4 x 20", lambda: x @ w, lambda: a @ b)


def gram(s) -> Workload:
    """X.T @ X for X of 10^4 x 20 that no party knows (the sum of inputs of parties 0 and 1)."""
    a, part = uniform((10**4, 20), stream=7) / 100.0, uniform((10**4, 20), stream=8) / 100.0
    x = s.share(part, owner=0) + s.share(a - part, owner=1)
    return Workload("X.T @ X, X 10^4 x 20", lambda: x.T @ x, lambda: a.T @ a)


def ols(s, layout: str, method: str = "iterative") -> Workload:
    """LinearRegression on the diabetes data (original units), ``"rows"`` or ``"columns"`` at 3 hospitals.

    Rows split across hospitals take the owner-local path (each aggregates its own rows in
    float64); columns split across them take the secure path (the Gram matrix formed in MPC).
    ``method="exact"`` (rows only): the masked solve of the hospitals' integer normal equations.
    """
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True, scaled=False)
    if layout == "rows":
        blocks = np.array_split(np.arange(len(y)), HOSPITALS)
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
        label = "OLS diabetes, rows (owner-local)" if method == "iterative" else "OLS diabetes, rows, exact"
    else:
        groups = np.array_split(np.arange(X.shape[1]), HOSPITALS)
        Xs = np.hstack([s.share(X[:, g], owner=k) for k, g in enumerate(groups)])
        ys = s.share(y, owner=0)
        label = "OLS diabetes, columns (secure)"
    model = mpc.models.LinearRegression(method=method)
    fit = model.fit(Xs, ys)
    error = relative_error(np.r_[fit.intercept_, fit.coef_], plain_ols(X, y))
    return Workload(label, lambda: model.fit(Xs, ys), lambda: plain_ols(X, y), error)


def logistic(s) -> Workload:
    """10 gradient-descent epochs on the breast-cancer data (30 features), rows at 3 hospitals."""
    X, y = breast_cancer()
    blocks = np.array_split(np.arange(len(y)), HOSPITALS)
    Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
    ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
    model = mpc.models.LogisticRegression(penalty=None, max_iter=GD_EPOCHS, method="gd", tol=None)
    fit = model.fit(Xs, ys)
    plain = functools.partial(plain_gd_logistic, X, y, GD_EPOCHS, model.learning_rate)
    error = relative_error(np.r_[fit.intercept_, fit.coef_], plain())
    return Workload(f"logistic GD x{GD_EPOCHS}, cancer 569 x 30", lambda: model.fit(Xs, ys),
                    plain, error)
