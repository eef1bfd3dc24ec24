"""Newton-Raphson for ``1/m`` and ``1/sqrt(m)`` on a normalised ``m`` in ``[0.5, 1)``.

A linear start and as many steps as the fractional bits need: the step count
comes from simulating the iteration in float64 (:func:`newton_steps`).
"""

from functools import cache

import numpy as np

from ..array import SharedArray

#: name: (linear start, one step) on [0.5, 1).
_ITERATIONS = {
    "reciprocal": (lambda m: 2.9142 - 2 * m, lambda y, m: y * (2 - m * y)),
    "rsqrt": (lambda m: 1.8017 - 0.8284 * m, lambda y, m: y * (1.5 - (m * 0.5) * (y * y))),
}


@cache
def newton_steps(name: str, f: int) -> int:
    """Steps that bring the worst relative error on ``[0.5, 1)`` below ``2^-(f + 2)``."""
    start, step = _ITERATIONS[name]
    m = np.linspace(0.5, 1.0, 10001)
    target = 1 / m if name == "reciprocal" else m**-0.5
    y = start(m)
    for steps in range(1, 10):
        y = step(y, m)
        if np.max(np.abs(y / target - 1)) < 2.0 ** -(f + 2):
            return steps
    raise RuntimeError(f"Newton iteration for {name} does not converge at f={f}")


def newton(name: str, m: SharedArray) -> SharedArray:
    """``1/m`` (``name="reciprocal"``) or ``1/sqrt(m)`` (``"rsqrt"``) for ``m`` in ``[0.5, 1)``.

    Steps: a linear start; each step is ``y (2 - m y)`` or ``y (1.5 - (m/2) y^2)``.
    Cost: reciprocal: 4 rounds per step (two fixed-point products), 3 steps at
    ``f = 16``: 12 rounds. rsqrt: 1 round for the start (a public real product)
    and 7 per step (a public real product, three fixed-point products), 2 steps
    at ``f = 16``: 15 rounds.
    """
    start, step = _ITERATIONS[name]
    y = start(m)
    for _ in range(newton_steps(name, m.frac_bits)):
        y = step(y, m)
    return y
