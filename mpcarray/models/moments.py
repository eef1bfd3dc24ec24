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
from ..array.promotion import INT
from ..functions import rsqrt
from .precision import extra_bits

#: Relative accuracy ``2^-bits`` of the weights' ``rsqrt`` in :func:`moments`: least squares
#: only needs ``w`` positive and used consistently, with the standardised diagonal within the
#: solver's margin (1.05) of ``4^h``; 7 bits keep it within 1.6% and save 4 of the rsqrt's 18 rounds.
WEIGHT_BITS = 7


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
    origin where it is (needed by models without an intercept). ``w`` has ``rsqrt``'s
    accuracy: gradient descent, whose steps depend on the scale, follows the
    standardised problem of float64.

    Reveals: nothing.
    """
    standardised, mean, weight, _ = _standardize(Z, h, centre)
    return standardised, mean, weight


def _standardize(Z: SharedArray, h: int, centre: bool, bits: int | None = None):
    """:func:`standardize` and the column variances (mean squares without ``centre``); ``bits``: the
    accuracy of ``w`` (:func:`~mpcarray.functions.rsqrt`)."""
    mean = Z.mean(axis=0) if centre else None
    centred = Z - mean if centre else Z
    variance = (centred * centred).mean(axis=0)
    weight = rsqrt(variance, bits=bits) * 2**h
    return centred * weight, mean, weight, variance


def moments(X: SharedArray, y: SharedArray, centre: bool = True) -> StandardisedMoments:
    """Standardised moments of ``[X, y]`` (about zero without ``centre``), owner-locally when possible.

    Reveals: nothing.
    """
    n = X.shape[0]
    bits = X.fixed_point.range_bits
    h = scale_bits(n, bits)
    def secure() -> StandardisedMoments:
        Zs, mean, weight, variance = _standardize(np.hstack([X, y.reshape(-1, 1)]), h, centre, WEIGHT_BITS)
        return StandardisedMoments(mean, weight, variance, (Zs.T @ Zs) * (1.0 / n), h, n)

    pairs = aligned_parts(X, y)
    if pairs is None:
        return secure()
    return owner_local_or_secure(lambda: _owner_local(pairs, n, h, centre, extra_bits(bits)), secure, rows=(X, y))


def _local_statistics(X_k: np.ndarray, y_k: np.ndarray, weights: np.ndarray, n: int, centre: bool,
                      correlation_bits: int, frac: int) -> np.ndarray:
    """Hospital ``k``'s rows for :func:`_owner_local`, from its own ``Z_k = [X_k, y_k]`` in float64.

    With ``p_j = n_j / n`` (``weights``, public; its own ``p_k`` from its row count): its part
    ``p_k m_k`` of the pooled mean, ``sd_k`` and ``m_k`` (each as an ``f``-bit part and its
    remainder times ``2^f``); for the pooled variance ``sqrt(p_k) sd_k``, ``sqrt(p_k) m_k`` and,
    with ``centre``, ``sqrt(p_j) p_k m_k`` for every hospital ``j`` (its part of ``j``'s offset
    ``sqrt(p_j) (m_j - m)``); then ``2^correlation_bits`` times ``p_k`` times its correlations.
    """
    Z = np.column_stack([X_k, y_k]).astype(np.float64)
    mean, sd, own = Z.mean(axis=0), Z.std(axis=0), len(Z) / n
    precise = [part for value in (own * mean, sd, mean) for part in _split(value, frac)]
    spread = [np.sqrt(own) * sd, np.sqrt(own) * mean] + ([root * own * mean for root in np.sqrt(weights)]
                                                         if centre else [])
    safe = np.where(sd > 0, sd, 1.0)
    centred = (Z - mean) / safe
    correlations = centred.T @ centred * (own * 2.0**correlation_bits / len(Z))
    return np.vstack([*precise, *spread, correlations])


def _split(value: np.ndarray, frac: int) -> tuple[np.ndarray, np.ndarray]:
    """``value`` rounded to ``2^-frac`` and the rounding's remainder times ``2^frac``."""
    rounded = np.rint(np.ldexp(value, frac)) / 2.0**frac
    return rounded, (value - rounded) * 2.0**frac


