"""Solving symmetric positive-definite systems ``A x = b`` on shared data.

Array code on SharedArrays (the functions layer), so that the models (normal
equations, Newton steps) and the statistics (Mahalanobis distances) share one
solver; :mod:`mpcarray.models.solver` re-exports it.

No fixed-point matrix inversion by elimination (pivots would have to be
compared and divided in secret). Instead:

1. **Scaling** to a unit diagonal, ``Â = S A S``, so that ``λmax(Â) <= d`` and
   ``κ(Â)`` is the condition number the limit refers to. ``S`` is
   ``rsqrt(diag A)`` (Jacobi), or a public ``1/sqrt(diagonal)`` when the caller
   knows the diagonal's size (the standardised Gram matrices of
   :mod:`~mpcarray.models.moments` have a diagonal of about ``4^h``), which
   saves the ``rsqrt``. ``S`` need not be accurate: any positive ``S`` gives
   ``A^-1 = S Â^-1 S``.
2. **A Chebyshev chain in product form**: every step turns the approximate
   inverse ``X`` and its residual ``Z = I - Â X`` into
   ``X' = c (I + Z) X`` and ``Z' = c Z^2 - (c - 1) I`` (then ``Z' = I - Â X'``
   again, for any ``c``), both from *one* matrix product
   ``(I + Z) [c X, c (Z - I)]`` (one Beaver opening). With ``c = 1`` this is the
   Neumann series ``Π_j (I + R^(2^j)) X_0`` (Newton–Schulz, ``X (2I - Â X)``,
   Schulz 1933, Pan & Schreiber 1991, needs two sequential products for the
   same squaring). With ``c_j = 2 t_j^2 / (2 t_j^2 - 1)``, ``t_{j+1} = 2 t_j^2 - 1``,
   the residual polynomial after ``j`` steps is ``T_(2^j)(ℓ(λ)) / T_(2^j)(ℓ(0))``,
   the Chebyshev polynomial that is smallest on the eigenvalue interval
   ``[1/κ, margin d]`` (``ℓ`` maps it onto ``[-1, 1]``; a unit diagonal gives
   ``λmax <= d`` and ``λmin >= 1/κ``; Golub & Varga 1961 for the semi-iterative
   method, ``T_(2m) = 2 T_m^2 - 1`` for the doubling). Its bound ``1/T_(2^j)(ℓ(0))``
   falls below 1/4 after about ``log2(0.73 sqrt(d κ))`` steps instead of the
   series' ``log2(0.73 d κ)``: 9 instead of 17 for ``d = 10``, ``κ = 1e4``.
   The factors are public and rounded to ``FACTOR_BITS`` bits (the rounded
   ``c_j`` are chosen step by step to minimise the bound, so rounding slows the
   chain but never breaks it); an integer mantissa scales the right operand and
   the product's one truncation divides by ``2^FACTOR_BITS``. Eigenvalues below
   ``1/κ`` keep a residual in ``[0, 1)``, so the entries stay bounded and an
   ill-conditioned system fails the check below instead of overflowing.
   ``EXTRA_STEPS`` more steps square the bound further.
3. **Two Newton–Schulz steps** last: the chain accumulates rounding in ``Z``
   (it is not self-correcting; at ``κ ~ 1e4`` its residual stalls near 0.2),
   Newton–Schulz recomputes ``T = Â X`` and squares the true residual ``E = I - T``.
4. **Convergence check**: one bit, ``||E||_F^2 < 1/4`` for the ``E`` of the last
   step (the step then leaves ``||E||^2 < 1/4`` or less), is revealed; every entry
   is first compared with ``1/2``, so that entries beyond the safe range cannot pass
   it as their wrapped squares could. If it fails the system is more ill-conditioned
   than ``max_condition``, or ``f`` is too few fractional bits for its size and
   conditioning (the chain's rounding grows with both: ``d = 64`` at ``κ ~ 6e3``
   fails at ``f = 16``), or its values exceed the range, and
   :class:`~mpcarray.errors.ConditioningError` is raised instead of returning
   wrong values. The last step's second product (and a first solve, ``rhs``)
   does not depend on the bit, so it runs in the check's rounds
   (:meth:`mpcarray.Session.concurrently`); nothing is revealed before the bit.
5. **Iterative refinement** with extended precision: ``M = S X S`` is only an
   ``f``-bit-accurate inverse (``f`` fractional bits), so ``x`` is improved by
   ``x += M (b - A x)`` with ``x`` kept as ``x * 2^scale_bits``: residuals are then
   computed to ``2^-(f + scale_bits)``, and each refinement multiplies the error by
   ``||I - M A|| ~ κ 2^-f``.

Why the product form and not more Newton–Schulz: both square the residual per
step, but the product form's two products share the left factor ``I + Z`` and
go into one opening, and with ``d <= 64`` the wider product costs bytes, not
rounds. In additive sessions each step's operands are blocks of the previous
product, truncated, so the truncation and the product take one opening
together (:func:`~mpcarray.array.primitives.truncated_square`: the dealer
shares the products of the truncation's masks): the chain takes ``k`` rounds,
not ``2k``, its last truncation joining the first Newton–Schulz product. The same
holds for the Newton–Schulz steps and the refinements, whose products take a
freshly truncated matrix and another shared one, the Jacobi scale as a diagonal
matrix (:func:`~mpcarray.array.primitives.truncated_product`: the other factor is
opened as a Beaver mask in the truncation's round). In Shamir sessions a truncated
product is one round anyway.

Cost (additive; ``k = chain_steps(d, max_condition, R)`` with the safe range
``R``, 10 for ``d = 10`` at ``1e4`` and ``f = 16``): cold start ``k + 12``
rounds with a public scale (1 scaling, ``k`` chain, 4 Newton–Schulz, then 7 for the check (a
comparison of 5 rounds, the zero test of its count, the reveal; the squares are taken in the
round that truncates the last ``Â X``) with the last step's truncation inside them), ``k + 30``
with Jacobi scaling (``rsqrt`` and two scalings; ``k + 33`` beyond 256 unknowns, where
``rsqrt``'s lookup decomposes bits); warm start ``WARM_STEPS + 16`` with a shared scale, ``+ 13``
with a public ``2^-h`` (``+ 12`` when ``4^-h`` is an integer: the exact ``X Â`` of the start, then
its truncation in the chain's first opening); :meth:`SPDSolver.solve` with ``m``
refinements ``s = 4 + 4m`` (shared scale) or ``2 + 2m`` (public), 1 less with ``rounded=False``;
with ``rhs`` the check's 7 rounds become ``max(7, s)`` with a public scale (the inverse's last
truncation joins the solve's first product) and ``max(7, 1 + s)`` with a shared one. An ``A``
that carries more fractional bits than ``f`` (an exact Gram matrix) costs no round more with a
public scale: its products by ``α 4^-h`` and its truncation share the scaling's round.
Communication ``O(d^2)`` per round.
"""

