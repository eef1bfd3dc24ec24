"""Shamir (t, n) sessions over prime fields, checked against galois and NumPy.

Every field operator is compared with galois on random shapes with
broadcasting, for several (n, t) and primes; the scheme's algebra (any t + 1
shares reconstruct, t shares are uniform), the dealer-free provider and the
exact rounds and bytes of each protocol are checked against their definitions.
"""

import itertools
import math

import galois
import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mpcarray as mpc
from mpcarray.domains import PrimeField
from mpcarray.errors import (
    ConfigError,
    DomainMismatchError,
    EncodingError,
    UnsupportedOperationError,
)
from mpcarray.preprocessing.dealer import CounterStreams
from mpcarray.preprocessing.prss import PseudoRandomSharing, held_sets, key_sets
from mpcarray.schemes import Additive, Shamir

PRIMES = [2**61 - 1, galois.prev_prime(2**63), 2**31 - 1]
SIZES = [(3, 1), (5, 2), (7, 3)]
CASES = [(n, t, p) for (n, t), p in itertools.product(SIZES, PRIMES)]
CASE_IDS = [f"n{n}-t{t}-p{p.bit_length()}b" for n, t, p in CASES]


@pytest.fixture(scope="module", params=CASES, ids=CASE_IDS)
def case(request):
    n, t, p = request.param
    field = galois.GF(p)
    with mpc.Session(parties=n, scheme="shamir", threshold=t, field=field, seed=7) as s:
        yield s, field


def _elements(field, shape, seed):
    return field.Random(shape, seed=seed)


shapes = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=3, max_side=4)


@settings(max_examples=15, deadline=None)
@given(shapes=shapes, seed=st.integers(0, 2**32 - 1))
def test_elementwise_operators_match_galois(case, shapes, seed):
    s, field = case
    left, right = shapes.input_shapes
    a, b = _elements(field, left, seed), _elements(field, right, seed + 1)
    x, y = s.share(a, owner=0), s.share(b, owner=s.n_parties - 1)
    assert np.array_equal((x + y).reveal(), a + b)
    assert np.array_equal((x - y).reveal(), a - b)
    assert np.array_equal((x * y).reveal(), a * b)
    assert np.array_equal((-x).reveal(), -a)
    assert np.array_equal((x * b).reveal(), a * b)  # public field operand
    assert np.array_equal((5 - y).reveal(), field(5) - b)  # (galois refuses a FieldArray left of a SharedArray)
    assert np.array_equal((x + 5).reveal(), a + field(5))  # public integers act mod p


@settings(max_examples=10, deadline=None)
@given(m=st.integers(1, 4), k=st.integers(1, 5), q=st.integers(1, 4), batch=st.sampled_from([(), (2,)]),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_matches_galois(case, m, k, q, batch, seed):
    s, field = case
    a, b = _elements(field, batch + (m, k), seed), _elements(field, (k, q), seed + 1)
    x, y = s.share(a, owner=1), s.share(b, owner=2)
    assert np.array_equal((x @ y).reveal(), a @ b)
    assert np.array_equal((x @ b).reveal(), a @ b)
    if not batch:
        assert np.array_equal((x.T @ x).reveal(), a.T @ a)


@settings(max_examples=10, deadline=None)
@given(shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), exponent=st.integers(0, 6),
       seed=st.integers(0, 2**32 - 1))
def test_power_sum_index_join_match_galois(case, shape, exponent, seed):
    s, field = case
    a, b = _elements(field, shape, seed), _elements(field, shape, seed + 1)
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    assert np.array_equal((x**exponent).reveal(), a**exponent)
    assert np.array_equal(x.sum().reveal(), np.sum(a.reshape(-1)))  # galois reduces one axis at a time
    assert np.array_equal(x.sum(axis=-1, keepdims=True).reveal(), a.sum(axis=-1, keepdims=True))
    assert np.array_equal(x[..., ::-1][0].reveal(), a[..., ::-1][0])
    assert np.array_equal(np.concatenate([x, y], axis=0).reveal(), np.concatenate([a, b], axis=0))
    assert np.array_equal(np.stack([x, b], axis=-1).reveal(), field(np.stack([a, b], axis=-1)))


def test_where_with_a_shared_condition(case):
    s, field = case
    a, b = _elements(field, (3, 4), 1), _elements(field, (3, 4), 2)
    bits = np.random.default_rng(3).integers(0, 2, (3, 4))
    x, y, c = s.share(a, owner=0), s.share(b, owner=1), s.share(field(bits), owner=2)
    assert np.array_equal(np.where(c, x, y).reveal(), np.where(bits == 1, a, b))


