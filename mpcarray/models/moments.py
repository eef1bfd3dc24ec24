"""Standardised second moments of ``Z = [X, y]``, computed securely or owner-locally.

Both paths return the same quantities (within the fixed-point bound):

* ``mean``: column means ``m`` of ``Z``;
* ``weight``: ``w ≈ 2^h / sd``, a per-column scale that only has to be positive
  and is used *consistently* (so its rsqrt error never reaches the results);
* ``variance``: ``sd^2``, the value ``w`` is the scaled rsqrt of (``variance * w``
  is ``2^h / w`` to the rsqrt's error, a start for refining that reciprocal);
* ``gram``: ``G = Zs^T Zs / n`` for ``Zs = (Z - m) * w``, i.e. about ``4^h`` times
  the correlation matrix, with ``h`` extra bits of precision chosen from the
  public row count and the number format so that ``n 4^h`` stays in the safe range.

With ``centre=False`` (regression through the origin) the moments are taken
about zero instead: ``mean`` is None, ``w ≈ 2^h / rms`` (root mean square) and
``G = (Z w)^T (Z w) / n`` is ``4^h`` times the matrix of column cosines.

The **secure path** standardises every row in MPC and forms one Gram product.
The **owner-local path** (DESIGN.md §5) is used when ``X`` and ``y`` are
row-aligned concatenations of inputs shared by their owners: each hospital
shares only its column means, standard deviations and correlation matrix (computed in float64), and the pooled ``G`` follows
from the parallel-axis rule
``Σ = Σ_k (n_k/n) (D_k R_k D_k + (m_k - m)(m_k - m)^T)`` with ``D_k = diag(sd_k)``;
about the origin, ``m = 0`` in the same rule gives the uncentred moments.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray, owner_local_or_secure, primitives
from ..array.blocks import aligned_parts, local_terms
from ..functions import rsqrt
from .precision import extra_bits


@dataclass
class StandardisedMoments:
    """Standardised moments of ``Z`` (see the module docstring); ``mean`` is None if uncentred.

    Unlike the statistics' :class:`mpcarray.stats.moments.Scatter` (public power-of-two scales,
    revealed), these keep secret per-column weights that the solver needs and never reveals.
    """

    mean: SharedArray | None
    weight: SharedArray
    variance: SharedArray
    gram: SharedArray
    scale_bits: int
    n: int


def scale_bits(n: int, range_bits: int) -> int:
    """Extra bits ``h`` such that ``n 4^h < 2^(R - 1)`` (sums of squared standardised rows stay in range).

    At most half the :func:`~.precision.extra_bits`: the Gram entries ``4^h``
    times coefficients kept at ``2^extra`` must leave the headroom free.

    Reveals: nothing (a function of the public row count and number format).
    """
    return int(np.clip((range_bits - 1 - np.log2(n)) // 2, 0, extra_bits(range_bits) // 2))


def standardize(Z: SharedArray, h: int = 0, centre: bool = True):
    """``((Z - m) * w, m, w)`` with column means ``m`` and ``w ≈ 2^h / sd`` (secure, row by row).

    Without ``centre``: ``(Z * w, None, w)`` with ``w ≈ 2^h / rms``, which keeps the
    origin where it is (needed by models without an intercept).

    Reveals: nothing.
    """
    standardised, mean, weight, _ = _standardize(Z, h, centre)
    return standardised, mean, weight


def _standardize(Z: SharedArray, h: int, centre: bool):
    """:func:`standardize` and the column variances (mean squares without ``centre``)."""
    mean = Z.mean(axis=0) if centre else None
    centred = Z - mean if centre else Z
    variance = (centred * centred).mean(axis=0)
    weight = rsqrt(variance) * 2**h
    return centred * weight, mean, weight, variance


def moments(X: SharedArray, y: SharedArray, centre: bool = True) -> StandardisedMoments:
    """Standardised moments of ``[X, y]`` (about zero without ``centre``), owner-locally when possible.

    Reveals: nothing.
    """
    n = X.shape[0]
    bits = X.fixed_point.range_bits
    h = scale_bits(n, bits)
    def secure() -> StandardisedMoments:
        Zs, mean, weight, variance = _standardize(np.hstack([X, y.reshape(-1, 1)]), h, centre)
        return StandardisedMoments(mean, weight, variance, (Zs.T @ Zs) * (1.0 / n), h, n)

    pairs = aligned_parts(X, y)
    if pairs is None:
        return secure()
    return owner_local_or_secure(lambda: _owner_local(pairs, n, h, centre, extra_bits(bits)), secure, rows=(X, y))


def _local_statistics(X_k: np.ndarray, y_k: np.ndarray, correlation_bits: int, frac: int) -> np.ndarray:
    """A hospital's own means and standard deviations, their parts below ``2^-frac`` times
    ``2^frac``, and ``2^correlation_bits`` times its correlations, as rows."""
    Z = np.column_stack([X_k, y_k]).astype(np.float64)
    location_scale = np.vstack([Z.mean(axis=0), Z.std(axis=0)])
    remainders = (location_scale - np.rint(np.ldexp(location_scale, frac)) / 2.0**frac) * 2.0**frac
    safe = np.where(location_scale[1] > 0, location_scale[1], 1.0)
    centred = (Z - location_scale[0]) / safe
    return np.vstack([location_scale, remainders, centred.T @ centred * (2.0**correlation_bits / len(Z))])


def _owner_local(pairs, n: int, h: int, centre: bool, correlation_bits: int) -> StandardisedMoments:
    """The pooled moments from each hospital's statistics; correlations travel at ``2^correlation_bits``.

    ``correlation_bits`` is the coefficients' extra bits: the terms ``4^h R_k 2^bits``
    (``|R_k| <= 1``) then stay as far inside the range as the solver's products.
    """
    frac = pairs[0][0].fixed_point.frac_bits
    # Each mean_k and sd_k travels as an f-bit part plus its rounding remainder scaled by 2^f,
    # so that both (which multiply secret weights) keep 2f fractional bits: without an
    # intercept the means dominate the Gram matrix, whose cosines are then ill-conditioned.
    # Rows: mean, sd, their remainders, then the correlations (one sharing per hospital).
    stats = np.stack(local_terms(pairs, lambda a, b: _local_statistics(a, b, correlation_bits, frac)))
    shares = np.array([X_k.shape[0] / n for X_k, _ in pairs])
    offsets, mean = _offsets(stats[:, 0], shares, centre)
    # Σ_k (n_k/n) (sd_k^2 + offset_k^2): both squares in one product
    squares = np.concatenate([stats[:, 1], offsets])
    variance = ((squares * squares) * np.concatenate([shares, shares]).reshape(-1, 1)).sum(axis=0)
    weight = rsqrt(variance) * 2**h
    # a_k = w * sd_k and w * mean_k with the remainders folded in; b_k = w * offset_k;
    # then G = Σ_k (n_k/n) (a_k a_k^T ∘ R_k + b_k b_k^T)
    k = len(pairs)
    parts = stats[:, :4] * weight  # w mean_k, w sd_k and w times their remainders, one product
    precise = parts[:, :2] + parts[:, 2:] * 2.0**-frac
    scaled_offsets, _ = _offsets(precise[:, 0], shares, centre)
    # every hospital at once: the outer products a_k a_k^T and b_k b_k^T in one product, the
    # correlations in a second (read with correlation_bits more fractional bits, so that its one
    # truncation also divides by 2^correlation_bits), the weighted sum over hospitals in a third
    p = stats.shape[2]
    vectors = np.concatenate([precise[:, 1], scaled_offsets])  # a_k, then b_k: (2k, p)
    outer = vectors.reshape(2 * k, p, 1) * vectors.reshape(2 * k, 1, p)
    correlations = primitives.relabel(stats[:, 4:], stats.frac_bits + correlation_bits)
    terms = outer[:k] * correlations + outer[k:]
    gram = (terms * shares.reshape(k, 1, 1)).sum(axis=0)
    return StandardisedMoments(mean, weight, variance, gram, h, n)


def _offsets(values, shares: np.ndarray, centre: bool):
    """``(values_k - pooled, pooled)`` for per-hospital rows, or ``(values_k, None)`` about the origin."""
    if not centre:
        return values, None
    pooled = (values * shares.reshape(-1, 1)).sum(axis=0)
    return values - pooled, pooled
