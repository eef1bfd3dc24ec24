"""Cohort discovery across 3 hospitals (mpc.stats.cohort_count) versus NumPy on the pooled rows.

10^6 patients (age, sex, a 0/1 diagnosis), rows split across the hospitals;
3 criteria. ``owner_local``: each hospital evaluates the criteria on its own
rows and shares its counts; ``secure``: the same criteria on blocks-forgotten
copies of 10^4 patients, compared inside MPC. The plaintext baselines count
the same criteria on the pooled NumPy arrays in the same class.
"""

import numpy as np

import mpcarray as mpc

from ._common import SEED, cached, comm_of, max_bytes_sent, session

PARTIES = 3
PATIENTS = {"owner_local": 10**6, "secure": 10**4}


def criteria(age, sex, diagnosis):
    """Written once for NumPy arrays and SharedArrays."""
    return [(age > 60) & (sex == 1), (diagnosis == 1) & (age < 40), ~(age >= 80) | (sex == 2)]


@cached
def _operands():
    """Session, shared columns per path, and the pooled plaintext columns per path."""
    s = session(PARTIES)
    rng = np.random.default_rng([SEED, 15])
    shared, plain = {}, {}
    for path, n in PATIENTS.items():
        columns = (rng.integers(18, 95, n), rng.integers(1, 3, n), (rng.random(n) < 0.1).astype(np.int64))
        blocks = [np.array_split(c, PARTIES) for c in columns]
        joined = [np.concatenate([s.share(b, owner=k) for k, b in enumerate(bs)]) for bs in blocks]
        shared[path] = joined if path == "owner_local" else [c.copy() for c in joined]
        plain[path] = columns
        mpc.stats.cohort_count(criteria, *shared[path])  # warm-up
    return s, shared, plain


class CohortCount:
    """mpc.stats.cohort_count of 3 criteria versus NumPy's boolean sums."""

    params = (tuple(PATIENTS),)
    param_names = ("path",)
    number = 1
    repeat = 3
    timeout = 300

    def setup(self, path):
        self.s, shared, plain = _operands()
        self.columns, self.plain = shared[path], plain[path]

    def time_secure(self, path):
        mpc.stats.cohort_count(criteria, *self.columns)

    def time_plaintext(self, path):
        np.sum(criteria(*self.plain), axis=1)

    def _comm(self, path):
        return comm_of(self.s, lambda: mpc.stats.cohort_count(criteria, *self.columns))

    def track_rounds(self, path):
        return self._comm(path).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, path):
        return max_bytes_sent(self._comm(path))

    track_bytes_sent_per_party.unit = "bytes"
