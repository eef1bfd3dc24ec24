"""Secret-sharing an owner's plaintext input."""

import numpy as np

from ..sharing import split


def share_input(rt, owner: int, ring_values: np.ndarray | None, shape: tuple) -> np.ndarray:
    """Shares of the owner's ring-encoded input; ``ring_values`` is read at the owner only.

    Steps: (1) the owner draws ``n - 1`` uniform ring arrays and splits its input
    (:func:`mpcarray.sharing.split`); (2) it sends party ``j`` its share.

    Cost: 1 round; the owner sends ``8 * N * (n - 1)`` bytes, every other party
    receives ``8 * N``.
    Security: each other party receives one uniformly random array.
    """
    rows = None
    if owner in rt.ranks:
        randomness = rt.input_rng.integers(
            0, 2**64, size=(rt.n_parties - 1,) + tuple(shape), dtype=np.uint64
        )
        rows = split(ring_values, randomness)
    return rt.transport.scatter(owner, rows)
