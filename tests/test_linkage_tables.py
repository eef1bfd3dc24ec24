"""The building blocks of multi-party linkage: programmed tables over GF(2^61 - 1) and zero shares.

References: Python's integers for the field, SciPy's binomial tail for the table shape, and stated properties
(programmed keys give their values, other keys give uniform values, zero shares sum to zero).
"""

import secrets

import numpy as np
import pytest
from scipy.stats import binom, kstest

from mpcarray.linkage import tables, zero_shares

P = tables.PRIME


def random_elements(size: int) -> np.ndarray:
    return np.array([secrets.randbelow(P) for _ in range(size)], dtype=np.uint64)


def test_field_multiplication_matches_python_integers():
    edges = [0, 1, 2, P - 1, P - 2, 2**32, 2**32 - 1, 2**60, 2**61 - 2]
    values = edges + [secrets.randbelow(P) for _ in range(300)]
    for a in values:
        for b in values[::7]:
            assert int(tables._multiply(np.uint64(a), np.uint64(b))) == a * b % P


def test_field_inverse():
    for a in [1, 2, P - 1] + [secrets.randbelow(P - 1) + 1 for _ in range(50)]:
        assert int(tables._inverse(np.uint64(a))) * a % P == 1


def test_add_and_subtract_reduce_mod_the_prime():
    a, b = random_elements(1000), random_elements(1000)
    assert [int(x) for x in tables.add(a, b)] == [(int(x) + int(y)) % P for x, y in zip(a, b)]
    assert [int(x) for x in tables.subtract(a, b)] == [(int(x) - int(y)) % P for x, y in zip(a, b)]


@pytest.mark.parametrize("m", [2, 64, 65, 200, 1000, 10**4, 10**5, 10**6])
def test_bin_capacity_is_the_smallest_with_overflow_below_two_to_the_minus_forty(m):
    """Against SciPy's binomial survival function, with the union bound over bins (docs/linkage.md)."""
    bins, capacity = tables.shape(m)
    assert bins == -(-m // 64)
    if bins == 1:
        assert capacity == m
        return
    assert bins * binom.sf(capacity, m, 1 / bins) <= 2.0 ** -40
    assert bins * binom.sf(capacity - 1, m, 1 / bins) > 2.0 ** -40


@pytest.mark.parametrize("m", [1, 5, 64, 500, 3000])
def test_programmed_keys_give_their_values_and_others_uniform_values(m):
    bins_count, _ = tables.shape(m)
    bins = np.array([secrets.randbelow(bins_count) for _ in range(m)], dtype=np.int64)
    points, values = random_elements(m), random_elements(m)
    table = tables.build(bins, points, values, m)
    assert table.shape == tables.shape(m) and table.dtype == np.uint64
    assert np.array_equal(tables.evaluate(table, bins, points), values)
    if m == 1:  # a constant: the leader's unmasked values are uniform anyway, by their masks
        return
    others = 2000
    other_bins = np.array([secrets.randbelow(bins_count) for _ in range(others)], dtype=np.int64)
    found = tables.evaluate(table, other_bins, random_elements(others))
    assert kstest(found.astype(np.float64) / P, "uniform").pvalue > 1e-6


def test_the_table_of_no_identifiers_in_a_bin_is_still_full():
    """Padding: a bin holding no key is a polynomial through random points, as long as any other."""
    table = tables.build(np.zeros(100, dtype=np.int64), random_elements(100), random_elements(100), 65 * 64)
    assert (table[1:] != 0).any(axis=1).all()


def test_an_overflowing_bin_or_a_repeated_point_raises():
    with pytest.raises(RuntimeError, match="more than its"):
        tables.build(np.zeros(200, dtype=np.int64), random_elements(200), random_elements(200), 1000)
    points = random_elements(10)
    points[3] = points[7]
    with pytest.raises(RuntimeError, match="two points of a linkage table bin coincide"):
        tables.build(np.zeros(10, dtype=np.int64), points, random_elements(10), 10)


@pytest.mark.parametrize("others", [[1, 2], [0, 2, 3], [1, 2, 3, 4, 5]])
def test_zero_shares_sum_to_zero_only_over_every_party(others):
    keys = [f"patient{i}".encode() for i in range(300)]
    sent = {j: zero_shares.new_seeds(others, j) for j in others}
    received = {j: {l: sent[l][j] for l in others if l != j} for j in others}
    shares = {j: zero_shares.shares(j, sent[j], received[j], keys) for j in others}
    total = np.zeros(len(keys), dtype=np.uint64)
    for j in others:
        assert (shares[j] != 0).all()
        total = tables.add(total, shares[j])
        if j != others[-1]:
            assert (total != 0).all()  # any party missing leaves a pseudorandom sum
    assert (total == 0).all()
    first = sent[others[0]]
    assert len(set(first.values())) == 1  # the first sends one seed to all (the secret of the shared order)
    assert all(len(set(sent[j].values())) == len(sent[j]) for j in others[1:])
