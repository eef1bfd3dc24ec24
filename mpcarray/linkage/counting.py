"""Counting, with two parties: each compares the other's set under both keys with its own.

After the ring (:mod:`.ring`) each party holds the other's set under both keys;
it sends it back (**gather**, 1 round), so that each party holds its own set
under both keys in its own secret order and the other's. The common values,
sorted, are the **common order**: the same at both parties and unrelated to
either's row order (the values are pseudorandom). Each party maps the
positions of the common values in its own batch to rows through its secret
permutation. With ``hide_rows`` (the size only) each party shuffles the set
it sends back, so neither can tell which of its rows are common.

With two parties this reveals nothing beyond the intersection; three or more
parties use :mod:`.star` instead, since comparing sets under all keys would
show how many values every group of parties has in common.

Cost: 1 round; party ``j`` sends ``32 m[1 - j]`` bytes.
"""

import numpy as np

from . import curve
from .ring import Encrypted, receive_batch, secret_permutation


def count(transport, encrypted: Encrypted, hide_rows: bool) -> tuple[int, dict[int, np.ndarray]]:
    """The size of the intersection and, unless ``hide_rows``, each held party's rows of it in the common order."""
    for j, batch in encrypted.held.items():
        transport.send(j, 1 - j, batch[secret_permutation(len(batch))] if hide_rows else batch)
    own = {j: receive_batch(transport, 1 - j, j, len(encrypted.orders[j])) for j in encrypted.held}
    transport.end_round()
    common = {j: sorted(set(curve.from_batch(own[j])) & set(curve.from_batch(encrypted.held[j]))) for j in own}
    if hide_rows:
        return len(next(iter(common.values()))), {}
    rows = {}
    for j, values in common.items():
        position = {value: p for p, value in enumerate(curve.from_batch(own[j]))}
        rows[j] = encrypted.orders[j][np.array([position[value] for value in values], dtype=np.int64)]
    return len(next(iter(rows.values()))), rows
