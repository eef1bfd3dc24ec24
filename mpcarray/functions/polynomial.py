"""Chebyshev approximations evaluated on SharedArrays in ``|x| <= 1``."""

from functools import cache

import numpy as np

from ..array import SharedArray


@cache
def chebyshev_coefficients(function, domain: tuple, f: int) -> tuple:
    """Power-basis coefficients of the lowest-degree Chebyshev interpolant accurate to ``2^-(f+3)``."""
    grid = np.linspace(domain[0], domain[1], 4001)
    for degree in range(2, 30):
        fit = np.polynomial.Chebyshev.interpolate(function, degree, domain=domain)
        if np.max(np.abs(fit(grid) - function(grid))) < 2.0 ** -(f + 3):
            return tuple(fit.convert(kind=np.polynomial.Polynomial, domain=domain, window=domain).coef)
    raise RuntimeError(f"no polynomial approximation of {function} on {domain} for f={f}")


def evaluate_polynomial(x: SharedArray, coefficients) -> SharedArray:
    """``sum_i c_i x^i`` for fixed-point ``|x| <= 1``.

    Steps: the powers ``x^2 .. x^d`` in ``ceil(log2 d)`` batched product levels;
    the terms weighted by the integers ``round(c_i 2^s)`` (``s = f + e`` extra
    bits, exact up to rounding ``c_i`` to ``2^-s``, while ``|x| <= 1`` keeps the
    sum in range); one truncation of the sum by ``2^s``.
    Cost: ``2 ceil(log2 d) + 1`` rounds for degree ``d``.
    """
    degree = len(coefficients) - 1
    powers = x[np.newaxis]  # powers[i] = x^(i+1)
    while powers.shape[0] < degree:
        count = min(powers.shape[0], degree - powers.shape[0])
        highest = np.concatenate([powers[-1:]] * count)
        powers = np.concatenate([powers, highest * powers[:count]])
    weights = np.asarray(coefficients[1:], dtype=np.float64)
    f = x.frac_bits
    headroom = 61 - 2 * f - int(np.ceil(np.log2(np.abs(weights).sum() + 1)))
    s = f + min(f, headroom)
    scaled = np.rint(np.ldexp(weights, s)).astype(np.int64).reshape((degree,) + (1,) * x.ndim)
    return (powers * scaled).sum(axis=0) / 2**s + coefficients[0]
