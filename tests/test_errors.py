"""Bad input raises a clear, typed error naming the problem, before anything is shared."""

import numpy as np
import pytest

import mpcarray as mpc


@pytest.fixture
def s():
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=3) as session:
        yield session


@pytest.mark.parametrize("bad, message", [
    (np.array([1.0, np.nan]), "NaN"),
    (np.array([np.inf]), "infinite"),
    (np.array([-np.inf, 0.0]), "infinite"),
    (np.array([2.0**31]), "safe range"),
    (np.array([-(2.0**30)]), "safe range"),
])
def test_unencodable_values_are_rejected_before_sharing(s, bad, message):
    before = s.comm.snapshot()
    with pytest.raises(mpc.EncodingError, match=message):
        s.share(bad, owner="hosp_a")
    assert (s.comm - before).rounds == 0, "nothing may be sent for rejected input"


def test_safe_range_follows_frac_bits():
    with mpc.Session(parties=2, frac_bits=20) as s:
        assert s.fixed_point.max_abs == 2.0**22
        s.share(np.array([2.0**22 - 1]), owner=0)
        with pytest.raises(mpc.EncodingError, match="frac_bits=20"):
            s.share(np.array([2.0**22]), owner=0)


def test_public_operands_are_checked(s):
    x = s.share(np.ones(3), owner=0)
    with pytest.raises(mpc.EncodingError, match="NaN"):
        x + np.array([1.0, np.nan, 0.0])
    with pytest.raises(mpc.EncodingError, match="NaN|infinite"):
        x * np.inf
    with pytest.raises(mpc.EncodingError, match="safe range"):
        x + 1e12
    with pytest.raises(mpc.EncodingError, match="division by zero"):
        x / np.array([1.0, 0.0, 2.0])


@pytest.mark.parametrize("owner", ["hosp_z", 3, -1, 1.0, None])
def test_unknown_owner(s, owner):
    with pytest.raises(mpc.PartyError, match="part"):
        s.share(np.ones(2), owner=owner)


@pytest.mark.parametrize("parties", [1, 0, ["only"], ["a", "a", "b"], ["a", ""], "abc", [1, 2]])
def test_bad_party_lists(parties):
    with pytest.raises(mpc.PartyError):
        mpc.Session(parties=parties)


def test_unknown_backend():
    with pytest.raises(ValueError, match="backend"):
        mpc.Session(parties=2, backend="quantum")


def test_bad_frac_bits():
    with pytest.raises(ValueError, match="frac_bits"):
        mpc.Session(parties=2, frac_bits=0)


def test_unsupported_dtypes(s):
    with pytest.raises(mpc.UnsupportedOperationError, match="dtype"):
        s.share(np.array(["a", "b"]), owner=0)
    with pytest.raises(mpc.UnsupportedOperationError, match="dtype"):
        s.share(np.array([1 + 2j]), owner=0)
    x = s.share(np.ones(2), owner=0)
    with pytest.raises(mpc.UnsupportedOperationError, match="dtype"):
        x + np.array(["a", "b"])


@pytest.mark.parametrize("operation", [
    lambda x, y: x + y,
    lambda x, y: x * y,
    lambda x, y: x @ y.T,
    lambda x, y: np.concatenate([x, y]),
])
def test_shape_mismatch(s, operation):
    x = s.share(np.ones((2, 3)), owner=0)
    y = s.share(np.ones((4, 5)), owner=1)
    with pytest.raises(mpc.ShapeError):
        operation(x, y)


def test_shape_errors_in_reshape_and_axes(s):
    x = s.share(np.ones((2, 3)), owner=0)
    with pytest.raises(mpc.ShapeError, match="reshape"):
        x.reshape(4, 2)
    with pytest.raises(mpc.ShapeError, match="axis 2"):
        x.sum(axis=2)
    with pytest.raises(IndexError, match="axis 0"):
        x[5]
    with pytest.raises(mpc.ShapeError):
        x[0] = np.ones(4)


def test_mixing_sessions(s):
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=3) as other:
        x = s.share(np.ones(3), owner=0)
        y = other.share(np.ones(3), owner=0)
        for operation in (lambda: x + y, lambda: x * y, lambda: x @ y,
                          lambda: np.stack([x, y])):
            with pytest.raises(mpc.SessionMismatchError, match="different sessions"):
                operation()
        with pytest.raises(mpc.SessionMismatchError):
            x[0] = y[0]


def test_closed_session(s):
    x = s.share(np.ones(3), owner=0)
    s.close()
    with pytest.raises(mpc.SessionMismatchError, match="closed"):
        x.reveal()
    with pytest.raises(mpc.SessionMismatchError, match="closed"):
        x * x
    with pytest.raises(mpc.SessionMismatchError, match="closed"):
        s.share(np.ones(3), owner=0)


def test_secret_index_and_unsupported_ops(s):
    x = s.share(np.arange(4.0), owner=0)
    i = s.share(np.array([1]), owner=1)
    with pytest.raises(mpc.UnsupportedOperationError, match="secret index"):
        x[i]
    with pytest.raises(mpc.UnsupportedOperationError, match="numpy.argsort"):
        np.argsort(x)
    with pytest.raises(mpc.UnsupportedOperationError, match="numpy.sin"):
        np.sin(x)
    with pytest.raises(mpc.UnsupportedOperationError, match="exponent"):
        x ** 0.5
    with pytest.raises(mpc.UnsupportedOperationError, match="exponent"):
        x ** -1
    with pytest.raises(mpc.UnsupportedOperationError, match="out"):
        np.sum(x, out=np.zeros(()))
    with pytest.raises(mpc.UnsupportedOperationError):
        x.astype(np.int64)


def test_no_implicit_disclosure(s):
    x = s.share(np.array([1.0]), owner=0)
    for convert in (bool, float, int, complex, np.asarray, np.array, lambda v: range(v)):
        with pytest.raises(mpc.DisclosureError, match="reveal"):
            convert(x)
    with pytest.raises(mpc.DisclosureError):
        if x:
            pass
