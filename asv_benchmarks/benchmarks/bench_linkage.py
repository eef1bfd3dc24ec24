"""Record linkage: ``mpc.linkage.private_intersection`` of 10^4 identifiers per party, beside Python sets.

Half of each party's identifiers are common to all parties. The plaintext
baseline is what the parties would do if they could show each other their
lists: normalise the identifiers and intersect Python sets. The secure time is
dominated by the ``N`` X25519 multiplications of each party (``N`` the total
number of identifiers); the simulated backend does all parties' in one process.
"""

import mpcarray as mpc
from mpcarray.linkage.identifiers import normalise

from ._common import cached, comm_of, max_bytes_sent, session

SIZE = 10**4


@cached
def _operands(parties: int):
    """Session and each party's identifiers (``SIZE``, half of them common)."""
    s = session(parties)
    common = [f"P{i:07d}" for i in range(SIZE // 2)]
    ids = {name: common + [f"{name}-{i:07d}" for i in range(SIZE - len(common))] for name in s.parties}
    return s, ids


class PrivateIntersection:
    """ECDH private set intersection versus plaintext set intersection."""

    params = (2, 3)
    param_names = ("parties",)
    number = 1
    repeat = 3
    timeout = 120

    def setup(self, parties):
        self.s, self.ids = _operands(parties)

    def time_secure(self, parties):
        mpc.linkage.private_intersection(self.s, self.ids)

    def time_plaintext(self, parties):
        set.intersection(*({normalise(x) for x in values} for values in self.ids.values()))

    def track_rounds(self, parties):
        return comm_of(self.s, lambda: mpc.linkage.private_intersection(self.s, self.ids)).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, parties):
        return max_bytes_sent(comm_of(self.s, lambda: mpc.linkage.private_intersection(self.s, self.ids)))

    track_bytes_sent_per_party.unit = "bytes"
