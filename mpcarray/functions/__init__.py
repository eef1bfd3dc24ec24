"""Nonlinear functions on SharedArrays, written as array code (DESIGN.md §2).

Everything here is SharedArray operations plus the primitives of
:mod:`mpcarray.array.primitives` (sign bits, bit and leading-one lookups,
truncation by a public shift); nothing touches share rows. Importing the
package registers the NumPy ufuncs and functions it implements (``np.exp``,
``np.maximum``, ``np.clip``, ...). Valid ranges and measured errors are
tabulated in ``docs/functions.md``.
"""

from .division import divide, reciprocal
from .exponential import exp, log
from .extremes import amax, amin, argmax, argmin
from .logistic import sigmoid, tanh
from .noise import joint_noise
from .order import median, order_statistics, percentile, quantile, sort
from .roots import rsqrt, sqrt
from .selection import absolute, clip, maximum, minimum, relu, sign
from .spread import std, var

__all__ = [
    "absolute",
    "amax",
    "amin",
    "argmax",
    "argmin",
    "clip",
    "divide",
    "exp",
    "joint_noise",
    "log",
    "maximum",
    "median",
    "minimum",
    "order_statistics",
    "percentile",
    "quantile",
    "reciprocal",
    "relu",
    "rsqrt",
    "sigmoid",
    "sign",
    "sort",
    "sqrt",
    "std",
    "tanh",
    "var",
]
