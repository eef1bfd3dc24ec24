"""Secret-sharing schemes as objects: split, reconstruct, how public constants enter.

Pure functions of their inputs; nothing here communicates.
"""

from .additive import Additive
from .shamir import Shamir

__all__ = ["Additive", "Shamir"]