def test_field_sum_of_many_terms_wraps_exactly(case):
    s, field = case
    a = field(np.full(1000, field.order - 1))
    assert np.array_equal(s.share(a, owner=0).sum().reveal(), np.sum(a))


# ------------------------------------------------------------------ integers
@pytest.mark.parametrize("n, t", SIZES)
def test_integers_are_exact_in_the_field(n, t):
    rng = np.random.default_rng(n)
    a, b = rng.integers(-10**6, 10**6, (20, 3)), rng.integers(-10**6, 10**6, (3, 4))
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=1) as s:
        x, y = s.share(a, owner=0), s.share(b, owner=n - 1)
        assert (x @ y).reveal().dtype == np.int64
        np.testing.assert_array_equal((x @ y).reveal(), a @ b)
        np.testing.assert_array_equal((x * 3 - 7).sum(axis=0).reveal(), (a * 3 - 7).sum(axis=0))
        np.testing.assert_array_equal(((x[:3] - 1) ** 2).reveal(), (a[:3] - 1) ** 2)
        np.testing.assert_array_equal(s.share(np.array([True, False]), owner=1).reveal(), [1, 0])


def test_integers_live_in_the_127_bit_field():
    extreme = np.array([2**63 - 1, -(2**63), 0])
    with mpc.Session(parties=3, scheme="shamir", seed=1) as s:
        x = s.share(extreme, owner=0)
        np.testing.assert_array_equal(x.reveal(), extreme)
        big = s.share(np.array([2**40]), owner=1)
        np.testing.assert_array_equal((big * big - big * big + 5).reveal(), [5])  # 2^80 is exact inside
        with pytest.raises(EncodingError, match="int64"):
            (big * big).reveal()  # ... but is refused at the reveal, never wrapped


# ------------------------------------------------------------- scheme algebra
@pytest.mark.parametrize("n, t", SIZES)
def test_any_t_plus_one_shares_reconstruct(n, t):
    field = galois.GF(2**61 - 1)
    scheme, domain = Shamir(n, t), PrimeField(field.order)
    secret = field.Random(50, seed=n)
    coefficients = np.asarray(field.Random((t, 50), seed=t)).astype(np.uint64)
    shares = scheme.split(np.asarray(secret).astype(np.uint64), coefficients, domain)
    for subset in itertools.combinations(range(n), t + 1):
        opened = scheme.reconstruct(shares[list(subset)], domain, subset)
        assert np.array_equal(field(opened), secret)
    # the shares are the polynomial's values at 1..n (galois evaluates it independently)
    for j in range(3):
        poly = galois.Poly(field([int(c) for c in coefficients[::-1, j]] + [int(secret[j])]))
        assert np.array_equal(field(shares[:, j]), poly(field(np.arange(1, n + 1))))


@pytest.mark.parametrize("n, t", [(3, 1), (5, 2)])
def test_t_shares_are_uniform(n, t):
    """Chi-squared test: the first ``t`` parties' shares of a fixed secret are uniform over GF(11)^t."""
    p, trials = 11, 40_000
    scheme, domain = Shamir(n, t), PrimeField(p)
    rng = np.random.default_rng(5)
    observed = {}
    for secret in (0, 7):
        coefficients = rng.integers(0, p, (t, trials), dtype=np.uint64)
        shares = scheme.split(np.full(trials, secret, dtype=np.uint64), coefficients, domain)
        cells = np.ravel_multi_index(tuple(shares[:t].astype(np.int64)), (p,) * t)
        observed[secret] = np.bincount(cells, minlength=p**t)
        assert scipy.stats.chisquare(observed[secret]).pvalue > 1e-4
    # and t + 1 shares are not uniform: they determine the secret
    shares = scheme.split(np.zeros(trials, dtype=np.uint64), rng.integers(0, p, (t, trials), dtype=np.uint64),
                          domain)
    cells = np.ravel_multi_index(tuple(shares[: t + 1].astype(np.int64)), (p,) * (t + 1))
    assert scipy.stats.chisquare(np.bincount(cells, minlength=p ** (t + 1))).pvalue < 1e-10


