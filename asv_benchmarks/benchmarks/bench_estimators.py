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


@cached
def _case(name: str):
    """Secure and plaintext fit functions, and the cost of one secure fit."""
    s = session(PARTIES)
    if name == "ridge_diabetes":
        X, y = load_diabetes(return_X_y=True, scaled=False)
        Xs, ys = _rows(s, X, y)
        secure = lambda: mpc.models.Ridge(alpha=1.0).fit(Xs, ys)
        plain = lambda: linear_model.Ridge(alpha=1.0).fit(X, y)
    else:
        X, y = load_breast_cancer(return_X_y=True)
        y = y.astype(np.float64)
        if name == "logistic_l2_cancer":
            X = (X - X.mean(axis=0)) / X.std(axis=0)
            Xs, ys = _rows(s, X, y)
            secure = lambda: mpc.models.LogisticRegression().fit(Xs, ys)
            plain = lambda: linear_model.LogisticRegression().fit(X, y)
        else:
            import statsmodels.api as sm  # a test dependency: only this case needs it

            X = X[:, [0, 1, 4, 5, 6, 7, 8, 9]]
            X = X * 2.0 ** (6 - np.ceil(np.log2(X.max(axis=0))))  # as tests/model_data.py
            Xs, ys = _rows(s, X, y)
            secure = lambda: mpc.models.LogisticRegression(
                penalty=None, standard_errors=True).fit(Xs, ys).summary()
            plain = lambda: sm.Logit(y, sm.add_constant(X)).fit(disp=0).summary2()
    cost = comm_of(s, secure)  # warm-up (loads every Numba kernel); the counts are deterministic
    return secure, plain, cost


class Estimators:
    """Penalised fits and coefficient tables, secure versus plaintext on the same data."""

    params = (CASES,)
    param_names = ("case",)
    number = 1
    repeat = (1, 2, 30.0)
    timeout = 600

    def setup(self, name):
        self.secure, self.plain, self.cost = _case(name)

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
