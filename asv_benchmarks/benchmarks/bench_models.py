"""Models on synthetic clinical-size data at 3 parties, each beside a NumPy baseline.

* OLS on 10^6 x 20 rows split across 3 hospitals (horizontal: the owner-local
  path, each hospital aggregates its own rows) and on 10^5 x 20 held by
  columns (vertical: the secure path, rows standardised in MPC);
* logistic regression, 10 Newton steps, on 10^5 x 20 (rows split across 3 hospitals).

``track_*`` are exact counters of one fit. Data: standard-normal features and
a linear (or logistic) outcome, seeded.
"""

import numpy as np
from sklearn.linear_model import LogisticRegression

import mpcarray as mpc

from ._common import SEED, cached, comm_of, max_bytes_sent, session

PARTIES = 3
FEATURES = 20
CASES = {"ols_horizontal_1e6": 10**6, "ols_vertical_1e5": 10**5, "logistic_1e5": 10**5}


def _data(n: int, logistic: bool):
    rng = np.random.default_rng([SEED, n])
    X = rng.normal(size=(n, FEATURES))
    beta = rng.normal(scale=0.5, size=FEATURES)
    signal = X @ beta + 0.3
    if logistic:
        return X, (rng.uniform(size=n) < 1 / (1 + np.exp(-signal))).astype(np.float64)
    return X, signal + rng.normal(size=n)


def plain_ols(X, y):
    return np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]


def plain_logistic(X, y):
    """scikit-learn's unpenalised Newton fit, at most 10 steps (as the secure fit)."""
    return LogisticRegression(C=np.inf, solver="newton-cholesky", max_iter=10).fit(X, y)


@cached
def _case(name: str):
    """Session, secure and plaintext fit functions, and the cost of one secure fit."""
    n = CASES[name]
    X, y = _data(n, name.startswith("logistic"))
    s = session(PARTIES)
    if name == "ols_vertical_1e5":
        groups = np.array_split(np.arange(FEATURES), PARTIES)
        Xs = np.hstack([s.share(X[:, g], owner=k) for k, g in enumerate(groups)])
        ys = s.share(y, owner=0)
    else:
        blocks = np.array_split(np.arange(n), PARTIES)
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
    if name.startswith("logistic"):
        secure, plain = (lambda: mpc.models.LogisticRegression(penalty=None, max_iter=10).fit(Xs, ys),
                         lambda: plain_logistic(X, y))
    else:
        secure, plain = (lambda: mpc.models.LinearRegression().fit(Xs, ys), lambda: plain_ols(X, y))
    cost = comm_of(s, secure)  # warm-up (loads every Numba kernel); the counts are deterministic
    return s, secure, plain, cost


class Models:
    """Fitting a model securely versus NumPy float64 on the same data."""

    params = (tuple(CASES),)
    param_names = ("case",)
    number = 1
    repeat = (1, 2, 60.0)
    timeout = 900

    def setup(self, name):
        self.s, self.secure, self.plain, self.cost = _case(name)

    def time_secure(self, name):
        self.secure()

    def time_plaintext(self, name):
        self.plain()

    def track_rounds(self, name):
        return self.cost.rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, name):
        return max_bytes_sent(self.cost)

    track_bytes_sent_per_party.unit = "bytes"
