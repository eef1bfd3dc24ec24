"""The price of checking openings in Shamir sessions (5 parties, t = 1), beside unchecked openings.

Every party receives every share of an opened value anyway, so the check
(``Session(check_openings=True)``, the default) costs no rounds and no bytes:
the ``track_*`` counters are equal with and without it. What it costs is CPU:
one more random combination of the shares per opened value, evaluated in the
same pass as the interpolation. ``time_checked_*`` / ``time_unchecked_*`` is
that overhead, for a reveal of 10^6 reals (degree-``t`` shares, three
redundant) and for 10^6 fixed-point products (degree-``2t`` openings, two
redundant); ``time_numpy_multiply`` is the plaintext baseline.
"""

from ._common import cached, comm_of, max_bytes_sent, session, uniform

PARTIES = 5
SIZE = 10**6


@cached
def _operands(check: bool):
    """Session and shared reals x (party 0), y (party 1); kernels warmed up."""
    s = session(PARTIES, scheme="shamir", threshold=1, check_openings=check)
    x, y = s.share(uniform(SIZE, 40), owner=0), s.share(uniform(SIZE, 41), owner=1)
    (x[:8] * y[:8]).reveal()  # warm-up
    return s, x, y


class CheckedOpening:
    """Reveals and fixed-point products of 10^6 reals with and without the consistency check."""

    timeout = 120

    def setup(self):
        self.checked = _operands(True)
        self.unchecked = _operands(False)
        self.a, self.b = uniform(SIZE, 40), uniform(SIZE, 41)

    def time_checked_reveal(self):
        self.checked[1].reveal()

    def time_unchecked_reveal(self):
        self.unchecked[1].reveal()

    def time_checked_multiply(self):
        self.checked[1] * self.checked[2]

    def time_unchecked_multiply(self):
        self.unchecked[1] * self.unchecked[2]

    def time_numpy_multiply(self):
        self.a * self.b

    def _comm(self, operands):
        s, x, y = operands
        return comm_of(s, lambda: (x * y).reveal())

    def track_rounds(self):
        """Rounds of one product and its reveal, checked (equal unchecked: see the test)."""
        return self._comm(self.checked).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self):
        return max_bytes_sent(self._comm(self.checked))

    track_bytes_sent_per_party.unit = "bytes"

    def track_extra_bytes_of_checking(self):
        return max_bytes_sent(self._comm(self.checked)) - max_bytes_sent(self._comm(self.unchecked))

    track_extra_bytes_of_checking.unit = "bytes"
