"""Input sharing ``s.share(x, owner=0)`` and opening ``x.reveal()`` of 10^6 reals (to everyone, or to party 1).

The plaintext baseline is a copy of the same float64 array: what handing the
data over in the clear would cost in memory traffic.
"""

from ._common import cached, comm_of, max_bytes_sent, session, uniform

SIZE = 10**6


@cached
def _operands(parties: int):
    """Session, plaintext data, its sharing; encode/share/open kernels warmed up."""
    s = session(parties)
    data = uniform(SIZE, stream=7)
    x = s.share(data, owner=0)
    x.reveal()  # warm-up
    data.copy()
    return s, data, x


class ShareReveal:
    """Share 10^6 floats from party 0 and reveal 10^6 shared floats to everyone."""

    params = (2, 3, 5)
    param_names = ("parties",)
    timeout = 120

    def setup(self, parties):
        self.s, self.data, self.x = _operands(parties)

    def time_share(self, parties):
        self.s.share(self.data, owner=0)

    def time_reveal(self, parties):
        self.x.reveal()

    def time_reveal_to_one(self, parties):
        self.x.reveal(to=1)

    def time_plaintext_copy(self, parties):
        self.data.copy()

    def track_share_rounds(self, parties):
        return comm_of(self.s, lambda: self.s.share(self.data, owner=0)).rounds

    track_share_rounds.unit = "rounds"

    def track_share_bytes_sent_per_party(self, parties):
        return max_bytes_sent(comm_of(self.s, lambda: self.s.share(self.data, owner=0)))

    track_share_bytes_sent_per_party.unit = "bytes"

    def track_reveal_rounds(self, parties):
        return comm_of(self.s, self.x.reveal).rounds

    track_reveal_rounds.unit = "rounds"

    def track_reveal_bytes_sent_per_party(self, parties):
        return max_bytes_sent(comm_of(self.s, self.x.reveal))

    track_reveal_bytes_sent_per_party.unit = "bytes"

    def track_reveal_to_one_bytes_received(self, parties):
        """Bytes the one receiver gets (the others receive none)."""
        return int(comm_of(self.s, lambda: self.x.reveal(to=1)).bytes_received.max())

    track_reveal_to_one_bytes_received.unit = "bytes"
