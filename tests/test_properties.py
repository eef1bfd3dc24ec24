"""Property-based tests (hypothesis) of every SharedArray operator and function against NumPy.

Every test runs in additive sessions (Z_2^64, dealer) for 2, 3 and 5 parties and, for
the operations Shamir supports, in Shamir sessions (GF(2^127 - 1)) at ``n = 3, t = 1``
and ``n = 5, t = 2``; each example builds its own session (with a drawn seed, so the
dealer's or the PRSS keys' randomness varies too) and shares its operands from drawn
owners.

Error model for fixed point (``f`` fractional bits, one ulp ``u = 2^-f``). Every
truncation errs by strictly less than ``T`` ulps, ``T = truncation_units(session)``
(``tests/conftest.py``): 1 in the ring (exact truncation), ``max(1 + s, C - s)`` in the
field (probabilistic truncation, ``C = C(n, t)`` keys, ``s = (C - 1) // 2``): 2 at
``n = 3, t = 1`` and 6 at ``n = 5, t = 2``.

* Encoding rounds to nearest (error <= u/2 per value). To separate it from protocol
  error every reference is computed on the *decoded encodings* ``enc(a) =
  decode(encode(a))`` of the shared inputs.
* ``+``, ``-``, ``sum`` and public integer factors are exact on the encodings.
* Every shared product is truncated once, with error strictly below ``T u``:
  ``x * y`` is within < T ulps of ``enc(a) * enc(b)``; ``x @ y`` truncates once after
  the sum, so it too is within < T ulps; ``(x * y).sum()`` over ``n`` terms is
  within < n T ulps.
* A public real factor ``c`` (``protocols.public.mul_public_real``) is represented as
  ``M * 2^(k - 2f)`` with ``M = rint(c * 2^(2f - k))`` and ``2^(k-1) <= max|c| < 2^k``,
  so ``|c - M 2^(k-2f)| <= 2^(k-2f-1)``; ``M`` is split into ``M_hi * 2^f + M_lo`` and
  the two partial products are truncated separately (each error < T u). Hence ``x * c``
  is within ``|x| * 2^(k-2f-1) + 2 T u`` of ``enc(a) * c`` (``c`` itself, not encoded); an
  all-integer ``c`` is exact. For a scalar divisor ``d`` (``c = 1/d``) this is
  ``|x/d| * 2^-2f + 2 T u``. A public real matrix ``C`` in ``x @ C`` uses the same
  representation with ``max|C|``: within ``sum_j |x_j| * 2^(k-2f-1) + 2 T u``.
* ``mean`` of ints is the exact sum times ``1/count`` (the bound above). ``mean`` of
  fixed point first truncates the sum by ``e = ceil(log2 count)`` bits (< T u) and then
  multiplies by ``2^e / count`` in ``(0.5, 1]`` (< 2 T u + tiny): below
  ``3 T u + |sum| 2^-2f``.
* ``x ** p`` is square-and-multiply; with ``X = enc(a)`` and truncation errors
  ``|e_i| < T u``: ``p = 2``: ``< T u``; ``p = 3``: ``X * (X^2 + e1) + e2`` so
  ``< (|X| + 1) T u``; ``p = 4``: ``(X^2 + e1)^2 + e2`` so ``< (2 X^2 + 1 + T u) T u``.

Integer results in the ring are exact modulo 2^64, i.e. equal to NumPy's int64 results
including wrap-around (additive only). In the field integers are exact and never wrap:
a result beyond int64 raises EncodingError on reveal (``test_int_field_exact_never_wraps``);
tests shared with the ring keep their results inside int64 there.
"""

import contextlib
import operator

import numpy as np
import pytest
from conftest import truncation_units  # T: one truncation's error bound in ulps, per scheme
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import mpcarray as mpc
from mpcarray.errors import EncodingError

# (scheme, parties, threshold): the additive ring at 2, 3 and 5 parties; Shamir at the
# smallest threshold (n = 3, t = 1) and at a larger key count (n = 5, t = 2, C = 10 keys)
CONFIGS = [("additive", 2, None), ("additive", 3, None), ("additive", 5, None),
           ("shamir", 3, 1), ("shamir", 5, 2)]


def _configs(scheme=None):
    chosen = [c for c in CONFIGS if scheme in (None, c[0])]
    ids = [f"{name}-{n}p" + (f"-t{t}" if t else "") for name, n, t in chosen]
    return pytest.mark.parametrize("config", chosen, ids=ids)


schemes = _configs()  # every test of operations both schemes support
additive_only = _configs("additive")  # ring-specific behaviour (int64 wrap-around)
shamir_only = _configs("shamir")  # field-specific behaviour (exact integers, EncodingError)

FAST = settings(max_examples=13, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
MEDIUM = settings(FAST, max_examples=8)
FEW = settings(FAST, max_examples=5)

F = 16  # the default fractional bits of every session built here
U = 2.0**-F

SMALL_INT = st.integers(-(2**20), 2**20)
FULL_INT = st.integers(-(2**63), 2**63 - 1)
INT_EDGES = st.sampled_from([-(2**63), 2**63 - 1, -1, 0, 1, 2**32, -(2**32) - 1, 2**62])
REAL = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False, allow_subnormal=False)
# public reals: non-integral ones and integral-valued floats (which take exact paths)
PUBLIC_REAL = st.one_of(REAL, st.integers(-50, 50).map(float))

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=4)
NONEMPTY_SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
OPS = {"+": operator.add, "-": operator.sub, "*": operator.mul}


# ------------------------------------------------------------------ helpers
@contextlib.contextmanager
def new_session(config, data):
    scheme, n_parties, threshold = config
    seed = data.draw(st.integers(0, 2**32 - 1), label="seed")
    options = {} if scheme == "additive" else {"scheme": scheme, "threshold": threshold}
    with mpc.Session(parties=n_parties, seed=seed, **options) as s:
        yield s


def share(s, data, a, label="owner"):
    """Share ``a`` from a drawn owner.

    0-d data is shared as one element and reshaped to ``()``: sharing 0-d data
    directly is covered by its own test (``test_share_zero_dimensional_data``), so a
    failure there does not hide everything else.
    """
    owner = data.draw(st.integers(0, s.n_parties - 1), label=label)
    a = np.asarray(a)
    if a.ndim == 0:
        return s.share(a.reshape(1), owner=owner).reshape(())
    return s.share(a, owner=owner)


