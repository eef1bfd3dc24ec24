"""Additive n-of-n secret sharing over a domain (the ring Z_2^64 in additive sessions).

``split`` turns an array into ``n`` shares that sum to it in the domain; any
``n - 1`` of them are uniformly random and independent of the secret. A public
constant enters through party 0 alone.
"""

import numpy as np


class Additive:
    """Additive sharing among ``n_parties``: all ``n`` shares are needed to open."""

    name = "additive"

    def __init__(self, n_parties: int):
        self.n_parties = n_parties
        #: Shares that reveal nothing together; ``n - 1`` for additive sharing.
        self.threshold = n_parties - 1

    @property
    def random_rows(self) -> int:
        """Uniform arrays :meth:`split` consumes: the shares of parties ``1 .. n-1``."""
        return self.n_parties - 1

    def split(self, secret, randomness: np.ndarray, domain) -> np.ndarray:
        """Shares ``(n, *shape)`` of ``secret``; ``randomness`` ``(n - 1, *shape)`` become parties 1..n-1's shares."""
        secret = np.asarray(secret, dtype=domain.dtype)
        if randomness.shape[1:] != secret.shape:
            raise ValueError(f"randomness shape {randomness.shape[1:]} != secret shape {secret.shape}")
        shares = np.empty((randomness.shape[0] + 1,) + secret.shape, dtype=domain.dtype)
        shares[1:] = randomness
        shares[0] = domain.sub(secret, domain.sum(randomness, (0,)))
        return shares

    def reconstruct(self, shares: np.ndarray, domain) -> np.ndarray:
        """The secret: the domain sum of all ``n`` shares along the first axis."""
        rows = np.ascontiguousarray(shares).reshape(shares.shape[0], -1)
        return domain.sum_rows(rows).reshape(shares.shape[1:])

    def constant_rows(self, ranks) -> list[int]:
        """Rows (of a process holding ``ranks``) that add a public constant: party 0's only."""
        return [ranks.index(0)] if 0 in ranks else []

    def __repr__(self) -> str:
        return f"Additive(n_parties={self.n_parties})"
