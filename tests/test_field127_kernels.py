"""GF(2^127 - 1) kernels (:mod:`mpcarray.kernels.field127`) against Python integers and galois.

Elements are drawn uniformly and mixed with the edge values 0, 1, p - 1,
p - 2, 2^64 - 1, 2^64 and 2^126, where a carry between the two words, a fold
or the final conditional subtraction is most likely to be wrong.
"""

import galois
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mpcarray import kernels
from mpcarray.kernels.field127 import ELEMENT127, MATMUL_BLOCK, MERSENNE127
from mpcarray.kernels.threads import PARALLEL_MIN

P = MERSENNE127
EDGES = [0, 1, P - 1, P - 2, 2**64 - 1, 2**64, 2**126]
WORD_EDGES = [0, 1, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1]

# Under CI=1 the conftest profile derandomizes these: the same 40 examples every run.
SETTINGS = settings(max_examples=40, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


def words(values):
    """Python ints in ``[0, 2^128)`` as ``(N, 2)`` ``uint64`` words."""
    return np.array([[v & (2**64 - 1), v >> 64] for v in values], dtype=np.uint64).reshape(-1, 2)


def ints(w):
    """``(N, 2)`` words as Python ints."""
    return [int(lo) + (int(hi) << 64) for lo, hi in np.asarray(w).tolist()]


def random_elements(rng, size):
    """``size`` uniform elements as Python ints, the edge values first."""
    lo = rng.integers(0, 2**64, size, dtype=np.uint64).tolist()
    hi = rng.integers(0, 2**63, size, dtype=np.uint64).tolist()
    values = [(h << 64 | w) % P for w, h in zip(lo, hi)]
    head = EDGES[:size]
    return head + values[len(head):]


@pytest.fixture(scope="module")
def gf():
    return galois.GF(P)


def all_pairs_and_random(rng):
    a = [x for x in EDGES for _ in EDGES] + random_elements(rng, 1000)
    b = [y for _ in EDGES for y in EDGES] + random_elements(rng, 1000)[::-1]
    return a, b


REFERENCE = {
    "add127": lambda x, y: (x + y) % P,
    "sub127": lambda x, y: (x - y) % P,
    "mul127": lambda x, y: x * y % P,
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_binary_ops_on_all_edge_pairs_and_random(name, rng):
    a, b = all_pairs_and_random(rng)
    got = getattr(kernels, name)(words(a), words(b))
    assert got.dtype == np.uint64 and got.shape == (len(a), 2)
    assert ints(got) == [REFERENCE[name](x, y) for x, y in zip(a, b)]


def test_neg127(rng):
    a = random_elements(rng, 1000)
    assert ints(kernels.neg127(words(a))) == [-x % P for x in a]


@pytest.mark.parametrize("exponent", [0, 1, 2, 15, 16, 17, 2**64 + 3, (P - 3) // 4, (P + 1) // 4, P - 2, P - 1])
def test_pow127(exponent, rng):
    a = random_elements(rng, 300)
    assert ints(kernels.pow127(words(a), exponent)) == [pow(x, exponent, P) for x in a]


def test_pow127_square_roots_give_signs(rng):
    """``a * (a^2)^((p - 3) / 4) = +-1``: the square-root trick of random bits."""
    a = [x for x in random_elements(rng, 300) if x]
    inverse_roots = kernels.pow127(words([x * x % P for x in a]), (P - 3) // 4)
    assert {x * r % P for x, r in zip(a, ints(inverse_roots))} == {1, P - 1}


def test_agrees_with_galois(gf, rng):
    a, b = random_elements(rng, 200), random_elements(rng, 200)[::-1]
    fa, fb = gf(np.array(a, dtype=object)), gf(np.array(b, dtype=object))
    wa, wb = words(a), words(b)
    assert ints(kernels.mul127(wa, wb)) == [int(v) for v in fa * fb]
    assert ints(kernels.add127(wa, wb)) == [int(v) for v in fa + fb]
    assert ints(kernels.sub127(wa, wb)) == [int(v) for v in fa - fb]
    assert ints(kernels.neg127(wa)) == [int(v) for v in -fa]
    x, y = np.array(a[:60], dtype=object), np.array(b[:40], dtype=object)
    product = gf(x.reshape(6, 10)) @ gf(y.reshape(10, 4))
    assert ints(kernels.matmul127(words(a[:60]), words(b[:40]), 6, 10, 4)) == [
        int(v) for v in product.reshape(-1)]


def test_parallel_sizes(rng):
    """Above PARALLEL_MIN the kernels run on every thread; results must not change."""
    size = PARALLEL_MIN + 3
    a, b = random_elements(rng, size), random_elements(rng, size)
    assert ints(kernels.mul127(words(a), words(b))) == [x * y % P for x, y in zip(a, b)]
    assert ints(kernels.sub127(words(a), words(b))) == [(x - y) % P for x, y in zip(a, b)]


element = st.one_of(st.sampled_from(EDGES), st.integers(0, P - 1))
triples = st.integers(1, 20).flatmap(
    lambda n: st.tuples(*[st.lists(element, min_size=n, max_size=n)] * 3))


@SETTINGS
@given(triples)
def test_field_laws(case):
    a, b, c = case
    x, y, z = words(a), words(b), words(c)
    mul, add, sub = kernels.mul127, kernels.add127, kernels.sub127
    assert ints(mul(x, y)) == ints(mul(y, x))
    assert ints(add(x, y)) == ints(add(y, x))
    assert ints(mul(mul(x, y), z)) == ints(mul(x, mul(y, z)))
    assert ints(add(add(x, y), z)) == ints(add(x, add(y, z)))
    assert ints(mul(x, add(y, z))) == ints(add(mul(x, y), mul(x, z)))
    assert ints(add(sub(x, y), y)) == a
    assert ints(mul(x, words([P - 1] * len(a)))) == ints(kernels.neg127(x))
    assert ints(mul(x, y)) == [u * v % P for u, v in zip(a, b)]


def matmul_reference(a, b, m, k, n):
    return [sum(a[i * k + t] * b[t * n + j] for t in range(k)) % P
            for i in range(m) for j in range(n)]


@pytest.mark.parametrize("shape", [(1, 1, 1), (3, 5, 2), (7, 4, MATMUL_BLOCK + 5), (5, 9, 3),
                                   (4, 0, 3)])
def test_matmul127_random(shape, rng):
    m, k, n = shape
    a, b = random_elements(rng, m * k), random_elements(rng, k * n)
    got = kernels.matmul127(words(a), words(b), m, k, n)
    assert got.shape == (m * n, 2)
    assert ints(got) == matmul_reference(a, b, m, k, n)


def test_matmul127_long_sums_of_largest_products():
    """k = 300 products of (p - 1)^2 each: exact only if the accumulator's carries are kept."""
    k = 300
    a = words([P - 1] * (5 * k))
    b = words([P - 1] * (k * 3))
    assert ints(kernels.matmul127(a, b, 5, k, 3)) == [k * (P - 1) ** 2 % P] * 15


@SETTINGS
@given(st.integers(1, 9), st.integers(0, 12), st.integers(1, 6), st.integers(0, 2**32 - 1))
def test_matmul127_properties(m, k, n, seed):
    rng = np.random.default_rng(seed)
    a = random_elements(rng, m * k)
    rng.shuffle(a)
    b = random_elements(rng, k * n)
    assert ints(kernels.matmul127(words(a), words(b), m, k, n)) == matmul_reference(a, b, m, k, n)


@pytest.mark.parametrize("rows", [1, 3, 8])
def test_sum_rows127(rows, rng):
    """Columns of p - 1, random columns, and columns that sum to exactly p (1 + (p - 1))."""
    x = [[P - 1] * 20 + random_elements(rng, 20) + [0] * 20 for _ in range(rows)]
    x[0][40:] = [1] * 20
    x[-1][40:] = [P - 1] * 20
    got = kernels.sum_rows127(np.stack([words(row) for row in x]))
    assert ints(got) == [sum(column) % P for column in zip(*x)]


@pytest.mark.parametrize("axes", [(0,), (1,), (2,), (-1,), (0, 1), (2, 0), (1, 2), (0, 1, 2), ()])
def test_sum127(axes, rng):
    values = np.array(random_elements(rng, 3 * 4 * 5), dtype=object).reshape(3, 4, 5)
    values[1] = P - 1
    x = np.empty(values.shape, dtype=ELEMENT127)
    x["lo"] = (values & (2**64 - 1)).astype(np.uint64)
    x["hi"] = (values >> 64).astype(np.uint64)
    expected = np.asarray(np.sum(values, axis=axes) % P)
    got = kernels.sum127(x, axes)
    assert got.dtype == ELEMENT127 and got.shape == expected.shape
    assert ints(kernels.words127(got)) == expected.reshape(-1).tolist()


def test_element_views_round_trip(rng):
    values = random_elements(rng, 24)
    x = kernels.elements127(words(values), (2, 3, 4))
    assert x.dtype == ELEMENT127 and x.shape == (2, 3, 4)
    assert int(x[1, 2, 3]["hi"]) << 64 | int(x[1, 2, 3]["lo"]) == values[-1]
    assert ints(kernels.words127(x)) == values


def test_from_words127_extreme_and_random(rng):
    w = WORD_EDGES
    w0 = [a for a in w for _ in w for _ in w] + rng.integers(0, 2**64, 300, np.uint64).tolist()
    w1 = [b for _ in w for b in w for _ in w] + rng.integers(0, 2**64, 300, np.uint64).tolist()
    w2 = [c for _ in w for _ in w for c in w] + rng.integers(0, 2**64, 300, np.uint64).tolist()
    got = kernels.from_words127(np.array([w0, w1, w2], dtype=np.uint64)[:, None, :])
    assert ints(got) == [(c << 128 | b << 64 | a) % P for a, b, c in zip(w0, w1, w2)]


def test_from_words127_reads_strided_words_as_a_copy_would(rng):
    """The PRSS words arrive as a view with the word axis moved to the front."""
    streams = rng.integers(0, 2**64, (4, 3, 50), dtype=np.uint64)  # (keys, word, element)
    view = np.moveaxis(streams, 1, 0)
    assert not view.flags.c_contiguous
    assert (kernels.from_words127(view) == kernels.from_words127(np.ascontiguousarray(view))).all()


@pytest.mark.parametrize("bits", [0, 1, 2, 31, 63, 64, 65, 100, 126, 127, 128, 1000, -1, -40])
def test_mul_pow2_127(bits, rng):
    a = random_elements(rng, 300)
    expected = [x * pow(2, bits, P) % P for x in a]  # pow with bits < 0 is the inverse
    assert ints(kernels.mul_pow2_127(words(a), bits)) == expected


INT64_EDGES = [0, 1, -1, 2, -2, 2**31, -(2**31), 2**62, 2**63 - 1, -(2**63 - 1), -(2**63)]


def test_encode_decode_int127(rng):
    values = INT64_EDGES + rng.integers(-(2**63), 2**63 - 1, 500, dtype=np.int64).tolist()
    v = np.array(values, dtype=np.int64)
    encoded = kernels.encode_int127(v)
    assert ints(encoded) == [x % P for x in values]
    decoded = kernels.decode_int127(encoded)
    assert decoded.dtype == np.int64
    assert decoded.tolist() == values  # all of int64, -2^63 included


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 2**100, -(2**126 - 1), 2**126 - 1])
def test_decode_int127_rejects_values_beyond_int64(value):
    a = words([0, value % P, 5])
    with pytest.raises(OverflowError, match="1 element"):
        kernels.decode_int127(a)


@pytest.mark.parametrize("value", [0, 1, -1, 2**52 + 1, -(2**100) + 3, 2**126 - 1, -(2**126 - 1),
                                   (1 << 126) - (1 << 60), 2**64 + 2**11 + 1, 3 * 2**64 + 2**12 + 1,
                                   -(2**64 + 2**11 + 1), 2**64 + 2**11])
@pytest.mark.parametrize("scale_bits", [0, 16, 40])
def test_decode_float127_is_correctly_rounded(value, scale_bits):
    """Python's int / int division is correctly rounded too, so equality is exact. The
    values ``2^64 + 2^11 + 1`` and ``3 * 2^64 + 2^12 + 1`` lie just above a tie between
    two floats, decided only by their lowest bit."""
    got = kernels.decode_float127(words([value % P]), scale_bits)
    assert got.dtype == np.float64
    assert got[0] == value / 2**scale_bits


def test_decode_float127_random(rng):
    values = random_elements(rng, 500)
    signed = [v - P if v > (P - 1) // 2 else v for v in values]
    assert kernels.decode_float127(words(values), 32).tolist() == [s / 2**32 for s in signed]


@pytest.mark.parametrize("frac_bits", [16, 32, 40])
def test_encode_fixed127_round_trip(frac_bits, rng):
    limit = 2.0 ** (100 - frac_bits)
    x = np.concatenate([
        [0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e-300, -1e-300, 3.0 * 2.0**-frac_bits / 2,
         np.nextafter(limit, 0), -np.nextafter(limit, 0), limit / 3, -limit / 5 - 0.5],
        rng.normal(0, 1e3, 200),
        rng.uniform(-limit, limit, 200),
        2.0 ** -frac_bits * (rng.integers(-8, 8, 50) + 0.5),  # ties go to even
    ])
    expected = [round(v * 2.0**frac_bits) for v in x.tolist()]
    encoded = kernels.encode_fixed127(x, frac_bits)
    assert ints(encoded) == [e % P for e in expected]
    assert kernels.decode_float127(encoded, frac_bits).tolist() == [e / 2**frac_bits
                                                                    for e in expected]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf, 2.0**84, -(2.0**84)])
def test_encode_fixed127_rejects(bad):
    with pytest.raises(ValueError, match="not finite"):
        kernels.encode_fixed127(np.array([1.0, bad]), 16)
