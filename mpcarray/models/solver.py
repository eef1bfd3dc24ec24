"""Solving symmetric positive-definite systems ``A x = b`` on shared data.

No fixed-point matrix inversion by elimination (pivots would have to be
compared and divided in secret). Instead:

1. **Jacobi scaling**: ``s = rsqrt(diag A)`` and ``Â = S A S`` has unit diagonal,
   so ``λmax(Â) <= d`` and ``κ(Â)`` is the condition number the limit refers to.
   ``s`` need not be accurate: any positive ``s`` gives ``A^-1 = S Â^-1 S``.
2. **Newton–Schulz** (Schulz 1933; Pan & Schreiber 1991): ``X_0 = I/d``,
   ``X_{k+1} = X_k (2I - Â X_k)`` converges quadratically to ``Â^-1`` once
   ``(1 - λmin/d)^(2^k)`` is small, i.e. after ``log2(1.39 d κ)`` steps, plus three
   more for the quadratic phase. Only matrix products: no secret division.
3. **Convergence check**: one bit, ``||I - Â X_k||_F^2 < 1/4``, is revealed; if
   it fails the system is more ill-conditioned than ``max_condition`` and
   :class:`~mpcarray.models.ConditioningError` is raised instead of returning
   wrong values.
4. **Iterative refinement** with extended precision: ``M = S X_k S`` is only an
   ``f``-bit-accurate inverse (``f`` fractional bits), so ``x`` is improved by
   ``x += M (b - A x)`` with ``x`` kept as ``x * 2^scale_bits``: residuals are then
   computed to ``2^-(f + scale_bits)``, and each refinement multiplies the error by
   ``||I - M A|| ~ κ 2^-f``.

Cost for ``d`` unknowns: about ``2 log2(d κ) + 12`` rounds of ``d x d`` products
and one comparison (5 rounds; 8 in Shamir sessions); communication ``O(d^2)`` per round.
"""

import numpy as np

from ..array import SharedArray
from ..errors import ShapeError
from ..functions import rsqrt
from ._validation import ConditioningError, shared

#: Newton–Schulz steps after the linear phase (each squares the error).
QUADRATIC_STEPS = 3
#: Steps from a warm start (the inverse of a nearby matrix, error below ~1/2).
WARM_STEPS = 4


def newton_schulz_steps(d: int, max_condition: float) -> int:
    """Steps that bring ``(1 - 1/(d κ))^(2^k)`` below 1/4, plus the quadratic phase.

    Reveals: nothing (a function of public sizes).
    """
    return int(np.ceil(np.log2(np.log(4.0) * d * max_condition))) + QUADRATIC_STEPS


