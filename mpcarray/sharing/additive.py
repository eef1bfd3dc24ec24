"""Additive n-of-n secret sharing over Z_2^64.

``split`` turns a ring array into ``n`` shares that sum to it modulo 2^64; any
``n - 1`` of them are uniformly random and independent of the secret.
"""

import numpy as np


def split(secret: np.ndarray, randomness: np.ndarray) -> np.ndarray:
    """Shares ``(n, *shape)`` of ``secret`` using ``randomness`` ``(n - 1, *shape)`` as parties 1..n-1's shares."""
    secret = np.asarray(secret, dtype=np.uint64)
    if randomness.shape[1:] != secret.shape:
        raise ValueError(f"randomness shape {randomness.shape[1:]} != secret shape {secret.shape}")
    shares = np.empty((randomness.shape[0] + 1,) + secret.shape, dtype=np.uint64)
    shares[1:] = randomness
    shares[0] = secret - randomness.sum(axis=0, dtype=np.uint64)
    return shares


def reconstruct(shares: np.ndarray) -> np.ndarray:
    """The secret: the ring sum of all ``n`` shares along the first axis."""
    return np.asarray(shares, dtype=np.uint64).sum(axis=0, dtype=np.uint64)
