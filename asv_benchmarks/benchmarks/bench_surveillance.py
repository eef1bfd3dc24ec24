"""Disease surveillance across 3 hospitals (EARS C1/C2/C3, CUSUM) versus the same rules in plain NumPy.

A year of daily counts (365 days, Poisson(20) with an injected outbreak) is
split across the hospitals by a fixed multinomial draw; each shares its own
series. The plaintext baselines run the same published rules on the pooled
series in the same class (vectorised NumPy windows; the CUSUM recursion as a loop).
"""

import numpy as np

import mpcarray as mpc

from ._common import SEED, cached, comm_of, max_bytes_sent, session

PARTIES = 3
DAYS = 365
MEAN, SD = 20.0, np.sqrt(20.0)


def _windows(y, lags):
    """Baseline mean and sample sd (ddof=1) of ``y[t - lag]`` for ``lag in lags``, ``t >= max(lags)``."""
    start = max(lags)
    base = np.stack([y[start - lag : y.size - lag] for lag in lags]).astype(np.float64)
    return start, base.mean(axis=0), base.std(axis=0, ddof=1)


def _ears_plain(y, method):
    start, mean, sd = _windows(y, range(1, 8) if method == "C1" else range(3, 10))
    with np.errstate(divide="ignore", invalid="ignore"):
        c = (y[start:] - mean) / sd
    if method != "C3":
        return c > 3
    excess = np.maximum(np.nan_to_num(c, nan=0.0) - 1.0, 0.0)
    return excess[2:] + excess[1:-1] + excess[:-2] > 2


def _cusum_plain(y):
    s, alerts = 0.0, np.zeros(y.size, dtype=bool)
    for t, count in enumerate(y):
        s = max(0.0, s + (count - MEAN) / SD - 0.5)
        alerts[t] = s > 4.0
    return alerts


PLAINTEXT = {
    "C1": lambda y: _ears_plain(y, "C1"),
    "C2": lambda y: _ears_plain(y, "C2"),
    "C3": lambda y: _ears_plain(y, "C3"),
    "CUSUM": _cusum_plain,
}

SECURE = {
    "C1": lambda parts: mpc.stats.ears(parts, "C1"),
    "C2": lambda parts: mpc.stats.ears(parts, "C2"),
    "C3": lambda parts: mpc.stats.ears(parts, "C3"),
    "CUSUM": lambda parts: mpc.stats.cusum(parts, MEAN, SD),
}


@cached
def _operands():
    """Session, the 3 hospitals' shared daily series and the pooled plaintext; kernels warmed up."""
    s = session(PARTIES)
    rng = np.random.default_rng([SEED, 15])
    y = rng.poisson(MEAN, DAYS)
    y[200:205] += [10, 20, 30, 20, 10]
    split = rng.multinomial(y, [0.5, 0.3, 0.2]).T
    parts = [s.share(part, owner=k) for k, part in enumerate(split)]
    mpc.stats.ears(parts[:1], "C3")  # warm-up
    return s, parts, y


class Surveillance:
    """mpc.stats.ears (C1, C2, C3) and mpc.stats.cusum over 365 days versus NumPy."""

    params = (tuple(PLAINTEXT),)
    param_names = ("rule",)
    number = 1
    repeat = 3
    timeout = 300

    def setup(self, rule):
        self.s, self.parts, self.y = _operands()

    def time_secure(self, rule):
        SECURE[rule](self.parts)

    def time_plaintext(self, rule):
        PLAINTEXT[rule](self.y)

    def _comm(self, rule):
        return comm_of(self.s, lambda: SECURE[rule](self.parts))

    def track_rounds(self, rule):
        return self._comm(rule).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, rule):
        return max_bytes_sent(self._comm(rule))

    track_bytes_sent_per_party.unit = "bytes"
