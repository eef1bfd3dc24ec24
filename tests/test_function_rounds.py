"""Exact rounds of the nonlinear functions and the array primitives, against their Cost lines.

Rounds do not depend on the party count, nor on the array size except in additive
sessions, where the leading-one lookup of up to ``COMPARISON_LOOKUP_MAX_ELEMENTS``
elements takes 5 rounds instead of 8 (``test_larger_arrays_take_the_bit_decomposition``);
the iteration counts and polynomial degrees behind them follow the session's ``f = 16``.
"""

import numpy as np
import pytest
from conftest import SHAMIR_SESSION_PARAMS

import mpcarray as mpc
from mpcarray.array import primitives
from mpcarray.functions import joint_noise
from mpcarray.functions.division import relative_divide
from mpcarray.functions.roots import relative_sqrt
from mpcarray.privacy import Laplace

FUNCTIONS = {
    "reciprocal": (lambda x, y: mpc.reciprocal(x), 14),
    "divide": (lambda x, y: x / y, 18),
    "divide, public numerator": (lambda x, y: 1000.0 / y, 18),
    "relative_divide": (lambda x, y: relative_divide(x, y), 16),
    "divide, public divisor": (lambda x, y: x / 3.0, 1),
    "sqrt": (lambda x, y: np.sqrt(x), 15),
    "rsqrt": (lambda x, y: mpc.rsqrt(x), 14),
    "rsqrt, bits=7": (lambda x, y: mpc.rsqrt(x, bits=7), 10),
    "exp": (lambda x, y: np.exp(x), 13),
    "log": (lambda x, y: np.log(x), 12),
    "sigmoid": (lambda x, y: mpc.sigmoid(x), 10),
    "tanh": (lambda x, y: np.tanh(x), 10),
    "sign": (lambda x, y: np.sign(x), 5),
    "absolute": (lambda x, y: np.abs(x), 6),
    "relu": (lambda x, y: mpc.relu(x), 6),
    "maximum": (lambda x, y: np.maximum(x, y), 6),
    "minimum": (lambda x, y: np.minimum(x, 2.0), 6),
    "clip": (lambda x, y: np.clip(x, 1.0, y), 6),
    "argmax of 6": (lambda x, y: np.argmax(x), 6 * 3),
    "min of 6": (lambda x, y: mpc.min(x), 6 * 3),
    "argmin of 2 along axis 1": (lambda x, y: mpc.argmin(x.reshape(3, 2), axis=1), 6),
    "joint noise": (lambda x, y: joint_noise(x, Laplace(epsilon=1.0, sensitivity=1.0)), 0),
    "relative_sqrt": (lambda x, y: relative_sqrt(x), 13),
}

PRIMITIVES = {
    "sign_bits": (lambda x: primitives.sign_bits(x, negative=True, zero=True), 5),
    "bit_tables": (lambda x: primitives.bit_tables(x, [[1] * 64, [2] * 64]), 5),
    "leading_one_tables": (lambda x: primitives.leading_one_tables(x, [list(range(64))]), 5),
    "truncate": (lambda x: primitives.truncate(x, 3, x.frac_bits), 1),
    "multiply_and_truncate": (lambda x: primitives.multiply_and_truncate([(x, x, 0)] * 3, [(x, 3), (x, 5)]), 1),
    "relabel": (lambda x: primitives.relabel(x, 0), 0),
    "shared_constant": (lambda x: primitives.shared_constant(x, np.arange(6)), 0),
}


def rounds(session, operation, *operands) -> int:
    before = session.comm.snapshot()
    operation(*operands)
    return (session.comm - before).rounds


@pytest.mark.parametrize("name", FUNCTIONS)
def test_function_rounds(session, name):
    operation, expected = FUNCTIONS[name]
    x = session.share(np.linspace(0.5, 4.0, 6), owner=0)
    y = session.share(np.linspace(1.0, 3.0, 6), owner=session.n_parties - 1)
    assert rounds(session, operation, x, y) == expected


@pytest.mark.parametrize("name", PRIMITIVES)
def test_primitive_rounds(session, name):
    operation, expected = PRIMITIVES[name]
    assert rounds(session, operation, session.share(np.linspace(0.5, 4.0, 6), owner=0)) == expected


@pytest.mark.parametrize("session", SHAMIR_SESSION_PARAMS, indirect=True)
def test_exp_rounds_in_shamir_sessions(session):
    """exp's docstring: 14 rounds with Shamir sharing (bit lookup 8, polynomial 4, truncated product 1)."""
    x = session.share(np.linspace(-12.0, 20.0, 6), owner=0)
    assert rounds(session, np.exp, x) == 14


@pytest.mark.parametrize("session", SHAMIR_SESSION_PARAMS, indirect=True)
@pytest.mark.parametrize("name, expected", [("reciprocal", 21), ("divide", 25), ("divide, public numerator", 25),
                                            ("relative_divide", 23),
                                            ("sqrt", 23), ("rsqrt", 21), ("relative_sqrt", 21), ("sigmoid", 15),
                                            ("tanh", 15)])
def test_reciprocal_and_roots_rounds_in_shamir_sessions(session, name, expected):
    """The Shamir counts in the Cost lines of reciprocal, divide (also with a public ``x``),
    relative_divide, sqrt, rsqrt, relative_sqrt, sigmoid and tanh."""
    x = session.share(np.linspace(0.5, 4.0, 6), owner=0)
    y = session.share(np.linspace(1.0, 3.0, 6), owner=session.n_parties - 1)
    assert rounds(session, FUNCTIONS[name][0], x, y) == expected


@pytest.mark.parametrize("name, expected", [("reciprocal", 17), ("rsqrt", 17), ("rsqrt, bits=7", 13), ("log", 15),
                                            ("sqrt", 18), ("divide", 21), ("relative_divide", 19)])
def test_larger_arrays_take_the_bit_decomposition(session, name, expected):
    """Above COMPARISON_LOOKUP_MAX_ELEMENTS elements the lookup decomposes bits (8 rounds, not 5):
    the Cost lines' larger counts."""
    from mpcarray.protocols.tables import COMPARISON_LOOKUP_MAX_ELEMENTS as most
    x = session.share(np.linspace(0.5, 4.0, most + 1), owner=0)
    assert rounds(session, FUNCTIONS[name][0], x, x) == expected


@pytest.mark.parametrize("size, expected", [(128, 14), (129, 17)])
def test_signed_lookup_switches_at_half_the_size(session, size, expected):
    """reciprocal's lookup sees [y, -y]: 14 rounds up to 128 elements, 17 from 129."""
    y = session.share(np.linspace(0.5, 4.0, size), owner=0)
    assert rounds(session, mpc.reciprocal, y) == expected