from typing import cast

import numpy as np

from ..array import SharedArray, primitives
from ..array.checks import shared
from ..array.promotion import INT
from ..errors import ConditioningError, ShapeError
from .roots import rsqrt

#: The chain's eigenvalue interval ends at ``margin d`` (a unit diagonal bounds ``λmax`` by ``d``);
#: the default margin covers a diagonal slightly above 1. A wider interval makes the chain spend
#: more steps at factors near 2, which amplify rounding: at ``f = 16`` a margin of 1.3 refused
#: some systems of 30 and 64 unknowns near ``max_condition`` that 1.05 solves.
MARGIN = 1.05
#: Fractional bits of the chain's public factors ``c_j`` (4 take 9 steps where exact factors take 9
#: and the Neumann series 17, for ``d = 10`` at ``κ = 1e4``).
FACTOR_BITS = 4
#: Chain steps after the residual bound falls below 1/4 (each squares it, about).
EXTRA_STEPS = 1
#: Most fractional bits the chain carries beyond ``f`` (its rounding, amplified by up to 4 a step
#: in the directions of the smallest eigenvalues, sets the residual it ends with).
GUARD_BITS = 4
#: Significant bits of the chain's start ``α`` (:func:`start_factor`).
START_BITS = 10
#: Product-form steps from a warm start (the inverse of a nearby matrix, residual below ~1/2).
WARM_STEPS = 2
#: Newton–Schulz steps after the series; the residual is checked before the last one.
NEWTON_STEPS = 2


def factor_bits(range_bits: int, max_condition: float) -> int:
    """Fractional bits of the chain's factors: ``FACTOR_BITS``, fewer where the inverse's entries
    (up to ``2 κ``) times ``2^bits`` would leave the safe range ``2^R`` (0 bits: the Neumann series).

    Reveals: nothing (a function of the number format and a public parameter).
    """
    return int(np.clip(range_bits - np.ceil(np.log2(2 * max_condition)), 0, FACTOR_BITS))


