"""Piecewise polynomials: segments picked by one batched comparison, Estrin's scheme on top.

A function is approximated on segments between public boundaries ``b_1 <
... < b_n``. One sign test of the stacked differences ``x - b_i`` gives the
shared bits ``[x < b_i]``; any public table of the segment (a centre, the
coefficients of the segment's polynomial, a weight) is then a *local* linear
combination of these bits (:meth:`Segments.lookup`). The polynomial is
evaluated in a small variable ``u`` (the distance to the segment's centre, or
a normalised ``w``), so its powers stay accurate in fixed point, by Estrin's
scheme (:func:`estrin`): ``ceil(log2(d + 1))`` product levels, whatever mix of
public and shared coefficients.

Fits are Chebyshev interpolants (near-minimax) computed in float64 and cached
per number format; :func:`uniform_fit` picks the fewest segments that meet a
tolerance.
"""

from functools import cache
from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.primitives import (
    relabel,
    sign_bits,
    truncate,
    truncated_pairs,
    truncated_square_applies,
)
from ..array.promotion import INT


class Segments:
    """The segment of each element of ``x`` among public ``boundaries`` (ascending, on the fixed-point grid).

    Segment ``j`` holds the ``x`` with exactly ``j`` boundaries ``<= x``
    (``0 .. n``). Cost: one sign test of all ``n`` differences at once (5 rounds; 8 in
    Shamir sessions).
    Security: only the sign test's masked openings.
    """

    def __init__(self, x: SharedArray, boundaries):
        self.count = len(boundaries) + 1
        differences = x[np.newaxis] - np.reshape(np.asarray(boundaries, dtype=np.float64), (-1,) + (1,) * x.ndim)
        (self._below,) = sign_bits(differences)  # [x < b_i], shape (n, *x.shape)
        self._ndim = x.ndim

    def lookup(self, tables) -> SharedArray:
        """Shared integers ``tables[t][j]`` for ``x`` in segment ``j``, stacked over the tables ``t``
        (``|values| < 2^62``). Local.

        ``tables[t][n] - sum_i (tables[t][i + 1] - tables[t][i]) [x < b_i]``, one product and one
        sum for every table at once (a call per table cost more in dispatch than in arithmetic).
        """
        table = np.array([[int(v) for v in row] for row in tables], dtype=np.int64)
        steps = np.diff(table, axis=1)
        weighted = self._below[np.newaxis] * steps.reshape(steps.shape + (1,) * self._ndim)
        return table[:, -1].reshape((-1,) + (1,) * self._ndim) - weighted.sum(axis=1)


def grid(values, f: int) -> np.ndarray:
    """``values`` rounded to the fixed-point grid of ``f`` fractional bits."""
    return np.rint(np.ldexp(np.asarray(values, dtype=np.float64), f)) / 2.0**f


def chebyshev(function, low: float, high: float, degree: int, centre: float = 0.0) -> np.ndarray:
    """Power-basis coefficients in ``u = x - centre`` of the degree-``degree`` Chebyshev interpolant on ``[low, high]``."""
    fit = np.polynomial.Chebyshev.interpolate(lambda u: function(centre + u), degree,
                                              domain=(low - centre, high - centre))
    window = (low - centre, high - centre)
    coefficients = fit.convert(kind=np.polynomial.Polynomial, domain=window, window=window).coef
    return np.pad(coefficients, (0, degree + 1 - coefficients.size))  # convert drops zero leading terms


def fit_error(function, low: float, high: float, coefficients, centre: float = 0.0, relative: bool = False) -> float:
    """Largest error of the polynomial on a fine grid of ``[low, high]`` (relative to ``|function|`` if asked)."""
    x = np.linspace(low, high, 401)
    exact = function(x)
    error = np.abs(np.polynomial.Polynomial(coefficients)(x - centre) - exact)
    return float(np.max(error / np.abs(exact) if relative else error))


