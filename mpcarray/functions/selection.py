"""Elementwise functions built from one sign test: sign, abs, relu, maximum, minimum, clip.

Each tests the sign of a difference (:func:`mpcarray.array.primitives.sign_bits`)
and, except :func:`sign`, multiplies the shared bit by a difference: a 0/1
integer times a value needs no truncation. Results are exact whenever the
difference does not wrap (always for fixed-point values in the safe range).
Rounds are those of additive sessions; in Shamir sessions a sign test takes
3 more (:func:`~mpcarray.array.primitives.sign_rounds`).
"""

from typing import cast

import numpy as np

from ..array import SharedArray
from ..array.dispatch import implements, implements_ufunc
from ..array.lineage import of_elementwise, stamped
from ..array.primitives import sign_bits
from ..errors import ShapeError, UnsupportedOperationError


@implements_ufunc(np.sign)
@stamped(of_elementwise)
def sign(x) -> SharedArray:
    """-1, 0 or 1 per element, as shared integers.

    Steps: one sign and zero test.
    Cost: 5 rounds (a sign test).
    Security: the test's openings are masked.
    """
    negative, zero = sign_bits(x, negative=True, zero=True)
    return 1 - 2 * negative - zero


@implements_ufunc(np.absolute)
@stamped(of_elementwise)
def absolute(x) -> SharedArray:
    """``|x|``.

    Steps: ``x - 2 [x < 0] x``.
    Cost: 6 rounds: sign test (5), product (1).
    Security: masked openings only.
    """
    (negative,) = sign_bits(x)
    return x - 2 * (negative * x)


@stamped(of_elementwise)
def relu(x) -> SharedArray:
    """``max(x, 0)`` per element.

    Steps: ``x - [x < 0] x``.
    Cost: 6 rounds: sign test (5), product (1).
    Security: masked openings only.
    """
    (negative,) = sign_bits(x)
    return x - negative * x


@implements_ufunc(np.maximum)
@stamped(of_elementwise)
def maximum(a, b) -> SharedArray:
    """Elementwise maximum (NumPy broadcasting; either operand may be public).

    Steps: ``d = a - b``; ``a - [d < 0] d``.
    Cost: 6 rounds: sign test (5), product (1).
    Security: masked openings only.
    """
    difference = a - b
    (a_smaller,) = sign_bits(difference)
    return a - a_smaller * difference


@implements_ufunc(np.minimum)
@stamped(of_elementwise)
def minimum(a, b) -> SharedArray:
    """Elementwise minimum (NumPy broadcasting; either operand may be public).

    Steps: ``d = a - b``; ``b + [d < 0] d``.
    Cost: 6 rounds: sign test (5), product (1).
    Security: masked openings only.
    """
    difference = a - b
    (a_smaller,) = sign_bits(difference)
    return b + a_smaller * difference


@implements(np.clip)
@stamped(of_elementwise)
def clip(a, a_min, a_max, out=None, **kwargs) -> SharedArray:
    """Limit values to ``[a_min, a_max]`` (public or shared bounds; ``None``: no bound on that side, as
    ``numpy.clip``).

    Steps: the sign tests of ``a - a_min`` and ``a_max - a`` together; each
    negative gap is added back by one batched product.
    Cost: 6 rounds: sign tests (5), products (1).
    Security: masked openings only.
    """
    if out is not None or kwargs:
        raise UnsupportedOperationError("numpy.clip on SharedArray supports no out= or extra arguments")
    if a_min is None and a_max is None:
        raise ValueError("clip needs a_min or a_max (both are None)")
    if a_min is None or a_max is None:  # one side: the other gap is a public zero, never negative
        gap = a - a_min if a_max is None else a_max - a
        below, above = (gap, gap * 0) if a_max is None else (gap * 0, gap)
    else:
        below, above = a - a_min, a_max - a
    try:
        shape = np.broadcast_shapes(below.shape, above.shape)
    except ValueError as err:
        raise ShapeError(f"clip bounds of shapes {below.shape} and {above.shape} do not broadcast") from err
    # np.stack dispatches to SharedArray (NumPy's stubs say ndarray)
    gaps = cast(SharedArray, np.stack([np.broadcast_to(below, shape), np.broadcast_to(above, shape)]))
    (outside,) = sign_bits(gaps)
    fix = outside * gaps
    return a - fix[0] + fix[1]
