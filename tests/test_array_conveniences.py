"""SharedArray methods (max, min, argmax, argmin, var, std, cumsum), 0/1 logic and refusal messages, against NumPy."""

import re

import numpy as np
import pytest
from conftest import (
    SESSION_PARAMS,
    SHAMIR_SESSION_PARAMS,
    on_grid,
    rounds_of,
    session_id,
    truncation_units,
    ulp,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays, mutually_broadcastable_shapes

import mpcarray as mpc
from mpcarray.array.dispatch import ALTERNATIVES, METHOD_ALTERNATIVES

both_schemes = pytest.mark.parametrize("session", SESSION_PARAMS + SHAMIR_SESSION_PARAMS,
                                      indirect=True, ids=session_id)


# ------------------------------------------------------- extremes methods
def test_extreme_methods_match_numpy(session, rng):
    x = on_grid(session, rng.normal(0, 50, size=(3, 5)))
    x[1, 3] = x[1, 0]  # a tie: the first occurrence wins, as NumPy
    shared = session.share(x, owner=0)
    for name in ("max", "min", "argmax", "argmin"):
        for axis in (None, 0, 1, -1):
            for keepdims in (False, True):
                got = getattr(shared, name)(axis=axis, keepdims=keepdims)
                expected = getattr(x, name)(axis=axis, keepdims=keepdims)
                assert got.shape == np.shape(expected), (name, axis)
                np.testing.assert_array_equal(got.reveal(), expected)
    assert shared.argmax().dtype == np.int64
    got, rounds = rounds_of(session, lambda: shared[0].max())
    assert rounds == 6 * 3  # ceil(log2 5) levels of a sign test (5) and a product
    with pytest.raises(ValueError, match="zero-size"):
        session.share(np.zeros((2, 0)), owner=0).max(axis=1)


# ------------------------------------------------------------- var, std
@both_schemes
def test_var_and_std_match_numpy(session, rng):
    x = on_grid(session, rng.normal(20, 4, size=(16, 3)))
    shared = session.share(x, owner=session.n_parties - 1)
    bound = (4 + truncation_units(session)) * ulp(session)
    for axis in (None, 0, 1):
        for ddof in (0, 1):
            got = shared.var(axis=axis, ddof=ddof)
            expected = x.var(axis=axis, ddof=ddof)
            assert got.shape == np.shape(expected)
            np.testing.assert_allclose(got.reveal(), expected, rtol=0, atol=bound)
            assert np.shape(np.var(shared, axis=axis, ddof=ddof)) == np.shape(expected)
    np.testing.assert_allclose(np.std(shared, axis=0, keepdims=True).reveal(),
                               x.std(axis=0, keepdims=True), rtol=3e-4)  # sqrt: 2.1e-4 (docs/functions.md)
    np.testing.assert_allclose(shared.std(ddof=1).reveal(), x.std(ddof=1), rtol=3e-4)
    ints = np.array([1, 5, 2, 8])
    np.testing.assert_allclose(session.share(ints, owner=0).var().reveal(), ints.var(), atol=bound)


def test_var_and_std_rounds(session):
    x = session.share(np.array([1.0, 2.0, 4.0, 9.0]), owner=0)
    assert rounds_of(session, lambda: x.var())[1] == 1 + 2 + 1  # mean of 4 (a shift), square, mean
    x3 = session.share(np.array([1.0, 2.0, 4.0]), owner=0)
    assert rounds_of(session, lambda: x3.var(ddof=1))[1] == 2 + 2 + 2 + 1
    assert rounds_of(session, lambda: x3.std(ddof=1))[1] == 7 + 15  # var, sqrt (of one element: a 5-round lookup)


def test_var_bad_input(session):
    x = session.share(np.arange(4.0), owner=0)
    for ddof in (-1, 4, 1.5, True):
        with pytest.raises(ValueError, match="ddof"):
            x.var(ddof=ddof)
    with pytest.raises(ValueError, match="simultaneously"):
        np.var(x, ddof=1, correction=1)
    np.testing.assert_allclose(np.var(x, correction=1).reveal(), np.arange(4.0).var(ddof=1), atol=1e-4)
    for compute in (lambda: np.std(x, dtype=np.float32), lambda: np.var(x, out=np.empty(()))):
        with pytest.raises(mpc.UnsupportedOperationError, match="mpc.stats"):
            compute()
    with pytest.raises(mpc.ShapeError):
        x.var(axis=1)
    with pytest.raises(mpc.ShapeError):
        session.share(np.zeros(0), owner=0).std()


# ----------------------------------------------------------------- cumsum
@both_schemes
def test_cumsum_is_exact_and_local(session, rng):
    x = on_grid(session, rng.normal(0, 100, size=(3, 4, 5)))
    ints = rng.integers(-(2**40), 2**40, size=(6, 2))
    shared, shared_ints = session.share(x, owner=0), session.share(ints, owner=1)
    for axis in (None, 0, 1, 2, -1):
        got, rounds = rounds_of(session, lambda axis=axis: np.cumsum(shared, axis=axis))
        assert rounds == 0
        np.testing.assert_array_equal(got.reveal(), np.cumsum(x, axis=axis))  # exact on the grid
    for axis in (None, 0, 1):
        got = shared_ints.cumsum(axis=axis)
        assert got.dtype == np.int64
        np.testing.assert_array_equal(got.reveal(), np.cumsum(ints, axis=axis))
    assert shared[0, 0, :1].cumsum().reveal().tolist() == [x[0, 0, 0]]
    assert session.share(np.zeros(0), owner=0).cumsum().shape == (0,)
    with pytest.raises(mpc.ShapeError):
        shared.cumsum(axis=3)
    with pytest.raises(TypeError):
        shared.cumsum(axis=(0, 1))
    with pytest.raises(mpc.UnsupportedOperationError, match="cumsum"):
        np.cumsum(shared, dtype=np.float32)


# ------------------------------------------------------------------ logic
TRUTH = {
    "and": (lambda a, b: a & b, np.logical_and),
    "or": (lambda a, b: a | b, np.logical_or),
    "xor": (lambda a, b: a ^ b, np.logical_xor),
}


@both_schemes
def test_logic_truth_tables(session):
    a = np.array([False, False, True, True])
    b = np.array([False, True, False, True])
    sa, sb = session.share(a, owner=0), session.share(b, owner=session.n_parties - 1)
    assert sa.is_bool and sb.is_bool
    for name, (operator, function) in TRUTH.items():
        expected = operator(a, b).astype(np.int64)
        for got in (operator(sa, sb), function(sa, sb), operator(sa, b), operator(a, sb), function(b, sa)):
            assert got.is_bool and got.dtype == np.int64, name
            np.testing.assert_array_equal(got.reveal(), expected)
    for got in (~sa, np.logical_not(sa), np.invert(sa)):
        assert got.is_bool
        np.testing.assert_array_equal(got.reveal(), (~a).astype(np.int64))


def test_logic_rounds(session):
    a, b = session.share(np.array([True, False]), owner=0), session.share(np.array([True, True]), owner=1)
    for operator in (lambda: a & b, lambda: a | b, lambda: a ^ b):
        assert rounds_of(session, operator)[1] == 1
    for operator in (lambda: ~a, lambda: a & np.array([True, False]), lambda: a | True):
        assert rounds_of(session, operator)[1] == 0


def test_cohort_filter(session, rng):
    age, sex = rng.integers(20, 90, size=50), rng.integers(1, 3, size=50)
    shared_age, shared_sex = session.share(age, owner=0), session.share(sex, owner=1)
    cohort, rounds = rounds_of(session, lambda: (shared_age > 60) & (shared_sex == 1))
    assert rounds == 5 + 5 + 1  # two comparisons (one after the other), then one product
    assert cohort.is_bool
    np.testing.assert_array_equal(cohort.reveal(), ((age > 60) & (sex == 1)).astype(np.int64))
    assert cohort.sum().reveal() == np.sum((age > 60) & (sex == 1))
    # The filter is a 0/1 indicator for the lineage too: its count may go through suppress_small.
    shown = mpc.privacy.suppress_small(cohort.sum(axis=0, keepdims=True), k=1)
    assert shown.tolist() == [np.sum((age > 60) & (sex == 1))]
    either = (shared_age <= 30) | ~(shared_sex != 2)
    np.testing.assert_array_equal(either.reveal(), ((age <= 30) | ~(sex != 2)).astype(np.int64))


def test_what_counts_as_boolean(session):
    flags = session.share(np.array([True, False, True]), owner=0)
    ints = session.share(np.array([1, 0, 1]), owner=0)
    reals = session.share(np.array([1.0, 0.0, 1.0]), owner=0)
    assert flags.is_bool and not ints.is_bool and not reals.is_bool
    assert flags[1:].is_bool and flags.reshape(3, 1).T.is_bool and flags.copy().is_bool
    assert np.concatenate([flags, flags]).is_bool and np.stack([flags, np.array([True] * 3)]).is_bool
    assert not np.concatenate([flags, ints]).is_bool
    assert not (flags + flags).is_bool and not flags.sum().is_bool and not (1 - flags).is_bool
    converted = ints.astype(bool)
    assert converted.is_bool
    np.testing.assert_array_equal((converted & flags).reveal(), [1, 0, 1])
    np.testing.assert_array_equal(reals.astype(bool).reveal(), [1, 0, 1])
    target = flags.copy()
    target[0] = 5
    assert not target.is_bool
    assert "boolean" in repr(flags)
    for operation in (lambda: ints & flags, lambda: flags | reals, lambda: ~ints,
                      lambda: flags ^ np.array([1, 0, 1]), lambda: np.logical_and(flags, 2.0)):
        with pytest.raises(mpc.UnsupportedOperationError, match="0/1|bool"):
            operation()


# ---------------------------------------------------- refusals and hints
@pytest.mark.parametrize("function, alternative", [
    (lambda x: np.cov(x), "mpc.stats.cov"),
    (lambda x: np.corrcoef(x), "mpc.stats.corrcoef"),
    (lambda x: np.histogram(x, bins=[0, 1]), "mpc.stats.histogram"),
    (lambda x: np.linalg.inv(x), "mpc.models.solve_spd"),
    (lambda x: np.linalg.lstsq(x, x), "mpc.models.LinearRegression"),
    (lambda x: np.nanstd(x), "mpc.stats.std"),
    (lambda x: np.nanvar(x), "mpc.stats.var"),
    (lambda x: np.nanmedian(x), "mpc.stats.median"),
    (lambda x: np.argsort(x), "np.sort"),
])
def test_refusals_name_the_alternative(session, function, alternative):
    x = session.share(np.array([[1.0, 2.0], [3.0, 5.0]]), owner=0)
    with pytest.raises(mpc.UnsupportedOperationError) as info:
        function(x)
    assert alternative in str(info.value)


def test_linalg_functions_are_named_in_full(session):
    x = session.share(np.eye(2), owner=0)
    for function, name in ((np.linalg.inv, "numpy.linalg.inv"), (np.linalg.det, "numpy.linalg.det"),
                           (np.linalg.norm, "numpy.linalg.norm")):
        with pytest.raises(mpc.UnsupportedOperationError, match=re.escape(name)):
            function(x)
    assert all("numpy.inv" not in name for name in mpc.supported_functions())


def test_every_named_alternative_exists():
    named = set()
    for hint in list(ALTERNATIVES.values()) + list(METHOD_ALTERNATIVES.values()):
        named.update(re.findall(r"mpc\.((?:stats|models)\.\w+|\w+)", hint))
    assert named, "no alternatives parsed"
    for path in named:
        target = mpc
        for part in path.split("."):
            target = getattr(target, part)  # raises AttributeError for a wrong name
    for name in ALTERNATIVES:  # each names a real NumPy function that is not supported
        module, _, attr = name.rpartition(".")
        assert callable(getattr(np.linalg if module == "numpy.linalg" else np, attr)), name
        assert name not in mpc.supported_functions()


def test_ndarray_methods_without_secure_version_raise_unsupported(session):
    x = session.share(np.array([1.0, 2.0]), owner=0)
    for name in ("prod", "sort", "argsort", "tolist", "item", "any", "round", "cumprod", "nonzero"):
        with pytest.raises(mpc.UnsupportedOperationError) as info:
            getattr(x, name)()
        assert isinstance(info.value, AttributeError) and name in str(info.value)
    with pytest.raises(mpc.UnsupportedOperationError, match=re.escape("np.sort(x)")):
        x.sort()
    assert not hasattr(x, "tolist")
    with pytest.raises(AttributeError) as info:
        _ = x.no_such_attribute
    assert not isinstance(info.value, mpc.UnsupportedOperationError)


def test_var_at_the_documented_range_edge(session):
    # docs/statistics.md: deviations below 2^15 at f = 16 keep their squares in range.
    edge = 2.0**15 - 1
    x = np.array([-edge, edge, -edge, edge, 0.0])
    got = session.share(x, owner=0).var().reveal()
    np.testing.assert_allclose(got, x.var(), rtol=1e-9, atol=8 * ulp(session))


@settings(max_examples=15, deadline=None)
@given(data=st.data())
def test_logic_matches_numpy_with_broadcasting(data):
    shapes = data.draw(mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
    a, b, c = (data.draw(arrays(np.bool_, shape)) for shape in shapes.input_shapes)
    with mpc.Session(parties=3, seed=4) as s:
        sa, sb = s.share(a, owner=0), s.share(b, owner=1)
        got = ((sa & ~sb) | (sb ^ c)).reveal()
    np.testing.assert_array_equal(got, ((a & ~b) | (b ^ c)).astype(np.int64))
