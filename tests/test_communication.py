"""Exact per-party bytes and rounds of each protocol, against the formulas in their docstrings."""

import numpy as np
import pytest

import mpcarray as mpc


def measure(session, operation):
    before = session.comm.snapshot()
    result = operation()
    return result, session.comm - before


def assert_all_to_all(cost, n_parties, elements, rounds):
    expected = 8 * elements * (n_parties - 1)
    assert cost.rounds == rounds
    assert cost.bytes_sent.tolist() == [expected] * n_parties
    assert cost.bytes_received.tolist() == [expected] * n_parties


def assert_dealer(cost, n_parties, party0_bytes):
    assert cost.dealer_bytes.tolist() == [party0_bytes] + [0] * (n_parties - 1)


def test_share_input_cost(session):
    """One round: each message is the header (status, dtype, ndim, 2 dims) and the shares."""
    n = session.n_parties
    _, cost = measure(session, lambda: session.share(np.ones((4, 5)), owner=n - 1))
    assert cost.rounds == 1
    assert cost.bytes_sent.tolist() == [0] * (n - 1) + [8 * (5 + 20) * (n - 1)]
    assert cost.bytes_received.tolist() == [8 * (5 + 20)] * (n - 1) + [0]


def test_every_owner_shares_in_the_same_round(session):
    """owner_apply_each: each owner's aggregate travels in one round, with the bytes of separate sharings."""
    n = session.n_parties
    rows = [session.share(np.full((3, 2), float(k)), owner=k) for k in range(n)]
    _, cost = measure(session, lambda: mpc.owner_apply_each([(r,) for r in rows], lambda a: a.sum(axis=0)))
    assert cost.rounds == 1
    assert cost.bytes_sent.tolist() == [8 * (4 + 2) * (n - 1)] * n
    sums = mpc.owner_apply_each([(r,) for r in rows], lambda a: a.sum(axis=0))
    np.testing.assert_array_equal(np.array([s.reveal() for s in sums]), np.repeat(3.0 * np.arange(n), 2).reshape(n, 2))


def test_open_cost(session):
    x = session.share(np.arange(12.0).reshape(3, 4), owner=0)
    _, cost = measure(session, x.reveal)
    assert_all_to_all(cost, session.n_parties, 12, rounds=1)
    assert_dealer(cost, session.n_parties, 0)


def test_integer_mul_cost(session):
    """Beaver: 1 round, 2 * 8 * N * (n-1) bytes each way, 8 * N dealer bytes to party 0."""
    x = session.share(np.arange(10), owner=0)
    y = session.share(np.arange(10), owner=1)
    _, cost = measure(session, lambda: x * y)
    assert_all_to_all(cost, session.n_parties, 2 * 10, rounds=1)
    assert_dealer(cost, session.n_parties, 8 * 10)


def test_fixed_point_mul_cost(session):
    """Beaver then truncation: 2 rounds, 3 * 8 * N * (n-1) bytes, 8N + 16N dealer bytes."""
    x = session.share(np.linspace(-1, 1, 10), owner=0)
    y = session.share(np.linspace(2, 3, 10), owner=1)
    _, cost = measure(session, lambda: x * y)
    assert_all_to_all(cost, session.n_parties, 3 * 10, rounds=2)
    assert_dealer(cost, session.n_parties, 24 * 10)


def test_square_cost(session):
    """x * x uses a square pair: half the opening of a general product."""
    x = session.share(np.linspace(-1, 1, 10), owner=0)
    _, cost = measure(session, lambda: x * x)
    assert_all_to_all(cost, session.n_parties, 10 + 10, rounds=2)
    assert_dealer(cost, session.n_parties, 8 * 10 + 16 * 10)


def test_public_real_scaling_cost(session):
    """x * 0.3: the constant's two halves truncated in one round: 2N elements, 32N dealer bytes."""
    x = session.share(np.linspace(-1, 1, 7), owner=0)
    _, cost = measure(session, lambda: x * 0.3)
    assert_all_to_all(cost, session.n_parties, 2 * 7, rounds=1)
    assert_dealer(cost, session.n_parties, 32 * 7)


def test_power_of_two_scaling_cost(session):
    """x * 0.25 has no low half: one truncation of N elements."""
    x = session.share(np.linspace(-1, 1, 7), owner=0)
    _, cost = measure(session, lambda: x * 0.25)
    assert_all_to_all(cost, session.n_parties, 7, rounds=1)
    assert_dealer(cost, session.n_parties, 16 * 7)


def test_public_integer_ops_are_free(session):
    x = session.share(np.linspace(-1, 1, 7), owner=0)
    _, cost = measure(session, lambda: ((x + 2) * 3 - x) * 2.0 + np.arange(7))
    assert cost.rounds == 0
    assert cost.bytes_sent.sum() == 0 and cost.dealer_bytes.sum() == 0


@pytest.mark.parametrize("m, t, p", [(4, 6, 3), (1, 50, 1), (20, 1000, 20)])
def test_matmul_cost(session, m, t, p):
    """Matrix triple: 1 round, 8(mt + tp)(n-1) bytes; then one truncation of the m*p output."""
    x = session.share(np.ones((m, t)) * 0.5, owner=0)
    y = session.share(np.ones((t, p)) * 0.25, owner=1)
    result, cost = measure(session, lambda: x @ y)
    assert_all_to_all(cost, session.n_parties, m * t + t * p + m * p, rounds=2)
    assert_dealer(cost, session.n_parties, 8 * m * p + 16 * m * p)
    np.testing.assert_allclose(result.reveal(), np.full((m, p), 0.125 * t))


def test_integer_matmul_cost(session):
    x = session.share(np.ones((3, 4), dtype=np.int64), owner=0)
    y = session.share(np.ones((4, 2), dtype=np.int64), owner=1)
    _, cost = measure(session, lambda: x @ y)
    assert_all_to_all(cost, session.n_parties, 12 + 8, rounds=1)
    assert_dealer(cost, session.n_parties, 8 * 6)


def test_counters_are_per_session():
    with mpc.Session(parties=3, seed=1) as a, mpc.Session(parties=3, seed=2) as b:
        a.share(np.ones(5), owner=0)
        assert b.comm.rounds == 0 and b.comm.bytes_sent.sum() == 0


def test_gram_cost(session):
    """X.T @ X opens X - A once: 1 round of N*d elements (half a general matmul), d*d dealer bytes."""
    rows, cols = 300, 4
    x = session.share(np.arange(rows * cols).reshape(rows, cols) % 7, owner=0)
    gram, cost = measure(session, lambda: x.T @ x)
    assert_all_to_all(cost, session.n_parties, rows * cols, rounds=1)
    assert_dealer(cost, session.n_parties, 8 * cols * cols)
    plain = np.arange(rows * cols).reshape(rows, cols) % 7
    assert np.array_equal(gram.reveal(), plain.T @ plain)


def test_transposed_copy_uses_general_matmul(session):
    """A transpose of a *different* array is not a Gram product: general matmul costs apply."""
    x = session.share(np.ones((5, 2), dtype=np.int64), owner=0)
    y = session.share(np.ones((5, 2), dtype=np.int64), owner=0)
    _, cost = measure(session, lambda: x.T @ y)
    assert_all_to_all(cost, session.n_parties, 2 * 10, rounds=1)
