"""Comparisons and nonlinear functions on 10^6 shared reals at 3 parties.

Each operation sits beside its NumPy float64 equivalent on the same data, so
the secure/plaintext ratio comes from one run. ``track_*`` are exact counters
for one call and do not depend on the machine.
"""

import numpy as np

import mpcarray as mpc

from ._common import cached, comm_of, max_bytes_sent, session, uniform

SIZE = 10**6
PARTIES = 3

#: name -> (secure operation, plaintext operation, input interval inside the documented range)
OPERATIONS = {
    "less": (lambda x, y: x < y, lambda a, b: a < b, (-100.0, 100.0)),
    "reciprocal": (lambda x, y: mpc.reciprocal(x), lambda a, b: 1.0 / a, (0.01, 1000.0)),
    "exp": (lambda x, y: mpc.exp(x), lambda a, b: np.exp(a), (-16.0, 10.0)),
    "sigmoid": (lambda x, y: mpc.sigmoid(x), lambda a, b: 1.0 / (1.0 + np.exp(-a)), (-20.0, 20.0)),
}


@cached
def _operands(name: str):
    """Session, shares of x (party 0) and y (party 1) and their plaintext; kernels warmed up."""
    secure, plain, (low, high) = OPERATIONS[name]
    s = session(PARTIES)
    a, b = (low + (high - low) * (uniform(SIZE, stream) + 100.0) / 200.0 for stream in (5, 6))
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    secure(x, y)  # warm-up: loads/compiles every Numba kernel on this path
    plain(a, b)
    return s, x, y, a, b


class Nonlinear:
    """One comparison or function on 10^6 shared reals versus NumPy on the same values."""

    params = (tuple(OPERATIONS),)
    param_names = ("operation",)
    timeout = 300

    def setup(self, name):
        self.s, self.x, self.y, self.a, self.b = _operands(name)
        self.secure, self.plain, _ = OPERATIONS[name]

    def time_secure(self, name):
        self.secure(self.x, self.y)

    def time_plaintext(self, name):
        self.plain(self.a, self.b)

    def _comm(self):
        return comm_of(self.s, lambda: self.secure(self.x, self.y))

    def track_rounds(self, name):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, name):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"