def int_arrays(shape, elements=SMALL_INT):
    return hnp.arrays(np.int64, shape, elements=elements)


def int_elements(s, in_range):
    """Full-range int64 elements in the ring (results wrap like NumPy's); ``in_range`` in the field.

    Field results beyond int64 do not wrap but raise on reveal
    (``test_int_field_exact_never_wraps``), so there the inputs keep results in int64.
    """
    return st.one_of(SMALL_INT, FULL_INT) if s.scheme == "additive" else in_range


def real_arrays(shape, elements=REAL):
    return hnp.arrays(np.float64, shape, elements=elements)


def enc(s, a):
    """Values after fixed-point encoding (encoding error separated from protocol error)."""
    return s.fixed_point.decode(s.fixed_point.encode(a))


def enc_int(s, a):
    """The exact scaled integers ``round(a * 2^f)`` of the encoding, as Python ints."""
    return np.asarray(s.fixed_point.encode(a)).view(np.int64).astype(object)


def revealed_int(s, got):
    """Revealed fixed-point values as exact scaled integers ``got * 2^f`` (Python ints)."""
    scaled = np.asarray(got, dtype=np.float64) * s.fixed_point.scale
    ints = np.rint(scaled)
    assert np.array_equal(ints, scaled), "decoded fixed point must be a multiple of 2^-f"
    return ints.astype(np.int64).astype(object)


def wrap(fn, *args):
    """A NumPy int64 reference, with wrap-around modulo 2^64 (no overflow warnings)."""
    with np.errstate(all="ignore"):
        return fn(*args)


def assert_exact_int(x, expected):
    """x is a shared integer array and reveals exactly ``expected`` (int64)."""
    expected = np.asarray(expected)
    assert expected.dtype == np.int64
    assert x.dtype == np.int64
    got = x.reveal()
    assert np.asarray(got).dtype == np.int64
    assert np.shape(got) == expected.shape == x.shape
    np.testing.assert_array_equal(got, expected)


def assert_fixed_within(x, expected, bound):
    """x is shared fixed point and reveals within ``bound`` (elementwise) of ``expected``."""
    expected = np.asarray(expected, dtype=np.float64)
    assert x.dtype == np.float64
    got = x.reveal()
    assert np.asarray(got).dtype == np.float64
    assert np.shape(got) == expected.shape == x.shape
    error = np.abs(got - expected)
    bound = np.broadcast_to(np.asarray(bound, dtype=np.float64), expected.shape)
    bad = ~(error <= bound)
    assert not bad.any(), (
        f"errors {error[bad]} exceed bounds {bound[bad]}; got {np.asarray(got)[bad]}, "
        f"expected {expected[bad]}"
    )


def representation_error(c):
    """Max error ``2^(k-2f-1)`` of the public real constant ``c`` (0 if all integers)."""
    c = np.asarray(c, dtype=np.float64)
    if np.all(c == np.rint(c)):
        return 0.0
    k = int(np.frexp(float(np.max(np.abs(c))))[1])
    return 2.0 ** (k - 2 * F - 1)


def public_real_bound(s, x_abs, c):
    """Error bound of ``[x] * c`` for public reals ``c`` (see module docstring)."""
    c = np.asarray(c, dtype=np.float64)
    if np.all(c == np.rint(c)):
        return np.zeros(np.broadcast_shapes(np.shape(x_abs), c.shape))
    # + a float64 slack far below one ulp for the reference computation itself
    return x_abs * representation_error(c) + 2 * truncation_units(s) * U + 1e-12 * (1 + np.abs(x_abs * c))


