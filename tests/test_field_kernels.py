"""GF(p) kernels (:mod:`mpcarray.kernels.field`) against exact Python integers and galois.

The primes cover every reduction path: 2^31 - 1 (below 2^32, plain ``%``),
2^61 - 1 (Mersenne folding), and a 40-bit and the largest 63-bit prime
(Montgomery). Elements are drawn uniformly and mixed with the edge values
0, 1, 2, p // 2, p - 2 and p - 1, where a carry or a conditional subtraction
is most likely to be wrong.
"""

import galois
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpcarray import kernels
from mpcarray.kernels.field import MATMUL_BLOCK, field_constants
from mpcarray.kernels.threads import PARALLEL_MIN

PRIMES = (2**31 - 1, 2**61 - 1, int(galois.prev_prime(2**40)), int(galois.prev_prime(2**63)))
primes = pytest.mark.parametrize("p", PRIMES, ids=lambda p: f"{p.bit_length()}bit")

# Under CI=1 the conftest profile derandomizes these: the same 50 examples every run.
SETTINGS = settings(max_examples=50, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def edges(p):
    return [0, 1, 2, p // 2, p - 2, p - 1]


def elements(rng, p, size):
    """``size`` uniform elements of GF(p) as ``uint64``, the edge values first."""
    out = rng.integers(0, p, size=size, dtype=np.uint64)
    head = np.array(edges(p), dtype=np.uint64)[:size]
    out[: head.size] = head
    return out


def ints(array):
    """The array as (nested) Python ints, for exact reference arithmetic."""
    return np.asarray(array).tolist()


def field_array(p, values):
    """``values`` as a galois GF(p) array (object dtype above 2^32)."""
    field = galois.GF(p)
    return field(np.array(ints(values), dtype=field.dtypes[-1]))


def element_pairs(p):
    """Two equal-length lists of elements (edge values over-represented)."""
    element = st.one_of(st.sampled_from(edges(p)), st.integers(0, p - 1))
    return st.integers(0, 40).flatmap(
        lambda n: st.tuples(st.lists(element, min_size=n, max_size=n),
                            st.lists(element, min_size=n, max_size=n)))


def pairs_mod_some_prime():
    return st.sampled_from(PRIMES).flatmap(lambda p: st.tuples(st.just(p), element_pairs(p)))


def as_array(values):
    return np.array(values, dtype=np.uint64)


# Exact Python-int references.
REFERENCE = {
    "mul_mod": lambda x, y, p: x * y % p,
    "add_mod": lambda x, y, p: (x + y) % p,
    "sub_mod": lambda x, y, p: (x - y) % p,
}


@primes
@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_binary_ops_on_all_edge_pairs_and_random(p, name, rng):
    e = edges(p)
    a = [x for x in e for _ in e] + ints(elements(rng, p, 1000))
    b = [y for _ in e for y in e] + ints(elements(rng, p, 1000))[::-1]
    got = getattr(kernels, name)(as_array(a), as_array(b), p)
    assert got.dtype == np.uint64
    assert ints(got) == [REFERENCE[name](x, y, p) for x, y in zip(a, b)]


@primes
def test_neg_mod_edges_and_random(p, rng):
    a = elements(rng, p, 1000)
    assert ints(kernels.neg_mod(a, p)) == [-x % p for x in ints(a)]


@primes
def test_agrees_with_galois(p, rng):
    a = elements(rng, p, 300)
    b = elements(rng, p, 300)[::-1].copy()
    fa, fb = field_array(p, a), field_array(p, b)
    assert ints(kernels.mul_mod(a, b, p)) == ints(fa * fb)
    assert ints(kernels.add_mod(a, b, p)) == ints(fa + fb)
    assert ints(kernels.sub_mod(a, b, p)) == ints(fa - fb)
    assert ints(kernels.neg_mod(a, p)) == ints(-fa)
    x = elements(rng, p, 60).reshape(6, 10)
    y = elements(rng, p, 40).reshape(10, 4)
    assert ints(kernels.matmul_mod(x, y, p)) == ints(field_array(p, x) @ field_array(p, y))


@primes
def test_parallel_sizes(p, rng):
    """Above PARALLEL_MIN the kernels run on every thread; results must not change."""
    size = 2 * PARALLEL_MIN + 3
    a, b = elements(rng, p, size), elements(rng, p, size)
    objects_a, objects_b = a.astype(object), b.astype(object)
    assert ints(kernels.mul_mod(a, b, p)) == ints(objects_a * objects_b % p)
    assert ints(kernels.sub_mod(a, b, p)) == ints((objects_a - objects_b) % p)


@SETTINGS
@given(pairs_mod_some_prime())
def test_elementwise_properties(case):
    p, (a, b) = case
    x, y = as_array(a), as_array(b)
    assert ints(kernels.mul_mod(x, y, p)) == [u * v % p for u, v in zip(a, b)]
    assert ints(kernels.add_mod(x, y, p)) == [(u + v) % p for u, v in zip(a, b)]
    assert ints(kernels.sub_mod(x, y, p)) == [(u - v) % p for u, v in zip(a, b)]
    assert ints(kernels.neg_mod(x, p)) == [-u % p for u in a]


def matmul_reference(a, b, p):
    n = b.shape[1]
    a, b = ints(a), ints(b)
    return [[sum(x * row_b[j] for x, row_b in zip(row, b)) % p for j in range(n)] for row in a]


@primes
@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 2), (7, 13, MATMUL_BLOCK + 5), (4, 0, 3)])
def test_matmul_mod_random(p, shape, rng):
    m, k, n = shape
    a = elements(rng, p, m * k).reshape(m, k)
    b = elements(rng, p, k * n).reshape(k, n)
    assert ints(kernels.matmul_mod(a, b, p)) == matmul_reference(a, b, p)


