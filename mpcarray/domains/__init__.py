"""Plaintext number domains: the ring Z_2^64, prime fields GF(p), fixed-point encodings.

A domain object owns the dtype, modulus, signed encoding, uniform sampling and
the arithmetic of its elements; nothing here knows about parties or networks.
"""

from .field import DEFAULT_PRIME, PrimeField
from .fixed_point import FixedPoint
from .mersenne127 import ELEMENT127, Mersenne127
from .ring import RING, RING_BITS, RING_DTYPE, Ring64, from_ring_signed, to_ring

__all__ = [
           "DEFAULT_PRIME",
           "ELEMENT127",
           "RING",
           "RING_BITS",
           "RING_DTYPE",
           "FixedPoint",
           "Mersenne127",
           "PrimeField",
           "Ring64",
           "from_ring_signed",
           "to_ring",
]