def _equal_segments(function, low, high, degree, f, tolerance, relative, n):
    """The fit on ``n`` equal segments, or ``None`` if a segment misses ``tolerance``."""
    edges = grid(np.linspace(low, high, n + 1), f)
    centres = grid((edges[:-1] + edges[1:]) / 2, f)
    pad = 2.0**-f  # inputs are on the grid: the fit covers one unit beyond each edge
    table = []
    for a, b, c in zip(edges[:-1], edges[1:], centres):
        table.append(chebyshev(function, a - pad, b + pad, degree, c))
        if fit_error(function, a - pad, b + pad, table[-1], c, relative) > tolerance:
            return None
    return edges, centres, np.array(table)


@cache
def uniform_fit(function, low: float, high: float, degree: int, f: int, tolerance: float,
                relative: bool = False) -> tuple:
    """The fewest equal segments of ``[low, high]`` whose interpolants are within ``tolerance``.

    Returns ``(boundaries, centres, coefficients)``: the ``n + 1`` boundaries and
    ``n`` centres on the grid of ``f`` bits, and an ``(n, degree + 1)`` array of
    coefficients in ``u = x - centre``. The count is found by doubling, then
    bisection (the error falls as the segments shrink).
    """
    def attempt(n):
        return _equal_segments(function, low, high, degree, f, tolerance, relative, n)

    high_n = 1
    while attempt(high_n) is None:
        high_n *= 2
        if high_n > 8192:
            raise RuntimeError(f"no piecewise fit of {function} on [{low}, {high}] at f={f}")
    low_n = high_n // 2
    while high_n - low_n > 1:
        middle = (low_n + high_n) // 2
        low_n, high_n = (low_n, middle) if attempt(middle) is not None else (middle, high_n)
    return attempt(high_n)


def _truncate(values: list, bits: int) -> list:
    """``values / 2^bits``: shared integers in one round, public ones rounded locally."""
    shared = [v for v in values if isinstance(v, SharedArray)]
    if not shared:
        return [round(v / 2**bits) for v in values]
    stacked = cast(SharedArray, np.stack(shared))  # np.stack dispatches to SharedArray
    truncated = iter(truncate(stacked, bits, INT))
    return [next(truncated) if isinstance(v, SharedArray) else round(v / 2**bits) for v in values]


def estrin(u: SharedArray, coefficient, degree: int, u_bits: int, bits: int) -> SharedArray:
    """``sum_k c_k u^k`` as shared integers scaled by ``2^(bits + u_bits)``.

    ``u`` holds the integers ``round(u 2^u_bits)``; ``coefficient(k, scale)`` gives
    ``round(c_k 2^scale)``, public (an ``int``) or shared (a per-segment lookup).
    Estrin's scheme: ``q_i = c_2i + c_2i+1 u``, then ``q_2i + u^2 q_2i+1`` and so on
    with ``u^4, u^8``; products with a public factor are local. The caller keeps
    the partial sums of ``|c_k u^k|`` below ``2^(61 - bits - u_bits)`` and ``u^2`` below ``2^(61 - 2 u_bits)``.
    Cost: ``2 L - 1`` rounds for ``L = ceil(log2(degree + 1))`` levels: one product
    round per level (the odd terms and the next power together), one truncation between levels;
    ``L`` rounds in additive sessions with shared coefficients and ``u_bits <= 32``, where each
    truncation and the next level's products take one opening
    (:func:`~mpcarray.array.primitives.truncated_pairs`).
    """
    power = u
    adds = [coefficient(k, bits + u_bits) for k in range(0, degree + 1, 2)]
    multipliers = [coefficient(k, bits) for k in range(1, degree + 1, 2)]
    fused = None  # this level's products, made in the opening that truncated their operands
    while True:
        last = len(adds) == 1
        if fused is None:
            pairs = [(m, power) for m in multipliers if isinstance(m, SharedArray)]
            products = iter(_multiply(pairs + ([] if last else [(power, power)])))
        else:
            products = iter(fused)
        terms = [next(products) if isinstance(m, SharedArray) else power * m for m in multipliers]
        results = [a + t for a, t in zip(adds, terms)] + adds[len(terms):]
        if last:
            return results[0]
        operands, adds = [next(products), *results[1::2]], results[0::2]
        if all(isinstance(v, SharedArray) for v in operands) and truncated_square_applies(u, u_bits):
            # the next level's products of the truncated operands (each multiplier times the power,
            # and the power squared unless that level is the last) in the truncation's opening
            rows = [(i, 0) for i in range(1, len(operands))] + ([] if len(adds) == 1 else [(0, 0)])
            made, truncated = truncated_pairs(relabel(cast(SharedArray, np.stack(operands)), u_bits), INT, rows)
            power, *multipliers = [truncated[i] for i in range(len(operands))]
            fused = [made[i] for i in range(len(rows))]
        else:
            power, *multipliers = _truncate(operands, u_bits)
            fused = None


