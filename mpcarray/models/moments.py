"""Standardised second moments of ``Z = [X, y]``, computed securely or owner-locally.

Both paths return the same quantities (within the fixed-point bound):

* ``mean``: column means ``m`` of ``Z``;
* ``weight``: ``w ≈ 2^h / sd``, a per-column scale that only has to be positive
  and is used *consistently* (so its rsqrt error never reaches the results);
* ``gram``: ``G = Zs^T Zs / n`` for ``Zs = (Z - m) * w``, i.e. about ``4^h`` times
  the correlation matrix, with ``h`` extra bits of precision chosen from the
  public row count so that ``n 4^h`` stays in the safe range.

The **secure path** standardises every row in MPC and forms one Gram product.
The **owner-local path** (DESIGN.md §5) is used when ``X`` and ``y`` are
row-aligned concatenations of inputs shared by their owners: each hospital
shares only its column means, standard deviations and correlation matrix (computed in float64), and the pooled ``G`` follows
from the parallel-axis rule
``Σ = Σ_k (n_k/n) (D_k R_k D_k + (m_k - m)(m_k - m)^T)`` with ``D_k = diag(sd_k)``.
"""

from dataclasses import dataclass

import numpy as np

from ..array import SharedArray, owner_apply, row_parts, rsqrt

#: Largest extra precision bits; beyond 6 the Gram entries ``4^h`` crowd the safe range.
MAX_SCALE_BITS = 6
#: Owners share their correlation matrices times ``2^CORRELATION_BITS`` (|R| <= 1 leaves room).
CORRELATION_BITS = 12


@dataclass
class Moments:
    """Standardised moments of ``Z`` (see the module docstring)."""

    mean: SharedArray
    weight: SharedArray
    gram: SharedArray
    scale_bits: int
    n: int


def scale_bits(n: int) -> int:
    """Extra bits ``h`` such that ``n 4^h < 2^29`` (sums of squared standardised rows stay in range).

    Reveals: nothing (a function of the public row count).
    """
    return int(np.clip((29 - np.log2(n)) // 2, 0, MAX_SCALE_BITS))


def standardize(Z: SharedArray, h: int = 0):
    """``((Z - m) * w, m, w)`` with column means ``m`` and ``w ≈ 2^h / sd`` (secure, row by row).

    Reveals: nothing.
    """
    mean = Z.mean(axis=0)
    centred = Z - mean
    weight = rsqrt((centred * centred).mean(axis=0)) * 2**h
    return centred * weight, mean, weight


def aligned_parts(X: SharedArray, y: SharedArray):
    """Pairs of owner-known row blocks of ``X`` and ``y`` with the same owner and rows, or None.

    Reveals: nothing (block owners and sizes are public metadata).
    """
    parts_x, parts_y = row_parts(X), row_parts(y)
    if parts_x is None or parts_y is None or len(parts_x) != len(parts_y):
        return None
    pairs = list(zip(parts_x, parts_y))
    if any(a.known_by != b.known_by or a.shape[0] != b.shape[0] for a, b in pairs):
        return None
    return pairs


def moments(X: SharedArray, y: SharedArray) -> Moments:
    """Standardised moments of ``[X, y]``, owner-locally when the row blocks allow it.

    Reveals: nothing.
    """
    n = X.shape[0]
    h = scale_bits(n)
    pairs = aligned_parts(X, y)
    if pairs is None:
        Zs, mean, weight = standardize(np.hstack([X, y.reshape(-1, 1)]), h)
        return Moments(mean, weight, (Zs.T @ Zs) * (1.0 / n), h, n)
    return _owner_local(pairs, n, h)


def _local_statistics(X_k: np.ndarray, y_k: np.ndarray) -> np.ndarray:
    """A hospital's own column means, standard deviations and correlations of ``[X_k, y_k]``."""
    Z = np.column_stack([X_k, y_k]).astype(np.float64)
    sd = Z.std(axis=0)
    safe = np.where(sd > 0, sd, 1.0)
    centred = (Z - Z.mean(axis=0)) / safe
    return np.vstack([Z.mean(axis=0), sd, centred.T @ centred * (2.0**CORRELATION_BITS / len(Z))])


def _owner_local(pairs, n: int, h: int) -> Moments:
    stats = [owner_apply(X_k, _local_statistics, y_k) for X_k, y_k in pairs]
    frac = stats[0].frac_bits
    # Each sd_k travels as a 16-bit part plus its rounding remainder scaled by 2^16, so that
    # sd_k (which multiplies secret weights) keeps 32 fractional bits.
    remainders = [owner_apply(X_k, lambda a, b: _sd_remainder(a, b, frac), y_k) for X_k, y_k in pairs]
    shares = np.array([X_k.shape[0] / n for X_k, _ in pairs])
    means = np.stack([s[0] for s in stats])
    mean = (means * shares.reshape(-1, 1)).sum(axis=0)
    offsets = means - mean
    sds = np.stack([s[1] for s in stats])
    variance = ((sds * sds + offsets * offsets) * shares.reshape(-1, 1)).sum(axis=0)
    weight = rsqrt(variance) * 2**h
    # a_k = w * sd_k with the remainder folded in; then G = Σ_k (n_k/n) (a_k a_k^T ∘ R_k + b_k b_k^T)
    scaled_sd = sds * weight + (np.stack(remainders) * weight) * 2.0**-frac
    scaled_offsets = offsets * weight
    p = means.shape[1]
    gram = None
    for k, s in enumerate(stats):
        a, b = scaled_sd[k], scaled_offsets[k]
        term = ((a.reshape(p, 1) * a.reshape(1, p)) * s[2:]) * 2.0**-CORRELATION_BITS
        term = term + b.reshape(p, 1) * b.reshape(1, p)
        gram = term * shares[k] if gram is None else gram + term * shares[k]
    return Moments(mean, weight, gram, h, n)


def _sd_remainder(X_k: np.ndarray, y_k: np.ndarray, frac: int) -> np.ndarray:
    """``(sd - round(sd, frac bits)) * 2^frac``: the part of ``sd`` below the fixed-point unit."""
    sd = np.column_stack([X_k, y_k]).astype(np.float64).std(axis=0)
    return (sd - np.rint(np.ldexp(sd, frac)) / 2.0**frac) * 2.0**frac
