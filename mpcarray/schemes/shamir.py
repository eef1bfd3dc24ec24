"""Shamir (t, n) threshold sharing over prime fields (Shamir, CACM 1979).

Party ``i`` (index ``0 .. n-1``) holds ``s(i + 1)`` of a random polynomial ``s``
of degree ``t`` with ``s(0)`` the secret: any ``t + 1`` shares determine it
(Lagrange interpolation at 0), any ``t`` are uniform and independent of it.
Shares are linear, so sums and public multiples are local and a public
constant enters by every party adding it. A product of two sharings is a
sharing of degree ``2t`` and needs ``2t + 1`` shares to open: with an honest
majority (``n >= 2t + 1``) it is brought back to degree ``t`` without a dealer
(:mod:`mpcarray.protocols.degree_reduction`).

The scheme is the same in every prime field: the field (a domain object) is
an argument of :meth:`Shamir.split` and :meth:`Shamir.reconstruct`. The
evaluation points are ``1 .. n``; the Vandermonde matrix that splits and the
Lagrange coefficients that reconstruct are computed once per field
(:mod:`~mpcarray.schemes.interpolation`).
"""

from functools import cache

import numpy as np

from . import interpolation


class Shamir:
    """Shamir sharing of degree ``threshold`` among ``n_parties``."""

    name = "shamir"

    def __init__(self, n_parties: int, threshold: int):
        if not 1 <= threshold < n_parties:
            raise ValueError(f"the threshold must satisfy 1 <= t < n = {n_parties}, got t = {threshold}")
        self.n_parties = n_parties
        self.threshold = threshold

    @property
    def random_rows(self) -> int:
        """Uniform arrays :meth:`split` consumes: the ``t`` random coefficients."""
        return self.threshold

    @property
    def product_degree(self) -> int:
        """Degree of the local product of two sharings."""
        return 2 * self.threshold

    def check_field(self, domain) -> None:
        """Refuse a field with too few elements for ``n`` distinct evaluation points."""
        if domain.modulus <= self.n_parties:
            raise ValueError(f"{domain.name} has too few elements for {self.n_parties} evaluation points")

    def vandermonde(self, domain) -> np.ndarray:
        """``(n, t + 1)`` elements: row ``i`` holds the powers ``(i + 1)^j``, ``j = 0 .. t``."""
        return domain.from_integers(_vandermonde(self.n_parties, self.threshold, domain.modulus))

    def split(self, secret, randomness: np.ndarray, domain) -> np.ndarray:
        """Shares ``(n, *shape)``: the polynomial with constant ``secret`` and coefficients ``randomness`` ``(t, *shape)``."""
        secret = np.asarray(secret, dtype=domain.dtype)
        if randomness.shape != (self.threshold,) + secret.shape:
            raise ValueError(f"randomness shape {randomness.shape} != {(self.threshold,) + secret.shape}")
        coefficients = np.concatenate([secret.reshape(1, -1), randomness.reshape(self.threshold, -1)])
        shares = domain.matmul(self.vandermonde(domain), coefficients)
        return shares.reshape((self.n_parties,) + secret.shape)

    def lagrange(self, parties: tuple[int, ...], domain) -> np.ndarray:
        """Coefficients ``lambda_i`` with ``s(0) = sum_i lambda_i s(i + 1)`` over ``parties`` (indices)."""
        return domain.from_integers(_lagrange_at_zero(tuple(int(i) for i in parties), domain.modulus))

    def reconstruct(self, shares: np.ndarray, domain, parties: tuple[int, ...] | None = None) -> np.ndarray:
        """The secret from the shares ``(m, *shape)`` of ``parties`` (default: all ``n``, in order).

        Interpolation through ``m`` points is exact for any sharing of degree
        below ``m``, so all ``n`` shares open both degree ``t`` and degree ``2t``.
        """
        parties = tuple(range(shares.shape[0])) if parties is None else tuple(parties)
        if len(parties) != shares.shape[0]:
            raise ValueError(f"{shares.shape[0]} shares for {len(parties)} parties")
        rows = np.ascontiguousarray(shares).reshape(shares.shape[0], -1)
        combined = domain.matmul(self.lagrange(parties, domain).reshape(1, -1), rows)
        return combined.reshape(shares.shape[1:])

    def parity_check(self, parties: tuple[int, ...], degree: int, domain) -> np.ndarray:
        """``(m - degree - 1, m)`` elements ``H`` with ``H @ shares = 0`` exactly when the
        shares of the ``m`` ``parties`` lie on one polynomial of degree at most ``degree``.

        The shares form a generalised Reed-Solomon codeword; row ``a`` of ``H``
        is ``v_j x_j^a`` with ``x_j`` the parties' points and
        ``v_j = 1 / prod_{k != j} (x_j - x_k)`` (the dual code).
        """
        return domain.from_integers(_parity_check(tuple(int(i) for i in parties), degree, domain.modulus))

    def locate(self, syndromes, parties: tuple[int, ...], domain) -> int | None:
        """The one party whose share is off, from the syndromes ``H @ shares`` of one value
        (integers in ``[0, p)``); or None.

        A single wrong share ``e`` at party ``j`` gives syndromes ``v_j x_j^a e``,
        so their ratio is ``x_j``; with fewer than two syndromes, or when the
        syndromes are not of that form (several wrong shares), the party cannot be told.
        """
        p = domain.modulus
        syndromes = [int(v) for v in syndromes]
        if len(syndromes) < 2 or syndromes[0] == 0:
            return None
        point = syndromes[1] * interpolation.inverse(syndromes[0], p) % p
        x = interpolation.points(parties)
        if point not in x or any(v != syndromes[0] * pow(point, a, p) % p for a, v in enumerate(syndromes)):
            return None
        return parties[x.index(point)]

    def constant_rows(self, ranks) -> list[int]:
        """Rows that add a public constant: every row (the constant polynomial ``c`` has ``c`` at every point)."""
        return list(range(len(ranks)))

    def __repr__(self) -> str:
        return f"Shamir(n_parties={self.n_parties}, threshold={self.threshold})"


@cache
def _vandermonde(n: int, t: int, p: int) -> list[list[int]]:
    return interpolation.vandermonde(n, t, p)


@cache
def _lagrange_at_zero(parties: tuple[int, ...], p: int) -> list[int]:
    return interpolation.lagrange_at_zero(interpolation.points(parties), p)


@cache
def _parity_check(parties: tuple[int, ...], degree: int, p: int) -> list[list[int]]:
    return interpolation.parity_check(interpolation.points(parties), degree, p)