def _multiply(pairs) -> list:
    """Products of shared integer pairs, all in one round (none if ``pairs`` is empty)."""
    if not pairs:
        return []
    products = np.stack([a for a, _ in pairs]) * np.stack([b for _, b in pairs])
    return [products[i] for i in range(len(pairs))]


def to_fixed(value: SharedArray, scale_bits: int, f: int) -> SharedArray:
    """Shared integers scaled by ``2^scale_bits`` as fixed point with ``f`` fractional bits (1 round)."""
    return truncate(value, scale_bits - f, f) if scale_bits > f else relabel(value, f)


def smooth(x: SharedArray, function, low: float, high: float, below: float, above: float, *,
           degree: int = 7, relative: bool = False, margin: int = 3) -> SharedArray:
    """``function(x)`` by equal segments of ``[low, high]``, and the constants ``below`` / ``above`` outside.

    The fit is within ``2^-(f + margin)`` (relative to ``|function|`` if ``relative``) of
    ``function`` on every segment. ``u = x - centre`` is computed as ``inside * (x -
    centre)`` with the 0/1 indicator ``inside`` of ``[low, high]`` (scaled by the
    extra bits of ``u``), so it stays small on the saturated segments too.
    Cost: ``S + 2 + L`` rounds in additive sessions (``u_bits <= 32``) for ``L = ceil(log2(degree + 1))``
    and a sign test of ``S`` rounds (10 for the default degree 7; ``S + 1 + 2 L``, 15, in Shamir
    sessions): segments (``S``), ``u`` (1, an integer product), Estrin (``L``, or ``2 L - 1``), the
    truncation to ``f`` bits (1).
    """
    f = x.frac_bits
    edges, centres, table = uniform_fit(function, low, high, degree, f, 2.0 ** -(f + margin), relative)
    half = float(np.max(edges[1:] - edges[:-1])) / 2 + 2.0**-f
    largest = max(abs(below), abs(above), float(np.max(np.abs(table) @ half ** np.arange(degree + 1))))
    highest = 2 ** (int(np.ceil(np.log2(degree + 1))) - 1)  # the largest power of u Estrin forms
    u_bits = max(f, min(2 * f, int(np.floor(30 - (highest if half > 1 else 2) * np.log2(half) / 2)) - 1,
                        56 - f - int(np.ceil(np.log2(largest)))))
    bits = 60 - u_bits - int(np.ceil(np.log2(largest)))
    # every table in one lookup: the centre, the indicator of [low, high], then each coefficient
    # at the scale estrin asks for (even terms are added at bits + u_bits, odd ones multiply u)
    scales = {k: bits + u_bits if k % 2 == 0 else bits for k in range(degree + 1)}
    ends = {k: (below, above) if k == 0 else (0.0, 0.0) for k in scales}
    looked = Segments(x, edges).lookup(
        [[0, *np.rint(np.ldexp(centres, f)), 0], [0, *[2 ** (u_bits - f)] * len(centres), 0]]
        + [[round(ends[k][0] * 2**scale), *np.rint(np.ldexp(table[:, k], scale)), round(ends[k][1] * 2**scale)]
           for k, scale in scales.items()])
    centre, inside = relabel(looked[0], f), looked[1]
    u = relabel(inside * (x - centre), INT)

    row = {(k, scale): 2 + k for k, scale in scales.items()}

    def coefficient(k, scale):
        return looked[row[k, scale]]

    return to_fixed(estrin(u, coefficient, degree, u_bits, bits), bits + u_bits, f)
