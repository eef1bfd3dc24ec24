"""Secret-sharing schemes as pure functions (no communication)."""

from .additive import reconstruct, split

__all__ = ["reconstruct", "split"]