@st.composite
def axes_for(draw, ndim):
    """``axis`` arguments: None, an int (possibly negative), or a tuple (possibly negative)."""
    kind = draw(st.sampled_from(["none", "int", "tuple"] if ndim else ["none", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(hnp.valid_tuple_axes(ndim))
    return tuple(draw(st.sampled_from([a % ndim, a % ndim - ndim])) for a in axes)


@st.composite
def matmul_shapes(draw, max_side=4):
    """Operand shapes for every 1-D/2-D combination matmul accepts (sides may be 0)."""
    m, k, n = (draw(st.integers(0, max_side)) for _ in range(3))
    left = (k,) if draw(st.booleans()) else (m, k)
    right = (k,) if draw(st.booleans()) else (k, n)
    return left, right


def axis_count(shape, axis):
    if axis is None:
        return int(np.prod(shape, dtype=np.int64))
    axes = (axis,) if isinstance(axis, int) else axis
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


# ================================================================ integers
@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_int_shared_shared_broadcast_exact(config, data, shapes):
    """x + y, x - y, x * y, -x for shared ints of broadcast-compatible shapes: exact."""
    sa, sb = shapes.input_shapes
    a, b = data.draw(int_arrays(sa), label="a"), data.draw(int_arrays(sb), label="b")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        for op in OPS.values():
            assert_exact_int(op(x, y), wrap(op, a, b))
            assert_exact_int(op(y, x), wrap(op, b, a))
        assert_exact_int(-x, wrap(np.negative, a))
        assert_exact_int(+x, a)
        assert_exact_int(x * x, wrap(np.multiply, a, a))  # the squaring path
        assert_exact_int(np.square(y), wrap(np.square, b))


@additive_only
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
@FAST
def test_int_full_range_wraps_like_numpy_int64(config, data, shapes):
    """Ring: full-range int64 values: + - * and unary - wrap modulo 2^64 exactly like NumPy int64."""
    sa, sb = shapes.input_shapes
    elements = st.one_of(FULL_INT, INT_EDGES)
    a = data.draw(int_arrays(sa, elements), label="a")
    b = data.draw(int_arrays(sb, elements), label="b")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        for op in OPS.values():
            assert_exact_int(op(x, y), wrap(op, a, b))
        assert_exact_int(-x, wrap(np.negative, a))
        assert_exact_int(x * x, wrap(np.multiply, a, a))
        assert_exact_int(x.sum(), wrap(np.sum, a))
        # public full-range operands, both orders
        c = data.draw(int_arrays(sb, elements), label="c")
        for op in OPS.values():
            assert_exact_int(op(x, c), wrap(op, a, c))
            assert_exact_int(op(c, x), wrap(op, c, a))


def assert_field_int(x, exact):
    """Shamir: x reveals the exact integers ``exact`` where they fit in int64; otherwise reveal raises."""
    exact = np.asarray(exact, dtype=object).reshape(-1)
    fits = np.array([-(2**63) <= v < 2**63 for v in exact], dtype=bool)
    assert x.dtype == np.int64 and x.size == exact.size
    assert_exact_int(x.reshape(-1)[fits], exact[fits].astype(np.int64))
    if not fits.all():
        with pytest.raises(EncodingError, match="int64"):
            x.reveal()


@shamir_only
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=3))
@FAST
def test_int_field_exact_never_wraps(config, data, shapes):
    """Field: full-range int64 values never wrap; results outside int64 raise EncodingError on reveal.

    Counterpart of ``test_int_full_range_wraps_like_numpy_int64``: + - * (shared and
    public operands), unary - and sum are exact integers in GF(2^127 - 1): a result with
    int64 reveals exactly, and one beyond raises where NumPy's int64 would
    wrap (products of full-range values reach 2^126, the edge of the field's signed
    range). Intermediates beyond int64 cost nothing: ``x * y - x * (y - 1)`` reveals
    ``x`` exactly.
    """
    sa, sb = shapes.input_shapes
    elements = st.one_of(FULL_INT, INT_EDGES, SMALL_INT)
    a = data.draw(int_arrays(sa, elements), label="a")
    b = data.draw(int_arrays(sb, elements), label="b")
    c = data.draw(int_arrays(sb, elements), label="c")
    ea, eb, ec = (v.astype(object) for v in (a, b, c))
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        for op in OPS.values():
            assert_field_int(op(x, y), op(ea, eb))
            assert_field_int(op(x, c), op(ea, ec))
            assert_field_int(op(c, x), op(ec, ea))
        assert_field_int(-x, -ea)
        assert_field_int(x * x, ea * ea)
        assert_field_int(x.sum(), np.sum(ea))
        assert_field_int(x * y - x * (y - 1), np.broadcast_to(ea, np.broadcast_shapes(sa, sb)))


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_int_shared_public_broadcast_exact(config, data, shapes):
    """Shared int with public ints (arrays, NumPy and Python scalars, bools), both orders."""
    sa, sb = shapes.input_shapes
    a = data.draw(int_arrays(sa), label="a")
    publics = [
        data.draw(int_arrays(sb), label="public array"),
        data.draw(SMALL_INT, label="python int"),
        np.int64(data.draw(SMALL_INT, label="numpy int")),
        data.draw(hnp.arrays(np.bool_, sb), label="bool array"),
        data.draw(st.booleans(), label="python bool"),
        data.draw(hnp.arrays(np.int32, sb, elements=st.integers(-1000, 1000)), label="int32 array"),
    ]
    with new_session(config, data) as s:
        x = share(s, data, a)
        for c in publics:
            c_ref = np.asarray(c).astype(np.int64)
            for op in OPS.values():
                assert_exact_int(op(x, c), wrap(op, a, c_ref))
                assert_exact_int(op(c, x), wrap(op, c_ref, a))


@schemes
@given(data=st.data(), shapes=matmul_shapes())
@FAST
def test_int_matmul_exact(config, data, shapes):
    """x @ y for every 1-D/2-D shape pair matmul accepts, shared/shared, shared/public, public/shared."""
    sa, sb = shapes
    a = data.draw(int_arrays(sa, st.integers(-1000, 1000)), label="a")
    b = data.draw(int_arrays(sb, st.integers(-1000, 1000)), label="b")
    expected = a @ b
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        assert_exact_int(x @ y, expected)
        assert_exact_int(x @ b, expected)
        assert_exact_int(a @ y, expected)
        assert_exact_int(np.matmul(x, y), expected)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), p=st.integers(0, 4))
@FAST
def test_int_power_exact(config, data, shape, p):
    """x ** p for p in 0..4 equals NumPy's int64 power (ring: with wrap-around; field: |x| <= 2^15)."""
    with new_session(config, data) as s:
        a = data.draw(int_arrays(shape, int_elements(s, st.integers(-(2**15), 2**15))), label="a")
        x = share(s, data, a)
        assert_exact_int(x ** p, wrap(np.power, a, np.int64(p)))
        assert_exact_int(np.power(x, np.int64(p)), wrap(np.power, a, np.int64(p)))


@schemes
@given(data=st.data(), shape=SHAPES, keepdims=st.booleans())
@FAST
def test_int_sum_exact_and_mean_within_bound(config, data, shape, keepdims):
    """sum over any axis is exact (mod 2^64); mean is fixed point within the bound."""
    a = data.draw(int_arrays(shape), label="a")
    axis = data.draw(axes_for(len(shape)), label="axis")
    with new_session(config, data) as s:
        x = share(s, data, a)
        assert_exact_int(x.sum(axis=axis, keepdims=keepdims), a.sum(axis=axis, keepdims=keepdims))
        assert_exact_int(np.sum(x, axis=axis, keepdims=keepdims), a.sum(axis=axis, keepdims=keepdims))
        count = axis_count(shape, axis)
        if count == 0:
            return
        total = a.sum(axis=axis, keepdims=keepdims)
        expected = a.mean(axis=axis, keepdims=keepdims)
        bound = public_real_bound(s, np.abs(total), 1.0 / count)
        assert_fixed_within(x.mean(axis=axis, keepdims=keepdims), expected, bound)
        assert_fixed_within(np.mean(x, axis=axis, keepdims=keepdims), expected, bound)


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3))
@FAST
def test_int_ring_laws(config, data, shapes):
    """Distributivity, commutativity and associativity hold exactly, as in NumPy int64."""
    with new_session(config, data) as s:
        elements = int_elements(s, SMALL_INT)
        arrays = [data.draw(int_arrays(sh, elements), label=f"a{i}") for i, sh in enumerate(shapes.input_shapes)]
        x, y, z = (share(s, data, a, f"owner{i}") for i, a in enumerate(arrays))
        left, right = ((x + y) * z).reveal(), (x * z + y * z).reveal()
        np.testing.assert_array_equal(left, right)
        np.testing.assert_array_equal((x * y).reveal(), (y * x).reveal())
        np.testing.assert_array_equal(((x * y) * z).reveal(), (x * (y * z)).reveal())
        np.testing.assert_array_equal((x - x).reveal(), np.zeros(shapes.input_shapes[0], np.int64))


