"""Example-based tests of the SharedArray array API surface, against NumPy.

Covers NumPy functions called on SharedArrays, metadata, repr, refused implicit
conversions, unsupported operations, ``known_by`` propagation, value semantics,
iteration and ``astype``. Every test runs for 2, 3 and 5 parties (``session`` fixture);
tests of operations Shamir sessions support (``@both_schemes``) also run in Shamir
sessions at ``n = 3, t = 1`` and ``n = 5, t = 2``. Products of fixed-point values whose
exact result is on the fixed-point grid are exact in the ring and within ``T - 1``
ulps in the field (``truncation_units``).
"""

import re

import numpy as np
import pytest
from conftest import SESSION_PARAMS, SHAMIR_SESSION_PARAMS, session_id, truncation_units

import mpcarray as mpc

A = np.array([[1.5, -2.25, 3.0], [4.0, 0.5, -6.75]])  # exactly representable in fixed point
B = np.array([[2.0, 1.0], [-0.5, 3.25], [1.0, -1.0]])
AI = np.array([[3, -1, 4], [1, -5, 9]], dtype=np.int64)
BI = np.array([[2, 7], [-1, 8], [2, -8]], dtype=np.int64)


both_schemes = pytest.mark.parametrize("session", SESSION_PARAMS + SHAMIR_SESSION_PARAMS,
                                      indirect=True, ids=session_id)


def last(session):
    return session.n_parties - 1


def assert_same(shared, expected):
    """Revealed value, dtype and shape equal NumPy's exactly."""
    got = shared.reveal()
    expected = np.asarray(expected)
    assert shared.shape == expected.shape
    assert shared.dtype == expected.dtype
    assert np.asarray(got).dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def assert_product(session, shared, expected):
    """As :func:`assert_same`, for a truncated fixed-point product whose exact value is on the grid.

    The error is then a whole number of ulps below ``T``: at most ``T - 1`` (0 in the ring).
    Integer results are exact.
    """
    expected = np.asarray(expected)
    if expected.dtype != np.float64:
        return assert_same(shared, expected)
    got = shared.reveal()
    assert shared.shape == expected.shape and shared.dtype == np.float64 == np.asarray(got).dtype
    error = np.abs(got - expected) / session.fixed_point.resolution
    assert np.all(error <= truncation_units(session) - 1), f"errors {error} ulps"


# ------------------------------------------------------- NumPy functions
@both_schemes
@pytest.mark.parametrize("kind", ["int", "fixed"])
def test_numpy_functions_match_numpy(session, kind):
    a, b = (AI, BI) if kind == "int" else (A, B)
    x, y = session.share(a, owner=0), session.share(b, owner=last(session))
    assert_same(np.sum(x), np.sum(a))
    assert_same(np.sum(x, axis=0), np.sum(a, axis=0))
    assert_same(np.sum(x, axis=-1, keepdims=True), np.sum(a, axis=-1, keepdims=True))
    assert_same(np.sum(x, axis=(0, 1)), np.sum(a, axis=(0, 1)))
    assert_product(session, np.dot(x, y), np.dot(a, b))
    assert_product(session, np.dot(x[0], y[:, 1]), np.dot(a[0], b[:, 1]))
    assert_product(session, np.dot(x, b[:, 0]), np.dot(a, b[:, 0]))
    assert_same(np.dot(x, 3), np.dot(a, 3))
    assert_product(session, x.dot(y), a.dot(b))
    assert_product(session, np.matmul(x, y), np.matmul(a, b))
    assert_product(session, np.matmul(a, y), np.matmul(a, b))
    assert_same(np.concatenate([x, y.T]), np.concatenate([a, b.T]))
    assert_same(np.concatenate([x, y.T], axis=1), np.concatenate([a, b.T], axis=1))
    assert_same(np.concatenate([x, b.T], axis=None), np.concatenate([a, b.T], axis=None))
    assert_same(np.stack([x, y.T]), np.stack([a, b.T]))
    assert_same(np.stack([x, y.T], axis=-1), np.stack([a, b.T], axis=-1))
    assert_same(np.hstack([x, a]), np.hstack([a, a]))
    assert_same(np.vstack([x[0], a]), np.vstack([a[0], a]))
    assert_same(np.transpose(x), np.transpose(a))
    assert_same(np.transpose(x, (1, 0)), np.transpose(a, (1, 0)))
    assert_same(np.reshape(x, (3, 2)), np.reshape(a, (3, 2)))
    assert_same(np.reshape(x, -1), np.reshape(a, -1))
    assert_same(np.reshape(x, (-1, 1)), np.reshape(a, (-1, 1)))
    assert_same(np.ravel(x), np.ravel(a))
    assert np.shape(x) == np.shape(a) and np.ndim(x) == np.ndim(a) and np.size(x) == np.size(a)


