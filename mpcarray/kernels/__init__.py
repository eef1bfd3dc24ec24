"""Batched Numba kernels: arrays in, arrays out, every parameter an argument.

Share arrays reach the kernels as C-contiguous ``(k, N)`` ``uint64`` blocks,
one row per party held by this process (all ``n`` parties in the simulated
backend, one in the socket backend). ``first_row`` is the row of party 0, the
party that adds public constants, or ``-1`` when this process does not hold it.
Correlated randomness arrives as PRG streams ``(seeds, gammas, offset)`` of the
held parties plus party 0's correction arrays (see
:mod:`mpcarray.preprocessing.dealer`). All arithmetic wraps modulo 2^64, which
is the ring arithmetic.
"""

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
from .prg import fill_streams, stream_gammas
from .reduce import sum_rows
from .truncation import trunc_combine, trunc_correction, trunc_mask

__all__ = [
    "and_combine",
    "and_correction",
    "and_mask",
    "bit_to_arith",
    "dabit_correction",
    "dabit_mask",
    "edabit_correction",
    "edabit_shares",
    "word_dabit_correction",
    "word_dabit_mask",
    "word_to_ring",
    "xor_rows",
    "beaver_combine",
    "beaver_mask",
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
    "triple_correction",
    "trunc_combine",
    "trunc_correction",
    "to_planes",
    "trunc_mask",
]
