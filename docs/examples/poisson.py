"""Poisson regression for incidence rates, written outside mpcarray against its public API only.

Model: ``events_i ~ Poisson(exposure_i * exp(b0 + x_i @ b))``, with ``log(exposure_i)`` as an
offset, as statsmodels' ``GLM(y, X, family=Poisson(), offset=log(exposure))``.

Fit: Newton-Raphson, which for the canonical log link is IRLS. On standardised columns
``Z = [1, (X - mean) / sd]`` each step computes ``mu = exp(offset + Z @ g)``, the score
``Z.T @ (y - mu)`` and the information ``Z.T @ (mu * Z)``, and adds the solution of the
information system (``mpc.models.SPDSolver``, warm-started from the previous step's
solver). It starts from the pooled log rate, ``g = (log(mean(y)) - mean(offset), 0, ...)``.
Means, standard deviations and every step are computed in MPC.

Reveals: the intercept and coefficients at the end, and one bit per solve (whether the
information matrix is conditioned within ``max_condition``).
Cost: ``max_iter`` times (one ``mpc.exp`` on n values, three products, one d x d solve),
plus the standardisation (one ``mpc.rsqrt`` of d values) and one ``mpc.log``.

Run it (the Rossi recidivism data: re-arrests per person-week, rows at 3 hospitals)::

    python docs/examples/poisson.py
"""

from __future__ import annotations

from typing import cast

import numpy as np

import mpcarray as mpc
from mpcarray import SharedArray


class PoissonRegression:
    """Poisson regression with a log-exposure offset, fitted by Newton steps on shared data.

    Parameters
    ----------
    max_iter : int
        Newton steps (a fixed count: stopping early would reveal when the fit converged).
    max_condition : float
        Largest condition number of the information matrix the solver accepts.
    """

    def __init__(self, max_iter: int = 6, max_condition: float = 1e4) -> None:
        self.max_iter = max_iter
        self.max_condition = max_condition
        self.intercept_: float = float("nan")
        self.coef_: np.ndarray = np.empty(0)

    def fit(self, X: SharedArray, y: SharedArray, offset: SharedArray) -> PoissonRegression:
        """Fit on shared ``X`` (n, d), event counts ``y`` (n,) and ``offset = log(exposure)`` (n,)."""
        n = X.shape[0]
        mean = X.mean(axis=0)
        centred = X - mean
        inv_sd = mpc.rsqrt((centred * centred).mean(axis=0))
        # NumPy's stubs type np.concatenate as returning ndarray; on shares it returns a SharedArray
        Z = cast(SharedArray, np.concatenate([np.ones((n, 1)), centred * inv_sd], axis=1))
        start = mpc.log(y.mean()) - offset.mean()
        g = cast(SharedArray, np.concatenate([start.reshape(1), np.zeros(X.shape[1])]))
        solver = None
        for _ in range(self.max_iter):
            mu = mpc.exp(offset + Z @ g)
            information = Z.T @ (Z * mu.reshape(n, 1))
            solver = mpc.models.SPDSolver(information, self.max_condition, warm_start=solver)
            g = g + solver.solve(Z.T @ (y - mu))
        coef = g[1:] * inv_sd
        intercept = g[0] - (coef * mean).sum()
        self.intercept_ = float(intercept.reveal(label="poisson intercept"))
        self.coef_ = np.asarray(coef.reveal(label="poisson coefficients"))
        return self


def share_by_rows(s: mpc.Session, data: np.ndarray) -> SharedArray:
    """``data`` split by rows across the session's parties, each block shared by its holder."""
    blocks = np.array_split(np.arange(len(data)), s.n_parties)
    return cast(SharedArray, np.concatenate([s.share(data[rows], owner=k) for k, rows in enumerate(blocks)]))


def main() -> None:
    from lifelines.datasets import load_rossi

    rossi = load_rossi()
    features = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
    X = rossi[features].to_numpy(dtype=np.float64)
    with mpc.Session(parties=3, seed=1) as s:
        fit = PoissonRegression().fit(share_by_rows(s, X),
                                      share_by_rows(s, rossi["arrest"].to_numpy(dtype=np.float64)),
                                      share_by_rows(s, np.log(rossi["week"].to_numpy(dtype=np.float64))))
    print(f"intercept {fit.intercept_:.4f}")
    for name, value in zip(features, fit.coef_):
        print(f"{name:>5} {value:+.4f}")


if __name__ == "__main__":
    main()
