"""Owner-local evaluation: owner_apply and row_parts against the secure path."""

import numpy as np
import pytest

import mpcarray as mpc
from mpcarray.errors import UnsupportedOperationError


@pytest.fixture
def session():
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=7) as s:
        yield s


def test_owner_apply_matches_secure_gram(session):
    rng = np.random.default_rng(0)
    data = rng.normal(size=(50, 4))
    x = session.share(data, owner="hosp_b")
    local = mpc.owner_apply(x, lambda a: a.T @ a)
    assert local.known_by == "hosp_b"
    np.testing.assert_allclose(local.reveal(), data.T @ data, atol=1e-4)
    np.testing.assert_allclose(local.reveal(), (x.T @ x).reveal(), atol=1e-3)


def test_owner_apply_keeps_integers_exact(session):
    events = np.array([1, 0, 1, 1, 0, 1])
    x = session.share(events, owner=0)
    total = mpc.owner_apply(x, np.sum)
    assert total.dtype == np.int64
    assert total.reveal() == 4


def test_owner_copy_is_private(session):
    data = np.arange(4.0)
    x = session.share(data, owner="hosp_a")
    data[:] = 100.0  # the caller edits its array after sharing
    np.testing.assert_array_equal(mpc.owner_apply(x, lambda a: a * 2).reveal(), [0, 2, 4, 6])


def test_row_parts_of_a_concatenation(session):
    blocks = [np.full((2, 3), float(k)) for k in range(3)]
    shared = [session.share(b, owner=k) for k, b in enumerate(blocks)]
    X = np.concatenate(shared)
    parts = mpc.row_parts(X)
    assert [p.known_by for p in parts] == list(session.parties)
    sums = sum(mpc.owner_apply(p, lambda a: a.sum(axis=0)) for p in parts)
    np.testing.assert_allclose(sums.reveal(), np.concatenate(blocks).sum(axis=0))
    nested = np.concatenate([X, shared[0]])
    assert len(mpc.row_parts(nested)) == 4


def test_row_parts_forgotten_by_other_operations(session):
    a = session.share(np.ones((2, 2)), owner=0)
    b = session.share(np.ones((2, 2)), owner=1)
    assert mpc.row_parts(np.concatenate([a, b], axis=1)) is None
    assert mpc.row_parts(np.concatenate([a, b]) * 2) is None
    joined = np.concatenate([a, b])
    joined[0, 0] = 5.0
    assert mpc.row_parts(joined) is None
    assert mpc.row_parts(a + b) is None


def test_columns_of_a_concatenation_keep_their_row_parts(session):
    """Selecting columns keeps every row with its owner (``X[:, 1:3]``, ``X[:, 0]``, ``X[:, [0, 2]]``),
    so statistics and models of the selection keep the owner-local path; selecting rows or
    several advanced indices forgets the blocks."""
    rng = np.random.default_rng(2)
    blocks = [rng.normal(size=(n, 4)) for n in (5, 7, 3)]
    X = np.concatenate([session.share(b, owner=k) for k, b in enumerate(blocks)])
    data = np.concatenate(blocks)
    for key in [(slice(None), slice(1, 3)), (slice(None), 0), (slice(None), [0, 2])]:
        parts = mpc.row_parts(X[key])
        assert [p.known_by for p in parts] == list(session.parties)
        local = sum(mpc.owner_apply(p, lambda a: a.sum(axis=0)) for p in parts)
        np.testing.assert_allclose(local.reveal(), data[key].sum(axis=0), atol=1e-3)
        assert X[key].row_owners == X.row_owners
    assert mpc.row_parts(X[2:9]) is None
    assert mpc.row_parts(X[[0, 1], [1, 2]]) is None


def test_a_fit_on_selected_columns_takes_the_owner_local_path(session):
    """LinearRegression on ``X[:, 1:4]`` and ``X[:, 0]`` of the hospitals' concatenation: the owner-local
    rounds of the same fit on separately concatenated arrays, and statsmodels' coefficients."""
    import statsmodels.api as sm
    from sklearn.datasets import load_wine

    data = load_wine().data[:, :4]
    blocks = np.array_split(data, 3)
    X = np.concatenate([session.share(b, owner=k) for k, b in enumerate(blocks)])
    before = session.comm.rounds
    fit = mpc.models.LinearRegression().fit(X[:, 1:4], X[:, 0])
    sliced = session.comm.rounds - before
    features = np.concatenate([session.share(b[:, 1:4], owner=k) for k, b in enumerate(blocks)])
    outcome = np.concatenate([session.share(b[:, 0], owner=k) for k, b in enumerate(blocks)])
    before = session.comm.rounds
    mpc.models.LinearRegression().fit(features, outcome)
    assert sliced == session.comm.rounds - before
    reference = sm.OLS(data[:, 0], sm.add_constant(data[:, 1:4])).fit().params
    np.testing.assert_allclose(fit.coef_, reference[1:], rtol=1e-5)


def test_owner_apply_refuses_unowned_arrays(session):
    a = session.share(np.ones(3), owner=0)
    b = session.share(np.ones(3), owner=1)
    with pytest.raises(UnsupportedOperationError, match="not known in plaintext"):
        mpc.owner_apply(a + b, np.sum)
    with pytest.raises(TypeError):
        mpc.owner_apply(np.ones(3), np.sum)


def test_owner_apply_combines_arrays_of_one_owner(session):
    rng = np.random.default_rng(1)
    data, target = rng.normal(size=(20, 3)), rng.normal(size=20)
    x, y = session.share(data, owner="hosp_a"), session.share(target, owner="hosp_a")
    cross = mpc.owner_apply(x, lambda a, b: a.T @ b, y)
    np.testing.assert_allclose(cross.reveal(), data.T @ target, atol=1e-4)
    other = session.share(target, owner="hosp_b")
    with pytest.raises(UnsupportedOperationError, match="same party"):
        mpc.owner_apply(x, lambda a, b: a.T @ b, other)
