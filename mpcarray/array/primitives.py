"""The primitives :mod:`mpcarray.functions` builds nonlinear functions from.

Each is a thin wrapper over one protocol (or one fixed chain of binary
protocols) that takes and returns SharedArrays, so the functions layer never
sees share rows. Tables are public: ``tables[r][i]`` is the integer row
``r`` assigns to bit position ``i`` (0 = least significant), applied as a signed
64-bit integer.

Lineage (:mod:`mpcarray.array.lineage`): a primitive elementwise in one shared
input gives its results that input's record counts (a product those of both
factors); a shared constant is public (count 0). The functions built on them
stamp their own results (``lineage.stamped``).
"""

from collections.abc import Callable

import numpy as np

from .. import protocols
from ..errors import UnsupportedOperationError
from ..protocols.concurrent import run_concurrently
from . import lineage
from .promotion import INT, is_integer, public_array
from .shared_array import SharedArray, _encode_public, _known_by, _runtime_of


def sign_bits(x: SharedArray, *, negative: bool = True, zero: bool = False) -> list[SharedArray]:
    """Shared 0/1 integers ``[x < 0]`` and/or ``[x == 0]`` (in that order), one protocol.

    Cost: :func:`sign_rounds` rounds whatever the size, 5 in additive sessions,
    8 in Shamir sessions (:func:`mpcarray.protocols.sign_bits`).
    """
    rt = _runtime_of(_ordered(x))
    rows = protocols.sign_bits(rt, x._shares, negative=negative, zero=zero)
    bits = [x._new(r, INT, x._known_by) for r in rows]
    for bit in bits:
        bit._bool = True
        bit._lineage = lineage.of_kind(x._lineage, "indicator")
    return bits


def sign_rounds(x: SharedArray) -> int:
    """Rounds of one :func:`sign_bits` call in ``x``'s session (5 additive, 8 Shamir), for round budgets."""
    return protocols.sign_rounds(_runtime_of(x))


def bit_tables(x: SharedArray, tables) -> list[SharedArray]:
    """Shared integers ``sum_i tables[r][i] * bit_i(x)`` for each table ``r``.

    Cost: 5 rounds in additive sessions, 8 in Shamir sessions (:func:`mpcarray.protocols.bit_tables`).
    """
    return _integer_rows(x, protocols.bit_tables(_runtime_of(_ordered(x)), x._shares, tables))


def leading_one_tables(x: SharedArray, tables) -> list[SharedArray]:
    """Shared integers ``tables[r][p]`` for positive ``x`` whose leading one is bit ``p``.

    Cost: 8 rounds in additive sessions (5 for at most 256 elements), 14 in Shamir sessions
    (:func:`mpcarray.protocols.leading_one_tables`).
    """
    return _integer_rows(x, protocols.leading_one_tables(_runtime_of(_ordered(x)), x._shares, tables))


def truncate(x: SharedArray, bits: int, frac: int) -> SharedArray:
    """``x / 2^bits`` (stochastic rounding, error below one unit) with ``frac`` fractional bits.

    Cost: 1 round (:func:`mpcarray.protocols.truncate`).
    """
    return _same_records(x._new(protocols.truncate(_runtime_of(x), x._shares, bits), frac, x._known_by), x)


def at_session_bits(x: SharedArray) -> SharedArray:
    """``x`` truncated to its session's ``f`` fractional bits if it has more (1 round), else ``x``."""
    f = x.fixed_point.frac_bits
    return truncate(x, x.frac_bits - f, f) if x.frac_bits > f else x


def reveal_truncated(x: SharedArray, shifts, label: str | None = None) -> np.ndarray:
    """``truncate(x, shift, x.frac_bits - shift).reveal(label)`` as float64, with a shift per element
    (or one for all; 0 reveals an element as it is), in one round instead of two.

    The parties' policies see the request of ``x.reveal(label)``.
    Cost: 1 round (:func:`mpcarray.protocols.open_truncated`).
    Reveals: ``x / 2^shift`` as a truncation rounds it (the transcript holds ``x`` blurred by a
    uniform ``u`` in ``[0, 2^shift)``, see :func:`~mpcarray.protocols.open_truncated`).
    """
    shifts = np.asarray(shifts, dtype=np.int64)
    if shifts.size and (shifts.min() < 0 or shifts.max() > 62):
        raise ValueError(f"truncation shifts must be in [0, 62], got {shifts.min()} to {shifts.max()}")
    return x._reveal_truncated(shifts, label)