@both_schemes
def test_numpy_mean_matches_numpy(session):
    """np.mean of reals (exactly representable means) and of ints (fixed-point result).

    Within one ulp in the ring; in the field within the documented mean bound of
    3 truncations (``SharedArray.mean``), ``3 T`` ulps.
    """
    units = truncation_units(session)
    atol = 2.0**-16 * (1 if units == 1 else 3 * units)
    x = session.share(A, owner=0)
    for axis in (None, 0, 1, -1, (0, 1)):
        got = np.mean(x, axis=axis)
        expected = np.mean(A, axis=axis)
        assert got.dtype == np.float64
        np.testing.assert_allclose(got.reveal(), expected, rtol=2.0**-16, atol=atol)
    xi = session.share(AI, owner=0)
    got = np.mean(xi, axis=1, keepdims=True)
    assert got.dtype == np.float64 and got.shape == (2, 1)
    np.testing.assert_allclose(got.reveal(), np.mean(AI, axis=1, keepdims=True), rtol=2.0**-16, atol=atol)


@both_schemes
def test_hstack_of_zero_dimensional_results(session):
    """np.hstack of 0-d arrays (e.g. several sums) gives a 1-D array, as in NumPy."""
    x, y = session.share(AI, owner=0), session.share(BI, owner=last(session))
    assert_same(np.hstack([x.sum(), y.sum(), np.int64(7)]), np.hstack([AI.sum(), BI.sum(), np.int64(7)]))


# -------------------------------------------------------------- metadata
@both_schemes
def test_shape_ndim_size_len(session):
    x = session.share(np.zeros((4, 3, 2)), owner=0)
    assert x.shape == (4, 3, 2) and x.ndim == 3 and x.size == 24 and len(x) == 4
    s = x.sum()
    assert s.shape == () and s.ndim == 0 and s.size == 1
    with pytest.raises(TypeError):
        len(s)
    e = session.share(np.zeros((0, 5), dtype=np.int64), owner=0)
    assert e.shape == (0, 5) and e.size == 0 and len(e) == 0
    assert x[1:, ::2, 0].shape == (3, 2)


def test_repr_and_str_show_metadata_never_values():
    value = 123456.789
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=5) as s:
        x = s.share(np.array([value, -value]), owner="hosp_b")
        xi = s.share(np.array([987654321], dtype=np.int64), owner="lab_c")
        encoding = s.fixed_point.encode(np.array([value, -value])).view(np.int64)
        for arr, secret_texts in [(x, ["123456", "12345", str(encoding[0]), str(encoding[1]),
                                       str(encoding[0].view(np.uint64))]),
                                  (xi, ["987654321", "98765"])]:
            share_texts = [str(v) for v in arr._shares.ravel()] + [str(v) for v in arr._shares.view(np.int64).ravel()]
            for text in (repr(arr), str(arr), f"{arr}", format(arr)):
                for secret in secret_texts + share_texts:
                    assert secret not in text, f"{secret!r} leaked in {text!r}"
        r = repr(x)
        assert "shape=(2,)" in r and "float64" in r and "'hosp_b'" in r
        assert "int64" in repr(xi) and "'lab_c'" in repr(xi) and "(1,)" in repr(xi)
        assert "known_by=None" in repr(x + xi[0])


# --------------------------------------------------- refused conversions
@pytest.mark.parametrize("convert", [bool, float, int, complex, np.asarray, np.array,
                                     lambda v: np.array([v, v]), lambda v: np.asarray(v, dtype=float),
                                     lambda v: [1, 2][v], lambda v: 1 if v else 0],
                         ids=["bool", "float", "int", "complex", "asarray", "array", "array-list",
                              "asarray-dtype", "index", "if"])