def guard_bits(range_bits: int, max_condition: float, bits: int) -> int:
    """Fractional bits the chain carries beyond ``f``: at most ``GUARD_BITS``, and few enough that the
    products (the inverse, up to ``2 κ``, at ``2^(2f + 3 guard + bits)``) stay inside the ring's ``2^62``.

    Reveals: nothing (a function of the number format and a public parameter).
    """
    return int(np.clip((range_bits - bits - np.ceil(np.log2(2 * max_condition))) // 3, 0, GUARD_BITS))


def start_factor(d: int, max_condition: float, margin: float = MARGIN) -> float:
    """``α`` of the chain's start ``X_0 = α I``: ``2 / (1/κ + margin d)``, which centres the eigenvalues
    of ``α Â`` on 1, rounded down to ``START_BITS`` significant bits (so that an exact Gram matrix
    can be scaled by ``α`` in a few exact terms, :meth:`SPDSolver._scaled_exact`; rounding down
    moves the residual bound by about ``2^-START_BITS / κ``).

    Reveals: nothing (a function of public sizes).
    """
    mantissa, exponent = np.frexp(2 / (1 / max_condition + margin * d))
    return float(np.ldexp(np.floor(np.ldexp(mantissa, START_BITS)), int(exponent) - START_BITS))


def chain_factors(d: int, max_condition: float, bits: int = FACTOR_BITS, margin: float = MARGIN) -> list[float]:
    """The public factors ``c_j`` of the chain's steps (module docstring, step 2), multiples of ``2^-bits``.

    The start ``α`` (:func:`start_factor`) bounds ``|residual|`` on ``[1/κ, margin d]`` by
    ``max(1 - α/κ, α margin d - 1)``. Each step maps the bound ``m`` to
    ``max(c - 1, c m^2 - (c - 1))``; ``c`` is whichever neighbour of the optimum
    ``2 / (2 - m^2)`` on the grid (or 1) gives the smaller bound. The steps run
    until the bound is below 1/4, then ``EXTRA_STEPS`` more.

    Reveals: nothing (a function of public sizes).
    """
    low, high = 1.0 / max_condition, margin * d
    alpha = start_factor(d, max_condition, margin)
    bound, factors, extra = max(1 - alpha * low, alpha * high - 1), [], EXTRA_STEPS
    while bound > 0.25 or extra > 0:
        if bound <= 0.25:
            extra -= 1
        ideal = 2 / (2 - bound * bound) * 2**bits
        candidates = {np.floor(ideal) / 2**bits, np.ceil(ideal) / 2**bits, 1.0}
        bound, c = min((max(c - 1, c * bound * bound - (c - 1)), c) for c in candidates)
        factors.append(float(c))
    return factors


def chain_steps(d: int, max_condition: float, range_bits: int) -> int:
    """Steps of the chain for a ``d x d`` system at ``max_condition`` in the safe range ``2^range_bits``.

    Reveals: nothing (a function of public sizes).
    """
    return len(chain_factors(d, max_condition, factor_bits(range_bits, max_condition)))


def _most_frac_bits(A: SharedArray, max_condition: float) -> int:
    """The most fractional bits whose safe range holds the inverse's entries (up to ``2 max_condition``)."""
    f, bits = A.fixed_point.frac_bits, A.fixed_point.range_bits
    return int((bits + 2 * f - np.log2(2 * max_condition)) // 2)  # R + 2f is the same at every f


def _refusal(A: SharedArray, max_condition: float) -> str:
    """Why the convergence check failed: the conditioning, or the precision for this size and conditioning.

    The check cannot tell them apart: the chain's rounding (``2^-f`` per step, amplified
    towards the smallest eigenvalues) grows with ``d`` and ``κ``, so a system whose ``κ`` is
    below ``max_condition`` can still fail at a low ``f`` (``d = 64`` at ``κ ~ 6e3`` and
    ``f = 16``; 18 bits solve it).
    """
    d, f = A.shape[0], A.fixed_point.frac_bits
    most = _most_frac_bits(A, max_condition)
    more = f"raise frac_bits (at most {most} at this max_condition), " if f < most else ""
    return (f"the system is more ill-conditioned than max_condition={max_condition:g} (scaled to a "
            f"unit diagonal), or the fixed-point precision (frac_bits={f}) is insufficient for {d} unknowns "
            f"at its conditioning: {more}use fewer or decorrelated features, remove collinear or constant "
            "columns (a model's constant outcome fails this check too), or raise max_condition")


def _range_hint(A: SharedArray, max_condition: float) -> str:
    """Why a too-small safe range can look like ill-conditioning, when it can (else ``""``).

    The inverse of the unit-diagonal matrix has entries up to ``κ``, and the
    Newton–Schulz products up to about ``2 κ``: they must stay below ``2^R``.
    """
    f = A.fixed_point.frac_bits
    bits = A.fixed_point.range_bits
    if 2 * max_condition < 2.0**bits:
        return ""
    most = _most_frac_bits(A, max_condition)
    return (f"; or lower frac_bits: at frac_bits={f} the safe range 2^{bits} cannot hold the "
            f"inverse's entries (up to 2 max_condition), which frac_bits <= {most} can")


def _diagonal_hint(A: SharedArray, unit_diagonal: SharedArray | None) -> str:
    """Why the check can fail with ``unit_diagonal``: a value beyond the safe range (else ``""``)."""
    if unit_diagonal is None:
        return ""
    f, bits = A.fixed_point.frac_bits, A.fixed_point.range_bits
    return (f"; or the diagonal is not 4^h: a column's squares (without an intercept its root mean "
            f"square, else its standard deviation) beyond the safe range 2^{bits} at frac_bits={f}, "
            "which wraps its moments (rescale it by a public factor or lower frac_bits)")


class SPDSolver:
    """An approximate inverse of a shared SPD matrix ``A``, applied with iterative refinement.

    Parameters
    ----------
    A : SharedArray, shape (d, d)
        Symmetric positive definite. Entries and the products ``A x`` formed by
        :meth:`solve` must stay inside the fixed-point safe range. ``A`` (and
        ``unit_diagonal`` and ``rhs``'s ``b``) may carry more fractional bits than the
        session's ``f``, up to ``|A| 2^(frac + f) < 2^62`` (an exact sum not yet
        truncated, as :func:`~mpcarray.models.moments.moments` leaves the Gram matrix):
        with ``diagonal_bits`` it is scaled as it is and truncated in the scaling's round
        (no round more), else truncated in one round first.
    max_condition : float
        Largest condition number of the scaled ``A`` (unit diagonal) that the
        number of steps is sized for (default ``1e4``).
    warm_start : SPDSolver, optional
        The solver of a nearby matrix (e.g. the previous Newton step's Hessian):
        its scaling and inverse start the iteration, which then needs only
        ``WARM_STEPS`` steps; if that does not converge, a cold start follows.
    diagonal_bits : int, optional
        ``h`` when the diagonal of ``A`` is public knowledge up to a factor
        ``(1 ± 1/2)``: about ``4^h`` (the standardised Gram matrices). The
        scaling is then the public ``2^-h`` instead of a secure ``rsqrt``.
    unit_diagonal : SharedArray, optional
        Values that must equal ``4^h`` (with ``diagonal_bits``): the diagonal of
        a standardised Gram matrix, ``y``'s entry included. Their squared
        deviations ``(v 4^-h - 1)^2`` join the residual's in the conditioning
        check (same bit, no round more), so moments wrapped by a value beyond
        the safe range raise :class:`~mpcarray.errors.ConditioningError`
        instead of giving wrong results.
    margin : float
        The scaled matrix's largest eigenvalue is taken to be at most ``margin d``
        (default ``MARGIN``, a diagonal within a few percent of 1). A caller whose
        scale keeps few significant bits passes more: the anomaly statistics' Jacobi
        scales keep 3 at ``f = 12``, a diagonal up to ``(1 + 2^-3)^2``, and pass 1.3.
    rhs : tuple, optional
        ``(b, scale_bits, refinements[, rounded])`` of a first :meth:`solve`, computed while
        the convergence bit is (its rounds shared with the check's); the result
        is :attr:`solution`. A warm start that does not converge has then
        solved once in vain (the solve's bytes, and any rounds by which it
        outlasts the check); the cold start solves again.

    Notes
    -----
    Reveals: one bit, whether the scaled system is conditioned within
    ``max_condition`` (label ``"SPDSolver: well conditioned"``); with a warm
    start, one more bit, whether it converged.
    Raises :class:`~mpcarray.errors.ConditioningError` when it is not.
    """

    def __init__(self, A: SharedArray, max_condition: float = 1e4,
                 warm_start: "SPDSolver | None" = None, diagonal_bits: int | None = None,
                 unit_diagonal: SharedArray | None = None, margin: float = MARGIN, rhs: tuple | None = None):
        A = shared(A, "A", 2)
        d = A.shape[0]
        if A.shape != (d, d):
            raise ShapeError(f"A must be square, got shape {A.shape}")
        if not max_condition >= 1:
            raise ValueError(f"max_condition must be >= 1, got {max_condition}")
        if unit_diagonal is not None:
            if diagonal_bits is None:
                raise ValueError("unit_diagonal needs diagonal_bits (the public 4^h it should equal)")
            unit_diagonal = shared(unit_diagonal, "unit_diagonal", 1)
        self.A, self._unit, self._rhs = A, unit_diagonal, rhs
        #: ``solve(*rhs)``, or None without ``rhs``
        self.solution: SharedArray | None = None
        #: ``h`` of a public scale ``2^-h``, or the shared Jacobi scale ``rsqrt(diag A)``
        self.scale: int | SharedArray
        self.inverse: SharedArray
        if warm_start is not None and warm_start.A.shape == A.shape:
            # A nearby matrix (the next Newton step's Hessian): keep its scaling and start
            # from its inverse; a few steps suffice, else fall back to a cold start.
            self.scale = warm_start.scale
            if self._iterate(None, warm_start.inverse, "SPDSolver: warm start converged"):
                return
        index = np.arange(d)
        if diagonal_bits is None:
            self._truncate_inputs()
        self.scale = int(diagonal_bits) if diagonal_bits is not None else rsqrt(self.A[index, index])
        bits = factor_bits(A.fixed_point.range_bits, max_condition)
        start = (start_factor(d, max_condition, margin), chain_factors(d, max_condition, bits, margin), bits,
                 guard_bits(A.fixed_point.range_bits, max_condition, bits))
        if not self._iterate(start, None, "SPDSolver: well conditioned"):
            raise ConditioningError(_refusal(A, max_condition) + _range_hint(A, max_condition)
                                    + _diagonal_hint(A, unit_diagonal))

    def _scaled(self, factors) -> tuple[SharedArray, SharedArray | None]:
        """``Â * c`` for each public ``c`` in ``factors``, shape ``(len(factors), d, d)``, and the
        ``unit_diagonal`` times ``4^-h`` (None without one), scaled in the same product.

        Cost: 1 round with a public scale; 4 more with a shared one.
        """
        d = self.A.shape[0]
        factors = np.asarray(factors, dtype=np.float64).reshape(-1, 1, 1)
        if isinstance(self.scale, int):
            if _scales_exactly(self.A, self.scale, factors.reshape(-1)):
                return self._scaled_exact(factors.reshape(-1))
            self._truncate_inputs()
            if self._unit is None:
                return self.A.reshape(1, d, d) * (factors * 4.0**-self.scale), None
            joined = np.concatenate([self.A.reshape(-1), self._unit]).reshape(1, -1)
            scaled = joined * (factors.reshape(-1, 1) * 4.0**-self.scale)
            return scaled[:, : d * d].reshape(-1, d, d), scaled[0, d * d:]
        self._truncate_inputs()
        # rows, then columns: the product s_i s_j alone would keep too few bits when s is small
        # (2^-12 is 16 units of 2^-16), and the mismatch with S X S breaks the refinement
        scaled = (self.A * self.scale.reshape(d, 1)) * self.scale.reshape(1, d)
        return scaled.reshape(1, d, d) * factors, None

    def _truncate_inputs(self, *scaled: tuple[SharedArray, float]) -> list[SharedArray]:
        """``A``, ``unit_diagonal`` and the ``rhs``'s ``b`` truncated to the session's ``f`` bits where they
        carry more (exact sums), and each ``x * c 4^-h`` of ``scaled`` (``x`` exact), in one round
        together (none if nothing is to be truncated); the latter are returned.

        ``c`` is a public factor of at most ``START_BITS`` significant bits, applied as
        ``Σ_i m_i 2^-e_i`` with integers ``m_i < 2^w`` (:func:`_term_bits`): each ``m_i x`` is exact
        and truncated on its own, so the result errs by a unit per term.
        """
        f = self.A.fixed_point.frac_bits
        rhs = self._rhs
        inputs = [x for x in (self.A, self._unit, None if rhs is None else rhs[0]) if x is not None]
        cuts = [(x, max(x.frac_bits - f, 0)) for x in inputs]
        owners, h = [], cast(int, self.scale) if scaled else 0  # scaled only with a public scale
        for index, (x, c) in enumerate(scaled):
            for mantissa, exponent in _factor_terms(c, _term_bits(x, h)):
                z = primitives.relabel(x * mantissa, x.frac_bits + 2 * h + exponent)
                cuts.append((z, z.frac_bits - f))
                owners.append(index)
        cut = iter(primitives.multiply_and_truncate([], [(x, bits) for x, bits in cuts if bits])[1])
        inputs = [next(cut) if bits else x for x, bits in cuts[: len(inputs)]]
        self.A, self._unit = inputs[0], inputs[1] if self._unit is not None else None
        if rhs is not None:
            self._rhs = (inputs[-1], *rhs[1:])
        terms = [next(cut) for _ in owners]
        sums = []
        for index in range(len(scaled)):
            parts = [t for t, owner in zip(terms, owners) if owner == index]
            sums.append(sum(parts[1:], parts[0]))
        return sums

    def _scaled_exact(self, factors: np.ndarray) -> tuple[SharedArray, SharedArray | None]:
        """:meth:`_scaled` for an exact ``A`` (more fractional bits than ``f``) and a public scale: the
        products by ``c 4^-h`` and the truncations of the inputs in one round (:meth:`_truncate_inputs`)."""
        pairs = [(self.A, float(c)) for c in factors] + ([] if self._unit is None else [(self._unit, 1.0)])
        results = self._truncate_inputs(*pairs)
        return cast(SharedArray, np.stack(results[: len(factors)])), None if self._unit is None else results[-1]

    def _iterate(self, cold, start, label: str) -> bool:
        """Chain steps, then Newton–Schulz steps; reveals whether the last one's residual is small
        (the return value).

        ``cold`` is ``(α, factors, bits, guard)``: start from ``X_0 = α I`` and take a step per
        factor, carrying ``guard`` more fractional bits; else ``WARM_STEPS`` Neumann steps
        (``c = 1``) from the inverse ``start``.
        """
        d = self.A.shape[0]
        eye = np.eye(d, dtype=np.int64)
        identity = primitives.shared_constant(self.A, eye)  # an integer: it lifts to any fractional bits
        residual, first = None, None
        if cold is not None:  # X_0 = α I, Z = I - α Â (the eigenvalues of α Â lie in (0, 2))
            alpha, factors, bits, guard = cold
            parts, unit = self._scaled([1.0, alpha])
            scaled, residual = parts[0], identity - _widened(parts[1], guard)
            inverse = _widened(parts[1] * 0 + alpha * np.eye(d), guard)  # a shared constant
        else:
            factors, bits, guard = [1.0] * WARM_STEPS, 0, 0
            parts, unit = self._scaled([1.0])
            scaled, inverse = parts[0], start
            f = self.A.fixed_point.frac_bits
            if start.frac_bits == f and primitives.truncated_square_applies(self.A, f):
                # [X, Z - I] = [X, -X Â], exact: the chain's first step truncates it in its own opening
                first = cast(SharedArray, np.hstack([_widened(start, f), -_exact_product(start, scaled, 2 * f)]))
            else:
                residual = eye - start @ scaled
        chained = self._chain(inverse, residual, factors, bits, guard, first)
        if isinstance(chained, tuple):  # additive: each truncation and the next product in one opening
            product, squares, raw = _newton_schulz_fused(scaled, *chained)
        else:
            (product, finish), squares, raw = _newton_schulz(scaled, chained), None, None

        def last_step():  # and the first solve, in the rounds of the check (they do not depend on it)
            if raw is not None and self._rhs is not None and self._refines_fused():
                return self._solve(*self._rhs, pending=raw)  # the inverse truncated in its first product
            self.inverse = finish() if raw is None else primitives.at_session_bits(raw)
            return None if self._rhs is None else self.solve(*self._rhs)

        converged, self.solution = primitives.concurrently(
            self.A, lambda: self._converged(eye - product, unit, label, squares), last_step)
        return converged

    def _chain(self, inverse: SharedArray, residual: SharedArray | None, factors, bits: int, guard: int,
               raw: SharedArray | None = None):
        """The inverse after a step per factor ``c`` from ``X`` and ``Z`` (module docstring, step 2):
        truncated, or in additive sessions ``(exact product, fractional bits to truncate it to)``.
        ``raw``: instead of ``Z``, the exact ``[X, Z - I]`` (``2 frac + bits + guard`` fractional
        bits), whose truncation the first step takes in its opening (a warm start's).

        Each step is ``(I + Z) [c X, c (Z - I)] = [X', Z' - I]``: ``c``'s integer mantissa,
        times ``2^guard``, scales the right operand, read with ``bits`` more fractional bits,
        so that the product's one truncation divides by ``2^bits`` and leaves the guard bits.
        In additive sessions a step's operands are blocks of the previous product, truncated:
        the truncation and the product take one opening
        (:func:`~mpcarray.array.primitives.truncated_square`), so the chain takes ``k``
        rounds (its first product and ``k - 1`` of these steps), not ``2k``, and leaves its
        last truncation to the Newton–Schulz steps' first product.
        """
        d = self.A.shape[0]
        identity = primitives.shared_constant(self.A, np.eye(d, dtype=np.int64))
        frac = inverse.frac_bits  # the residual's too
        scale = 2 * frac + bits + guard  # fractional bits of an exact product (the mantissa holds 2^guard)
        fused = primitives.truncated_square_applies(self.A, scale - frac)
        # raw: the last product, not truncated yet (fused steps)
        for step, c in enumerate(factors):
            last = step == len(factors) - 1
            mantissa = round(c * 2**bits) << guard
            if raw is not None:
                product = primitives.truncated_square(raw, frac, d, d if last else 2 * d, mantissa, 2)
                raw = primitives.relabel(product, scale)
                continue
            right = inverse if last else np.hstack([inverse, residual - identity])
            if fused and not last:  # the exact product; the next step truncates it
                raw = _exact_product(residual + identity, right * mantissa, scale)
                continue
            product = (residual + identity) @ primitives.relabel(right * mantissa, frac + bits)
            both = primitives.relabel(product, frac)
            inverse = both[:, :d]
            if not last:
                residual = both[:, d:] + identity
        return inverse if raw is None else (raw, frac)

    @staticmethod
    def _converged(error: SharedArray, unit: SharedArray | None, label: str,
                   squares: SharedArray | None = None) -> bool:
        """Reveal one bit: ``||E||_F^2 < 1/4`` with every ``|E_ij| < 1/2``, and every ``unit``
        entry within ``1/2`` of 1. ``squares``: ``||E||_F^2`` with ``2 f`` fractional bits, if the
        caller computed it in the round that made ``E`` (:func:`_newton_schulz_fused`), else the
        check squares ``E`` itself.

        The entry bounds are compared (exact for any value that does not wrap the ring) so
        that the squares summed cannot wrap: entries beyond the safe range (an inverse beyond
        it, moments wrapped by a large column) square to arbitrary values, and a sum of such
        squares alone passed in some runs. Bounding each entry by ``1/(2d)`` instead would
        need no square but refuses most warm starts. Cost: a product, the bounds compared in
        one batch, their count tested for zero (1 round with the dealer's one-hot mask, a
        comparison in Shamir sessions) and the reveal: 8 rounds (additive), 7 with ``squares``.
        """
        # as ring integers (E_ij 2^f): the squares need no truncation, and their sum
        # (below d^2 4^(f - 1) when every entry passes) stays far inside the ring at any f
        entries = primitives.relabel(error.reshape(-1), INT)
        half, size = 2 ** (error.frac_bits - 1), entries.shape[0]
        total = (entries * entries).sum() if squares is None else primitives.relabel(squares, INT)
        values = [entries, -entries, total.reshape(1)]
        bounds = [np.full(2 * size, half), np.full(1, half * half)]
        if unit is not None:
            deviation = primitives.relabel(unit - 1.0, INT)
            values += [deviation, -deviation]
            bounds += [np.full(2 * unit.shape[0], half)]
        inside = np.concatenate(values) < np.concatenate(bounds)
        size = inside.shape[0]
        outside = primitives.relabel(size - inside.sum(), INT)  # in [0, size]
        return bool(primitives.is_small_zero(outside, int(size).bit_length()).reveal(label=label))

    def apply(self, r: SharedArray) -> SharedArray:
        """``M r`` for the approximate inverse ``M = S X S`` of ``A``. Reveals: nothing.

        Cost: 3 rounds with a public scale, 6 with a shared one.
        """
        if isinstance(self.scale, int):
            return self._shifted(self.inverse, r * 2.0**-self.scale)
        s = self.scale if r.ndim == 1 else self.scale.reshape(-1, 1)
        return s * (self.inverse @ (s * r))

    def _shifted(self, M: SharedArray, r: SharedArray) -> SharedArray:
        """``M r 2^-h`` for the public scale ``2^-h``: ``r`` read with ``h`` more fractional
        bits, so that the product's one truncation also divides (2 rounds, one rounding)."""
        return M @ primitives.relabel(r, r.frac_bits + self.scale)

    def solve(self, b: SharedArray, scale_bits: int = 0, refinements: int = 3,
              rounded: bool = True) -> SharedArray:
        """``2^scale_bits * A^-1 b`` (``b`` of shape ``(d,)`` or ``(d, k)``).

        With ``rounded=False`` the result may keep more than ``f`` fractional bits
        (additive sessions: the last refinement's exact sum, before its truncation), so
        that a caller who truncates it anyway takes that truncation in its own round
        (:func:`~mpcarray.models.precision.reveal_product` does): 1 round less.

        The scaled result keeps ``f + scale_bits`` fractional bits of ``x``;
        ``b * 2^scale_bits`` and ``A x * 2^scale_bits`` must stay in the safe range
        ``2^R``, and with a public scale ``2^-h`` also ``|x| 2^scale_bits < 2^(R - h)``
        (the products read their right operand with ``h`` more fractional bits).
        Beyond these the products wrap and the result is wrong without an error.

        Cost: for ``m`` refinements, in additive sessions ``4 + 4 m`` rounds with a shared
        scale and ``2 + 2 m`` with a public one (each truncation in the next product's
        opening); in Shamir sessions ``6 + 8 m`` and ``2 + 4 m``; 1 more if ``scale_bits < h``.
        Reveals: nothing.
        """
        return self._solve(b, scale_bits, refinements, rounded)

    def _refines_fused(self) -> bool:
        """Whether :meth:`solve` takes :meth:`_refined` (a public scale, additive sessions), which can
        also truncate a pending inverse in its first product."""
        return isinstance(self.scale, int) and primitives.truncated_square_applies(
            self.A, self.A.fixed_point.frac_bits)

    def _solve(self, b: SharedArray, scale_bits: int, refinements: int, rounded: bool = True,
               pending: SharedArray | None = None) -> SharedArray:
        """:meth:`solve`; ``pending``: the exact inverse whose truncation (:attr:`inverse`) joins the
        first product's opening (only where :meth:`_refines_fused`)."""
        if not isinstance(b, SharedArray) or b.ndim not in (1, 2):
            raise TypeError("b must be a 1-D or 2-D SharedArray")
        if b.shape[0] != self.A.shape[0]:
            raise ShapeError(f"A has {self.A.shape[0]} rows but b has {b.shape[0]}")
        fused = primitives.truncated_square_applies(self.A, self.A.fixed_point.frac_bits)
        if not isinstance(self.scale, int):
            target = b * 2**scale_bits
            if fused:
                return _rounded(self._refined_jacobi(target, refinements, self.scale), rounded)
            x = self.apply(target)
            for _ in range(refinements):
                x = x + self.apply(target - self.A @ x)
            return x
        # the same with the residuals kept at 2^-h: S X S r = X (r 2^-h) 2^-h
        target = b * 2.0 ** (scale_bits - self.scale)  # exact when scale_bits >= h
        if fused:
            return _rounded(self._refined(target, refinements, self.scale, pending), rounded)
        x = self._shifted(self.inverse, target)
        for _ in range(refinements):
            x = x + self._shifted(self.inverse, target - self._shifted(self.A, x))
        return x

    def _refined_jacobi(self, target: SharedArray, refinements: int, scale: SharedArray) -> SharedArray:
        """:meth:`solve`'s refinements with the Jacobi scale ``S``, as :meth:`_refined` does them
        (additive sessions): ``M r = S (X (S r))`` with ``S`` as a diagonal matrix, each product
        taking the previous one's truncation in its opening, and ``S (target - A x)`` as
        ``S target`` (the first product, kept exact) minus ``S trunc(A x)``. A solve takes
        ``4 + 4m`` rounds instead of ``6 + 8m`` (with :func:`_rounded`'s last truncation, which this
        leaves to the caller); the same values as the unfused loop."""
        f = self.A.fixed_point.frac_bits
        d = self.A.shape[0]
        columns = target.reshape(d, -1)
        diagonal = scale.reshape(d, 1) * np.eye(d, dtype=np.int64)  # S, a local product with a public 0/1
        scaled_target = _exact_product(diagonal, columns, diagonal.frac_bits + columns.frac_bits)  # S target

        def applied(scaled: SharedArray) -> SharedArray:  # S X trunc(scaled), exact but the inner truncations
            inner, _ = primitives.truncated_product(self.inverse, scaled, f)
            return primitives.truncated_product(diagonal, inner, f)[0]

        raw = applied(scaled_target)
        for _ in range(refinements):
            product, x = primitives.truncated_product(self.A, raw, f)  # A x, exact, and x
            correction, _ = primitives.truncated_product(diagonal, product, f)  # S trunc(A x)
            raw = x + applied(scaled_target - correction)
        return raw.reshape(target.shape)

    def _refined(self, target: SharedArray, refinements: int, h: int, pending: SharedArray | None = None) -> SharedArray:
        """:meth:`solve`'s refinements with a public scale, each truncation in the opening of the
        product that follows it (:func:`~mpcarray.array.primitives.truncated_product`, additive
        sessions): ``M (target - A x) = M target - M (A x)``, where ``M target`` is the first
        product, kept exact, and ``x + ...`` is truncated in the next product's opening (``x``'s
        part is exact there). A refinement takes 2 rounds instead of 4. The same values as the
        unfused loop (before the last truncation, which :func:`_rounded` takes).

        With ``pending`` (the exact inverse), ``M`` is its truncation, taken in the first
        product's opening as ``(target^T trunc(pending^T))^T`` and kept as :attr:`inverse`."""
        f = self.A.fixed_point.frac_bits
        columns = target.reshape(target.shape[0], -1)
        if pending is None:
            first = _exact_product(self.inverse, columns, self.inverse.frac_bits + columns.frac_bits + h)  # M target
        else:
            product, transposed = primitives.truncated_product(columns.T, pending.T, f)
            self.inverse = transposed.T
            first = _shifted_label(product.T, h)
        raw = first
        for _ in range(refinements):
            product, x = primitives.truncated_product(self.A, raw, f)  # A x, exact, and x
            residual, _ = primitives.truncated_product(self.inverse, _shifted_label(product, h), f)
            raw = x + first - _shifted_label(residual, h)
        return raw.reshape(target.shape)


def _scales_exactly(x: SharedArray, h: int, factors) -> bool:
    """Whether :meth:`SPDSolver._scaled_exact` applies: ``x`` carries more fractional bits than ``f``,
    there is room for its integer multiples (:func:`_term_bits`), and every term's truncation shift
    is at most 62 bits (else ``x`` is truncated first, 1 round more)."""
    f = x.fixed_point.frac_bits
    width = _term_bits(x, h)
    if x.frac_bits <= f or width == 0:
        return False
    exponents = [e for c in factors for _, e in _factor_terms(float(c), width)]
    return x.frac_bits + 2 * h + max(exponents) - f <= 62


def _term_bits(x: SharedArray, h: int) -> int:
    """Bits ``w`` of the integers ``m`` that multiply an exact ``x`` of about ``4^h`` (at most
    ``1.5 4^h``, as ``diagonal_bits`` promises) with its ring elements below ``2^62``: at most
    ``START_BITS``, 0 when there is no room."""
    return int(np.clip(np.floor(62 - x.frac_bits - 2 * h - np.log2(1.5)), 0, START_BITS))


def _factor_terms(c: float, width: int) -> list[tuple[int, int]]:
    """``c`` (positive, below 2, at most ``START_BITS`` significant bits) as ``Σ m 2^-e`` over the
    returned ``(m, e)``, integers ``0 < m < 2^width`` and ``e >= 0``."""
    mantissa, exponent = np.frexp(c)
    integer = int(np.ldexp(mantissa, START_BITS))
    if not 0 < c < 2 or integer != np.ldexp(mantissa, START_BITS):
        raise ValueError(f"a factor in (0, 2) of at most {START_BITS} significant bits, got {c!r}")
    terms, shift = [], 0
    while integer:
        if integer % 2**width:
            terms.append((integer % 2**width, START_BITS - int(exponent) - shift))
        integer, shift = integer >> width, shift + width
    return terms


def _rounded(raw: SharedArray, rounded: bool) -> SharedArray:
    """``raw`` truncated to the session's ``f`` fractional bits if ``rounded`` (1 round), else as it is."""
    return primitives.at_session_bits(raw) if rounded else raw


def _newton_schulz(scaled: SharedArray, inverse: SharedArray):
    """Newton–Schulz steps ``X (2I - Â X)`` from the chain's inverse: ``(Â X, finish)`` for the
    last ``X``, ``finish()`` giving the last step's inverse (module docstring, step 3)."""
    eye = np.eye(scaled.shape[0], dtype=np.int64)
    for _ in range(NEWTON_STEPS - 1):  # squares the true residual I - Â X
        inverse = inverse @ (2 * eye - scaled @ inverse)
    product = scaled @ inverse
    return product, lambda: inverse @ (2 * eye - product)


def _newton_schulz_fused(scaled: SharedArray, raw: SharedArray, frac: int):
    """:func:`_newton_schulz` from the chain's exact last product ``raw`` (truncated to ``frac``
    fractional bits in the first product's opening): each truncation shares an opening with
    the product that follows it (:func:`~mpcarray.array.primitives.truncated_product`), and
    ``X (2I - Â X)`` is ``2X - X trunc(Â X)``, so a step takes 2 rounds instead of 4.

    Returns ``(Â X, ||E||_F^2, 2X - X Â X)`` for the last step's ``X`` and ``E = I - Â X``:
    the squares (``2 f`` fractional bits, or None where :func:`_error_squares` does not apply)
    come from the round that truncates ``Â X``, and the last inverse is left exact (``2 f``
    fractional bits) for its truncation to join a later opening. The same values as
    :func:`_newton_schulz` but the truncation's rounding."""
    f = scaled.fixed_point.frac_bits  # the unfused products' truncation
    for _ in range(NEWTON_STEPS - 1):
        raw_product, inverse = primitives.truncated_product(scaled, raw, frac)  # Â X, X
        step, _ = primitives.truncated_product(inverse, raw_product, f)  # X trunc(Â X)
        raw, frac = 2 * inverse - step, f
    raw_product, inverse = primitives.truncated_product(scaled, raw, frac)
    (step, product), squares = primitives.concurrently(
        raw_product, lambda: primitives.truncated_product(inverse, raw_product, f),
        lambda: _error_squares(cast(SharedArray, np.eye(raw_product.shape[0], dtype=np.int64) - raw_product), f))
    return product, squares, 2 * inverse - step


def _error_squares(raw: SharedArray, frac: int) -> SharedArray | None:
    """``||trunc(E)||_F^2`` for the exact ``E`` (``raw``, truncated to ``frac`` bits) with ``2 frac``
    fractional bits, in the truncation's round: the trace of ``trunc(E^T) trunc(E)``
    (:func:`~mpcarray.array.primitives.truncated_square` of ``[E, E^T]``). None where that
    does not apply (the check then squares the truncated ``E``, 1 round more)."""
    d = raw.shape[0]
    if not primitives.truncated_square_applies(raw, raw.frac_bits - frac):
        return None
    gram = primitives.truncated_square(cast(SharedArray, np.hstack([raw, raw.T])), frac, d, d, 1, 0)
    index = np.arange(d)
    return gram[index, index].sum()


def _exact_product(left: SharedArray, right: SharedArray, frac: int) -> SharedArray:
    """``left @ right`` without truncation (their ring elements as integers), read with ``frac``
    fractional bits. 1 round (a Beaver product)."""
    return primitives.relabel(primitives.relabel(left, INT) @ primitives.relabel(right, INT), frac)


def _shifted_label(x: SharedArray, bits: int) -> SharedArray:
    """``x / 2^bits``: the same ring elements read with ``bits`` more fractional bits. Local."""
    return primitives.relabel(x, x.frac_bits + bits)


def _widened(x: SharedArray, bits: int) -> SharedArray:
    """``x`` with ``bits`` more fractional bits (the same value, exactly). Local."""
    return primitives.relabel(x * 2**bits, x.frac_bits + bits)


def solve_spd(A: SharedArray, b: SharedArray, scale_bits: int = 0, max_condition: float = 1e4,
              refinements: int = 3) -> SharedArray:
    """``2^scale_bits * A^-1 b`` for a shared SPD matrix ``A``, see :class:`SPDSolver`.

    Reveals: one bit, whether ``A`` is conditioned within ``max_condition``.
    """
    return SPDSolver(A, max_condition).solve(b, scale_bits, refinements)