# ============================================================ fixed point
@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_fixed_add_sub_exact_on_encodings(config, data, shapes):
    """Fixed-point + and - (shared/shared, shared/public, public/shared) are exact on encodings."""
    sa, sb = shapes.input_shapes
    a, b = data.draw(real_arrays(sa), label="a"), data.draw(real_arrays(sb), label="b")
    c_scalar = data.draw(PUBLIC_REAL, label="c")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        ea, eb, ec = enc(s, a), enc(s, b), enc(s, c_scalar)
        zero = np.zeros(np.broadcast_shapes(sa, sb))
        for op in (operator.add, operator.sub):
            assert_fixed_within(op(x, y), op(ea, eb), zero)
            assert_fixed_within(op(x, b), op(ea, eb), zero)       # shared - public array
            assert_fixed_within(op(b, x), op(eb, ea), zero)       # public array - shared
            assert_fixed_within(op(x, c_scalar), op(ea, ec), 0.0)  # shared - scalar
            assert_fixed_within(op(c_scalar, x), op(ec, ea), 0.0)  # scalar - shared
        assert_fixed_within(-x, -ea, 0.0)
        assert_fixed_within(x.sum(), ea.sum(), 0.0)


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_fixed_mul_within_one_truncation(config, data, shapes):
    """x * y of shared reals is within < T ulps (one truncation) of the exact product of the encodings."""
    sa, sb = shapes.input_shapes
    a, b = data.draw(real_arrays(sa), label="a"), data.draw(real_arrays(sb), label="b")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        scale = s.fixed_point.scale
        for got, exact in [((x * y), enc_int(s, a) * enc_int(s, b)),
                           ((y * x), enc_int(s, b) * enc_int(s, a)),
                           ((x * x), enc_int(s, a) * enc_int(s, a)),
                           (np.square(y), enc_int(s, b) * enc_int(s, b))]:
            assert got.dtype == np.float64
            value = got.reveal()
            assert np.shape(value) == np.shape(exact)
            error = revealed_int(s, value) * scale - exact  # in units of 2^-2f
            assert np.all(np.abs(error) < truncation_units(s) * scale), f"error {error} >= T ulps"


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_fixed_mul_public_within_bound(config, data, shapes):
    """x * c and c * x for public reals (scalars, arrays) and ints: within the documented bound."""
    sa, sb = shapes.input_shapes
    a = data.draw(real_arrays(sa), label="a")
    publics = [
        data.draw(PUBLIC_REAL, label="scalar"),
        data.draw(real_arrays(sb, PUBLIC_REAL), label="array"),
        data.draw(st.integers(-1000, 1000), label="int"),
        data.draw(int_arrays(sb, st.integers(-1000, 1000)), label="int array"),
        2.5,
    ]
    with new_session(config, data) as s:
        x = share(s, data, a)
        ea = enc(s, a)
        for c in publics:
            expected = ea * c
            bound = public_real_bound(s, np.abs(ea), c)
            assert_fixed_within(x * c, expected, bound)
            assert_fixed_within(c * x, expected, bound)
            assert_fixed_within(np.multiply(c, x), expected, bound)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4),
       c=st.floats(-1e6, 1e6, allow_nan=False, allow_subnormal=False))
@FAST
def test_int_times_large_public_real(config, data, shape, c):
    """Shared ints (|x| <= 1000) times any public real |c| <= 1e6 (|x c| <= 1e9, in range), and x / (1/c)."""
    a = data.draw(int_arrays(shape, st.integers(-1000, 1000)), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        assert_fixed_within(x * c, a * c, public_real_bound(s, np.abs(a), c))
        assert_fixed_within(c * x, a * c, public_real_bound(s, np.abs(a), c))
        if c != 0:
            d = 1.0 / c
            assert_fixed_within(x / d, a / d, public_real_bound(s, np.abs(a), 1.0 / d))


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_side=0, max_dims=3, max_side=4))
@FAST
def test_fixed_div_public_within_bound(config, data, shapes):
    """x / d for public nonzero d (scalar or array, int or real), shared ints and reals."""
    sa, sb = shapes.input_shapes
    a = data.draw(real_arrays(sa), label="a")
    ai = data.draw(int_arrays(sa, st.integers(-10**6, 10**6)), label="ai")
    nonzero = st.one_of(st.floats(1e-3, 1e3), st.floats(-1e3, -1e-3), st.integers(1, 1000))
    divisors = [
        data.draw(nonzero, label="scalar"),
        data.draw(hnp.arrays(np.float64, sb, elements=nonzero), label="array"),
        data.draw(hnp.arrays(np.int64, sb, elements=st.integers(1, 100)), label="int array"),
    ]
    with new_session(config, data) as s:
        x, xi = share(s, data, a, "owner_x"), share(s, data, ai, "owner_xi")
        ea = enc(s, a)
        for d in divisors:
            inverse = 1.0 / np.asarray(d, dtype=np.float64)
            assert_fixed_within(x / d, ea / d, public_real_bound(s, np.abs(ea), inverse))
            assert_fixed_within(xi / d, ai / d, public_real_bound(s, np.abs(ai), inverse))
            assert_fixed_within(np.true_divide(x, d), ea / d, public_real_bound(s, np.abs(ea), inverse))
            if np.ndim(d) == 0:  # the scalar form of the bound: |x/d| 2^-2f + 2 ulps
                assert_fixed_within(x / d, ea / d, np.abs(ea / d) * 2.0 ** (-2 * F) + 2 * truncation_units(s) * U + 1e-9)


