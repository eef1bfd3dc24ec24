"""Anomaly scores across 3 hospitals (rows split) versus NumPy on the pooled data.

``mpc.stats.zscore``, ``mahalanobis`` and ``anomaly_flags`` (Mahalanobis, chi-squared
cut-off) on 10^4 x 8 reals; each hospital shares its own rows, so the scatter matrix
is aggregated locally first (DESIGN.md §5) and the per-record scores are opened to
their hospitals. The plaintext baselines compute the same from the pooled data
with NumPy in the same class.
"""

import numpy as np
from scipy.stats import chi2

import mpcarray as mpc

from ._common import cached, comm_of, max_bytes_sent, session, uniform

PARTIES = 3
ROWS, COLUMNS = 10**4, 8


def _zscore(a):
    return (a - a.mean(axis=0)) / a.std(axis=0)


def _mahalanobis(a):
    centred = a - a.mean(axis=0)
    inverse = np.linalg.inv(np.cov(a, rowvar=False))
    return np.sqrt(np.einsum("ij,jk,ik->i", centred, inverse, centred))


def _flags(a):
    return _mahalanobis(a) > np.sqrt(chi2.ppf(0.975, a.shape[1]))


PLAINTEXT = {"zscore": _zscore, "mahalanobis": _mahalanobis, "anomaly_flags": _flags}


@cached
def _operands():
    """Session, X (10^4 x 8, rows at 3 hospitals) and its plaintext; kernels warmed up."""
    s = session(PARTIES)
    data = uniform((ROWS, COLUMNS), stream=15)
    X = np.concatenate([s.share(block, owner=k) for k, block in enumerate(np.array_split(data, PARTIES))])
    mpc.stats.anomaly_flags(X)  # warm-up: every kernel of the three functions
    mpc.stats.zscore(X)
    return s, X, data


class Anomaly:
    """mpc.stats.{zscore, mahalanobis, anomaly_flags} versus NumPy on the pooled 10^4 x 8 data."""

    params = (tuple(PLAINTEXT),)
    param_names = ("function",)
    number = 1
    repeat = 3
    timeout = 300

    def setup(self, function):
        self.s, self.X, self.data = _operands()

    def time_secure(self, function):
        getattr(mpc.stats, function)(self.X)

    def time_plaintext(self, function):
        PLAINTEXT[function](self.data)

    def _comm(self, function):
        return comm_of(self.s, lambda: getattr(mpc.stats, function)(self.X))

    def track_rounds(self, function):
        return self._comm(function).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, function):
        return max_bytes_sent(self._comm(function))

    track_bytes_sent_per_party.unit = "bytes"
