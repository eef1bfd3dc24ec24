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


def _share(check: bool):
    """Session and shared reals x (party 0), y (party 1) (not warmed up)."""
    s = session(PARTIES, scheme="shamir", threshold=1, check_openings=check)
    return s, s.share(uniform(SIZE, 40), owner=0), s.share(uniform(SIZE, 41), owner=1)


@cached
def _checked_operands():
    return _share(True)


@cached
def _unchecked_operands():
    return _share(False)


def _operands(check: bool):
    """The checked or unchecked session and operands (each built once per process)."""
    return _checked_operands() if check else _unchecked_operands()


def _warmed(check: bool):
    """:func:`_operands` after a small product and reveal (loads the kernels)."""
    s, x, y = _operands(check)
    (x[:8] * y[:8]).reveal()
    return s, x, y


def _checked():
    return _warmed(True)


def _unchecked():
    return _warmed(False)


@cached
def _plaintext():
    return uniform(SIZE, 40), uniform(SIZE, 41)


class CheckedOpening:
    """Reveals and fixed-point products of 10^6 reals with and without the consistency check.

    asv runs each benchmark in its own process: each ``time_*`` builds only the session it
    times (its method-level ``setup``), the counters count their one product.
    """

    timeout = 120

    def time_checked_reveal(self):
        _operands(True)[1].reveal()

    time_checked_reveal.setup = _checked

    def time_unchecked_reveal(self):
        _operands(False)[1].reveal()

    time_unchecked_reveal.setup = _unchecked

    def time_checked_multiply(self):
        _, x, y = _operands(True)
        x * y

    time_checked_multiply.setup = _checked

    def time_unchecked_multiply(self):
        _, x, y = _operands(False)
        x * y

    time_unchecked_multiply.setup = _unchecked

    def time_numpy_multiply(self):
        a, b = _plaintext()
        a * b

    time_numpy_multiply.setup = _plaintext

    def _comm(self, check: bool):
        s, x, y = _operands(check)
        return comm_of(s, lambda: (x * y).reveal())

    def track_rounds(self):
        """Rounds of one product and its reveal, checked (equal unchecked: see the test)."""
        return self._comm(True).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self):
        return max_bytes_sent(self._comm(True))

    track_bytes_sent_per_party.unit = "bytes"

    def track_extra_bytes_of_checking(self):
        checked = max_bytes_sent(self._comm(True))
        return checked - max_bytes_sent(self._comm(False))

    track_extra_bytes_of_checking.unit = "bytes"
