"""The SPD solver of the models: :mod:`mpcarray.functions.solver` (one copy, shared with the statistics)."""

from ..functions.solver import (
    NEUMANN_EXTRA,
    NEWTON_STEPS,
    STEP,
    WARM_STEPS,
    SPDSolver,
    neumann_steps,
    solve_spd,
)

__all__ = ["NEUMANN_EXTRA", "NEWTON_STEPS", "STEP", "WARM_STEPS", "SPDSolver", "neumann_steps", "solve_spd"]
