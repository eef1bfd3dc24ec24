"""Models on synthetic clinical-size data at 3 parties, each beside a NumPy baseline.

* OLS on 10^6 x 20 rows split across 3 hospitals (horizontal: the owner-local
  path, each hospital aggregates its own rows) and on 10^5 x 20 held by
  columns (vertical: the secure path, rows standardised in MPC);
* logistic regression, 10 Newton steps, on 10^5 x 20 (rows split across 3 hospitals);
* 10 gradient-descent epochs on scikit-learn's breast-cancer data, the peers' workload
  (:class:`LogisticGD`).

``track_*`` are exact counters of one fit. Data: standard-normal features and
a linear (or logistic) outcome, seeded.
"""

import functools

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
def _plaintext(name: str):
    """The case's data and its plaintext fit."""
    X, y = _data(CASES[name], name.startswith("logistic"))
    if name.startswith("logistic"):
        return lambda: plain_logistic(X, y)
    return lambda: plain_ols(X, y)


@cached
def _secure(name: str):
    """Session and the secure fit on the shared data (no fit run yet)."""
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
        return s, lambda: mpc.models.LogisticRegression(penalty=None, max_iter=10).fit(Xs, ys)
    return s, lambda: mpc.models.LinearRegression().fit(Xs, ys)


@cached
def _cost(name: str):
    """The counters of one secure fit (the first: it also loads every Numba kernel)."""
    s, secure = _secure(name)
    return comm_of(s, secure)


class Models:
    """Fitting a model securely versus NumPy float64 on the same data.

    asv runs each benchmark in its own process: only ``time_secure`` shares the data
    and fits once before it is timed (its method-level ``setup``), the counters come
    from that one fit, and the plaintext baseline shares nothing.
    """

    params = (tuple(CASES),)
    param_names = ("case",)
    number = 1
    repeat = (1, 2, 60.0)
    timeout = 900

    def time_secure(self, name):
        _secure(name)[1]()

    time_secure.setup = _cost

    def time_plaintext(self, name):
        _plaintext(name)()

    time_plaintext.setup = _plaintext

    def track_rounds(self, name):
        return _cost(name).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, name):
        return max_bytes_sent(_cost(name))

    track_bytes_sent_per_party.unit = "bytes"


GD_EPOCHS = 10


def breast_cancer():
    """scikit-learn's breast-cancer data (569 x 30) in power-of-two units with every column
    maximum in (32, 64], as tests/model_data.py does, and 0/1 labels."""
    from sklearn.datasets import load_breast_cancer

    X, y = load_breast_cancer(return_X_y=True)
    return np.ldexp(X, (6 - np.ceil(np.log2(X.max(axis=0)))).astype(int)), y.astype(np.float64)


def standardised_design(X):
    """``[1, (X - mean) / sd]`` with population standard deviations, as ``method="gd"`` standardises."""
    return np.column_stack([np.ones(len(X)), (X - X.mean(axis=0)) / X.std(axis=0)])


def gd_epochs(Z, y, epochs: int, learning_rate: float, sigmoid):
    """``epochs`` gradient-descent steps from zero on the design ``Z``: array code that runs on
    NumPy arrays and on SharedArrays alike (``sigmoid`` is NumPy's or mpcarray's)."""
    n = Z.shape[0]
    gamma = None
    for _ in range(epochs):
        p = sigmoid(Z @ gamma) if gamma is not None else y * 0 + 0.5
        step = Z.T @ (y - p) * (learning_rate / n)
        gamma = step if gamma is None else gamma + step
    return gamma


def plain_sigmoid(z):
    return 1 / (1 + np.exp(-z))


def plain_gd_logistic(X, y, epochs: int, learning_rate: float) -> np.ndarray:
    """``[intercept, coef...]`` after float64 gradient descent as ``method="gd"`` runs it:
    from zero, on the standardised design, then back to the original units."""
    mean, sd = X.mean(axis=0), X.std(axis=0)
    gamma = gd_epochs(standardised_design(X), y, epochs, learning_rate, plain_sigmoid)
    coef = gamma[1:] / sd
    return np.r_[gamma[0] - coef @ mean, coef]


@cached
def _gd_case(name: str):
    """Session, secure and plaintext calls for 10 GD epochs on breast cancer, rows at 3 hospitals."""
    X, y = breast_cancer()
    Z = standardised_design(X)
    s = session(PARTIES)
    blocks = np.array_split(np.arange(len(y)), PARTIES)
    ys = np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)])
    if name == "array_code":  # the design standardised before sharing, as in the peers' scripts
        Zs = np.concatenate([s.share(Z[b], owner=k) for k, b in enumerate(blocks)])
        secure = lambda: gd_epochs(Zs, ys, GD_EPOCHS, 1.0, mpc.sigmoid).reveal()
        plain = functools.partial(gd_epochs, Z, y, GD_EPOCHS, 1.0, plain_sigmoid)
    else:  # the estimator standardises inside MPC and reveals coef_ and intercept_
        Xs = np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)])
        model = mpc.models.LogisticRegression(penalty=None, max_iter=GD_EPOCHS, method="gd", tol=None)
        secure = lambda: model.fit(Xs, ys)
        plain = functools.partial(plain_gd_logistic, X, y, GD_EPOCHS, model.learning_rate)
    cost = comm_of(s, secure)  # warm-up; the counts are deterministic
    return s, secure, plain, cost


class LogisticGD:
    """10 gradient-descent epochs on breast cancer (569 x 30 plus intercept) at 3 hospitals,
    as array code and through ``LogisticRegression(method="gd")``, beside the same NumPy loop.

    The peers' workload (PEERS.md); quote ``time_secure / time_plaintext`` from one run.
    """

    params = (("array_code", "estimator"),)
    param_names = ("how",)
    timeout = 300

    def setup(self, how):
        self.s, self.secure, self.plain, self.cost = _gd_case(how)

    def time_secure(self, how):
        self.secure()

    def time_plaintext(self, how):
        self.plain()

    def track_rounds(self, how):
        return self.cost.rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, how):
        return max_bytes_sent(self.cost)

    track_bytes_sent_per_party.unit = "bytes"