@pytest.mark.parametrize("n, t", SIZES)
def test_prss_gives_consistent_random_and_double_sharings(n, t):
    domain = PrimeField(2**61 - 1)
    scheme = Shamir(n, t)
    sets = held_sets(n, t, range(n))
    provider = PseudoRandomSharing(scheme, tuple(range(n)), CounterStreams(np.arange(1, len(sets) + 1)))
    random = provider.random_sharings(40, domain)
    low, high = provider.double_sharings(40, domain)
    for subset in itertools.combinations(range(n), t + 1):
        assert np.array_equal(scheme.reconstruct(random[list(subset)], domain, subset), scheme.reconstruct(random, domain))
        assert np.array_equal(scheme.reconstruct(low[list(subset)], domain, subset), scheme.reconstruct(high, domain))
    assert len(np.unique(scheme.reconstruct(random, domain))) == 40
    # the degree-2t sharing is not of degree t (else its zero part would add nothing)
    subset = tuple(range(t + 1))
    assert not np.array_equal(scheme.reconstruct(high[list(subset)], domain, subset), scheme.reconstruct(high, domain))


# ------------------------------------------------------ cost and no dealer
@pytest.mark.parametrize("n, t", SIZES)
def test_exact_rounds_and_bytes_and_no_dealer(n, t):
    field = galois.GF(2**61 - 1)
    size, (m, k, q) = 1000, (6, 5, 4)
    with mpc.Session(parties=n, scheme="shamir", threshold=t, seed=2) as s:
        before = s.comm.snapshot()
        x = s.share(field.Random(size, seed=1), owner=0)
        cost = s.comm - before
        assert cost.rounds == 2  # header and shares, then agreement that every live party received them
        assert cost.bytes_sent[0] == 8 * (3 + 1 + size) * (n - 1) + (n + 1) * (n - 1)
        assert list(cost.bytes_sent[1:]) == [(n + 1) * (n - 1)] * (n - 1)
        y = s.share(field.Random(size, seed=2), owner=1)
        a, b = s.share(field.Random((m, k), seed=3), owner=0), s.share(field.Random((k, q), seed=4), owner=1)

        before = s.comm.snapshot()
        x.reveal()
        cost = s.comm - before
        assert cost.rounds == 1 and list(cost.bytes_sent) == [8 * size * (n - 1)] * n

        before = s.comm.snapshot()
        x * y
        cost = s.comm - before
        assert cost.rounds == 1 and list(cost.bytes_sent) == [8 * size * (n - 1)] * n

        before = s.comm.snapshot()
        a @ b
        cost = s.comm - before  # the result's size, not the operands'
        assert cost.rounds == 1 and list(cost.bytes_sent) == [8 * m * q * (n - 1)] * n
        assert not s.comm.dealer_bytes.any()


@pytest.mark.parametrize("n, t, per_party", [(3, 1, 2), (5, 2, 6), (7, 3, 20)])
def test_prss_key_counts(n, t, per_party):
    """C(n, t) keys in all, one per set of t parties; each party holds the C(n - 1, t) sets without it."""
    assert len(key_sets(n, t)) == math.comb(n, t)
    for i in range(n):
        assert len(held_sets(n, t, [i])) == math.comb(n - 1, t) == per_party


def test_public_constants_enter_per_scheme():
    """Additive: party 0 adds a public constant; Shamir: every party does. Both are local."""
    assert Additive(3).constant_rows((0, 1, 2)) == [0]
    assert Additive(3).constant_rows((2,)) == []
    assert Shamir(3, 1).constant_rows((0, 1, 2)) == [0, 1, 2]
    field = galois.GF(2**61 - 1)
    with mpc.Session(parties=3, seed=1) as s:
        i = s.share(np.arange(4), owner=1)
        before = s.comm.snapshot()
        j = ((i + 2) * 3 - i).sum()
        cost = s.comm - before
        assert cost.rounds == 0 and not cost.bytes_sent.any() and not cost.dealer_bytes.any()
        assert j.reveal() == ((np.arange(4) + 2) * 3 - np.arange(4)).sum()
    with mpc.Session(parties=3, scheme="shamir", seed=1) as s:
        a = field.Random(4, seed=1)
        x, i = s.share(a, owner=0), s.share(np.arange(4), owner=1)
        assert x.field is field and i.field is None and isinstance(x.reveal(), field)
        before = s.comm.snapshot()
        y, j = (x + field(5)) * a - 7, ((i + 2) * 3 - i).sum()
        cost = s.comm - before
        assert cost.rounds == 0 and not cost.bytes_sent.any()
        assert np.array_equal(y.reveal(), (a + field(5)) * a - field(7))
        assert j.reveal() == ((np.arange(4) + 2) * 3 - np.arange(4)).sum()


