"""Disclosure thresholds: reveal a count only when it is large enough."""

import numpy as np

from ..array import SharedArray
from ..errors import UnsupportedOperationError


def suppress_small(counts: SharedArray, k: int = 10, label: str | None = None) -> np.ma.MaskedArray:
    """Reveal the shared integer ``counts`` that are at least ``k``; mask the others.

    The comparison with ``k`` runs inside MPC, then the pattern of kept cells is
    opened, then only the kept counts.

    Reveals: which cells are below ``k`` (the suppression pattern) and the
    counts of the other cells. Nothing about the suppressed counts beyond
    ``< k``.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     counts = s.share(np.array([3, 25, 12, 0]), owner=0)
    ...     print(mpc.privacy.suppress_small(counts, k=10, label="cases by region"))
    [-- 25 12 --]
    """
    if not isinstance(counts, SharedArray) or counts.dtype.kind not in "iu":
        raise UnsupportedOperationError("suppress_small needs a SharedArray of integer counts")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the threshold k must be a positive integer, got {k!r}")
    name = label or "counts"
    keep = (counts >= k).reveal(label=f"{name} (suppression pattern, k={k})").astype(bool)
    result = np.ma.masked_all(counts.shape, dtype=np.int64)
    if keep.any():
        result[keep] = counts[keep].reveal(label=name)
    return result