def _range_hint(A: SharedArray, max_condition: float) -> str:
    """Why a too-small safe range can look like ill-conditioning, when it can (else ``""``).

    The inverse of the unit-diagonal matrix has entries up to ``κ``, and the
    Newton–Schulz products up to about ``2 κ``: they must stay below ``2^R``.
    """
    f = A.fixed_point.frac_bits
    bits = A.fixed_point.range_bits
    if 2 * max_condition < 2.0**bits:
        return ""
    most = int((bits + 2 * f - np.log2(2 * max_condition)) // 2)  # R + 2f is the same at every f
    return (f"; or lower frac_bits: at frac_bits={f} the safe range 2^{bits} cannot hold the "
            f"inverse's entries (up to 2 max_condition), which frac_bits <= {most} can")


class SPDSolver:
    """An approximate inverse of a shared SPD matrix ``A``, applied with iterative refinement.

    Parameters
    ----------
    A : SharedArray, shape (d, d)
        Symmetric positive definite. Entries and the products ``A x`` formed by
        :meth:`solve` must stay inside the fixed-point safe range.
    max_condition : float
        Largest condition number of the Jacobi-scaled ``A`` (unit diagonal) that
        the Newton–Schulz step count is sized for (default ``1e4``).

    warm_start : SPDSolver, optional
        The solver of a nearby matrix (e.g. the previous Newton step's Hessian):
        its scaling and inverse start the iteration, which then needs only
        ``WARM_STEPS`` steps; if that does not converge, a cold start follows.

    Notes
    -----
    Reveals: one bit, whether the scaled system is conditioned within
    ``max_condition`` (label ``"SPDSolver: well conditioned"``); with a warm
    start, one more bit, whether it converged.
    Raises :class:`~mpcarray.models.ConditioningError` when it is not.
    """

    def __init__(self, A: SharedArray, max_condition: float = 1e4,
                 warm_start: "SPDSolver | None" = None):
        A = shared(A, "A", 2)
        d = A.shape[0]
        if A.shape != (d, d):
            raise ShapeError(f"A must be square, got shape {A.shape}")
        if not max_condition >= 1:
            raise ValueError(f"max_condition must be >= 1, got {max_condition}")
        self.A = A
        if warm_start is not None and warm_start.A.shape == A.shape:
            # A nearby matrix (the next Newton step's Hessian): keep its scaling and start
            # from its inverse; a few quadratic steps suffice, else fall back to a cold start.
            self.scale = warm_start.scale
            if self._iterate(warm_start.inverse, WARM_STEPS, "SPDSolver: warm start converged"):
                return
        index = np.arange(d)
        self.scale = rsqrt(A[index, index])
        if not self._iterate(None, newton_schulz_steps(d, max_condition), "SPDSolver: well conditioned"):
            raise ConditioningError(
                f"the system is more ill-conditioned than max_condition={max_condition:g} "
                "(after Jacobi scaling): remove collinear columns or raise max_condition"
                + _range_hint(A, max_condition)
            )

    def _iterate(self, start, steps: int, label: str) -> bool:
        """Newton–Schulz on the scaled matrix from ``start`` (``I/d`` if None); reveals if it converged."""
        d = self.A.shape[0]
        # rows, then columns: the product s_i s_j alone would keep too few bits when s is small
        # (2^-12 is 16 units of 2^-16), and the mismatch with S X S breaks the refinement
        scaled = (self.A * self.scale.reshape(d, 1)) * self.scale.reshape(1, d)
        if start is None:
            start, steps = (2.0 / d) * np.eye(d) - scaled / d**2, steps - 1  # X_1, from X_0 = I/d
        inverse = start
        for _ in range(steps):
            inverse = inverse @ (2 * np.eye(d, dtype=np.int64) - scaled @ inverse)
        error = np.eye(d) - scaled @ inverse
        self.inverse = inverse
        return bool(((error * error).sum() < 0.25).reveal(label=label))

    def apply(self, r: SharedArray) -> SharedArray:
        """``M r`` for the approximate inverse ``M = S X S`` of ``A``. Reveals: nothing."""
        s = self.scale if r.ndim == 1 else self.scale.reshape(-1, 1)
        return s * (self.inverse @ (s * r))

    def solve(self, b: SharedArray, scale_bits: int = 0, refinements: int = 3) -> SharedArray:
        """``2^scale_bits * A^-1 b`` (``b`` of shape ``(d,)`` or ``(d, k)``).

        The scaled result keeps ``f + scale_bits`` fractional bits of ``x``;
        ``b * 2^scale_bits`` and ``A x * 2^scale_bits`` must stay in the safe range.

        Reveals: nothing.
        """
        if not isinstance(b, SharedArray) or b.ndim not in (1, 2):
            raise TypeError("b must be a 1-D or 2-D SharedArray")
        if b.shape[0] != self.A.shape[0]:
            raise ShapeError(f"A has {self.A.shape[0]} rows but b has {b.shape[0]}")
        target = b * 2**scale_bits
        x = self.apply(target)
        for _ in range(refinements):
            x = x + self.apply(target - self.A @ x)
        return x


def solve_spd(A: SharedArray, b: SharedArray, scale_bits: int = 0, max_condition: float = 1e4,
              refinements: int = 3) -> SharedArray:
    """``2^scale_bits * A^-1 b`` for a shared SPD matrix ``A``, see :class:`SPDSolver`.

    Reveals: one bit, whether ``A`` is conditioned within ``max_condition``.
    """
    return SPDSolver(A, max_condition).solve(b, scale_bits, refinements)