def reveal_dot(x: SharedArray, c, label: str | None = None) -> float:
    """``float((x @ c).reveal(label))`` for a shared vector ``x`` and public reals ``c``, in one round:
    the product's truncations (:func:`mpcarray.protocols.public_real_terms`) are opened as the reveal
    (:func:`mpcarray.protocols.open_truncated`), and their results added in public.

    The parties' policies see the request of ``(x @ c).reveal(label)``.
    Cost: 1 round. Reveals: ``x @ c``, rounded as :meth:`SharedArray.__matmul__` rounds it.
    """
    rt = _runtime_of(x)
    c = np.asarray(c, dtype=np.float64)
    if x.ndim != 1 or c.shape != x.shape:
        raise ValueError(f"reveal_dot needs a vector and public reals of its length, got {x.shape} and {c.shape}")
    # the reveal's shape and records, with no round: the records follow the nonzero factors
    handle = x @ (c != 0).astype(np.int64)
    k, f = len(rt.ranks), rt.fixed.frac_bits
    exact, cut = protocols.public_real_terms(rt, x._shares.reshape(k, 1, -1), x._frac, c.reshape(-1, 1), f,
                                             lambda shares, matrix: protocols.matmul_public(rt, shares, matrix))
    parts = [(z, 0) for z in exact] + cut
    handle._authorise(label)
    opened = protocols.open_truncated(rt, np.concatenate([z.reshape(k, 1) for z, _ in parts], axis=1),
                                      np.array([shift for _, shift in parts]))
    protocols.exchange_heads(rt)
    return float(rt.number.decode_int(opened).astype(np.float64).sum()) / 2.0**f


def multiply_and_truncate(products, truncations) -> tuple[list[SharedArray], list[SharedArray]]:
    """Independent products and truncations in one round.

    ``products`` are ``(x, y, shift)`` of equal shapes: ``x * y`` exactly
    (``shift`` 0) with ``x.frac_bits + y.frac_bits`` fractional bits, or, where
    :func:`fused_truncation` holds, truncated by ``shift`` bits (``shift`` fewer).
    ``truncations`` are ``(z, shift)``: ``z / 2^shift`` as :func:`truncate`,
    with ``shift`` fewer fractional bits than ``z``. The caller keeps every
    value in the truncation range (``|z| < 2^62`` at its own scale).
    Cost: 1 round (:func:`mpcarray.protocols.mul_and_truncate`).
    """
    arrays = [a for x, y, _ in products for a in (x, y)] + [z for z, _ in truncations]
    if not arrays:
        return [], []
    rt = _runtime_of(*arrays)
    for x, y, _ in products:
        if x.shape != y.shape:
            raise ValueError(f"multiply_and_truncate needs equal shapes, got {x.shape} and {y.shape}")
    made, cut = protocols.mul_and_truncate(rt, [(x._shares, y._shares, s) for x, y, s in products],
                                           [(z._shares, s) for z, s in truncations])
    made = [x._new(r, x._frac + y._frac - s, _known_by(x, y)) for (x, y, s), r in zip(products, made)]
    for product, (x, y, _) in zip(made, products):
        product._lineage = lineage.safely(lineage.elementwise, product.shape, x, y)
    return made, [_same_records(z._new(r, z._frac - s, z._known_by), z) for (z, s), r in zip(truncations, cut)]


def truncated_products(products) -> list[SharedArray]:
    """``x * y / 2^shift`` for each ``(x, y, shift)`` (equal shapes, independent), with
    ``x.frac_bits + y.frac_bits - shift`` fractional bits, in the fewest rounds.

    Cost: 1 round where :func:`fused_truncation` holds (Shamir sessions), else 2: the
    exact products, then their truncations, each batch in one round.
    """
    if not products:
        return []
    if fused_truncation(products[0][0]):
        return multiply_and_truncate(products, [])[0]
    exact, _ = multiply_and_truncate([(x, y, 0) for x, y, _ in products], [])
    return multiply_and_truncate([], [(z, shift) for z, (_, _, shift) in zip(exact, products)])[1]


def truncated_square(p: SharedArray, frac: int, lo: int, cols: int, factor: int, diagonal: int) -> SharedArray:
    """``(T[:, lo:lo+m] + diagonal I) @ (factor T[:, :cols])`` for ``T``, the ``(m, w)`` matrix ``p``
    truncated to ``frac`` fractional bits (as :func:`truncate` rounds), with ``2 frac`` fractional bits.

    The product is exact: only the truncation rounds. ``factor`` and ``diagonal`` are
    public integers; ``p`` has between ``frac + 1`` and ``frac + 32`` fractional bits and
    ``|p| < 2^62`` at its own scale. Additive sessions only (where
    :func:`fused_truncation` does not hold: there a truncated product already costs 1 round).
    Cost: 1 round (:func:`mpcarray.protocols.truncated_square`), where a truncation and a
    product take 2.
    """
    m = p.shape[0]
    if p.ndim != 2 or lo < 0 or lo + m > p.shape[1] or not 1 <= cols <= p.shape[1]:
        raise ValueError(f"truncated_square needs an (m, w) matrix with m columns from {lo} and "
                         f"1 <= cols <= w, got shape {p.shape} and cols {cols}")
    rt = _runtime_of(p)
    shares = protocols.truncated_square(rt, p._shares, p._frac - frac, lo, cols, factor, diagonal << frac)
    result = p._new(shares, 2 * frac, p._known_by)
    result._lineage = lineage.safely(lineage.matmul, p[:, lo:lo + m], p[:, :cols], result.shape)
    return result


