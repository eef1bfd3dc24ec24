"""Owner-held row blocks grouped across arrays: the one test of "each owner can aggregate its rows".

Statistics and models both aggregate owner-locally when every input is the row-wise
``np.concatenate`` of blocks shared by their owners (:func:`~mpcarray.array.owner.row_parts`):
:func:`aligned_parts` groups the blocks by owner, :func:`local_terms` evaluates a
function on each owner's plaintext blocks and shares the results.
"""

from collections.abc import Callable

import numpy as np

from .owner import owner_apply_each, row_parts
from .shared_array import SharedArray


def aligned_parts(*arrays: SharedArray) -> list[tuple[SharedArray, ...]] | None:
    """Per owner, its row block of every array (same owner, same rows), or None.

    Owners that contributed no rows are left out (they add nothing).

    Reveals: nothing (block owners and sizes are public metadata).
    """
    blocks = [row_parts(a) for a in arrays]
    present = [b for b in blocks if b is not None]
    if len(present) != len(blocks) or len({len(b) for b in present}) != 1:
        return None
    groups = list(zip(*present))
    for group in groups:
        if len({p.known_by for p in group}) != 1 or len({p.shape[0] for p in group}) != 1:
            return None
    return [group for group in groups if group[0].shape[0] > 0]


def local_terms(groups: list[tuple[SharedArray, ...]], local: Callable[..., np.ndarray]) -> list[SharedArray]:
    """Each owner's shared ``local(plaintexts of its blocks)``, all in one round
    (:func:`~mpcarray.array.owner.owner_apply_each`)."""
    return owner_apply_each(groups, local)
