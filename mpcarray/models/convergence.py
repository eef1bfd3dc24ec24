"""One revealed bit saying whether an iterative fit converged, and the warning when it did not.

The fits run all ``max_iter`` steps (a stopping test per step would reveal the
progress); at the end one bit is opened: whether every component of the last
step is at most ``tol`` in magnitude. On separable data an unpenalised
logistic fit never converges (the coefficients grow without bound), so this
bit is how separation shows without revealing anything else.
"""

import warnings

import numpy as np

from ..array import SharedArray, primitives
from ..errors import ConvergenceWarning

__all__ = ["check_converged"]


def check_converged(step: SharedArray, tol: float, scale: float, label: str, advice: str) -> bool:
    """Reveal whether ``max_j |step_j| <= tol * scale``; warn :class:`~mpcarray.ConvergenceWarning` if not.

    ``step`` holds the last step times the public ``scale`` (the fits keep extra bits).

    Cost: a comparison on the ``2 d`` signed components, their count tested for zero
    (:func:`~mpcarray.array.primitives.is_small_zero`: 1 round; a second comparison with
    Shamir) and the reveal: 7 rounds (17 with Shamir).
    Reveals: one bit, labelled ``label``.
    """
    large = np.concatenate([step, -step]) > tol * scale  # shared 0/1: a component beyond ±tol
    count = large.sum()  # in [0, 2 d]
    converged = bool(primitives.is_small_zero(count, int(large.shape[0]).bit_length()).reveal(label=label))
    if not converged:
        warnings.warn(f"{label.split(':')[0]} did not converge: the last step is larger than "
                      f"tol={tol:g}; {advice}", ConvergenceWarning, stacklevel=3)
    return converged