def test_public_field_array_goes_on_the_right():
    """galois refuses a SharedArray right of a FieldArray; the rewritten forms work."""
    field = galois.GF(2**61 - 1)
    a, m = field.Random(3, seed=1), field.Random((2, 3), seed=2)
    with mpc.Session(parties=3, scheme="shamir", seed=1) as s:
        x, w = s.share(field.Random(3, seed=3), owner=0), s.share(field.Random((3, 4), seed=4), owner=1)
        for refused in (lambda: a - x, lambda: a + x, lambda: a * x, lambda: m @ w):
            with pytest.raises(TypeError):
                refused()
        plain_x, plain_w = x.reveal(), w.reveal()
        assert np.array_equal((-(x - a)).reveal(), a - plain_x)
        assert np.array_equal((x + a).reveal(), a + plain_x)
        assert np.array_equal((x * a).reveal(), a * plain_x)
        assert np.array_equal((w.T @ m.T).T.reveal(), m @ plain_w)
        assert np.array_equal((5 - x).reveal(), field(5) - plain_x)  # Python integers work on either side


def test_additive_session_properties_and_integer_range():
    """Additive: threshold n - 1, no field; int64 in and out, arithmetic modulo 2^64."""
    big = np.iinfo(np.int64)
    with mpc.Session(parties=3, seed=1) as s:
        assert s.scheme == "additive" and s.threshold == 2 and s.field is None
        x = s.share(np.array([big.max, big.min]), owner=0)
        assert x.field is None
        assert x.reveal().dtype == np.int64
        np.testing.assert_array_equal(x.reveal(), [big.max, big.min])
        np.testing.assert_array_equal((x + 1).reveal(), [big.min, big.min + 1])  # wraps modulo 2^64


def test_gram_costs_the_result_only():
    """Integer X.T @ X (N x d): Shamir 1 round, 16 d^2 (n - 1) bytes per party (GF(2^127 - 1) words);
    additive opens X - A: 8 N d (n - 1)."""
    rows, cols = 300, 4
    plain = np.arange(rows * cols).reshape(rows, cols) % 7
    for scheme, element_bytes in (("shamir", 16 * cols * cols), ("additive", 8 * rows * cols)):
        with mpc.Session(parties=3, scheme=scheme, seed=1) as s:
            x = s.share(plain, owner=0)
            before = s.comm.snapshot()
            gram = x.T @ x
            cost = s.comm - before
            assert cost.rounds == 1 and list(cost.bytes_sent) == [element_bytes * 2] * 3
            np.testing.assert_array_equal(gram.reveal(), plain.T @ plain)


# ------------------------------------------------------------------ errors
def test_clear_errors():
    field = galois.GF(2**61 - 1)
    with pytest.raises(ConfigError, match="honest majority"):
        mpc.Session(parties=4, scheme="shamir", threshold=2)
    with pytest.raises(ConfigError, match="options of scheme='shamir'"):
        mpc.Session(parties=3, field=field)
    with pytest.raises(ValueError, match="prime"):
        mpc.Session(parties=3, scheme="shamir", field=galois.GF(2**4))
    with pytest.raises(ValueError, match="prime"):
        mpc.Session(parties=3, scheme="shamir", field=galois.GF(2**64 - 59))
    assert issubclass(DomainMismatchError, TypeError)
    with mpc.Session(parties=3, seed=1) as s, pytest.raises(DomainMismatchError, match="scheme='shamir'"):
        s.share(field([1, 2]), owner=0)
    with mpc.Session(parties=3, scheme="shamir", seed=1) as s:
        assert s.scheme == "shamir" and s.threshold == 1 and s.field is field
        x, i = s.share(field([1, 2]), owner=0), s.share(np.array([1, 2]), owner=1)
        with pytest.raises(DomainMismatchError, match="cannot combine"):
            x + i
        with pytest.raises(DomainMismatchError):
            x * 0.5
        with pytest.raises(DomainMismatchError, match="GF"):
            i + field([1, 1])
        with pytest.raises(DomainMismatchError, match="cannot share elements"):
            s.share(galois.GF(2**31 - 1)([1]), owner=0)
        with pytest.raises(UnsupportedOperationError, match="no order"):
            assert x < 2
        with pytest.raises(UnsupportedOperationError, match="cast"):
            x.astype(float)
        for function in (mpc.exp, mpc.sqrt, mpc.reciprocal, mpc.sigmoid, mpc.relu):
            with pytest.raises(UnsupportedOperationError):
                function(x)