def truncated_pairs(p: SharedArray, frac: int, pairs) -> tuple[SharedArray, SharedArray]:
    """``(products, T)`` for ``T``, the stack ``p`` (rows ``p[0], p[1], ...``) truncated to ``frac``
    fractional bits (as :func:`truncate` rounds), and ``products[i] = T[a] * T[b]`` entry by entry for
    the ``i``-th ``(a, b)`` of ``pairs``, exact, with ``2 frac`` fractional bits.

    ``p`` has between ``frac + 1`` and ``frac + 32`` fractional bits and ``|p| < 2^62`` at its own
    scale. Additive sessions only (:func:`truncated_square_applies`).
    Cost: 1 round (:func:`mpcarray.protocols.truncated_pairs`), where a truncation and a product take 2.
    """
    rows = p.shape[0]
    if p.ndim < 1 or not pairs or not all(0 <= i < rows for pair in pairs for i in pair):
        raise ValueError(f"truncated_pairs needs pairs of rows of the stack (0 to {rows - 1}), got {pairs}")
    rt = _runtime_of(p)
    flat = p._shares.reshape(p._shares.shape[:2] + (-1,))
    products, truncated = protocols.truncated_pairs(rt, flat, p._frac - frac, [tuple(pair) for pair in pairs])
    result = p._new(products.reshape(products.shape[:2] + p.shape[1:]), 2 * frac, p._known_by)
    result._lineage = lineage.safely(lineage.elementwise, result.shape, p)
    return result, _same_records(p._new(truncated.reshape(p._shares.shape), frac, p._known_by), p)


def truncated_product(m: SharedArray, p: SharedArray, frac: int) -> tuple[SharedArray, SharedArray]:
    """``(m @ T, T)`` for ``T``, the matrix ``p`` truncated to ``frac`` fractional bits (as
    :func:`truncate` rounds), and another shared matrix ``m``: ``m @ T`` exact, with
    ``m.frac_bits + frac`` fractional bits.

    ``p`` has between ``frac + 1`` and ``frac + 62`` fractional bits and ``|p| < 2^62`` at its
    own scale (in Shamir sessions below the truncation bound). Both schemes: the dealer's
    products of masks in additive sessions, a degree reduction in the truncation's opening
    in Shamir sessions.
    Cost: 1 round (:func:`mpcarray.protocols.truncated_product`), where a truncation and a
    product take 2.
    """
    if m.ndim != 2 or p.ndim != 2 or m.shape[1] != p.shape[0]:
        raise ValueError(f"truncated_product needs matrices (a, m) and (m, w), got {m.shape} and {p.shape}")
    rt = _runtime_of(m, p)
    product, truncated = protocols.truncated_product(rt, m._shares, p._shares, p._frac - frac)
    result = p._new(product, m._frac + frac, _known_by(m, p))
    result._lineage = lineage.safely(lineage.matmul, m, p, result.shape)
    return result, _same_records(p._new(truncated, frac, p._known_by), p)


def truncated_scaling(m: SharedArray, v: SharedArray, frac: int) -> tuple[SharedArray, SharedArray]:
    """``(m * T, T)`` for ``T``, the vector ``v`` truncated to ``frac`` fractional bits (as
    :func:`truncate` rounds), and a shared matrix ``m`` whose column ``j`` is multiplied by ``T_j``:
    ``m * T`` exact, with ``m.frac_bits + frac`` fractional bits. ``v`` as :func:`truncated_product`'s ``p``.
    Cost: 1 round (:func:`mpcarray.protocols.truncated_scaling`), where a truncation and a product take 2.
    """
    if m.ndim != 2 or v.ndim != 1 or m.shape[1] != v.shape[0]:
        raise ValueError(f"truncated_scaling needs a matrix (a, w) and a vector (w,), got {m.shape} and {v.shape}")
    rt = _runtime_of(m, v)
    product, truncated = protocols.truncated_scaling(rt, m._shares, v._shares, v._frac - frac)
    result = v._new(product, m._frac + frac, _known_by(m, v))
    result._lineage = lineage.safely(lineage.elementwise, result.shape, m, v)
    return result, _same_records(v._new(truncated, frac, v._known_by), v)


