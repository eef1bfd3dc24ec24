"""Survival regression and k-group logrank at 3 hospitals, each beside its lifelines baseline.

* ``CoxPH`` (Efron) on lifelines' rossi data (432 x 7, rows split across 3
  hospitals), against ``lifelines.CoxPHFitter`` on the pooled data;
* ``multivariate_logrank_test`` on rossi, 3 groups of prior convictions,
  against ``lifelines.statistics.multivariate_logrank_test``.

``track_*`` are exact counters of one secure call (asserted in tests/test_cox.py
and tests/test_logrank.py).
"""

import numpy as np
from lifelines import CoxPHFitter
from lifelines.datasets import load_rossi
from lifelines.statistics import multivariate_logrank_test

import mpcarray as mpc

from ._common import cached, comm_of, max_bytes_sent, session

PARTIES = 3
COVARIATES = ["fin", "age", "race", "wexp", "mar", "paro", "prio"]
CASES = ("coxph_efron_rossi", "logrank_3_groups_rossi")


@cached
def _case(name: str):
    """Session, secure and plaintext functions, and the cost of one secure call."""
    frame = load_rossi()
    groups = np.minimum(frame["prio"].to_numpy(), 2)
    s = session(PARTIES)
    blocks = np.array_split(np.arange(len(frame)), PARTIES)

    def rows(values):
        return np.concatenate([s.share(np.asarray(values)[b], owner=k) for k, b in enumerate(blocks)])

    week, arrest = rows(frame["week"].to_numpy()), rows(frame["arrest"].to_numpy())
    if name.startswith("coxph"):
        X = rows(frame[COVARIATES].to_numpy(np.float64))
        secure = lambda: mpc.models.CoxPH().fit(X, week, arrest)
        plain = lambda: CoxPHFitter().fit(frame, "week", "arrest")
    else:
        group = rows(groups)
        secure = lambda: mpc.stats.multivariate_logrank_test(week, arrest, group, levels=[0, 1, 2])
        plain = lambda: multivariate_logrank_test(frame["week"], groups, frame["arrest"])
    cost = comm_of(s, secure)  # warm-up (loads every Numba kernel); the counts are deterministic
    return s, secure, plain, cost


class SurvivalModels:
    """Cox regression and the k-group logrank securely versus lifelines on the pooled data."""

    params = (CASES,)
    param_names = ("case",)
    number = 1
    repeat = (1, 3, 60.0)
    timeout = 600

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
