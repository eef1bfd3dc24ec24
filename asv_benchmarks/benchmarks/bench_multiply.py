"""Elementwise fixed-point multiplication ``x * y`` (Beaver triple + exact truncation).

Quote ``time_secure_multiply / time_plaintext_multiply`` from the same run, not
absolute times. ``track_*`` are exact counters for one product and do not
depend on the machine.
"""

from ._common import cached, comm_of, dealer_bytes, max_bytes_sent, session, uniform


@cached
def _operands(n_elements: int, parties: int):
    """Session, shares of x (party 0) and y (party 1), and the plaintext a, b; kernels warmed up."""
    s = session(parties)
    a = uniform(n_elements, stream=1)
    b = uniform(n_elements, stream=2)
    x = s.share(a, owner=0)
    y = s.share(b, owner=1)  # different owners: no party knows both, the product is fully secure
    x * y  # warm-up: loads/compiles every Numba kernel on this path
    a * b
    return s, x, y, a, b


class FixedPointMultiply:
    """``x * y`` on secret-shared reals versus NumPy float64 ``a * b`` of the same size.

    The secure time covers the whole protocol as a user sees it: the dealer's
    triple and truncation material, the two openings, the local kernels.
    """

    params = ((10**4, 10**6), (2, 3, 5))
    param_names = ("n_elements", "parties")
    timeout = 120

    def setup(self, n_elements, parties):
        self.s, self.x, self.y, self.a, self.b = _operands(n_elements, parties)

    def time_secure_multiply(self, n_elements, parties):
        self.x * self.y

    def time_plaintext_multiply(self, n_elements, parties):
        self.a * self.b

    def _comm(self):
        return comm_of(self.s, lambda: self.x * self.y)

    def track_rounds(self, n_elements, parties):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, n_elements, parties):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"

    def track_dealer_bytes(self, n_elements, parties):
        return dealer_bytes(self._comm())

    track_dealer_bytes.unit = "bytes"
