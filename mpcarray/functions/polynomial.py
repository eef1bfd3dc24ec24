"""Chebyshev approximations evaluated on SharedArrays in ``|x| <= 1``.

The powers of ``x`` are scheduled over rounds of independent exact products
and truncations (:func:`~mpcarray.array.primitives.multiply_and_truncate`):
an item ``(k, a)`` is ``x^k`` with ``a f`` fractional bits. Since ``|x| <= 1``
an exact product of items ``(k1, a1)`` and ``(k2, a2)`` is below
``2^((a1 + a2) f)``, safe while ``(a1 + a2) f < 62``, so a power need not be
truncated before it is multiplied again, and the weighted sum takes items of
any scale with enough headroom for its weights. Truncations drop to ``a = 1``.
Where a truncated product costs one round (Shamir sessions) it is an item too.
"""

from functools import cache
from itertools import combinations_with_replacement
from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.primitives import fused_truncation, multiply_and_truncate, relabel, truncated_scaling
from ..domains.fixed_point import TRUNCATION_BITS

#: Extra fractional bits, beyond ``f``, of the weight of a term of scale above ``f``.
_WEIGHT_BITS = 4


@cache
def chebyshev_coefficients(function, domain: tuple, f: int) -> tuple:
    """Power-basis coefficients of the lowest-degree Chebyshev interpolant accurate to ``2^-(f+3)``."""
    grid = np.linspace(domain[0], domain[1], 4001)
    for degree in range(2, 30):
        fit = np.polynomial.Chebyshev.interpolate(function, degree, domain=domain)
        if np.max(np.abs(fit(grid) - function(grid))) < 2.0 ** -(f + 3):
            return tuple(fit.convert(kind=np.polynomial.Polynomial, domain=domain, window=domain).coef)
    raise RuntimeError(f"no polynomial approximation of {function} on {domain} for f={f}")


@cache
def power_schedule(degree: int, f: int, top: int, fused: bool) -> tuple[tuple, tuple]:
    """``(rounds, terms)``: the operations of each round and the item ``(k, a)`` summed for each ``x^k``.

    An operation is ``(item, left, right, shift)`` (a product, ``right`` None for a
    truncation of ``left`` by ``shift``). Items come in the earliest round they can;
    a term of scale ``a f > f`` leaves ``f + 4`` bits of weight below ``2^top``,
    the sum's scale. Rounds: the least possible for these operations.
    """
    limit = (TRUNCATION_BITS - 1) // f
    ready: dict[tuple, tuple] = {(1, 1): (0, None)}

    def best(k):
        usable = [(ready[k, a][0], -a) for a in range(1, limit + 1)
                  if (k, a) in ready and (a == 1 or (a + 1) * f + _WEIGHT_BITS <= top)]
        return (k, -min(usable)[1]) if usable else None

    level = 0
    while any(best(k) is None for k in range(1, degree + 1)):
        level += 1
        have = sorted(item for item, (at, _) in ready.items() if at < level)
        found: dict[tuple, tuple] = {}
        for (k1, a1), (k2, a2) in combinations_with_replacement(have, 2):
            if k1 + k2 <= degree and a1 + a2 <= limit:
                found.setdefault((k1 + k2, a1 + a2), ((k1, a1), (k2, a2), 0))
                if fused:
                    found.setdefault((k1 + k2, 1), ((k1, a1), (k2, a2), (a1 + a2 - 1) * f))
        for k, a in have:
            if a > 1:
                found.setdefault((k, 1), ((k, a), None, (a - 1) * f))
        for item, recipe in found.items():
            ready.setdefault(item, (level, recipe))
    terms = tuple(best(k) for k in range(1, degree + 1))
    needed, stack = set(), [t for t in terms]
    while stack:
        item = stack.pop()
        if item not in needed and ready[item][1] is not None:
            needed.add(item)
            stack.extend(i for i in ready[item][1][:2] if i is not None)
    rounds = tuple(tuple((item,) + ready[item][1] for item in sorted(needed) if ready[item][0] == r)
                   for r in range(1, level + 1))
    return rounds, terms


