"""Differential-privacy noise whose shares come from every party, so no single party knows it.

The Laplace, Gaussian and discrete Laplace distributions are infinitely
divisible: the noise is the sum of ``n`` independent components, one drawn
by each party, and each party's component is itself drawn from a distribution
that sums to the target (Gamma differences for Laplace, normal with variance
``sigma^2 / n``, Polya differences for discrete Laplace). Each component
enters the protocol as that party's share of the noise, added to the result's
shares before it is opened.

Collusion: parties that pool their components can subtract them from the
revealed value; what remains is the other parties' components. If ``c`` of
``n`` parties collude, the noise left has ``(n - c) / n`` of the intended
variance, so the stated (epsilon, delta) hold against each party alone, not
against coalitions (a coalition faces weaker noise, e.g. Laplace scale
shrinking towards ``(n - c) / n`` of its value). Gaussian noise on the
fixed-point grid (:meth:`Gaussian.on_grid`) is the exception: every party
draws a full component, and any one of them delivers the stated guarantee.
"""

import math
from dataclasses import dataclass

import numpy as np

from ..errors import NoiseScaleError

#: Real-valued noise must have a scale (Laplace ``b``, Gaussian ``sigma``) of at least this many
#: fixed-point steps ``2^-f``: fixed-point results carry rounding errors of a step or two, so a
#: smaller scale cannot deliver the stated epsilon (and a scale below one step is rounded away).
MIN_SCALE_STEPS = 4


class Mechanism:
    """A noise distribution with its privacy cost ``epsilon``, ``delta``; subclasses define ``component``."""

    integer = False  # integer noise, for integer arrays

    @property
    def noise_scale(self) -> float:
        """The scale of the noise (Laplace ``b``, Gaussian ``sigma``), in the units of the result."""
        raise NotImplementedError

    def check_grid(self, step: float) -> None:
        """Raise :class:`NoiseScaleError` if real noise is too small for the fixed-point ``step``."""
        if not self.integer and self.noise_scale < MIN_SCALE_STEPS * step:
            raise NoiseScaleError(
                f"{type(self).__name__} noise of scale {self.noise_scale:.3g} is below {MIN_SCALE_STEPS} "
                f"fixed-point steps ({MIN_SCALE_STEPS} x 2^-{round(-math.log2(step))} = "
                f"{MIN_SCALE_STEPS * step:.3g}): rounding would remove it or break the stated epsilon; "
                "raise the sensitivity to what the query really has, lower epsilon, or use more "
                "fractional bits")

    def on_grid(self, step: float) -> "Mechanism":
        """The mechanism actually run on a fixed-point result of resolution ``step`` (itself by default)."""
        return self

    def component(self, rng: np.random.Generator, shape: tuple, n_parties: int) -> np.ndarray:
        """One party's share of the noise; ``n_parties`` components sum to the full noise."""
        raise NotImplementedError


def _check(epsilon, sensitivity):
    if not (math.isfinite(epsilon) and epsilon > 0):
        raise ValueError(f"epsilon must be a positive finite number, got {epsilon}")
    if not (math.isfinite(sensitivity) and sensitivity > 0):
        raise ValueError(f"sensitivity must be a positive finite number, got {sensitivity}")


@dataclass(frozen=True)
class Laplace(Mechanism):
    """Laplace noise of scale ``sensitivity / epsilon``: epsilon-DP for that L1 sensitivity."""

    epsilon: float
    sensitivity: float
    delta = 0.0

    def __post_init__(self):
        _check(self.epsilon, self.sensitivity)

    @property
    def scale(self) -> float:
        return self.sensitivity / self.epsilon

    noise_scale = scale

    def on_grid(self, step: float) -> "DiscreteLaplace":
        """Discrete Laplace noise in units of ``step``, with the sensitivity rounded up to whole steps.

        A fixed-point result is an integer number of steps, so integer noise
        ``P(k) ~ exp(-|k| epsilon / D)`` with ``D = ceil(sensitivity / step)``
        gives exactly epsilon-DP (nothing is rounded afterwards), with a scale
        ``D * step / epsilon`` at least the requested ``sensitivity / epsilon``.

        Examples
        --------
        >>> Laplace(epsilon=0.5, sensitivity=1.0).on_grid(2.0**-16)
        DiscreteLaplace(epsilon=0.5, sensitivity=65536)
        """
        self.check_grid(step)
        return DiscreteLaplace(self.epsilon, math.ceil(self.sensitivity / step - 1e-9))

    def component(self, rng, shape, n_parties):
        shape_k = 1.0 / n_parties
        return rng.gamma(shape_k, self.scale, shape) - rng.gamma(shape_k, self.scale, shape)


