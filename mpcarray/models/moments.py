"""Standardised second moments of ``Z = [X, y]``, computed securely or owner-locally.

Both paths return the same quantities (within the fixed-point bound):

* ``mean``: column means ``m`` of ``Z``;
* ``weight``: ``w ≈ 2^h / sd``, a per-column scale that only has to be positive
  and is used *consistently* (so its rsqrt error never reaches the results);
* ``variance``: ``sd^2``, the value ``w`` is the scaled rsqrt of (``variance * w``
  is ``2^h / w`` to the rsqrt's error, a start for refining that reciprocal);
* ``gram``: ``G = Zs^T Zs / n`` for ``Zs = (Z - m) * w``, i.e. about ``4^h`` times
  the correlation matrix, with ``h`` extra bits of precision chosen from the
  public row count and the number format so that ``n 4^h`` stays in the safe range;
  the owner-local path leaves it exact with ``f + 2h`` fractional bits (not yet
  truncated: its consumer takes that truncation in a round of its own work).

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
    ``Σ_k p_k (sd_k^2 + o_k^2)`` and ``G = Σ_k diag(a_k) (p_k R_k) diag(a_k) + diag(b_k) (p_k J)
    diag(b_k)`` (``J`` all ones). The public weights are the hospitals' own factors (``p_k R_k``,
    the square roots for the variance) or public integers (``p_k J``), so every step is a product,
    and each truncation is taken in the opening of the product that uses its result
    (:func:`~mpcarray.array.primitives.truncated_scaling`,
    :func:`~mpcarray.array.primitives.truncated_product`): the exact squares (1 round), ``rsqrt``
    of the untruncated variance, without its last truncation (10), ``a_k`` and ``b_k`` (1),
    ``(p_k R_k) diag(a_k)`` (1), the two outer products (1): 14 rounds. The Gram matrix is left
    exact (``f + 2h`` fractional bits), for its truncation to join its consumer's first round
    (:class:`~mpcarray.models.SPDSolver` scales it as it is).
    Its factors keep ``h`` bits beyond ``f``, so that a rounding moves the result (up to ``4^h``)
    by about ``2^-f``. ``sd_k`` and ``o_k`` keep ``2f`` fractional
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
    (squares,), _ = primitives.multiply_and_truncate([(terms, terms, 0)], [])
    exact = squares.sum(axis=0)  # the variance with 2f fractional bits: rsqrt takes it untruncated
    variance, raw = primitives.concurrently(exact, lambda: primitives.at_session_bits(exact),
                                            lambda: rsqrt(exact, bits=WEIGHT_BITS, rounded=False))
    raw = primitives.relabel(raw, raw.frac_bits - h)  # w = 2^h rsqrt, exact: h fewer fractional bits
    # a_k and b_k from both parts, w truncated in the products' opening: w times the part, and
    # w times the remainder read with f more fractional bits
    both = np.concatenate([sd, offsets])  # (2k, 2, p)
    parts, weight = primitives.truncated_scaling(np.concatenate([both[:, 0], both[:, 1]]), raw, frac)  # (4k, p), 2f
    coarse, fine = parts[: 2 * k], primitives.relabel(parts[2 * k:], 3 * frac)
    # G = Σ_k diag(a_k) (p_k R_k) diag(a_k) + diag(b_k) (p_k J) diag(b_k), J all ones: each
    # factor truncated in the opening of the product that uses it (truncated_product); p_k R_k
    # and p_k (as an integer times 2^(f + correlation_bits)) are kept exact until those truncations
    correlations = primitives.relabel(stats[:, -p:], frac + correlation_bits)
    ones = np.rint(np.ldexp(weights, frac + correlation_bits)).astype(np.int64)
    inner = primitives.concurrently(stats, *(  # p_k R_k diag(a_k) and a_k, and b_k, each from its two parts
        lambda j=j: _times_truncated(correlations[j], coarse[j], fine[j], frac + h) for j in range(k)), *(
        lambda j=j: _truncated(coarse[k + j], fine[k + j], frac + h) for j in range(k)))
    # every factor keeps h bits beyond f: a rounding then moves the result (up to 4^h) by ~2^-f, not
    # 2^(h - f); a_i (p_k R_k)_ij a_j <= 4^h keeps the exact products inside the ring (2f + 2h bits,
    # and 2f + h + correlation_bits for the middle ones, both at most 2f + R - 6)
    terms = primitives.concurrently(stats, *(
        lambda j=j: primitives.truncated_product(_diagonal(inner[j][1]), inner[j][0], frac + h)[0]
        for j in range(k)), *(
        lambda j=j: primitives.truncated_product(_diagonal(inner[k + j]), primitives.relabel(
            np.full((p, p), ones[j]) @ _diagonal(inner[k + j]), 2 * frac + correlation_bits + h), frac + h)[0]
        for j in range(k)))
    gram = np.sum(np.stack(terms), axis=0)  # exact, f + 2h fractional bits: its consumer truncates it
    return StandardisedMoments(mean, weight, variance, gram, h, n)


def _diagonal(x: SharedArray) -> SharedArray:
    """The diagonal matrix of the vector ``x``, as exact as ``x``. Local."""
    return x.reshape(-1, 1) * np.eye(x.shape[0], dtype=np.int64)


def _times_truncated(m: SharedArray, coarse: SharedArray, fine: SharedArray, frac: int):
    """``(m diag(v), v)`` for ``v``, the exact ``coarse + fine`` truncated to ``frac`` bits part by part
    (as the sum of two truncations), in one round."""
    (low, first), (high, second) = primitives.concurrently(
        m, lambda: primitives.truncated_scaling(m, coarse, frac), lambda: primitives.truncated_scaling(m, fine, frac))
    return low + high, first + second


def _truncated(coarse: SharedArray, fine: SharedArray, frac: int) -> SharedArray:
    """``coarse + fine`` truncated part by part to ``frac`` bits, in one round."""
    first, second = primitives.multiply_and_truncate([], [(coarse, coarse.frac_bits - frac),
                                                          (fine, fine.frac_bits - frac)])[1]
    return first + second