def polynomial_and_product(x: SharedArray, coefficients, factors=(), frac: int | None = None,
                           ) -> tuple[SharedArray, SharedArray | None]:
    """``sum_i c_i x^i`` for fixed-point ``|x| <= 1``, and the exact product of ``factors`` (of one
    shape, which may differ from ``x``'s), computed in the same rounds as the powers of ``x``
    (``None`` without factors).

    The result has ``frac`` fractional bits (default ``x``'s): a caller that goes on
    scaling it keeps a few more bits than it returns and rounds once at the end.
    Cost: :func:`polynomials_and_product`'s, 5 rounds for degree 5 or 6 at ``f = 16``
    in additive sessions, 4 in Shamir sessions.
    """
    (result,), product = polynomials_and_product(x, [coefficients], factors, frac)
    return result, product


def polynomials_and_product(x: SharedArray, coefficient_sets, factors=(), frac: int | None = None,
                            ) -> tuple[list[SharedArray], SharedArray | None]:
    """One polynomial in ``x`` per coefficient set, from one set of powers, and the exact
    product of ``factors``, as :func:`polynomial_and_product`.

    Steps: the rounds of :func:`power_schedule` for the highest degree, each one
    :func:`~mpcarray.array.primitives.multiply_and_truncate` that also takes
    one level of the factors' product tree; per set, the terms weighted by the integers
    ``round(c_i 2^(s - a_i f))`` (``2^s`` the sums' scale, as large as the largest
    ``sum |c_i|`` allows) and summed with the part of ``c_0`` below ``2^-frac``
    (so that ``c_0`` is not rounded on its own); one round truncating every sum by
    ``2^(s - frac)``; the rest of each ``c_0``, exactly.
    Cost: the schedule's rounds (or the tree's levels, if more) ``+ 1``, whatever the
    number of sets.
    """
    values, terms, top, product = _powers(x, coefficient_sets, factors)
    frac = x.frac_bits if frac is None else frac
    sums, wholes = _weighted_sums(values, terms, coefficient_sets, x.frac_bits, frac, top)
    _, rounded = multiply_and_truncate([], sums)
    results = [relabel(relabel(value, 0) + whole, frac) for value, whole in zip(rounded, wholes)]
    return results, product


def scaled_polynomials(x: SharedArray, coefficient_sets, weights, frac: int | None = None, factors=(),
                       shape: tuple | None = None) -> list[list[SharedArray]]:
    """``w * P_i(x)`` for :func:`polynomials_and_product`'s ``P_i(x)`` (``frac`` fractional bits) and the
    shared weights ``w``: ``weights`` holds rows of one weight per coefficient set (``None`` for the
    exact product of ``factors``, made in the rounds of the powers), of ``shape`` (default ``x``'s),
    to which the polynomials broadcast. Returns the exact products in the same rows, read with
    ``w.frac_bits + frac`` fractional bits.

    The sums' truncation and the products take one opening
    (:func:`~mpcarray.array.primitives.truncated_scaling`): 1 round fewer than the polynomials
    and then the products. The same values (the polynomials round as they would).
    Cost: :func:`polynomials_and_product`'s rounds.
    """
    values, terms, top, product = _powers(x, coefficient_sets, factors)
    frac = x.frac_bits if frac is None else frac
    sums, wholes = _weighted_sums(values, terms, coefficient_sets, x.frac_bits, frac, top)
    shape = x.shape if shape is None else shape
    weights = [[product if weight is None else weight for weight in row] for row in weights]
    stacked = cast(SharedArray, np.concatenate([np.broadcast_to(raw, shape).reshape(-1) for raw, _ in sums]))
    rows = cast(SharedArray, np.stack([np.concatenate([relabel(w, 0).reshape(-1) for w in row]) for row in weights]))
    scaled, _ = truncated_scaling(rows, stacked, frac)
    size = int(np.prod(shape))
    # w (T + whole), as integers
    return [[relabel(relabel(line[i * size:(i + 1) * size], 0).reshape(shape) + relabel(w, 0) * whole,
                     w.frac_bits + frac) for i, (w, whole) in enumerate(zip(row, wholes))]
            for line, row in zip(scaled, weights)]


