"""Order statistics at 3 parties versus NumPy: the median of 10^5 reals, and np.sort of 2^10.

``Median``: ``np.median`` of a shared vector of 10^5 values (an even count: two
order statistics by the secure-count bisection, then their mean) for 1 and 2
bits per bisection step; ``mpc.stats.median`` adds the opening. ``Sort``:
Batcher's network on 1024 values. Plaintext ``np.median``/``np.sort`` run on
the same data in the same class.
"""

import numpy as np

from mpcarray.functions import median

from ._common import cached, comm_of, max_bytes_sent, session, uniform

PARTIES = 3
VALUES = 10**5
SORTED = 2**10


@cached
def _median_operands():
    """Session, the shared 10^5 values and their plaintext; kernels warmed up."""
    s = session(PARTIES)
    data = uniform(VALUES, stream=21)
    x = s.share(data, owner=0)
    median(x[:64])  # warm-up
    return s, x, data


class Median:
    """np.median of 10^5 shared reals (3 parties) versus np.median."""

    params = ((1, 2),)
    param_names = ("bits_per_step",)
    number = 1
    repeat = 3
    timeout = 300

    def setup(self, bits_per_step):
        self.s, self.x, self.data = _median_operands()

    def time_secure(self, bits_per_step):
        median(self.x, bits_per_step=bits_per_step)

    def time_plaintext(self, bits_per_step):
        np.median(self.data)

    def _comm(self, bits_per_step):
        return comm_of(self.s, lambda: median(self.x, bits_per_step=bits_per_step))

    def track_rounds(self, bits_per_step):
        return self._comm(bits_per_step).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, bits_per_step):
        return max_bytes_sent(self._comm(bits_per_step))

    track_bytes_sent_per_party.unit = "bytes"


@cached
def _sort_operands():
    s = session(PARTIES)
    data = uniform(SORTED, stream=22)
    x = s.share(data, owner=1)
    np.sort(x[:4])  # warm-up
    return s, x, data


class Sort:
    """np.sort of 1024 shared reals (Batcher's network, 55 layers, 495 rounds) versus np.sort."""

    number = 1
    repeat = 3
    timeout = 300

    def setup(self):
        self.s, self.x, self.data = _sort_operands()

    def time_secure(self):
        np.sort(self.x)

    def time_plaintext(self):
        np.sort(self.data)

    def track_rounds(self):
        return comm_of(self.s, lambda: np.sort(self.x)).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self):
        return max_bytes_sent(comm_of(self.s, lambda: np.sort(self.x)))

    track_bytes_sent_per_party.unit = "bytes"