@schemes
@given(data=st.data(), shapes=matmul_shapes())
@FAST
def test_fixed_matmul_within_one_truncation(config, data, shapes):
    """x @ y truncates once after summing: within < T ulps of the exact product of the encodings."""
    sa, sb = shapes
    a, b = data.draw(real_arrays(sa), label="a"), data.draw(real_arrays(sb, PUBLIC_REAL), label="b")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        exact = enc_int(s, a) @ enc_int(s, b)
        scale = s.fixed_point.scale
        for got in (x @ y, np.matmul(x, y)):
            assert got.dtype == np.float64
            value = got.reveal()
            assert np.shape(value) == np.shape(exact)
            error = revealed_int(s, value) * scale - exact
            assert np.all(np.abs(error) < truncation_units(s) * scale), f"error {error} (units of 2^-2f) >= T ulps"
        # a public real matrix keeps 2f significant bits: sum_j |x_j| 2^(k-2f-1) + 2 truncations
        ea, eb, two = enc(s, a), enc(s, b), 2 * truncation_units(s) * U
        slack = 1e-12 * (1 + np.abs(ea) @ np.abs(b))
        assert_fixed_within(x @ b, ea @ b, (np.abs(ea) @ np.ones_like(b)) * representation_error(b) + two + slack)
        slack = 1e-12 * (1 + np.abs(a) @ np.abs(eb))
        assert_fixed_within(a @ y, a @ eb, (np.ones_like(a) @ np.abs(eb)) * representation_error(a) + two + slack)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=2, max_dims=2, min_side=0, max_side=5))
@FAST
def test_gram_product_x_t_at_x(config, data, shape):
    """x.T @ x (the Gram protocol path) equals NumPy: exact for ints, < T ulps for fixed point."""
    ai = data.draw(int_arrays(shape, st.integers(-1000, 1000)), label="ai")
    af = data.draw(real_arrays(shape), label="af")
    with new_session(config, data) as s:
        xi, xf = share(s, data, ai, "owner_i"), share(s, data, af, "owner_f")
        assert_exact_int(xi.T @ xi, ai.T @ ai)
        assert_exact_int(np.dot(xi.T, xi), ai.T @ ai)
        assert_exact_int(xi @ xi.T, ai @ ai.T)
        exact = enc_int(s, af).T @ enc_int(s, af)
        got = xf.T @ xf
        assert got.dtype == np.float64 and got.shape == exact.shape
        error = revealed_int(s, got.reveal()) * s.fixed_point.scale - exact
        assert np.all(np.abs(error) < truncation_units(s) * s.fixed_point.scale)


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=3, max_side=3))
@FAST
def test_matmul_batched_broadcast(config, data, shapes):
    """Stacked (batched) matmul with broadcasting of the batch dimensions, as NumPy's matmul."""
    sa, sb = shapes.input_shapes
    a = data.draw(int_arrays(sa, st.integers(-1000, 1000)), label="a")
    b = data.draw(real_arrays(sb), label="b")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        exact = a.astype(object) @ enc_int(s, b)  # int @ fixed: frac f, no truncation, exact
        for got in (x @ y, a @ y):
            assert got.dtype == np.float64
            assert got.shape == shapes.result_shape
            np.testing.assert_array_equal(revealed_int(s, got.reveal()), np.asarray(exact, dtype=object))
        # a public real matrix is applied as a two-part constant (2f significant bits), not encoded first
        bound = np.abs(a) @ np.full(b.shape, representation_error(b)) + 2 * truncation_units(s) * U + 1e-12 * (1 + np.abs(a) @ np.abs(b))
        assert_fixed_within(x @ b, a @ b, bound)


@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4),
       keepdims=st.booleans())
@FAST
def test_fixed_sum_of_products_within_n_truncations(config, data, shapes, keepdims):
    """(x * y).sum(axis) is within < n T ulps of the exact sum of products over n terms."""
    sa, sb = shapes.input_shapes
    a, b = data.draw(real_arrays(sa), label="a"), data.draw(real_arrays(sb), label="b")
    shape = np.broadcast_shapes(sa, sb)
    axis = data.draw(axes_for(len(shape)), label="axis")
    with new_session(config, data) as s:
        x, y = share(s, data, a, "owner_x"), share(s, data, b, "owner_y")
        products = np.asarray(enc_int(s, a) * enc_int(s, b), dtype=object)
        exact = products.sum(axis=axis, keepdims=keepdims)
        n_terms = axis_count(shape, axis)
        got = (x * y).sum(axis=axis, keepdims=keepdims)
        scale = s.fixed_point.scale
        error = revealed_int(s, got.reveal()) * scale - np.asarray(exact, dtype=object)
        assert got.shape == np.shape(exact)
        assert np.all(np.abs(error) < max(n_terms, 1) * truncation_units(s) * scale)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), p=st.integers(0, 4))
