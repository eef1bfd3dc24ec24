"""``1/m``, ``1/sqrt(m)`` and ``sqrt(m)`` for a normalised ``m`` in ``[0.5, 1)``.

Each is one Chebyshev interpolant in ``u = 4m - 3`` (in ``[-1, 1)``), of the
lowest degree within ``2^-(f + 3)`` (:func:`~.polynomial.chebyshev_coefficients`):
degrees 8, 7 and 5 at ``f = 16`` (6, 5, 4 at ``f = 12``; 11, 10, 8 at ``f = 24``).
The powers take the rounds of :func:`~.polynomial.power_schedule` (exact
products before any truncation), where Newton-Raphson needs two sequential
truncated products per step (12 and 15 rounds at ``f = 16`` against 6).
"""

from ..array import SharedArray
from ..array.primitives import fused_truncation, relabel
from . import polynomial
from .polynomial import chebyshev_coefficients

#: name: the function of ``u = 4m - 3``.
FUNCTIONS = {
    "reciprocal": lambda u: 4 / (u + 3),
    "rsqrt": lambda u: ((u + 3) / 4) ** -0.5,
    "sqrt": lambda u: ((u + 3) / 4) ** 0.5,
}
#: The interval of ``u``.
DOMAIN = (-1.0, 1.0)


def coefficients(name: str, f: int) -> tuple:
    """Power-basis coefficients in ``u`` of the interpolant ``name`` uses at ``f`` fractional bits."""
    return chebyshev_coefficients(FUNCTIONS[name], DOMAIN, f)


def on_mantissa_scaled(functions, m: SharedArray, weights, frac: int | None = None, factors=(),
                       shape: tuple | None = None) -> list[list[SharedArray]]:
    """``w * P(m)`` for the interpolant ``P`` of each ``(name, f)`` of ``functions`` (``f``: the format's
    fractional bits, which set the polynomial; ``m`` may carry more, see :func:`spare_bits`) and the
    shared weights ``w`` of ``weights``, rows of one weight per function (``None``: the exact product
    of ``factors``, made in the polynomials' rounds), of ``shape`` (default ``m``'s): the exact
    products, in the same rows, read with ``w.frac_bits + frac`` fractional bits (``frac``: ``P``'s,
    default ``m``'s; :func:`~.polynomial.scaled_polynomials`).

    Steps: ``u = 4m - 3`` (local); the powers of ``u``; the sums' truncation in the opening of their
    products with the weights.
    Cost: the polynomials' rounds (:func:`~.polynomial.polynomials_and_product`): at ``f = 16``, 6 for
    ``1/m`` and ``1/sqrt(m)`` (degrees 8, 7), 5 for ``sqrt(m)`` (degree 5); 4 each in Shamir sessions.
    """
    return polynomial.scaled_polynomials(quarter(m), [coefficients(name, f) for name, f in functions], weights,
                                         frac, factors, shape)


def quarter(m: SharedArray) -> SharedArray:
    """``u = 4m - 3``, exactly at ``m``'s fractional bits (which may exceed the session's). Local."""
    return relabel(relabel(4 * m, 0) - (3 << m.frac_bits), m.frac_bits)


def spare_bits(name: str, like: SharedArray, most: int = 2) -> int:
    """Fractional bits beyond ``f`` a mantissa for ``name`` may carry at no extra rounds
    (:func:`~.polynomial.spare_bits`, in ``like``'s session and format)."""
    f = like.fixed_point.frac_bits
    return polynomial.spare_bits(coefficients(name, f), f, fused_truncation(like), most)
