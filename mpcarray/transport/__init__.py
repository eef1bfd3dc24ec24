"""Moving messages between parties, and counting every byte and round.

A transport knows parties and raw arrays, not shares or rings.
"""

from .base import CommStats, Transport
from .simulated import SimulatedTransport

__all__ = ["CommStats", "SimulatedTransport", "Transport"]
