"""Penalised estimators and coefficient tables at 3 parties, each beside its scikit-learn/statsmodels fit.

* ``logistic_l2_cancer``: ``LogisticRegression()`` (L2, C = 1, 10 Newton steps and the
  convergence bit) on all 30 standardised breast-cancer features, rows split across
  3 hospitals; baseline scikit-learn's ``LogisticRegression()``;
* ``ridge_diabetes``: ``Ridge(alpha=1.0)`` on diabetes (442 x 10); baseline ``Ridge``;
* ``logit_summary_cancer``: ``LogisticRegression(penalty=None, standard_errors=True)`` and
  ``summary()`` on 8 breast-cancer features; baseline statsmodels ``Logit(...).fit().summary2()``.

``track_*`` are exact counters of one fit.
"""

import numpy as np
from sklearn import linear_model
from sklearn.datasets import load_breast_cancer, load_diabetes

import mpcarray as mpc

from ._common import cached, comm_of, max_bytes_sent, session

PARTIES = 3
CASES = ("logistic_l2_cancer", "ridge_diabetes", "logit_summary_cancer")


def _rows(s, X, y):
    blocks = np.array_split(np.arange(len(y)), PARTIES)
    return (np.concatenate([s.share(X[b], owner=k) for k, b in enumerate(blocks)]),
            np.concatenate([s.share(y[b], owner=k) for k, b in enumerate(blocks)]))


def _load(name: str):
    """The case's plaintext X and y (power-of-two units or standardised, as the case says)."""
    if name == "ridge_diabetes":
        return load_diabetes(return_X_y=True, scaled=False)
    X, y = load_breast_cancer(return_X_y=True)
    if name == "logistic_l2_cancer":
        return (X - X.mean(axis=0)) / X.std(axis=0), y.astype(np.float64)
    X = X[:, [0, 1, 4, 5, 6, 7, 8, 9]]
    return X * 2.0 ** (6 - np.ceil(np.log2(X.max(axis=0)))), y.astype(np.float64)  # as tests/model_data.py


@cached
def _plaintext(name: str):
    """The plaintext fit of the case (scikit-learn or statsmodels)."""
    X, y = _load(name)
    if name == "ridge_diabetes":
        return lambda: linear_model.Ridge(alpha=1.0).fit(X, y)
    if name == "logistic_l2_cancer":
        return lambda: linear_model.LogisticRegression().fit(X, y)
    import statsmodels.api as sm  # a test dependency: only this case needs it

    return lambda: sm.Logit(y, sm.add_constant(X)).fit(disp=0).summary2()


@cached
def _secure(name: str):
    """Session and the secure fit on the rows shared by 3 hospitals (no fit run yet)."""
    s = session(PARTIES)
    Xs, ys = _rows(s, *_load(name))
    if name == "ridge_diabetes":
        return s, lambda: mpc.models.Ridge(alpha=1.0).fit(Xs, ys)
    if name == "logistic_l2_cancer":
        return s, lambda: mpc.models.LogisticRegression().fit(Xs, ys)
    return s, lambda: mpc.models.LogisticRegression(penalty=None, standard_errors=True).fit(Xs, ys).summary()


@cached
def _cost(name: str):
    """The counters of one secure fit (the first: it also loads every Numba kernel)."""
    s, secure = _secure(name)
    return comm_of(s, secure)


class Estimators:
    """Penalised fits and coefficient tables, secure versus plaintext on the same data.

    As in ``bench_models.Models``, only ``time_secure`` shares and fits before it is
    timed (its method-level ``setup``); the counters come from that one fit.
    """

    params = (CASES,)
    param_names = ("case",)
    number = 1
    repeat = (1, 2, 30.0)
    timeout = 600

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
