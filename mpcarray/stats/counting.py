"""Counts, proportions and histograms: exact ring-integer sums of comparison bits.

Owner-held rows are counted by each hospital locally (``numpy`` on its own
plaintext) and only the count vectors are shared; otherwise the comparisons run
inside MPC (5 rounds, whatever the size) and their 0/1 results are summed.
"""

import numpy as np

from ..array import SharedArray
from . import _inputs
from .partition import additive


def counts(x: SharedArray, levels=None, suppress_small: int | None = None) -> np.ndarray:
    """Number of rows per category, or of ones per column of 0/1 indicators.

    Reveals: the counts (with ``suppress_small``: which counts are below the
    threshold, and the others).

    Parameters
    ----------
    x : SharedArray of integers
        ``(n,)`` category codes (with ``levels``), or ``(n,)``/``(n, p)`` 0/1
        indicators (``levels=None``; values other than 0/1 are summed as they are).
    levels : sequence of int, optional
        Public category codes to count; codes not listed are not counted.
    suppress_small : int, optional
        Reveal only counts ``>= suppress_small`` (a masked array).
    """
    k = _inputs.threshold(suppress_small)
    if levels is None:
        _inputs.integers(x, "x", ndim=(1, 2))
        total = additive((x,), lambda a: a.astype(np.int64).sum(axis=0), lambda v: v.sum(axis=0))
        return _inputs.disclose_counts(total, "counts", x.shape[0], k)
    _inputs.integers(x, "x")
    codes = _inputs.levels(levels, "levels")
    total = additive((x,), lambda a: (a[:, None] == codes).sum(axis=0),
                     lambda v: (v[:, None] == codes).sum(axis=0))
    return _inputs.disclose_counts(total, "category counts", x.shape[0], k)


def proportions(x: SharedArray, levels=None) -> np.ndarray:
    """Fraction of rows per category (or of ones per indicator column): :func:`counts` / n.

    Reveals: the counts (``n`` is public).
    """
    return counts(x, levels) / x.shape[0]


def histogram(x: SharedArray, bins, suppress_small: int | None = None):
    """Counts of ``x`` in public bins, as ``numpy.histogram(x, bins=edges)``.

    Bins are half-open ``[e_i, e_(i+1))`` except the last, which is closed; values
    outside the edges are not counted. Fixed-point inputs are compared as encoded
    (rounded to ``2^-f``), so a value within ``2^-(f+1)`` of an edge may fall on
    the other side of it than in float64. A number of bins is refused: its edges
    would need the secret minimum and maximum.

    Returns ``(hist, bin_edges)``. Reveals: the bin counts (with
    ``suppress_small``, the suppression pattern and the counts at least that large).
    """
    _inputs.shared(x, "x", ndim=(1,))
    if np.ndim(bins) == 0:
        raise ValueError("bins must be public bin edges (an increasing array), not a number of bins")
    edges = _inputs.increasing(bins, "bins")
    k = _inputs.threshold(suppress_small)
    interior = edges[:-1]

    def local(a):
        return np.histogram(a, bins=edges)[0].astype(np.int64)

    def secure(v):
        # at_least[j] = #{x >= e_j} for the left edges; beyond = #{x > last edge}
        at_least = (v[:, None] >= interior).sum(axis=0)
        beyond = (v > edges[-1]).sum(axis=0)
        upper = np.concatenate([at_least[1:], beyond.reshape(1)])
        return at_least - upper

    hist = additive((x,), local, secure)
    return _inputs.disclose_counts(hist, "histogram", x.shape[0], k), edges