@FAST
def test_fixed_power_within_bound(config, data, shape, p):
    """x ** p (|x| <= 100 so x^4 stays in the safe range) within the square-and-multiply bound."""
    a = data.draw(real_arrays(shape, st.floats(-100, 100)), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        X, tu = enc(s, a), truncation_units(s) * U  # tu: one truncation's error
        bound = {0: 0.0, 1: 0.0, 2: tu, 3: (np.abs(X) + 1) * tu, 4: (2 * X**2 + 1 + tu) * tu}[p]
        bound = bound + 1e-9 * np.maximum(1.0, np.abs(X) ** p)  # float64 reference rounding
        assert_fixed_within(x ** p, X**p, bound)
        assert_fixed_within(np.power(x, p), X**p, bound)


@schemes
@given(data=st.data(), shape=NONEMPTY_SHAPES, keepdims=st.booleans())
@FAST
def test_fixed_sum_exact_and_mean_within_bound(config, data, shape, keepdims):
    """sum is exact on the encodings; mean (pre-truncated sum times 2^e/count) below 3 truncations."""
    a = data.draw(real_arrays(shape), label="a")
    axis = data.draw(axes_for(len(shape)), label="axis")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ea = enc(s, a)
        total = ea.sum(axis=axis, keepdims=keepdims)
        assert_fixed_within(x.sum(axis=axis, keepdims=keepdims), total, 0.0)
        bound = 3 * truncation_units(s) * U + np.abs(total) * 2.0 ** (-2 * F) + 1e-12 * np.abs(total)
        expected = ea.mean(axis=axis, keepdims=keepdims)
        assert_fixed_within(x.mean(axis=axis, keepdims=keepdims), expected, bound)
        assert_fixed_within(np.mean(x, axis=axis, keepdims=keepdims), expected, bound)


# ==================================================== indexing and shapes
def shared_or_public(s, data, a, label):
    """Either a SharedArray of ``a`` (from a drawn owner) or ``a`` itself (public)."""
    return share(s, data, a, label) if data.draw(st.booleans(), label=f"{label} shared") else a


def kind_arrays(kind, shape):
    return int_arrays(shape) if kind == "int" else real_arrays(shape)


def expected_of(s, kind, a):
    return a if kind == "int" else enc(s, a)


def assert_exact(x, expected):
    """Exact comparison for either kind (fixed-point inputs compared on their encodings)."""
    expected = np.asarray(expected)
    got = x.reveal()
    assert x.dtype == expected.dtype == np.asarray(got).dtype
    assert x.shape == expected.shape == np.shape(got)
    np.testing.assert_array_equal(got, expected)


@schemes
@given(data=st.data(), shape=SHAPES, kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_getitem_basic_indices(config, data, shape, kind):
    """Basic indexing (ints incl. negative, slices with steps, Ellipsis, None) equals NumPy."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a)
        for _ in range(3):
            key = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="key")
            assert_exact(x[key], ref[key])


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_getitem_integer_arrays_and_masks(config, data, shape, kind):
    """Integer-array indices (one per axis, any result shape) and boolean masks equal NumPy."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a)
        key = data.draw(hnp.integer_array_indices(shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3)), label="ints")
        assert_exact(x[key], ref[key])
        mask = data.draw(hnp.arrays(np.bool_, shape), label="mask")
        assert_exact(x[mask], ref[mask])
        first = data.draw(hnp.arrays(np.bool_, shape[:1]), label="mask on axis 0")
        assert_exact(x[first], ref[first])
        rows = data.draw(hnp.arrays(np.intp, 3, elements=st.integers(-shape[0], shape[0] - 1)), label="rows")
        assert_exact(x[rows], ref[rows])
        assert_exact(x[list(rows)], ref[list(rows)])


@st.composite
def mixed_indices(draw, shape, unique=False):
    """Tuples mixing ints, slices and integer arrays (all arrays of one length) on each axis.

    ``unique`` makes every integer array hit distinct positions (for assignment, where
    NumPy leaves the winner among repeated positions unspecified).
    """
    length = draw(st.integers(1, min(3, min(shape)) if unique else 3))
    key = []
    for side in shape:
        kinds = ["slice", "int", "array"] if side > 0 else ["slice"]
        kind = draw(st.sampled_from(kinds))
        if kind == "slice":
            key.append(draw(st.slices(side)))
        elif kind == "int":
            key.append(draw(st.integers(-side, side - 1)))
        else:
            positions = hnp.arrays(np.intp, length, elements=st.integers(0, side - 1), unique=unique)
            key.append(draw(positions) - draw(st.sampled_from([0, side])))  # some negative
    return tuple(key)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=3, max_dims=3, max_side=4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_getitem_mixed_advanced_and_basic(config, data, shape, kind):
    """Ints, slices and integer arrays mixed on different axes (NumPy's advanced-index placement)."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a)
        key = data.draw(mixed_indices(shape), label="key")
        assert_exact(x[key], ref[key])


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_setitem_basic_indices(config, data, shape, kind):
    """x[key] = public scalar / public array / shared array: same result as NumPy assignment."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a).copy()
        for _ in range(3):
            key = data.draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True), label="key")
            target = ref[key].shape
            how = data.draw(st.sampled_from(["scalar", "public", "shared", "broadcast"]), label="value kind")
            if how == "scalar":
                v = data.draw(SMALL_INT if kind == "int" else REAL, label="v")
                value, v_ref = v, (v if kind == "int" else enc(s, v))
            else:
                v_shape = target[1:] if how == "broadcast" else target
                v = data.draw(kind_arrays(kind, v_shape), label="v")
                v_ref = expected_of(s, kind, v)
                value = share(s, data, v, "v owner") if how in ("shared", "broadcast") else v
            x[key] = value
            ref[key] = v_ref
            assert_exact(x, ref)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_setitem_integer_arrays_and_masks(config, data, shape, kind):
    """Assignment through integer arrays (distinct positions) and boolean masks equals NumPy."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a).copy()
        mask = data.draw(hnp.arrays(np.bool_, shape), label="mask")
        v = data.draw(kind_arrays(kind, (int(mask.sum()),)), label="v")
        x[mask] = share(s, data, v, "v owner")
        ref[mask] = expected_of(s, kind, v)
        assert_exact(x, ref)
        rows = data.draw(st.lists(st.integers(0, shape[0] - 1), min_size=1, max_size=shape[0], unique=True), label="rows")
        rows = np.array([r - shape[0] if i % 2 else r for i, r in enumerate(rows)])  # some negative
        w = data.draw(kind_arrays(kind, (len(rows),) + shape[1:]), label="w")
        x[rows] = w  # public values
        ref[rows] = expected_of(s, kind, w)
        assert_exact(x, ref)


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=3, max_dims=3, max_side=4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_setitem_mixed_advanced_and_basic(config, data, shape, kind):
    """Assignment through keys mixing ints, slices and integer arrays equals NumPy."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a).copy()
        key = data.draw(mixed_indices(shape, unique=True), label="key")
        target = ref[key].shape
        v = data.draw(kind_arrays(kind, target), label="v")
        x[key] = share(s, data, v, "v owner")
        ref[key] = expected_of(s, kind, v)
        assert_exact(x, ref)


