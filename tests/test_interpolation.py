"""Shamir's coefficients in Python integers (mpcarray.schemes.interpolation) against galois, and
the primality test of PrimeField against a sieve."""

import galois
import numpy as np
import pytest

from mpcarray.domains import PrimeField
from mpcarray.domains.field import is_prime
from mpcarray.schemes import interpolation

#: Above 2^32, where galois computes with Python integers (smaller fields compile Numba kernels).
PRIMES = [2**32 + 15, 2**61 - 1, 2**127 - 1]


@pytest.mark.parametrize("p", PRIMES)
@pytest.mark.parametrize("parties", [(0, 1, 2), (0, 2, 4), (1, 3, 4, 6), tuple(range(9))])
def test_coefficients_reconstruct_galois_polynomials(p, parties):
    field = galois.GF(p)
    x = interpolation.points(parties)
    rng = np.random.default_rng(len(parties))
    for degree in range(len(parties)):
        poly = galois.Poly([int(c) % p for c in rng.integers(1, 2**62, degree + 1)], field=field)
        values = [int(v) for v in poly(field(x))]
        secret = sum(c * v for c, v in zip(interpolation.lagrange_at_zero(x, p), values)) % p
        assert secret == int(poly(field(0)))  # Lagrange interpolation at 0
        syndromes = [sum(h * v for h, v in zip(row, values)) % p for row in interpolation.parity_check(x, 1, p)]
        assert (not any(syndromes)) == (degree <= 1)  # the check accepts exactly degree <= 1


@pytest.mark.parametrize("p", PRIMES)
def test_vandermonde_and_vanishing_polynomials_match_galois(p):
    field = galois.GF(p)
    expected = field(np.arange(1, 6))[:, None] ** np.arange(3)
    assert interpolation.vandermonde(5, 2, p) == [[int(v) for v in row] for row in expected]
    zeros = [2, 5, 7]
    roots = galois.Poly.Roots(field(zeros))
    for point in range(1, 9):
        assert interpolation.vanishing_at(zeros, point, p) == int(roots(field(point)) / roots(field(0)))


def test_is_prime_matches_a_sieve_and_rejects_strong_pseudoprimes():
    sieve = np.ones(10**5, dtype=bool)
    sieve[:2] = False
    for k in range(2, 317):
        sieve[k * k::k] = False
    assert [n for n in range(10**5) if is_prime(n)] == list(np.flatnonzero(sieve))
    assert all(is_prime(p) for p in (2**31 - 1, 2**61 - 1, 9223372036854775783))  # largest below 2^63
    pseudoprime = 149491 * 747451 * 34233211  # passes Miller-Rabin to the bases 2 .. 23
    assert not is_prime(pseudoprime)
    with pytest.raises(ValueError, match="odd prime"):
        PrimeField(pseudoprime)
