"""Batched Numba kernels: arrays in, arrays out, every parameter an argument.

Share arrays reach the kernels as C-contiguous ``(k, N)`` ``uint64`` blocks,
one row per party held by this process (all ``n`` parties in the simulated
backend, one in the socket backend). ``first_row`` is the row of party 0, the
party that adds public constants, or ``-1`` when this process does not hold it.
Correlated randomness arrives as the held parties' PRG ``streams`` (counter-based
or materialised, see :mod:`mpcarray.kernels.prg`) with an ``offset`` into them,
plus party 0's correction arrays (see :mod:`mpcarray.preprocessing.dealer`).
All arithmetic wraps modulo 2^64, which is the ring arithmetic, except in the
``*_mod`` kernels and ``reduce_wide`` of :mod:`mpcarray.kernels.field`, which
compute in a prime field GF(p), ``p < 2^63``, and the ``*127`` kernels of
:mod:`mpcarray.kernels.field127`, which compute in GF(2^127 - 1) on ``(N, 2)``
word arrays (two ``uint64`` words per element).
"""

import numba

from . import (
    beaver,
    binary,
    field,
    field127,
    gates,
    gram,
    matmul,
    planes,
    prg,
    product,
    reduce,
    truncation,
)
from .field127 import ELEMENT127, MERSENNE127
from .readonly import read_only_arrays
from .threads import serial_when_small

_ELEMENTS = 0  # the first argument's size measures the work
_COUNT = 2  # (streams, offset, count, ...): the count does


def _kernel(function, work, output: int | None = None):
    """``function`` run serially on small work, with read-only array arguments (one specialisation)
    except the argument at index ``output``, which the kernel fills."""
    return read_only_arrays(serial_when_small(function, work), output)


def ring_matmul(a, b):
    """``a @ b`` modulo 2^64 for 2-D ``uint64`` arrays of any memory layout."""
    return _ring_matmul(a, b, numba.get_num_threads())


beaver_mask = _kernel(beaver.beaver_mask, _ELEMENTS, output=4)
beaver_combine = _kernel(beaver.beaver_combine, _ELEMENTS)
square_mask = _kernel(beaver.square_mask, _ELEMENTS)
square_combine = _kernel(beaver.square_combine, _ELEMENTS)
triple_correction = _kernel(beaver.triple_correction, _COUNT)
square_correction = _kernel(beaver.square_correction, _COUNT)
bit_to_arith = _kernel(binary.bit_to_arith, _ELEMENTS)
dabit_correction = _kernel(binary.dabit_correction, _COUNT)
dabit_mask = _kernel(binary.dabit_mask, _ELEMENTS)
edabit_correction = _kernel(binary.edabit_correction, _COUNT)
edabit_shares = _kernel(binary.edabit_shares, _COUNT)
word_dabit_correction = _kernel(binary.word_dabit_correction, _COUNT)
word_dabit_mask = _kernel(binary.word_dabit_mask, _ELEMENTS)
word_to_ring = _kernel(binary.word_to_ring, _ELEMENTS)
xor_rows = _kernel(binary.xor_rows, _ELEMENTS)
add_mod = _kernel(field.add_mod, _ELEMENTS)
sub_mod = _kernel(field.sub_mod, _ELEMENTS)
neg_mod = _kernel(field.neg_mod, _ELEMENTS)
mul_mod = _kernel(field.mul_mod, _ELEMENTS)
matmul_mod = _kernel(field.matmul_mod, lambda a, b, p: a.size * b.shape[1])
reduce_wide = _kernel(field.reduce_wide, _ELEMENTS)
sum_mod = _kernel(field.sum_mod, _ELEMENTS)
sum_mod_axis = field.sum_mod_axis
add127 = _kernel(field127.add127, _ELEMENTS)
sub127 = _kernel(field127.sub127, _ELEMENTS)
neg127 = _kernel(field127.neg127, _ELEMENTS)
mul127 = _kernel(field127.mul127, _ELEMENTS)
pow127 = _kernel(field127.pow127, _ELEMENTS)
matmul127 = _kernel(field127.matmul127, lambda a, b, m, k, n: m * k * n)
sum_rows127 = _kernel(field127.sum_rows127, _ELEMENTS)
sum127 = _kernel(field127.sum127, _ELEMENTS)
from_words127 = _kernel(field127.from_words127, _ELEMENTS)
mul_pow2_127 = _kernel(field127.mul_pow2_127, _ELEMENTS)
encode_int127 = _kernel(field127.encode_int127, _ELEMENTS)
decode_int127 = _kernel(field127.decode_int127, _ELEMENTS)
decode_float127 = _kernel(field127.decode_float127, _ELEMENTS)
encode_fixed127 = _kernel(field127.encode_fixed127, _ELEMENTS)
words127 = field127.words127
elements127 = field127.elements127
gate_combine = _kernel(gates.gate_combine, _ELEMENTS)
gate_correction = _kernel(gates.gate_correction, _COUNT)
gram_combine = _kernel(gram.gram_combine, _ELEMENTS)
gram_correction = _kernel(gram.gram_correction, lambda streams, offset, rows, cols, chunks: rows * cols)
_ring_matmul = _kernel(matmul.ring_matmul, lambda a, b, threads: a.size * b.shape[1])
to_planes = _kernel(planes.to_planes, _ELEMENTS)
from_planes = _kernel(planes.from_planes, _ELEMENTS)
plane_bits = _kernel(planes.plane_bits, _ELEMENTS)
product_trunc_mask = _kernel(product.product_trunc_mask, _ELEMENTS, output=8)
fill_streams = _kernel(prg.fill_streams, _COUNT)
zero_correction = _kernel(prg.zero_correction, _COUNT)
stream_gammas = prg.stream_gammas
sum_rows = _kernel(reduce.sum_rows, _ELEMENTS)
trunc_mask = _kernel(truncation.trunc_mask, _ELEMENTS, output=5)
trunc_combine = _kernel(truncation.trunc_combine, _ELEMENTS)
trunc_correction = _kernel(truncation.trunc_correction, _COUNT)

__all__ = [
    "ELEMENT127",
    "MERSENNE127",
    "add127",
    "add_mod",
    "beaver_combine",
    "beaver_mask",
    "bit_to_arith",
    "dabit_correction",
    "dabit_mask",
    "decode_float127",
    "decode_int127",
    "edabit_correction",
    "edabit_shares",
    "elements127",
    "encode_fixed127",
    "encode_int127",
    "fill_streams",
    "from_planes",
    "from_words127",
    "gate_combine",
    "gate_correction",
    "gram_combine",
    "gram_correction",
    "matmul127",
    "matmul_mod",
    "mul127",
    "mul_mod",
    "mul_pow2_127",
    "neg127",
    "neg_mod",
    "plane_bits",
    "pow127",
    "product_trunc_mask",
    "reduce_wide",
    "ring_matmul",
    "square_combine",
    "square_correction",
    "square_mask",
    "stream_gammas",
    "sub127",
    "sub_mod",
    "sum127",
    "sum_mod",
    "sum_mod_axis",
    "sum_rows",
    "sum_rows127",
    "to_planes",
    "triple_correction",
    "trunc_combine",
    "trunc_correction",
    "trunc_mask",
    "word_dabit_correction",
    "word_dabit_mask",
    "word_to_ring",
    "words127",
    "xor_rows",
    "zero_correction",
]
