"""Scaled first and second moments of a column block, by owner-local or secure aggregation.

Notation: ``X'`` = columns scaled by the public ``2^e`` (:mod:`.scaling`), ``m``
= column means of ``X'``, ``M = sum_i (x'_i - m)(x'_i - m)^T`` the scatter
matrix. ``e`` is chosen so ``n * max|x'|^2 <= 2^(61 - 2f)`` (``2^29`` at ``f = 16``); since
``M_jj <= sum_i x'_ij^2``, every entry of ``M`` (and the ring sum behind the
secure Gram product) stays inside the fixed-point range.

* Owner-local (rows held by hospitals): hospital ``k`` shares its ``m_k`` and
  ``M_k`` once; they are combined exactly as Chan, Golub and LeVeque's
  pairwise update: ``M = sum_k M_k + sum_k n_k (m_k - m)(m_k - m)^T``.
* Secure (any other split, e.g. columns held by different hospitals):
  ``m`` by one truncated mean, then ``M = C^T C`` for ``C = X' - m`` in one
  matrix-triple product with a single truncation per entry.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray, owner_local_or_secure
from ..array.blocks import aligned_parts, local_terms
from .scaling import frac_bits, power_of_two, range_bits, scale_exponents


@dataclass
class Scatter:
    """``n`` rows; shared scatter ``M`` of the columns scaled by ``2^exponents``; ``|M| <= bound``.

    Public power-of-two scales, so var, cov and corrcoef undo them exactly in the clear;
    the models' standardised moments (secret ``2^h / sd`` weights, divided by ``n``) are
    a different quantity. Both aggregate owner-locally with :func:`mpcarray.array.blocks.aligned_parts`.
    """

    n: int
    scatter: SharedArray
    exponents: np.ndarray
    bound: float
    frac_bits: int


def scale_target(n: int, f: int) -> int:
    """Bits per scaled value so that ``n * 2^(2 * bits)`` is below the range with one bit to spare."""
    return int(np.floor((range_bits(f) - 1 - np.log2(n)) / 2))


def moments(X: SharedArray, bounds=None, label: str = "X") -> Scatter:
    """Scatter matrix of ``X`` (shape (n, p), fixed point or integers) after public scaling."""
    n, f = X.shape[0], frac_bits(X)
    target = scale_target(n, f)
    exponents = scale_exponents(X, target, bounds, label=f"{label} magnitude")
    groups = aligned_parts(X)
    scatter = _secure(X, exponents) if groups is None else owner_local_or_secure(
        lambda: _owner_local(groups, exponents), lambda: _secure(X, exponents), rows=(X,))
    return Scatter(n, scatter, exponents, n * 4.0**target, f)


def _local_moments(a: np.ndarray, exponents: np.ndarray) -> np.ndarray:
    """One hospital's scaled mean (row 0) and scatter (rows 1..p), in float64."""
    scaled = a.reshape(len(a), -1) * np.ldexp(1.0, exponents)  # exact: a power of two per column
    centre = scaled.mean(axis=0)
    centred = scaled - centre
    return np.vstack([centre, centred.T @ centred])


def _owner_local(groups, exponents) -> SharedArray:
    counts = np.array([block.shape[0] for (block,) in groups])
    n = counts.sum()
    terms = local_terms(groups, lambda a: _local_moments(a, exponents))
    means = np.stack([t[0] for t in terms])  # (k, p)
    centre = (means * counts[:, None]).sum(axis=0) * (1.0 / n)
    offsets = means - centre
    between = (offsets[:, :, None] * offsets[:, None, :]) * counts[:, None, None]
    return sum(t[1:] for t in terms) + between.sum(axis=0)


def _secure(X: SharedArray, exponents) -> SharedArray:
    X = X if X.frac_bits else X.astype(float)
    scaled = X.reshape(X.shape[0], -1) * power_of_two(exponents)
    centred = scaled - scaled.mean(axis=0)
    return centred.T @ centred
