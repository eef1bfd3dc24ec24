"""Batched Numba kernels: arrays in, arrays out, every parameter an argument.

Share arrays reach the kernels as C-contiguous ``(k, N)`` ``uint64`` blocks,
one row per party held by this process (all ``n`` parties in the simulated
backend, one in the socket backend). ``first_row`` is the row of party 0, the
party that adds public constants, or ``-1`` when this process does not hold it.
Correlated randomness arrives as the held parties' PRG ``streams`` (counter-based
or materialised, see :mod:`mpcarray.kernels.prg`) with an ``offset`` into them,
plus party 0's correction arrays (see :mod:`mpcarray.preprocessing.dealer`).
All arithmetic wraps modulo 2^64, which is the ring arithmetic.
"""

import os

# Numba's OpenMP workers otherwise spin after each parallel kernel and starve
# the BLAS call that follows (owner-local X.T @ X ran ~15x slower on 2 cores).
# Must be set before the OpenMP runtime loads; a value set by the user wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from .beaver import (
    beaver_combine,
    beaver_mask,
    square_combine,
    square_correction,
    square_mask,
    triple_correction,
)
from .binary import (
    and_combine,
    and_correction,
    and_mask,
    bit_to_arith,
    dabit_correction,
    dabit_mask,
    edabit_correction,
    edabit_shares,
    word_dabit_correction,
    word_dabit_mask,
    word_to_ring,
    xor_rows,
)
from .gram import gram_combine, gram_correction
from .matmul import ring_matmul
from .planes import from_planes, plane_bits, to_planes
from .prg import fill_streams, stream_gammas, zero_correction
from .reduce import sum_rows
from .truncation import trunc_combine, trunc_correction, trunc_mask

__all__ = [
    "and_combine",
    "and_correction",
    "and_mask",
    "beaver_combine",
    "beaver_mask",
    "bit_to_arith",
    "dabit_correction",
    "dabit_mask",
    "edabit_correction",
    "edabit_shares",
    "fill_streams",
    "from_planes",
    "gram_combine",
    "gram_correction",
    "plane_bits",
    "ring_matmul",
    "square_combine",
    "square_correction",
    "square_mask",
    "stream_gammas",
    "sum_rows",
    "to_planes",
    "triple_correction",
    "trunc_combine",
    "trunc_correction",
    "trunc_mask",
    "word_dabit_correction",
    "word_dabit_mask",
    "word_to_ring",
    "xor_rows",
    "zero_correction",
]
