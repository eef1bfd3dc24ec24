"""Medians and quantiles of columns: exact order statistics by a secure-count bisection.

The computation is :func:`mpcarray.functions.quantile`: Batcher's sorting network
for up to 4096 rows (16384 for integers), a secure-count bisection (rounds
independent of the number of rows) beyond; only the requested quantiles are opened.
"""

import numpy as np

from ..array import SharedArray
from ..functions import quantile as _secure_quantile
from . import _inputs


def quantile(X: SharedArray, q, axis: int = 0, bits_per_step: int = 1, algorithm: str = "auto") -> np.ndarray:
    """Column quantiles, as ``numpy.quantile(X, q, axis=0)`` (NumPy's default 'linear' method).

    The order statistics are exact; the interpolation ``x_(k) + g (x_(k+1) - x_(k))``
    (``h = (n - 1) q``, ``k = floor(h)``, ``g = h - k``) is one fixed-point
    product with the public ``g``: below 1 ulp off NumPy's value when ``g`` is
    one power of two, below 1.01 ulps otherwise, exact when ``g = 0``.

    Cost (additive sessions; a Shamir sign test takes 3 more rounds):
    ``algorithm="auto"`` takes whichever needs fewer rounds: the sorting
    network, ``6 p (p + 1) / 2`` rounds for ``p = ceil(log2 n)`` (18 for 3 or 4
    rows, 468 for 4096), or the bisection, ``10 * ceil(B / bits_per_step)``
    rounds (``B = 47`` grid bits for fixed point at ``f = 16``, 63 for
    integers: 470 and 630 rounds); plus 1 round for the interpolation when
    ``g`` is one power of two, 4 for other fractions, plus 1 to open. More bits per step cut the bisection's rounds (240 at 2) for
    ``(2^b - 1) / b`` times the sign tests.

    Reveals: the quantiles (one value per ``q`` and column), nothing else. Note
    that an order statistic is one patient's value (when ``g = 0``, e.g. the
    median of an odd count) or lies between two patients' values; the opening
    is labelled "quantiles"; its lineage counts one record per value (an
    order statistic discloses one patient's value, not an aggregate of ``n``),
    so a policy with ``min_cohort`` above 1 refuses it (``docs/privacy.md``).

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     x = s.share(np.array([[1.0, 10.0], [2.0, 30.0], [4.0, 20.0]]), owner=0)
    ...     print(mpc.stats.quantile(x, 0.5))
    [ 2. 20.]
    """
    _inputs.shared(X, "X")
    if axis not in (0, -X.ndim):
        raise ValueError(f"only axis=0 (over rows, per column) is supported, got axis={axis!r}")
    result = _secure_quantile(X, q, axis=0, bits_per_step=bits_per_step, algorithm=algorithm)
    return result.reveal(label="quantiles", cohort=X.shape[0])


def median(X: SharedArray, axis: int = 0, bits_per_step: int = 1, algorithm: str = "auto") -> np.ndarray:
    """Column medians, as ``numpy.median(X, axis=0)``: :func:`quantile` at ``q = 0.5``.

    Exact for an odd number of rows; for an even number the mean of the two
    middle values, rounded to the fixed-point grid (below 1 ulp).
    Cost: as :func:`quantile` (additive: 18 rounds for 3 rows, 470 for more than
    4096 rows of fixed point at ``f = 16``), plus 1 for an even number of rows, plus 1 to open.

    Reveals: the medians, nothing else.

    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=3, seed=1) as s:
    ...     print(mpc.stats.median(s.share(np.array([3.0, 9.0, 1.0, 5.0]), owner=0)))
    4.0
    """
    return quantile(X, 0.5, axis, bits_per_step, algorithm)
