"""Statistics across 3 hospitals (rows split, owner-local aggregation) versus NumPy and lifelines.

``Moments``: mean, var and corrcoef of 10^6 x 20 reals; ``KaplanMeier``: the
survival curve of 10^5 patients with integer follow-up days. Each hospital
shares its own rows, so the statistics aggregate locally first (DESIGN.md §5);
the plaintext baselines run on the pooled data in the same class.
"""

import numpy as np
from lifelines import KaplanMeierFitter

import mpcarray as mpc

from ._common import SEED, cached, comm_of, max_bytes_sent, session, uniform

PARTIES = 3
ROWS, COLUMNS = 10**6, 20
PATIENTS = 10**5

PLAINTEXT = {
    "mean": lambda a: a.mean(axis=0),
    "var": lambda a: a.var(axis=0),
    "corrcoef": lambda a: np.corrcoef(a, rowvar=False),
}


def _by_hospital(s, data):
    """Hospital k shares the k-th block of rows; the blocks are concatenated."""
    return np.concatenate([s.share(block, owner=k) for k, block in enumerate(np.array_split(data, PARTIES))])


@cached
def _moments_operands():
    """Session, X (10^6 x 20, rows at 3 hospitals) and its plaintext; kernels warmed up."""
    s = session(PARTIES)
    data = uniform((ROWS, COLUMNS), stream=7)
    X = _by_hospital(s, data)
    mpc.stats.corrcoef(X)  # warm-up
    return s, X, data


class Moments:
    """mpc.stats.{mean, var, corrcoef} versus NumPy on the pooled 10^6 x 20 data."""

    params = (tuple(PLAINTEXT),)
    param_names = ("statistic",)
    number = 1
    repeat = 3
    timeout = 300

    def setup(self, statistic):
        self.s, self.X, self.data = _moments_operands()

    def time_secure(self, statistic):
        getattr(mpc.stats, statistic)(self.X)

    def time_plaintext(self, statistic):
        PLAINTEXT[statistic](self.data)

    def _comm(self, statistic):
        return comm_of(self.s, lambda: getattr(mpc.stats, statistic)(self.X))

    def track_rounds(self, statistic):
        return self._comm(statistic).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, statistic):
        return max_bytes_sent(self._comm(statistic))

    track_bytes_sent_per_party.unit = "bytes"


@cached
def _survival_operands():
    """Session, shared (days, event) of 10^5 patients at 3 hospitals, and their plaintext."""
    s = session(PARTIES)
    rng = np.random.default_rng([SEED, 8])
    days = np.ceil(rng.exponential(700.0, PATIENTS)).astype(np.int64)
    event = (rng.random(PATIENTS) < 0.7).astype(np.int64)
    time, observed = _by_hospital(s, days), _by_hospital(s, event)
    mpc.stats.kaplan_meier(time, observed)  # warm-up
    return s, time, observed, days, event


class KaplanMeier:
    """mpc.stats.kaplan_meier versus lifelines' KaplanMeierFitter on 10^5 patients."""

    number = 1
    repeat = 3
    timeout = 300

    def setup(self):
        self.s, self.time, self.event, self.days, self.observed = _survival_operands()

    def time_secure(self):
        mpc.stats.kaplan_meier(self.time, self.event)

    def time_plaintext(self):
        KaplanMeierFitter().fit(self.days, self.observed)

    def _comm(self):
        return comm_of(self.s, lambda: mpc.stats.kaplan_meier(self.time, self.event))

    def track_rounds(self):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"