@schemes
@given(data=st.data(), shape=SHAPES, kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_transpose_matches_numpy(config, data, shape, kind):
    """x.T, x.transpose(), with axes as a tuple, as varargs and negative, and np.transpose."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    perm = tuple(data.draw(st.permutations(range(len(shape))), label="perm"))
    negative = tuple(p - len(shape) for p in perm)
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a)
        assert_exact(x.T, ref.T)
        assert_exact(x.transpose(), ref.transpose())
        assert_exact(x.transpose(perm), ref.transpose(perm))
        assert_exact(x.transpose(*perm), ref.transpose(*perm))
        assert_exact(x.transpose(negative), ref.transpose(negative))
        assert_exact(np.transpose(x, perm), np.transpose(ref, perm))
        assert_exact(np.transpose(x), np.transpose(ref))


@st.composite
def reshape_targets(draw, size):
    """A shape with ``size`` elements, possibly with one -1 (never ambiguous: size > 0)."""
    if size == 0:
        dims = draw(st.lists(st.integers(0, 3), min_size=1, max_size=3))
        return tuple(dims) if 0 in dims else tuple(dims) + (0,)
    if size == 1 and draw(st.booleans()):
        return ()
    dims, rest = [], size
    for _ in range(draw(st.integers(0, 2))):
        d = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
        dims.append(d)
        rest //= d
    dims.append(rest)
    if draw(st.booleans()):
        dims[draw(st.integers(0, len(dims) - 1))] = -1
    return tuple(dims)


@schemes
@given(data=st.data(), shape=SHAPES, kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_reshape_and_ravel_match_numpy(config, data, shape, kind):
    """reshape (tuple, varargs, -1, np.reshape) and ravel, also after a transpose."""
    a = data.draw(kind_arrays(kind, shape), label="a")
    target = data.draw(reshape_targets(a.size), label="target")
    with new_session(config, data) as s:
        x = share(s, data, a)
        ref = expected_of(s, kind, a)
        assert_exact(x.reshape(target), ref.reshape(target))
        if target:
            assert_exact(x.reshape(*target), ref.reshape(*target))
        assert_exact(np.reshape(x, target), np.reshape(ref, target))
        assert_exact(x.ravel(), ref.ravel())
        assert_exact(np.ravel(x), np.ravel(ref))
        assert_exact(x.T.reshape(target), ref.T.reshape(target))
        assert_exact(x.T.ravel(), ref.T.ravel())


@st.composite
def concat_case(draw):
    """Shapes that concatenate along ``axis`` (int, negative, or None)."""
    ndim = draw(st.integers(1, 3))
    base = list(draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=3)))
    axis = draw(st.one_of(st.none(), st.integers(-ndim, ndim - 1)))
    count = draw(st.integers(1, 4))
    shapes = []
    for _ in range(count):
        shape = list(base)
        if axis is not None:
            shape[axis] = draw(st.integers(0, 3))
        shapes.append(tuple(shape) if axis is not None else draw(hnp.array_shapes(min_dims=0, max_dims=3, max_side=3)))
    return shapes, axis


@schemes
@given(data=st.data(), case=concat_case())
@FAST
def test_concatenate_mixed_shared_public(config, data, case):
    """np.concatenate of shared and public operands of one kind, any axis (incl. None, negative)."""
    shapes, axis = case
    kind = data.draw(st.sampled_from(["int", "fixed"]), label="kind")
    arrays = [data.draw(kind_arrays(kind, sh), label=f"a{i}") for i, sh in enumerate(shapes)]
    with new_session(config, data) as s:
        operands = [shared_or_public(s, data, a, f"a{i}") for i, a in enumerate(arrays)]
        if not any(isinstance(o, mpc.SharedArray) for o in operands):
            operands[0] = share(s, data, arrays[0], "forced")
        expected = np.concatenate([expected_of(s, kind, a) for a in arrays], axis=axis)
        assert_exact(np.concatenate(operands, axis=axis), expected)
        assert_exact(np.concatenate(tuple(operands), axis=axis), expected)


@schemes
@given(data=st.data(), shape=SHAPES, count=st.integers(1, 4), kind=st.sampled_from(["int", "fixed"]))
@FAST
def test_stack_hstack_vstack_mixed_shared_public(config, data, shape, count, kind):
    """np.stack (every axis incl. negative), np.hstack and np.vstack of shared and public operands."""
    arrays = [data.draw(kind_arrays(kind, shape), label=f"a{i}") for i in range(count)]
    axis = data.draw(st.integers(-len(shape) - 1, len(shape)), label="axis")
    with new_session(config, data) as s:
        operands = [shared_or_public(s, data, a, f"a{i}") for i, a in enumerate(arrays)]
        if not any(isinstance(o, mpc.SharedArray) for o in operands):
            operands[-1] = share(s, data, arrays[-1], "forced")
        refs = [expected_of(s, kind, a) for a in arrays]
        assert_exact(np.stack(operands, axis=axis), np.stack(refs, axis=axis))
        assert_exact(np.vstack(operands), np.vstack(refs))
        if len(shape) > 0:  # NumPy's hstack of 0-d arrays goes through atleast_1d
            assert_exact(np.hstack(operands), np.hstack(refs))


# ============================================================ mixed kinds
# The promotion table of mpcarray.array.promotion, per operand kind:
#   si = shared int, sf = shared fixed, pi = public int, pf = public float, pb = public bool.
# The result is fixed point (float64) iff an operand is fixed point or a public float.
KINDS = ["si", "sf", "pi", "pf", "pb"]
PAIRS = [(l, r) for l in KINDS for r in KINDS if l[0] == "s" or r[0] == "s"]


def draw_operand(s, data, kind, shape, label):
    """(operand, exact reference value as the library encodes it, raw value)."""
    if kind == "si":
        a = data.draw(int_arrays(shape, st.integers(-1000, 1000)), label=label)
        return share(s, data, a, f"{label} owner"), a, a
    if kind == "sf":
        a = data.draw(real_arrays(shape), label=label)
        return share(s, data, a, f"{label} owner"), enc(s, a), a
    if kind == "pi":
        a = data.draw(int_arrays(shape, st.integers(-1000, 1000)), label=label)
        return a, a, a
    if kind == "pf":
        a = data.draw(real_arrays(shape, PUBLIC_REAL), label=label)
        return a, enc(s, a), a
    a = data.draw(hnp.arrays(np.bool_, shape), label=label)
    return a, a.astype(np.int64), a


@pytest.mark.parametrize("left, right", PAIRS, ids=[f"{l}-{r}" for l, r in PAIRS])
@schemes
@given(data=st.data(), shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=2, max_side=3))
@MEDIUM
def test_mixed_kinds_follow_promotion_table(config, left, right, data, shapes):
    """+, -, * between every pair of kinds: dtype per the promotion table, values per the error model."""
    with new_session(config, data) as s:
        (x, xe, xr), (y, ye, yr) = (draw_operand(s, data, k, sh, lab) for k, sh, lab in
                                    zip((left, right), shapes.input_shapes, ("left", "right")))
        fixed = "sf" in (left, right) or "pf" in (left, right)
        dtype = np.float64 if fixed else np.int64
        for sym, op in OPS.items():
            result = op(x, y)
            assert isinstance(result, mpc.SharedArray)
            assert result.dtype == dtype, f"{left} {sym} {right}"
            got = result.reveal()
            assert np.asarray(got).dtype == dtype, f"{left} {sym} {right} revealed as {np.asarray(got).dtype}"
            assert result.shape == np.shape(got) == shapes.result_shape
            if sym != "*":
                expected = op(xe, ye)  # additive operations are exact on the encodings
                bound = 0.0
            elif {left, right} == {"sf"}:
                expected, bound = xe * ye, truncation_units(s) * U  # one truncation
            elif "pf" in (left, right):  # public real factor: raw value, mul_public_real bound
                shared_value, public = (xe, yr) if right == "pf" else (ye, xr)
                expected, bound = shared_value * public, public_real_bound(s, np.abs(shared_value), public)
            else:
                expected, bound = op(xe, ye), 0.0  # products with an integer operand are exact
            error = np.abs(np.asarray(got, dtype=np.float64) - expected)
            strict = {left, right} == {"sf"} and sym == "*"
            ok = error < bound if strict else error <= bound
            assert np.all(ok), f"{left} {sym} {right}: error {error} > bound {bound}"


MATMUL_PAIRS = [("si", "sf"), ("sf", "si"), ("si", "pf"), ("pf", "si"), ("sf", "pi"), ("pi", "sf"),
                ("si", "pi"), ("pi", "si"), ("sf", "pf"), ("pf", "sf"), ("si", "si"), ("sf", "sf")]


@pytest.mark.parametrize("left, right", MATMUL_PAIRS, ids=[f"{l}@{r}" for l, r in MATMUL_PAIRS])
@schemes
@given(data=st.data(), shapes=matmul_shapes(max_side=3))
@FEW
def test_mixed_kinds_matmul_follow_promotion_table(config, left, right, data, shapes):
    """@ between kinds: float64 iff a fixed-point or public-float operand; values within the bound."""
    with new_session(config, data) as s:
        (x, xe, xr), (y, ye, yr) = (draw_operand(s, data, k, sh, lab) for k, sh, lab in
                                    zip((left, right), shapes, ("left", "right")))
        fixed = "sf" in (left, right) or "pf" in (left, right)
        dtype = np.float64 if fixed else np.int64
        result = x @ y
        assert result.dtype == dtype, f"{left} @ {right}: dtype {result.dtype}, expected {np.dtype(dtype)}"
        got = result.reveal()
        assert np.asarray(got).dtype == dtype
        if "pf" in (left, right):  # public real matrix: raw values, 2f significant bits
            shared_e, public = (xe, yr) if right == "pf" else (ye, xr)
            expected = xe @ yr if right == "pf" else xr @ ye
            ones = np.ones_like(public, dtype=np.float64)
            spread = np.abs(shared_e) @ ones if right == "pf" else ones @ np.abs(shared_e)
            bound = spread * representation_error(public) + 2 * truncation_units(s) * U
        else:
            expected = xe @ ye
            bound = truncation_units(s) * U if (left, right) == ("sf", "sf") else 0.0  # one truncation iff both fixed
        error = np.abs(np.asarray(got, dtype=np.float64) - expected)
        assert np.all(error <= bound + 1e-9 * (1 + np.abs(expected))), f"{left} @ {right}: {error} > {bound}"


@schemes
@given(data=st.data(), shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=3))
@MEDIUM
def test_mixed_kinds_joins_division_mean_astype(config, data, shape):
    """concatenate/stack promote to fixed iff a fixed or public-float part; / and mean give fixed."""
    with new_session(config, data) as s:
        xi, ai, _ = draw_operand(s, data, "si", shape, "si")
        xf, af, _ = draw_operand(s, data, "sf", shape, "sf")
        _, pi, _ = draw_operand(s, data, "pi", shape, "pi")
        _, pf, pf_raw = draw_operand(s, data, "pf", shape, "pf")
        cases = [
            (np.concatenate([xi, xf]), np.concatenate([ai.astype(float), af])),
            (np.concatenate([xi, pi]), np.concatenate([ai, pi])),
            (np.concatenate([xi, pf_raw]), np.concatenate([ai.astype(float), pf])),
            (np.concatenate([pi, xf]), np.concatenate([pi.astype(float), af])),
            (np.stack([xf, xi]), np.stack([af, ai.astype(float)])),
            (np.stack([xi, xi]), np.stack([ai, ai])),
            (xi.astype(float), ai.astype(float)),
            (xi.astype(np.int64), ai),
            (xi / 1, ai / 1),
            (xi / 4, ai / 4),
            (xi * 0.5, ai * 0.5),
        ]
        for result, expected in cases:
            assert_exact(result, expected)
        assert_fixed_within(xi.mean(), ai.mean(), public_real_bound(s, np.abs(ai.sum()), 1.0 / ai.size))
        assert_fixed_within(xi / 3, ai / 3, public_real_bound(s, np.abs(ai), 1.0 / 3))
        # int values assigned into fixed arrays are lifted; the reverse is refused
        target = xf.copy()
        target[...] = xi
        assert_exact(target, ai.astype(float))
        with pytest.raises(mpc.UnsupportedOperationError):
            xi[...] = xf


# ================================================================ 0-d data
@schemes
@given(data=st.data(), i=SMALL_INT, r=REAL)
@FEW
def test_share_zero_dimensional_data(config, data, i, r):
    """Scalars (Python, NumPy and 0-d arrays) can be shared and computed with, like NumPy 0-d arrays."""
    with new_session(config, data) as s:
        owner = data.draw(st.integers(0, s.n_parties - 1), label="owner")
        for value in (i, np.int64(i), np.array(i)):
            x = s.share(value, owner=owner)
            assert x.shape == () and x.ndim == 0 and x.size == 1
            assert_exact_int(x, np.array(i))
            assert_exact_int(x * x + 3, np.array(i * i + 3))
        for value in (r, np.float64(r), np.array(r)):
            x = s.share(value, owner=owner)
            assert x.shape == ()
            assert_fixed_within(x, np.array(enc(s, r)), 0.0)
            assert_fixed_within(x * 2.5, np.array(enc(s, r) * 2.5), public_real_bound(s, abs(enc(s, r)), 2.5))
