"""The SPD solver of the models: :mod:`mpcarray.functions.solver` (one copy, shared with the statistics)."""

from ..functions.solver import (
    EXTRA_STEPS,
    NEWTON_STEPS,
    WARM_STEPS,
    SPDSolver,
    chain_factors,
    chain_steps,
    solve_spd,
)

__all__ = ["EXTRA_STEPS", "NEWTON_STEPS", "WARM_STEPS", "SPDSolver", "chain_factors", "chain_steps", "solve_spd"]