def truncated_square_applies(x: SharedArray, shift: int) -> bool:
    """Whether :func:`truncated_square` can truncate by ``shift`` bits in ``x``'s session: an
    additive session (the dealer's products of masks) and ``1 <= shift <= 32``."""
    return not fused_truncation(x) and 1 <= shift <= protocols.TRUNCATED_SQUARE_MAX_SHIFT


def is_small_zero(x: SharedArray, bits: int) -> SharedArray:
    """Shared 0/1 integers ``[x == 0]`` for shared integers ``x`` known to lie in ``[0, 2^bits)``.

    Cost: 1 round in additive sessions with ``bits <= 16`` (:func:`mpcarray.protocols.is_zero`,
    a one-hot mask from the dealer), where a comparison takes 5; otherwise ``x == 0``
    (:func:`sign_rounds`). Outside ``[0, 2^bits)`` the result is ``[x mod 2^bits == 0]``.
    """
    if x.frac_bits != INT:
        raise ValueError(f"is_small_zero needs shared integers, got {x.frac_bits} fractional bits")
    if fused_truncation(x) or bits > protocols.ZERO_TEST_MAX_BITS:
        return x == 0
    rt = _runtime_of(_ordered(x))
    bit = x._new(protocols.is_zero(rt, x._shares, bits), INT, x._known_by)
    bit._bool = True
    bit._lineage = lineage.of_kind(x._lineage, "indicator")
    return bit


def fused_truncation(x: SharedArray) -> bool:
    """Whether a product truncated by a shift costs one round in ``x``'s session (Shamir sessions), so
    that :func:`multiply_and_truncate` takes products with a shift."""
    return bool(_runtime_of(x).shamir)


def relabel(x: SharedArray, frac: int) -> SharedArray:
    """The same ring elements read with ``frac`` fractional bits (``0``: integers). Local."""
    return _same_records(x._new(x._shares, frac, x._known_by), x)


def shared_constant(like: SharedArray, values) -> SharedArray:
    """Public ``values`` as a SharedArray of ``like``'s session (integers stay integers). Local."""
    rt = _runtime_of(like)
    values = public_array(values)
    frac = INT if is_integer(values) else rt.fixed.frac_bits
    result = SharedArray(rt, protocols.public_shares(rt, _encode_public(rt, values, frac)), frac)
    result._lineage = lineage.public(result.shape)
    return result


def concurrently(like: SharedArray, *functions: Callable[[], object]) -> list:
    """Run independent computations of ``like``'s session with their openings in shared rounds.

    The results of the zero-argument ``functions``, in order; the rounds are those of the
    longest (:mod:`mpcarray.protocols.concurrent`).
    """
    return run_concurrently(_runtime_of(like), functions)


def sum_of_private_draws(like: SharedArray, draw: Callable[[np.random.Generator], np.ndarray]) -> SharedArray:
    """The sum over parties of ``draw(rng)``, each party drawing from its own private generator.

    ``draw`` returns an array of ``like``'s shape: integers give an integer
    SharedArray, floats a fixed-point one. Each party's draw is its share,
    re-randomised by a zero sharing, so no party learns another's draw.
    Cost: no communication (:func:`mpcarray.protocols.zero_sharing`).
    """
    rt = _runtime_of(like)
    draws = [public_array(draw(rt.input_rng)) for _ in rt.ranks]
    frac = INT if is_integer(draws[0]) else rt.fixed.frac_bits
    rows = np.stack([_encode_public(rt, d, frac) for d in draws])
    return SharedArray(rt, rows + protocols.zero_sharing(rt, like.shape), frac)


def _ordered(x: SharedArray) -> SharedArray:
    """``x``, refused if it holds field elements, which have no order and no bits to test."""
    if x.field is not None:
        raise UnsupportedOperationError(f"elements of {x.field.name} have no order: comparisons and "
                                        "bit lookups need shared integers or reals")
    return x


def _integer_rows(x: SharedArray, rows: np.ndarray) -> list[SharedArray]:
    """Flat rows ``(R, k, N)`` of the session's number domain as integer SharedArrays of ``x``'s shape."""
    return [_same_records(x._new(r.reshape(x._shares.shape), INT, x._known_by), x) for r in rows]


def _same_records(result: SharedArray, x: SharedArray) -> SharedArray:
    """``result``, an elementwise function of ``x``, with ``x``'s counts (a new value: no kind)."""
    result._lineage = lineage.of_kind(x._lineage, None)
    return result
