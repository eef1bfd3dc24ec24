"""Is a small shared integer zero? One opening, with a one-hot mask from the dealer.

For shares of integers ``x`` known to lie in ``[0, 2^bits)``: the dealer shares
a uniform ``r`` and the one-hot vector ``e`` of ``r mod 2^bits``
(:mod:`mpcarray.preprocessing.one_hot`); the parties open ``c = x + r`` and
each takes its share of ``e`` at position ``c mod 2^bits``: that entry is 1
exactly when ``c = r`` modulo ``2^bits``, that is when ``x = 0``. A comparison
takes 5 rounds.
"""

import numpy as np

from ..preprocessing.one_hot import MAX_BITS as ZERO_TEST_MAX_BITS
from .opening import open_shares


def is_zero(rt, x: np.ndarray, bits: int) -> np.ndarray:
    """Shares of ``[x == 0]`` (0/1 ring integers) for shares ``x`` ``(k, *shape)`` of integers in ``[0, 2^bits)``.

    Additive sessions (the dealer's one-hot vectors), ``bits <= ZERO_TEST_MAX_BITS`` (16). Cost: 1 round; each party sends and
    receives ``8 N (n - 1)`` bytes; the dealer sends party 0 ``8 N 2^bits`` bytes.
    Security: only ``c = x + r`` is opened, uniform because ``r`` is.
    An ``x`` outside ``[0, 2^bits)`` gives ``[x mod 2^bits == 0]``.
    """
    flat = x.reshape(x.shape[0], -1)
    size = flat.shape[1]
    masks, vectors = rt.provider.one_hot(size, bits)
    (opened,) = open_shares(rt, flat + masks)
    positions = (opened & np.uint64((1 << bits) - 1)).astype(np.int64)
    return vectors[:, np.arange(size), positions].reshape(x.shape)


__all__ = ["ZERO_TEST_MAX_BITS", "is_zero"]