def _powers(x: SharedArray, coefficient_sets, factors=()) -> tuple[dict, tuple, int, SharedArray | None]:
    """The powers of ``x`` the sets' terms use (``{(k, a): x^k}``, :func:`power_schedule`'s items), the
    terms, the sums' scale ``top`` and the exact product of ``factors`` (None without)."""
    degree = max(len(coefficients) for coefficients in coefficient_sets) - 1
    f = x.frac_bits
    top = min(_sum_scale(coefficients) for coefficients in coefficient_sets)
    rounds, terms = power_schedule(degree, f, top, fused_truncation(x))
    values = {(1, 1): x}
    factors = list(factors)
    for level in range(max(len(rounds), int(np.ceil(np.log2(max(len(factors), 1)))))):
        ops = rounds[level] if level < len(rounds) else ()
        muls = [op for op in ops if op[2] is not None]
        cuts = [op for op in ops if op[2] is None]
        pairs = len(factors) // 2
        made, cut = multiply_and_truncate(
            [(values[left], values[right], shift) for _, left, right, shift in muls]
            + [(factors[i], factors[pairs + i], 0) for i in range(pairs)],
            [(values[left], shift) for _, left, _, shift in cuts])
        values.update(zip((op[0] for op in muls), made))
        values.update(zip((op[0] for op in cuts), cut))
        factors = made[len(muls):] + factors[2 * pairs:]
    return values, terms, top, factors[0] if factors else None


def _weighted_sums(values: dict, terms, coefficient_sets, f: int, frac: int, top: int) -> tuple[list, list[int]]:
    """Per set, its terms weighted by the integers ``round(c_i 2^(top - a_i f))`` and summed with the part
    of ``c_0`` below ``2^-frac``, as ``(sum at 2^-top, shift to frac bits)``, and the rest of ``c_0``
    (an integer at ``2^-frac``), which the caller adds after the truncation. Local."""
    sums, wholes = [], []
    for coefficients in coefficient_sets:
        weighted = [relabel(values[k, a] * int(np.rint(np.ldexp(c, top - a * f))), top)
                    for (k, a), c in zip(terms, coefficients[1:])]
        whole = int(np.rint(np.ldexp(coefficients[0], frac)))  # c_0 = whole 2^-frac + a part below 2^-frac
        below = int(np.rint(np.ldexp(coefficients[0], top))) - (whole << (top - frac))
        sums.append((relabel(relabel(sum(weighted[1:], weighted[0]), 0) + below, top), top - frac))
        wholes.append(whole)
    return sums, wholes


def evaluate_polynomial(x: SharedArray, coefficients, frac: int | None = None) -> SharedArray:
    """``sum_i c_i x^i`` for fixed-point ``|x| <= 1`` with ``frac`` fractional bits
    (:func:`polynomial_and_product` without factors).

    Cost: 5 rounds for degree 5 or 6 at ``f = 16`` in additive sessions (4 in Shamir sessions).
    """
    return polynomial_and_product(x, coefficients, frac=frac)[0]


def spare_bits(coefficients, f: int, fused: bool, most: int = 2) -> int:
    """The most fractional bits (up to ``most``) an input may carry beyond ``f`` with the rounds it takes at ``f``.

    Why: an input with ``f + k`` bits (a mantissa truncated ``k`` bits later) adds
    ``2^-k`` of its error at ``f`` bits to the polynomial's; more bits can cost rounds
    (:func:`power_schedule` keeps fewer exact products).
    """
    degree, top = len(coefficients) - 1, _sum_scale(coefficients)
    rounds = len(power_schedule(degree, f, top, fused)[0])
    return max(k for k in range(most + 1) if len(power_schedule(degree, f + k, top, fused)[0]) <= rounds)


def _sum_scale(coefficients) -> int:
    """``s``: the weighted sum of the terms has scale ``2^s``, as large as ``sum_(i >= 1) |c_i|`` allows."""
    return TRUNCATION_BITS - 1 - int(np.ceil(np.log2(np.abs(np.asarray(coefficients[1:], dtype=np.float64)).sum() + 1)))
