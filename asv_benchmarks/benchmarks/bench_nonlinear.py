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
def _plaintext(name: str):
    """x and y (10^6 reals each) inside the operation's interval."""
    low, high = OPERATIONS[name][2]
    return tuple(low + (high - low) * (uniform(SIZE, stream) + 100.0) / 200.0 for stream in (5, 6))


@cached
def _operands(name: str):
    """Session, shares of x (party 0) and y (party 1) and their plaintext (not warmed up)."""
    s = session(PARTIES)
    a, b = _plaintext(name)
    return s, s.share(a, owner=0), s.share(b, owner=1), a, b


@cached
def _warmed(name: str):
    """:func:`_operands` after one call, which loads every Numba kernel on this path."""
    s, x, y, a, b = _operands(name)
    OPERATIONS[name][0](x, y)
    return s, x, y, a, b


class Nonlinear:
    """One comparison or function on 10^6 shared reals versus NumPy on the same values.

    asv runs each benchmark in its own process, and only ``time_secure`` needs the
    kernels warmed up (its method-level ``setup``); the plaintext baseline shares
    nothing and the counters count their one call: the suite's set-up is paid
    once per benchmark that needs it.
    """

    params = (tuple(OPERATIONS),)
    param_names = ("operation",)
    timeout = 300

    def setup(self, name):
        self.secure, self.plain, _ = OPERATIONS[name]

    def time_secure(self, name):
        _, x, y, _, _ = _warmed(name)
        self.secure(x, y)

    time_secure.setup = _warmed

    def time_plaintext(self, name):
        self.plain(*_plaintext(name))

    time_plaintext.setup = _plaintext

    def _comm(self, name):
        s, x, y, _, _ = _operands(name)
        return comm_of(s, lambda: self.secure(x, y))

    def track_rounds(self, name):
        return self._comm(name).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, name):
        return max_bytes_sent(self._comm(name))

    track_bytes_sent_per_party.unit = "bytes"