@dataclass(frozen=True)
class DiscreteLaplace(Mechanism):
    """Integer noise with ``P(k) ~ exp(-|k| epsilon / sensitivity)``: epsilon-DP for integer queries."""

    epsilon: float
    sensitivity: int = 1
    delta = 0.0
    integer = True

    def __post_init__(self):
        _check(self.epsilon, self.sensitivity)
        if int(self.sensitivity) != self.sensitivity:
            raise ValueError("the discrete Laplace mechanism needs an integer sensitivity")

    @property
    def noise_scale(self) -> float:
        return self.sensitivity / self.epsilon

    def component(self, rng, shape, n_parties):
        p = -math.expm1(-self.epsilon / self.sensitivity)  # success probability of the geometric
        draws = [rng.negative_binomial(1.0 / n_parties, p, shape) for _ in range(2)]
        return (draws[0] - draws[1]).astype(np.int64)


def analytic_gaussian_sigma(epsilon: float, delta: float, sensitivity: float) -> float:
    """Smallest ``sigma`` for which Gaussian noise is (epsilon, delta)-DP (Balle & Wang, ICML 2018, Thm. 8)."""
    def phi(x):
        return 0.5 * math.erfc(-x / math.sqrt(2.0))

    def delta_of(sigma):
        a, b = sensitivity / (2 * sigma), epsilon * sigma / sensitivity
        return phi(a - b) - math.exp(epsilon) * phi(-a - b)

    low, high = 1e-6 * sensitivity, sensitivity
    while delta_of(high) > delta:
        high *= 2.0
    for _ in range(200):  # bisection: delta_of decreases in sigma
        middle = 0.5 * (low + high)
        low, high = (low, middle) if delta_of(middle) <= delta else (middle, high)
    return high


@dataclass(frozen=True)
class Gaussian(Mechanism):
    """Gaussian noise calibrated by the analytic Gaussian mechanism: (epsilon, delta)-DP for L2 sensitivity."""

    epsilon: float
    delta: float
    sensitivity: float

    def __post_init__(self):
        _check(self.epsilon, self.sensitivity)
        if not 0 < self.delta < 1:
            raise ValueError(f"delta must be in (0, 1), got {self.delta}")

    @property
    def sigma(self) -> float:
        return analytic_gaussian_sigma(self.epsilon, self.delta, self.sensitivity)

    @property
    def noise_scale(self) -> float:
        return self.sigma

    def on_grid(self, step: float) -> "GridGaussian":
        """Gaussian noise in whole units of ``step`` whose (epsilon, delta) survives the rounding.

        Each party draws a full ``N(0, sigma^2)`` component, ``sigma``
        calibrated for the sensitivity rounded up to whole steps
        (``D = ceil(sensitivity / step)``), and rounds it to the grid. A
        fixed-point result ``x`` is a whole number of steps, so ``x`` plus one
        party's rounded component is ``round(x + Z)``: post-processing of the
        Gaussian mechanism, (epsilon, delta)-DP; the other components are
        independent of the data, adding them is post-processing too. (The
        continuous components of ``sigma / sqrt(n)`` would each be rounded,
        and their sum is not the Gaussian mechanism.) The price is ``sqrt(n)``
        times the noise (variance ``n * sigma^2``), and the guarantee holds
        even against ``n - 1`` colluding parties.

        Examples
        --------
        >>> grid = Gaussian(epsilon=1.0, delta=1e-5, sensitivity=1.0).on_grid(2.0**-4)
        >>> grid.sensitivity, round(grid.sigma, 2)  # in steps of 2^-4
        (16, 59.69)
        """
        self.check_grid(step)
        return GridGaussian(self.epsilon, self.delta, math.ceil(self.sensitivity / step - 1e-9))

    def component(self, rng, shape, n_parties):
        return rng.normal(0.0, self.sigma / math.sqrt(n_parties), shape)


@dataclass(frozen=True)
class GridGaussian(Mechanism):
    """Integer noise: each of the ``n`` parties adds ``round(N(0, sigma^2))``, ``sigma`` calibrated for
    an integer ``sensitivity`` (:meth:`Gaussian.on_grid`); (epsilon, delta)-DP whatever ``n``."""

    epsilon: float
    delta: float
    sensitivity: int
    integer = True

    def __post_init__(self):
        _check(self.epsilon, self.sensitivity)
        if not 0 < self.delta < 1:
            raise ValueError(f"delta must be in (0, 1), got {self.delta}")
        if int(self.sensitivity) != self.sensitivity:
            raise ValueError("the grid Gaussian mechanism needs an integer sensitivity (in steps)")

    @property
    def sigma(self) -> float:
        """Each party's component's standard deviation, in steps."""
        return analytic_gaussian_sigma(self.epsilon, self.delta, self.sensitivity)

    @property
    def noise_scale(self) -> float:
        return self.sigma

    def component(self, rng, shape, n_parties):
        return np.rint(rng.normal(0.0, self.sigma, shape)).astype(np.int64)
