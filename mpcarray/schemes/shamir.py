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
Lagrange coefficients that reconstruct are computed once per field with galois.
"""

from functools import cache

import numpy as np

from .. import lazy_imports


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
        return domain.from_galois(_vandermonde(domain.modulus, self.n_parties, self.threshold))

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
        return domain.from_galois(_lagrange_at_zero(domain.modulus, tuple(int(i) for i in parties)))

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
        return domain.from_galois(_parity_check(domain.modulus, tuple(int(i) for i in parties), degree))

    def locate(self, syndromes, parties: tuple[int, ...]) -> int | None:
        """The one party whose share is off, from the galois syndromes ``H @ shares`` of one value; or None.

        A single wrong share ``e`` at party ``j`` gives syndromes ``v_j x_j^a e``,
        so their ratio is ``x_j``; with fewer than two syndromes, or when the
        syndromes are not of that form (several wrong shares), the party cannot be told.
        """
        if len(syndromes) < 2 or syndromes[0] == 0:
            return None
        field = type(syndromes)
        point = syndromes[1] / syndromes[0]
        powers = point ** np.arange(len(syndromes))
        x = [field(i + 1) for i in parties]
        if point not in x or not np.array_equal(syndromes, syndromes[0] * powers):
            return None
        return parties[x.index(point)]

    def constant_rows(self, ranks) -> list[int]:
        """Rows that add a public constant: every row (the constant polynomial ``c`` has ``c`` at every point)."""
        return list(range(len(ranks)))

    def __repr__(self) -> str:
        return f"Shamir(n_parties={self.n_parties}, threshold={self.threshold})"


@cache
def _vandermonde(p: int, n: int, t: int):
    field = lazy_imports.galois().GF(p)
    return field(np.arange(1, n + 1))[:, None] ** np.arange(t + 1)


def _barycentric_weights(x):
    """``v_j = 1 / prod_{k != j} (x_j - x_k)`` for distinct points ``x`` (a galois array)."""
    others = ~np.eye(len(x), dtype=bool)
    return type(x)([np.prod(x[j] - x[others[j]]) ** -1 for j in range(len(x))])


@cache
def _lagrange_at_zero(p: int, parties: tuple[int, ...]):
    """``lambda_i = prod_{j != i} x_j / (x_j - x_i) = (-1)^(m-1) v_i prod(x) / x_i``."""
    field = lazy_imports.galois().GF(p)
    x = field(np.array(parties) + 1)
    sign = field(p - 1) ** (len(parties) - 1)
    return sign * _barycentric_weights(x) * np.prod(x) / x


@cache
def _parity_check(p: int, parties: tuple[int, ...], degree: int):
    """Rows ``v_j x_j^a``, ``a = 0 .. m - degree - 2``: the dual of the code of degree-``degree`` polynomials."""
    x = lazy_imports.galois().GF(p)(np.array(parties) + 1)
    rows = len(parties) - degree - 1
    return _barycentric_weights(x) * x ** np.arange(rows)[:, None]
