"""Plaintext number domains: the ring Z_2^64 and fixed-point encodings over it.

Pure functions only; nothing here knows about parties or networks.
"""

from .fixed_point import FixedPoint
from .ring import RING_BITS, RING_DTYPE, from_ring_signed, to_ring

__all__ = ["RING_BITS", "RING_DTYPE", "FixedPoint", "from_ring_signed", "to_ring"]