def _owner_local(pairs, n: int, h: int, centre: bool, correlation_bits: int) -> StandardisedMoments:
    """The pooled moments from each hospital's statistics (:func:`_local_statistics`).

    With ``p_k = n_k / n``, offsets ``o_k = m_k - m`` (``m = 0`` without ``centre``),
    ``a_k = w sd_k`` and ``b_k = w o_k``, the parallel-axis rule gives the variance
    ``Σ_k p_k (sd_k^2 + o_k^2)`` and ``G = Σ_k p_k (a_k a_k^T ∘ R_k + b_k b_k^T)``. The public
    weights are the hospitals' own factors (``p_k R_k``, the square roots for the variance) or
    a shared constant (``p_k`` for ``b_k b_k^T``, in the same product as ``R_k``), so every
    step is a product: the squares (2 rounds), ``rsqrt``, ``a_k`` and ``b_k`` (2), the outer
    products (2), the weights and correlations (2). ``sd_k`` and ``o_k`` keep ``2f`` fractional
    bits (a part and its remainder), since they multiply secret weights: without an intercept the
    means dominate the Gram matrix, whose cosines are then ill-conditioned. Correlations travel at
    ``2^correlation_bits``, the coefficients' extra bits, so that ``4^h R_k 2^bits``
    (``|R_k| <= 1``) stays as far inside the range as the solver's products.
    """
    frac = pairs[0][0].fixed_point.frac_bits
    k = len(pairs)
    weights = np.array([X_k.shape[0] / n for X_k, _ in pairs])
    stats = np.stack(local_terms(pairs, lambda a, b: _local_statistics(
        a, b, weights, n, centre, correlation_bits, frac)))
    p = stats.shape[2]
    pooled, sd, offsets = stats[:, 0:2], stats[:, 2:4], stats[:, 4:6]  # (k, 2, p): f-bit parts, remainders
    root_sd, spread = stats[:, 6], stats[:, 7]
    mean = pooled[:, 0].sum(axis=0) if centre else None
    if centre:  # o_k = m_k - Σ_l p_l m_l; sqrt(p_k) o_k with each hospital's part of sqrt(p_k) m
        offsets = offsets - pooled.sum(axis=0)
        spread = spread - stats[:, 8:8 + k].sum(axis=0)
    terms = np.concatenate([root_sd, spread])  # p_k sd_k^2 and p_k o_k^2: one product
    variance = (terms * terms).sum(axis=0)
    weight = rsqrt(variance, bits=WEIGHT_BITS) * 2**h
    # a_k and b_k from both parts in one product: w times the part plus w times the remainder,
    # read with f more fractional bits (the product's one truncation also divides by 2^f)
    both = np.concatenate([sd, offsets])  # (2k, 2, p)
    scale = np.broadcast_to(weight, (2 * k, p))
    coarse, fine = primitives.truncated_products([(both[:, 0], scale, frac), (
        primitives.relabel(both[:, 1], 2 * frac), scale, 2 * frac)])
    vectors = coarse + fine  # a_k, then b_k: (2k, p)
    outer = vectors.reshape(2 * k, p, 1) * vectors.reshape(2 * k, 1, p)
    # p_k R_k and p_k, read with correlation_bits more fractional bits: the product's one
    # truncation also divides by 2^correlation_bits
    shares = primitives.shared_constant(stats, np.broadcast_to(
        np.rint(np.ldexp(weights, frac + correlation_bits)).astype(np.int64).reshape(k, 1, 1), (k, p, p)))
    factors = primitives.relabel(np.concatenate([primitives.relabel(stats[:, -p:], INT), shares]),
                                 frac + correlation_bits)
    gram = (outer * factors).sum(axis=0)
    return StandardisedMoments(mean, weight, variance, gram, h, n)
