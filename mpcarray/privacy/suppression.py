"""Disclosure thresholds: reveal a count only when it is large enough."""

import numpy as np

from ..array import SharedArray
from ..array.ranges import called_by_script
from ..errors import UnsupportedOperationError


def suppress_small(counts: SharedArray, k: int = 10, label: str | None = None) -> np.ma.MaskedArray:
    """Reveal the shared integer ``counts`` that are at least ``k``; mask the others.

    The comparison with ``k`` runs inside MPC, then the pattern of kept cells is
    opened, then only the kept counts.

    Reveals: which cells are below ``k`` (the suppression pattern) and the
    counts of the other cells. Nothing about the suppressed counts beyond
    ``< k``.

    ``counts`` must be counts the library produced (their lineage says so):
    sums over the records axis of 0/1 indicators, such as comparisons or
    shared bools; anything else raises
    :class:`~mpcarray.errors.UnsupportedOperationError`.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(3, seed=0) as s:
    ...     region = s.share(np.repeat([0, 1, 2, 3], [3, 25, 12, 0]), owner=0)  # one row per patient
    ...     counts = (region[:, None] == np.arange(4)).sum(axis=0)
    ...     print(mpc.privacy.suppress_small(counts, k=10, label="cases by region"))
    [-- 25 12 --]
    """
    if not isinstance(counts, SharedArray) or counts.dtype.kind not in "iu":
        raise UnsupportedOperationError("suppress_small needs a SharedArray of integer counts")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"the threshold k must be a positive integer, got {k!r}")
    if called_by_script() and (counts._lineage is None or counts._lineage.kind != "count"):
        raise UnsupportedOperationError(
            "suppress_small reveals only counts the library produced: sums over the records axis of 0/1 "
            "indicators, e.g. (region == 3).sum(axis=0) or onehot.T @ onehot (an arbitrary array, such as "
            "count + 10, could hide a small count); the statistics functions take suppress_small=k")
    name = label or "counts"
    keep = (counts >= k).reveal(label=f"{name} (suppression pattern, k={k})").astype(bool)
    result = np.ma.masked_all(counts.shape, dtype=np.int64)
    if keep.any():
        result[keep] = counts[keep].reveal(label=name)
    return result