@both_schemes
def test_implicit_conversions_raise_disclosure_error(session, convert):
    for x in (session.share(np.array([1.5]), owner=0), session.share(np.array([1]), owner=0).sum()):
        with pytest.raises(mpc.DisclosureError) as info:
            convert(x)
        assert isinstance(info.value, TypeError)
        assert "reveal" in str(info.value)


# ------------------------------------------------- unsupported operations
UNSUPPORTED = [
    ("argsort", lambda x, y: np.argsort(x)),
    ("sin", lambda x, y: np.sin(x)),
    ("arctan2", lambda x, y: np.arctan2(x, y)),
    ("inv", lambda x, y: np.linalg.inv(x)),
    ("cumprod", lambda x, y: np.cumprod(x)),
    ("prod", lambda x, y: np.prod(x)),
    ("nanmedian", lambda x, y: np.nanmedian(x)),
    ("partition", lambda x, y: np.partition(x, 1)),
    ("floor_divide", lambda x, y: x // 2),
    ("floor_divide", lambda x, y: x // y),
    ("remainder", lambda x, y: x % 2),
    ("add.reduce", lambda x, y: np.add.reduce(x)),
    ("add.accumulate", lambda x, y: np.add.accumulate(x)),
    ("multiply.outer", lambda x, y: np.multiply.outer(x, y)),
    ("add", lambda x, y: np.add(x, y, out=np.empty((2, 2)))),
    ("add", lambda x, y: np.add(x, y, out=x)),
    ("multiply", lambda x, y: np.multiply(x, y, where=np.ones((2, 2), bool))),
    ("subtract", lambda x, y: np.subtract(x, 1.0, dtype=np.float64)),
]


@pytest.mark.parametrize("name, operation", UNSUPPORTED, ids=[f"{n}-{i}" for i, (n, _) in enumerate(UNSUPPORTED)])
def test_unsupported_operations_raise_and_name_the_function(session, name, operation):
    x = session.share(np.array([[1.0, 2.0], [3.0, 4.0]]), owner=0)
    y = session.share(np.array([[2.0, 1.0], [0.5, 4.0]]), owner=last(session))
    before = session.comm.snapshot()
    with pytest.raises(mpc.UnsupportedOperationError) as info:
        operation(x, y)
    assert isinstance(info.value, TypeError)
    assert re.search(rf"\b{re.escape(name)}\b", str(info.value)), str(info.value)
    assert (session.comm - before).rounds == 0, "nothing may be computed or opened"


@pytest.mark.parametrize("name, operation", [
    ("sum", lambda x: np.sum(x, out=np.empty(()))),
    ("sum", lambda x: np.sum(x, dtype=np.float32)),
    ("mean", lambda x: np.mean(x, dtype=np.float64)),
    ("concatenate", lambda x: np.concatenate([x, x], dtype=np.float64)),
])
def test_unsupported_arguments_of_supported_functions(session, name, operation):
    x = session.share(np.array([1.0, 2.0]), owner=0)
    with pytest.raises(mpc.UnsupportedOperationError, match=name):
        operation(x)


def test_unsupported_arithmetic_is_refused(session):
    x = session.share(np.array([1.0, 2.0]), owner=0)
    y = session.share(np.array([3.0, 4.0]), owner=last(session))
    for operation in (lambda: 2 ** x, lambda: x ** y, lambda: x ** 2.5, lambda: x ** -1,
                      lambda: x ** np.array([1, 2]), lambda: x[y]):
        with pytest.raises(mpc.UnsupportedOperationError):
            operation()


# ------------------------------------------------------------- known_by
def test_known_by_propagation():
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=9) as s:
        x = s.share(A, owner="hosp_a")
        x2 = s.share(A * 2, owner=0)
        y = s.share(B, owner="hosp_b")
        z = s.share(AI, owner=2)
        assert x.known_by == "hosp_a" and x2.known_by == "hosp_a"
        assert y.known_by == "hosp_b" and z.known_by == "lab_c"
        same_owner = [x + x2, x - x2, x * x2, x2 * x, x @ x2.T, x * x, x ** 2, -x, +x, x.T, x[0],
                      x[:, ::2], x.reshape(-1), x.ravel(), x.sum(), x.sum(axis=0), x.mean(), x / 4,
                      np.concatenate([x, x2]), np.stack([x, x2]), np.dot(x, x2.T), x.copy(),
                      x + 1.5, 2.5 * x, x - np.ones(3), np.ones((3, 2)).T - x, x * 3, x @ B,
                      A.T @ x, np.concatenate([x, A]), np.vstack([A, x]), np.hstack([x, A])]
        for result in same_owner:
            assert result.known_by == "hosp_a", repr(result)
        assert s.share(BI, owner="lab_c").astype(float).known_by == "lab_c"
        different = [x + y.T, x * y.T, x @ y, np.concatenate([x, y.T]), np.stack([x, y.T]), x + z,
                     x * z, z - x, np.hstack([x, z])]
        for result in different:
            assert result.known_by is None, repr(result)
        # values are the same on the owner-local and the mixed paths
        np.testing.assert_array_equal((x + x2).reveal(), A + 2 * A)
        np.testing.assert_array_equal((x @ y).reveal(), A @ B)


def test_known_by_after_assignment():
    with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"], seed=9) as s:
        x = s.share(A, owner="hosp_a")
        x[0, 0] = 7.0  # public value: still known to hosp_a alone
        assert x.known_by == "hosp_a"
        x[1] = s.share(np.ones(3), owner="hosp_a")
        assert x.known_by == "hosp_a"
        x[1, 1] = s.share(np.array(2.0).reshape(1), owner="hosp_b")[0]
        assert x.known_by is None
        expected = A.copy()
        expected[0, 0], expected[1], expected[1, 1] = 7.0, 1.0, 2.0
        np.testing.assert_array_equal(x.reveal(), expected)


# -------------------------------------------------------- value semantics
@both_schemes
def test_slice_is_independent_of_its_base(session):
    x = session.share(AI, owner=0)
    y = x[0:2, 1:]
    x[0] = 5
    np.testing.assert_array_equal(y.reveal(), AI[0:2, 1:])
    y[1, 1] = -100
    expected = AI.copy()
    expected[0] = 5
    np.testing.assert_array_equal(x.reveal(), expected)
    np.testing.assert_array_equal(y.reveal(), np.array([[-1, 4], [-5, -100]]))


@both_schemes
def test_transpose_view_then_assignment(session):
    x = session.share(A, owner=0)
    t = x.T
    t[0, 1] = 9.0
    np.testing.assert_array_equal(x.reveal(), A)
    expected_t = A.T.copy()
    expected_t[0, 1] = 9.0
    np.testing.assert_array_equal(t.reveal(), expected_t)
    x[1, 0] = -3.0
    np.testing.assert_array_equal(t.reveal(), expected_t)
    r = x.reshape(-1)
    x[...] = 0.0
    expected_r = A.copy()
    expected_r[1, 0] = -3.0
    np.testing.assert_array_equal(r.reveal(), expected_r.ravel())


@pytest.mark.parametrize("derive", [
    lambda x: x ** 1, lambda x: +x, lambda x: x.copy(), lambda x: x.astype(np.int64), lambda x: x[...],
    lambda x: x[:], lambda x: x.reshape(2, 3), lambda x: np.transpose(x).T, lambda x: x + 0, lambda x: x * 1,
    lambda x: x.sum(axis=()), lambda x: np.concatenate([x]), lambda x: x[None][0],
], ids=["pow1", "pos", "copy", "astype", "ellipsis", "slice", "reshape", "transpose2", "add0", "mul1",
        "sum-no-axis", "concat1", "newaxis"])
@both_schemes
def test_derived_arrays_never_alias(session, derive):
    """Assigning into an array derived from x never changes x, and assigning into x never changes it."""
    x = session.share(AI, owner=0)
    y = derive(x)
    y[0, 0] = 100
    np.testing.assert_array_equal(x.reveal(), AI)
    x[1, 2] = -100
    expected = AI.copy()
    expected[0, 0] = 100
    np.testing.assert_array_equal(y.reveal(), expected)


# ------------------------------------------------------------- indexing
@both_schemes
def test_advanced_indices_separated_by_a_slice(session):
    """NumPy puts the broadcast advanced-index dimensions first when a slice separates them."""
    a = np.arange(60, dtype=np.int64).reshape(3, 4, 5)
    x = session.share(a, owner=0)
    for key in [(0, slice(None), [1, 2]), ([0, 1], slice(None), 0), ([0, 2], slice(1, 3), [4, 0])]:
        got = x[key]
        assert got.shape == a[key].shape, key
        np.testing.assert_array_equal(got.reveal(), a[key])
    expected = a.copy()
    expected[[0, 2], :, [1, 3]] = np.full((2, 4), -7)
    x[[0, 2], :, [1, 3]] = session.share(np.full((2, 4), -7), owner=last(session))
    np.testing.assert_array_equal(x.reveal(), expected)


# -------------------------------------------------------- iteration, astype
@both_schemes
def test_iteration_over_rows(session):
    x = session.share(A, owner=0)
    rows = list(x)
    assert len(rows) == len(A)
    for row, expected in zip(rows, A):
        assert isinstance(row, mpc.SharedArray)
        np.testing.assert_array_equal(row.reveal(), expected)
    cells = [cell.reveal() for row in x for cell in row]
    np.testing.assert_array_equal(cells, A.ravel())
    with pytest.raises(TypeError):
        iter(x.sum())


@both_schemes
def test_astype_float_on_int_arrays(session):
    xi = session.share(AI, owner=0)
    for dtype in (float, np.float64, "float64"):
        xf = xi.astype(dtype)
        assert xf.dtype == np.float64 and xi.dtype == np.int64
        assert_same(xf, AI.astype(float))
    xf = xi.astype(float)
    # it now behaves as fixed point: real products are truncated back to f bits
    assert_product(session, xf * 0.5, AI * 0.5)
    assert_product(session, xf * xf, (AI * AI).astype(float))
    assert_same(xi.astype(int), AI)
    with pytest.raises(mpc.UnsupportedOperationError):
        session.share(A, owner=0).astype(int)


@both_schemes
def test_square_and_positive_ufuncs(session):
    x = session.share(AI, owner=0)
    assert_same(np.square(x), np.square(AI))
    assert_same(np.positive(x), AI)
    assert_same(np.negative(x), -AI)
    assert_same(np.add(x, 1), AI + 1)
    assert_same(np.subtract(3, x), 3 - AI)
    assert_same(np.multiply(x, x), AI * AI)


def test_public_power_of_two_operands_broadcast_and_multiply_matrices():
    """Regression: the shift shortcut for a public 2^e must broadcast, and must not replace ``@``."""
    with mpc.Session(3, seed=0) as s:
        x = s.share(np.array(3.0), owner=0)
        np.testing.assert_allclose((x / np.array([2, 2])).reveal(), [1.5, 1.5])
        M = s.share(np.ones((2, 2)), owner=0)
        np.testing.assert_allclose((M @ np.full((2, 2), 0.5)).reveal(), np.ones((2, 2)))


@pytest.mark.parametrize("scheme", ["additive", "shamir"])
def test_public_operands_keep_the_extra_fractional_bits_of_an_exact_product(scheme):
    """A value read with more fractional bits than the session's (an exact product not yet
    truncated) plus or minus a public real: exact, at its own fractional bits, against NumPy."""
    from mpcarray.array import primitives
    values = np.array([1.0, -2.5, 3.25])
    with mpc.Session(parties=3, seed=2, scheme=scheme) as s:
        x = primitives.relabel(s.share(values, owner=0), 32)  # the same ring elements: values / 2^16
        np.testing.assert_array_equal((x + 1.5).reveal(), values / 2**16 + 1.5)
        np.testing.assert_array_equal((1.5 - x).reveal(), 1.5 - values / 2**16)
        np.testing.assert_array_equal((x - 2).reveal(), values / 2**16 - 2)
        assert (x + 1.5).frac_bits == 32
        for public in (np.array([0.5]), np.array([3])):  # joined with a public real or integer
            joined = np.concatenate([x, public])
            np.testing.assert_array_equal(joined.reveal(), np.r_[values / 2**16, public])
        # times a public real whose value is an integer (1.0, 4.0): truncated back to the session's bits
        wide = primitives.relabel(s.share(values * 2**12, owner=0), 28)  # values, with 28 fractional bits
        for factor in (1.0, 4.0, 0.0):
            product = wide * factor
            assert product.frac_bits == 16
            np.testing.assert_allclose(product.reveal(), values * factor, atol=4 * 2.0**-16)
