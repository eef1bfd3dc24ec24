"""``x^p`` for ``p`` in ``{-1, -1/2, 1/2}``: the machinery behind reciprocal, division and roots.

``x = c (1 + w)`` (:class:`~mpcarray.functions.normalisation.Normalised`, one
segment per octave) and ``x^p = c^p (1 + w)^p``. Write ``c^p = mu 2^E`` with
``|mu|`` in ``[0.5, 1)``: the polynomial ``mu (1 + w)^p`` has per-segment
coefficients ``mu a_k`` (lookups), so it stays below 2 in magnitude; the power
of two ``2^E`` is applied last with a looked-up integer weight.
"""

from functools import cache

import numpy as np

from ..array import SharedArray
from ..array.primitives import relabel, truncate
from ..array.promotion import INT
from .normalisation import Normalised, geometric_segments
from .piecewise import chebyshev, estrin, fit_error, to_fixed

#: Segments per octave.
PER_OCTAVE = 1


@cache
def power_fit(f: int, power: float, signed: bool) -> tuple:
    """``(coefficients, w_range)``: the lowest-degree interpolant of ``(1 + w)^power`` within ``2^-(f+3)`` relative."""
    _, centres, low, high = geometric_segments(f, PER_OCTAVE, signed)
    inner = centres != 0
    ratio = np.concatenate([low[inner] / np.abs(centres[inner]), high[inner] / np.abs(centres[inner])])
    lo, hi = float(ratio.min() - 1), float(ratio.max() - 1)

    def g(w):
        return (1 + w) ** power

    for degree in range(2, 20):
        a = chebyshev(g, lo, hi, degree)
        if fit_error(g, lo, hi, a, relative=True) <= 2.0 ** -(f + 3):
            return a, (lo, hi)
    raise RuntimeError(f"no polynomial for (1 + w)^{power} at f={f}")


def mantissa_power(x: SharedArray, power: float, signed: bool, w_bits: int):
    """``(P, exponents, norm)``: ``P = mu (1 + w)^power`` as fixed point with ``w_bits`` fractional bits.

    ``exponents[segment]`` is ``E`` with ``x^power = P 2^E``.
    Cost: ``10 + 2 L`` rounds: normalisation (10), Estrin (``2 L - 1``, ``L`` its levels), truncation (1).
    """
    f = x.frac_bits
    a, _ = power_fit(f, power, signed)
    norm = Normalised(x, PER_OCTAVE, signed, w_bits)
    inner = norm.centres != 0
    values = np.zeros(norm.centres.size)
    values[inner] = np.sign(norm.centres[inner]) * np.abs(norm.centres[inner]) ** power
    mantissa, exponents = np.frexp(values)
    bits = 59 - w_bits  # |mu (1 + w)^p| and its partial sums stay below 2

    def coefficient(k, scale):
        return norm.lookup(np.rint(np.ldexp(mantissa * a[k], scale)))

    p = to_fixed(estrin(norm.w, coefficient, len(a) - 1, w_bits, bits), bits + w_bits, w_bits)
    return p, exponents, norm


def real_power(x: SharedArray, power: float, signed: bool) -> SharedArray:
    """``x^power`` (with the sign of ``x`` for ``signed``) as fixed point.

    Cost: 18 rounds at ``f = 16``: :func:`mantissa_power` (16, a polynomial of degree 7, 5 for ``sqrt``),
    the weight ``2^E`` (1 product, 1 truncation).
    """
    f = x.frac_bits
    centres = np.abs(geometric_segments(f, PER_OCTAVE, signed)[1])
    results = centres[centres != 0] ** power
    top = 62 - 2 * f  # larger results are outside the safe range anyway
    largest = int(np.frexp(np.max(results[results < 2.0**top]))[1]) + 1
    w_bits = f + max(0, min(4, 58 - largest - 2 * f))
    p, exponents, norm = mantissa_power(x, power, signed, w_bits)
    shift = 60 - w_bits - largest  # |P| 2^(w_bits + E + shift) < 2^61
    weights = np.where(exponents + shift >= 0, np.ldexp(1.0, np.maximum(exponents + shift, 0)), 0)
    product = relabel(p, INT) * norm.lookup(weights)
    return truncate(product, shift + w_bits - f, f)