@primes
def test_matmul_mod_long_sums_of_largest_products(p):
    """k = 300 products of (p-1)^2 each: their high words would overflow 64 bits
    after a handful of terms if the accumulator were not kept reduced."""
    k = 300
    a = np.full((2, k), p - 1, dtype=np.uint64)
    b = np.full((k, 3), p - 1, dtype=np.uint64)
    assert ints(kernels.matmul_mod(a, b, p)) == [[k * (p - 1) ** 2 % p] * 3] * 2


@SETTINGS
@given(st.sampled_from(PRIMES), st.integers(1, 4), st.integers(0, 12), st.integers(1, 6),
       st.integers(0, 2**32 - 1))
def test_matmul_mod_properties(p, m, k, n, seed):
    rng = np.random.default_rng(seed)
    a = elements(rng, p, m * k)
    rng.shuffle(a)
    b = elements(rng, p, k * n)
    a, b = a.reshape(m, k), b.reshape(k, n)
    assert ints(kernels.matmul_mod(a, b, p)) == matmul_reference(a, b, p)


WORDS = [0, 1, 2**61 - 1, 2**61, 2**63, 2**64 - 2, 2**64 - 1]


@primes
def test_reduce_wide(p, rng):
    hi = [h for h in WORDS for _ in WORDS] + ints(rng.integers(0, 2**64, 500, dtype=np.uint64))
    lo = [w for _ in WORDS for w in WORDS] + ints(rng.integers(0, 2**64, 500, dtype=np.uint64))
    got = kernels.reduce_wide(as_array(hi), as_array(lo), p)
    assert ints(got) == [((h << 64) + w) % p for h, w in zip(hi, lo)]


@primes
@pytest.mark.parametrize("rows", [1, 3, 7])
def test_sum_mod(p, rows, rng):
    """Columns of p - 1, random columns, and columns that sum to exactly p (1 + (p - 1))."""
    x = np.full((rows, 60), p - 1, dtype=np.uint64)
    x[:, 20:40] = elements(rng, p, rows * 20).reshape(rows, 20)
    x[:, 40:] = 0
    x[0, 40:] = 1
    x[-1, 40:] = p - 1
    assert ints(kernels.sum_mod(x, p)) == [sum(col) % p for col in zip(*ints(x))]


@primes
@pytest.mark.parametrize("axes", [(0,), (1,), (2,), (-1,), (0, 1), (2, 0), (1, 2), (0, 1, 2), ()])
def test_sum_mod_axis(p, axes, rng):
    """Leading axes go to sum_mod, the others through NumPy; both must be exact."""
    x = elements(rng, p, 3 * 4 * 5).reshape(3, 4, 5)
    x[1] = p - 1
    expected = np.asarray(np.sum(x.astype(object), axis=axes) % p)
    got = kernels.sum_mod_axis(x, axes, p)
    assert got.dtype == np.uint64
    assert got.shape == expected.shape
    assert ints(got) == ints(expected)


@pytest.mark.parametrize("p", [0, 1, 2**63, 2**64 + 13])
def test_rejects_moduli_out_of_range(p):
    with pytest.raises(ValueError, match="2 <= p < 2"):
        field_constants(p)
