"""Arithmetic in GF(2^127 - 1), an element in two ``uint64`` words.

Fixed-point reals in a Shamir session need a large prime: probabilistic
truncation with 40-bit statistical security needs ``p > 2^(k + 41)`` for
``k ~ 2f + 30``-bit values, beyond the one-word fields of
:mod:`mpcarray.kernels.field`. The Mersenne prime ``p = 2^127 - 1`` is the
natural choice: reduction is shifts and adds.

Representation: an element array is a NumPy array of dtype :data:`ELEMENT127`
(``lo`` and ``hi`` little-endian words, value ``hi * 2^64 + lo``, canonical in
``[0, p)``, so ``hi < 2^63``). The kernels take and return its flat word view,
a ``(N, 2)`` ``uint64`` array with column 0 the low and column 1 the high word
(``x.view(np.uint64).reshape(-1, 2)`` of a C-contiguous ``x``).

Reduction: ``2^127 = 1 (mod p)``, so ``x = (x & p) + (x >> 127) (mod p)``
("folding"). A product (below ``2^254``) folds into a 128-bit value, and a
128-bit value folds into ``[0, p + 1]``, made canonical by one conditional
subtraction. Numba has no 128-bit integer type: a product's four 64 x 64 -> 128-bit
partial products come from :func:`mpcarray.kernels.field.mul128`, which emits one
widening multiply in LLVM IR.
Sums of many terms (:func:`matmul127`, :func:`sum_rows127`) add 128-bit terms
into three words and reduce once at the end, using ``2^128 = 2 (mod p)``.

Inside the kernels a two-word value travels as ``(lo, hi)``, low word first
(note that ``mul128`` returns ``(hi, lo)``).
"""

import math

import numpy as np
from numba import njit, prange

from .field import mul128

MERSENNE127 = (1 << 127) - 1
ELEMENT127 = np.dtype([("lo", "<u8"), ("hi", "<u8")])

_ZERO = np.uint64(0)
_ONE = np.uint64(1)
_ALL = np.uint64((1 << 64) - 1)  # low word of p
_M63 = np.uint64((1 << 63) - 1)  # high word of p
_TOP = np.uint64(1 << 63)  # 2^127 in the high word
_HALF = np.uint64(1 << 62)  # 2^126 in the high word: elements above (p - 1) / 2 are negative
_S1 = np.uint64(1)
_S63 = np.uint64(63)
_S64 = np.uint64(64)
_TWO64 = 2.0**64
_LIMIT_BITS = 100  # encode_fixed127 accepts |x * 2^f| < 2^100

#: Output columns per task of :func:`matmul127`: the three accumulator words of
#: 4 rows (3 x 4 x 2 KiB) stay in L1 while a row of ``b`` (4 KiB) streams past.
MATMUL_BLOCK = 256


@njit(cache=True, nogil=True, inline="always")
def _carry(total, addend):
    """1 if ``total = x + addend`` wrapped past 2^64, else 0."""
    return _ONE if total < addend else _ZERO


@njit(cache=True, nogil=True, inline="always")
def _canonical(lo, hi):
    """Any 128-bit value ``hi * 2^64 + lo`` modulo ``p``, in ``[0, p)``."""
    top = hi >> _S63  # x >> 127
    lo += top
    hi = (hi & _M63) + _carry(lo, top)  # (x & p) + (x >> 127) <= p + 1
    if hi > _M63 or (hi == _M63 and lo == _ALL):  # >= p: subtract p, i.e. add 1 - 2^127
        lo += _ONE
        hi = hi + _carry(lo, _ONE) - _TOP
    return lo, hi


@njit(cache=True, nogil=True, inline="always")
def _add(alo, ahi, blo, bhi):
    """``(a + b) mod p`` for two-word values whose sum is below 2^128."""
    lo = alo + blo
    return _canonical(lo, ahi + bhi + _carry(lo, blo))


@njit(cache=True, nogil=True, inline="always")
def _complement(lo, hi):
    """``p - a`` for ``a`` in ``[0, p]``: no borrow, as the low word of ``p`` is all ones."""
    return ~lo, _M63 - hi


@njit(cache=True, nogil=True, inline="always")
def _mul256(alo, ahi, blo, bhi):
    """Exact product of two elements as four words ``w0..w3``, low first.

    The cross products' high words are at most ``2^63 - 2`` (an element's high
    word is below 2^63), so the sum forming ``w2`` cannot wrap before ``l11``.
    """
    h00, l00 = mul128(alo, blo)
    h01, l01 = mul128(alo, bhi)
    h10, l10 = mul128(ahi, blo)
    h11, l11 = mul128(ahi, bhi)
    s = h00 + l01
    c = _carry(s, l01)
    w1 = s + l10
    c += _carry(w1, l10)
    s = h01 + h10 + c
    w2 = s + l11
    return l00, w1, w2, h11 + _carry(w2, l11)


@njit(cache=True, nogil=True, inline="always")
def _fold256(w0, w1, w2, w3):
    """``(x & p) + (x >> 127)`` of ``x < 2^254``: congruent mod ``p``, below 2^128.

    Both parts are below 2^127, so the high word of their sum cannot wrap.
    """
    slo = (w1 >> _S63) | (w2 << _S1)
    shi = (w2 >> _S63) | (w3 << _S1)
    lo = w0 + slo
    return lo, (w1 & _M63) + shi + _carry(lo, slo)


@njit(cache=True, nogil=True, inline="always")
def _product(alo, ahi, blo, bhi):
    """``a * b``, folded below 2^128 but not canonical."""
    w0, w1, w2, w3 = _mul256(alo, ahi, blo, bhi)
    return _fold256(w0, w1, w2, w3)


@njit(cache=True, nogil=True, inline="always")
def _accumulate(a0, a1, a2, lo, hi):
    """``(a0, a1, a2) + (lo, hi)``: a three-word running sum of 128-bit terms
    (exact for fewer than 2^64 terms)."""
    a0 += lo
    c = _carry(a0, lo)
    s = a1 + hi
    a2 += _carry(s, hi)
    a1 = s + c
    return a0, a1, a2 + _carry(a1, c)


@njit(cache=True, nogil=True, inline="always")
def _reduce192(w0, w1, w2):
    """``(w2 * 2^128 + w1 * 2^64 + w0) mod p`` for any words: ``2^128 = 2 (mod p)``, and
    the canonical low part plus ``2 * w2 < 2^65`` stays below 2^128."""
    lo, hi = _canonical(w0, w1)
    return _add(lo, hi, w2 << _S1, w2 >> _S63)


@njit(parallel=True, cache=True, nogil=True)
def add127(a, b):
    """Elementwise ``a + b mod p`` of ``(N, 2)`` word arrays (the sum is below 2^128)."""
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        out[j, 0], out[j, 1] = _add(a[j, 0], a[j, 1], b[j, 0], b[j, 1])
    return out


@njit(parallel=True, cache=True, nogil=True)
def sub127(a, b):
    """Elementwise ``a - b mod p``, as ``a + (p - b)`` (below ``2p < 2^128``)."""
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        lo, hi = _complement(b[j, 0], b[j, 1])
        out[j, 0], out[j, 1] = _add(a[j, 0], a[j, 1], lo, hi)
    return out


@njit(parallel=True, cache=True, nogil=True)
def neg127(a):
    """Elementwise ``-a mod p`` (``p - 0 = p`` is made canonical, 0)."""
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        lo, hi = _complement(a[j, 0], a[j, 1])
        out[j, 0], out[j, 1] = _canonical(lo, hi)
    return out


@njit(parallel=True, cache=True, nogil=True)
def mul127(a, b):
    """Elementwise ``a * b mod p``: the 256-bit product, folded, made canonical."""
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        lo, hi = _product(a[j, 0], a[j, 1], b[j, 0], b[j, 1])
        out[j, 0], out[j, 1] = _canonical(lo, hi)
    return out


def matmul127(a, b, m, k, n):
    """``a @ b mod p`` of a row-major ``m x k`` matrix ``a`` (words ``(m * k, 2)``) and a
    ``k x n`` matrix ``b`` (``(k * n, 2)``); returns ``(m * n, 2)`` words.

    Each output adds its folded products into a three-word accumulator and is
    reduced once, so the result is exact for any ``k``.
    """
    return _matmul127(a, b, m, k, n, MATMUL_BLOCK)


@njit(parallel=True, cache=True, nogil=True)
def _matmul127(a, b, m, k, n, block):
    """One task per (column block, group of 4 rows), groups innermost: consecutive tasks of
    a thread reuse one block of ``b`` from cache, and both square and wide products (a few
    rows, 10^6 columns) split into enough tasks for every thread."""
    blocks = (n + block - 1) // block
    groups = (m + 3) // 4
    out = np.empty((m * n, 2), dtype=np.uint64)
    for task in prange(groups * blocks):
        first = 4 * (task % groups)
        start = (task // groups) * block
        _block127(out, a, b, first, min(m, first + 4) - first, k, n, start,
                  min(n, start + block) - start)
    return out


@njit(cache=True, nogil=True, inline="always")
def _block127(out, a, b, first, rows, k, n, start, width):
    """Rows ``first : first + rows`` and columns ``start : start + width`` of ``a @ b``."""
    acc = np.zeros((3, rows, width), dtype=np.uint64)
    for t in range(k):
        for r in range(rows):
            x = (first + r) * k + t
            _row_terms(acc[0, r], acc[1, r], acc[2, r], a[x, 0], a[x, 1], b, t * n + start)
    for r in range(rows):
        for j in range(width):
            y = (first + r) * n + start + j
            out[y, 0], out[y, 1] = _reduce192(acc[0, r, j], acc[1, r, j], acc[2, r, j])


@njit(cache=True, nogil=True, inline="always")
def _row_terms(a0, a1, a2, xlo, xhi, b, offset):
    """Add ``x * b[offset + j]`` to the accumulator words ``(a0, a1, a2)[j]`` for every ``j``."""
    for j in range(a0.size):
        lo, hi = _product(xlo, xhi, b[offset + j, 0], b[offset + j, 1])
        a0[j], a1[j], a2[j] = _accumulate(a0[j], a1[j], a2[j], lo, hi)


@njit(parallel=True, cache=True, nogil=True)
def sum_rows127(x):
    """Column sums mod ``p`` of ``k`` rows of elements, ``(k, N, 2)`` words -> ``(N, 2)``."""
    k, size = x.shape[0], x.shape[1]
    out = np.empty((size, 2), dtype=np.uint64)
    for j in prange(size):
        a0, a1, a2 = _ZERO, _ZERO, _ZERO
        for i in range(k):
            a0, a1, a2 = _accumulate(a0, a1, a2, x[i, j, 0], x[i, j, 1])
        out[j, 0], out[j, 1] = _reduce192(a0, a1, a2)
    return out


def words127(x):
    """The ``(N, 2)`` ``uint64`` word view of an :data:`ELEMENT127` array (a copy if it
    is not C-contiguous)."""
    return np.ascontiguousarray(x).view(np.uint64).reshape(-1, 2)


def elements127(words, shape):
    """An :data:`ELEMENT127` array of ``shape`` viewing ``(N, 2)`` words."""
    return np.ascontiguousarray(words).view(ELEMENT127).reshape(shape)


def sum127(x, axes):
    """Sum mod ``p`` of an :data:`ELEMENT127` array over ``axes`` (a tuple), which are
    dropped. The reduced axes move to the front, where :func:`sum_rows127` sums them
    without further copying (and with no copy at all when they already lead, as the
    party axis of a share array does)."""
    axes = tuple(sorted(axis % x.ndim for axis in axes))
    kept = tuple(size for axis, size in enumerate(x.shape) if axis not in axes)
    terms = math.prod(x.shape[axis] for axis in axes)
    rows = np.ascontiguousarray(np.moveaxis(x, axes, tuple(range(len(axes)))))
    words = rows.view(np.uint64).reshape(terms, math.prod(kept), 2)
    return elements127(sum_rows127(words), kept)


@njit(parallel=True, cache=True, nogil=True)
def from_words127(words):
    """``(w2 * 2^128 + w1 * 2^64 + w0) mod p`` of a ``(3, M, S)`` ``uint64`` array of words
    ``w0, w1, w2``, as ``(M * S, 2)`` words. Any memory layout: the PRSS streams arrive as
    strided views, which a copy would cost more than this kernel.

    Uniform words give an element within statistical distance ``p / 2^192 < 2^-64``
    of uniform; two words would leave a bias of up to ``2^-1``.
    """
    size = words.shape[2]
    out = np.empty((words.shape[1] * size, 2), dtype=np.uint64)
    for j in prange(out.shape[0]):
        i = j // size
        s = j - i * size
        out[j, 0], out[j, 1] = _reduce192(words[0, i, s], words[1, i, s], words[2, i, s])
    return out


def mul_pow2_127(a, bits):
    """``a * 2^bits mod p`` for any integer ``bits`` (negative divides by ``2^-bits``).

    ``2^127 = 1 (mod p)``, so this is a rotation of the 127-bit value by
    ``bits mod 127``, which maps ``[1, p)`` onto itself (a canonical nonzero
    element has both a 0 and a 1 bit) and keeps 0.
    """
    return _rotate127(a, int(bits) % 127)


@njit(parallel=True, cache=True, nogil=True)
def _rotate127(a, shift):
    """Rotate every 127-bit element left by ``shift`` in ``[0, 127)``."""
    s = np.uint64(shift)
    back = np.uint64(127 - shift)
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        llo, lhi = _shift_left(a[j, 0], a[j, 1], s)
        rlo, rhi = _shift_right(a[j, 0], a[j, 1], back)
        out[j, 0] = llo | rlo
        out[j, 1] = (lhi & _M63) | rhi
    return out


@njit(cache=True, nogil=True, inline="always")
def _shift_left(lo, hi, s):
    """``(hi * 2^64 + lo) << s mod 2^128`` for ``s < 128`` (a 64-bit shift by 64 or more
    is undefined, hence the cases)."""
    if s == _ZERO:
        return lo, hi
    if s < _S64:
        return lo << s, (hi << s) | (lo >> (_S64 - s))
    return _ZERO, lo << (s - _S64)


@njit(cache=True, nogil=True, inline="always")
def _shift_right(lo, hi, s):
    """``(hi * 2^64 + lo) >> s`` for ``s < 128``."""
    if s == _ZERO:
        return lo, hi
    if s < _S64:
        return (lo >> s) | (hi << (_S64 - s)), hi >> s
    return hi >> (s - _S64), _ZERO


@njit(parallel=True, cache=True, nogil=True)
def encode_int127(v):
    """``int64`` values (1-D) as elements ``(N, 2)``: ``v >= 0`` as is, ``v < 0`` as ``p - |v|``."""
    out = np.empty((v.size, 2), dtype=np.uint64)
    for j in prange(v.size):
        x = v[j]
        if x >= 0:
            out[j, 0], out[j, 1] = np.uint64(x), _ZERO
        else:  # |x| without overflow at -2^63
            out[j, 0], out[j, 1] = _complement(np.uint64(-(x + 1)) + _ONE, _ZERO)
    return out


@njit(cache=True, nogil=True, inline="always")
def _signed(lo, hi):
    """``(negative, |a| low word, |a| high word)`` of an element read as signed:
    values above ``(p - 1) / 2 = 2^126 - 1`` stand for ``a - p``."""
    if hi >= _HALF:
        mlo, mhi = _complement(lo, hi)
        return True, mlo, mhi
    return False, lo, hi


def decode_int127(a):
    """Elements ``(N, 2)`` read as signed, as ``int64``; ``OverflowError`` if any
    value is outside ``[-2^63, 2^63)``."""
    out, overflows = _decode_int127(a)
    if overflows:
        raise OverflowError(f"{overflows} element(s) outside [-2^63, 2^63), beyond int64")
    return out


@njit(parallel=True, cache=True, nogil=True)
def _decode_int127(a):
    """Kernel of :func:`decode_int127`: the values (0 where out of range) and how many
    were out of range."""
    out = np.empty(a.shape[0], dtype=np.int64)
    overflows = 0
    for j in prange(a.shape[0]):
        negative, lo, hi = _signed(a[j, 0], a[j, 1])
        if hi != _ZERO or lo > _TOP or (lo == _TOP and not negative):
            overflows += 1
            out[j] = 0
        elif negative:  # -(lo - 1) - 1 reaches -2^63 without overflowing
            out[j] = -np.int64(lo - np.uint64(1)) - np.int64(1)
        else:
            out[j] = np.int64(lo)
    return out, overflows


@njit(parallel=True, cache=True, nogil=True)
def decode_float127(a, scale_bits):
    """Elements ``(N, 2)`` read as signed and divided by ``2^scale_bits``, as ``float64``.

    Correctly rounded (barring underflow): see :func:`_to_float`.
    """
    out = np.empty(a.shape[0], dtype=np.float64)
    for j in prange(a.shape[0]):
        negative, lo, hi = _signed(a[j, 0], a[j, 1])
        f = _to_float(lo, hi)
        out[j] = math.ldexp(-f if negative else f, -scale_bits)
    return out


@njit(cache=True, nogil=True, inline="always")
def _to_float(lo, hi):
    """``hi * 2^64 + lo`` (``hi < 2^62``) as the nearest ``float64``.

    With ``hi`` nonzero, the value is shifted right by ``e >= bit_length(hi)`` (the
    exponent of ``float(hi)``, at most one above) into 63 or 64 bits, and the bits
    shifted out are ORed into the lowest bit: that "sticky" bit lies 9 or more bits
    below the last kept mantissa bit, so the single rounding of the ``uint64``
    conversion is the correct rounding of the whole value.
    """
    if hi == _ZERO:
        return np.float64(lo)
    _, e = math.frexp(np.float64(hi))
    s = np.uint64(e)
    top = (hi << (_S64 - s)) | (lo >> s)
    if lo & ((_ONE << s) - _ONE) != _ZERO:
        top |= _ONE
    return math.ldexp(np.float64(top), e)


def encode_fixed127(x, frac_bits):
    """``float64`` values (flattened) as the elements ``(N, 2)`` of ``round(x * 2^frac_bits)``
    (half to even), negatives as ``p - |.|``.

    ``ValueError`` if a value is not finite or ``|x * 2^frac_bits| >= 2^100``.
    """
    x = np.ascontiguousarray(x, dtype=np.float64).reshape(-1)
    if frac_bits < 0:
        raise ValueError(f"frac_bits must be >= 0, got {frac_bits}")
    scale = math.ldexp(1.0, frac_bits)
    bad = ~(np.abs(x) * scale < math.ldexp(1.0, _LIMIT_BITS))  # NaN and inf fail too
    if bad.any():
        raise ValueError(f"{int(bad.sum())} value(s) not finite or with "
                         f"|x * 2^{frac_bits}| >= 2^{_LIMIT_BITS}, e.g. {x[bad][0]!r}")
    return _encode_fixed127(x, scale)


@njit(parallel=True, cache=True, nogil=True)
def _encode_fixed127(x, scale):
    """Kernel of :func:`encode_fixed127`; every step is exact.

    ``x * scale`` multiplies by a power of two (exact without overflow) and
    ``rint`` of a float is an integer float. Its quotient by 2^64 is exact, its floor
    ``hi`` too, and the remainder ``y - hi * 2^64 < 2^64`` is a multiple of the unit
    in the last place of ``y``, which is at least 2^11 when ``y >= 2^64``, so it has at
    most 53 significant bits and the subtraction is exact as well.
    """
    out = np.empty((x.size, 2), dtype=np.uint64)
    for j in prange(x.size):
        y = np.rint(x[j] * scale)
        m = abs(y)
        high = math.floor(m / _TWO64)
        lo, hi = np.uint64(m - high * _TWO64), np.uint64(high)
        if y < 0.0:
            lo, hi = _complement(lo, hi)
        out[j, 0], out[j, 1] = lo, hi
    return out


#: Bits per digit of the fixed-window exponentiation of :func:`pow127`.
_WINDOW = 4


def pow127(a, exponent):
    """``a^exponent mod p`` of ``(N, 2)`` words for a Python integer ``exponent >= 0``.

    Left-to-right with fixed 4-bit windows: per element, 15 products for the
    table of ``a^1 .. a^15``, then for each digit 4 squarings and at most one
    product (about ``1.25 log2(exponent) + 15`` products in all).
    """
    if exponent < 0:
        raise ValueError(f"the exponent must be >= 0, got {exponent}")
    ones = exponent.bit_length()
    if exponent and exponent == (1 << ones) - 1:  # 2^k - 1, e.g. the (p - 3) / 4 = 2^125 - 1 of square roots
        return _ones_power127(a, np.array([int(b) for b in bin(ones)[3:]], dtype=np.int64))
    mask = (1 << _WINDOW) - 1
    digits = [(exponent >> shift) & mask for shift in range(0, max(exponent.bit_length(), 1), _WINDOW)]
    return _pow127(a, np.array(digits[::-1], dtype=np.int64))


@njit(parallel=True, cache=True, nogil=True)
def _ones_power127(a, bits):
    """``a^(2^k - 1)`` by an addition chain, ``bits`` those of ``k`` after its leading one.

    With ``y = a^(2^m - 1)``: ``y^(2^m) * y = a^(2^(2m) - 1)`` and ``y^2 * a =
    a^(2^(m+1) - 1)``; for ``k = 125``, 124 squarings and 10 products, against
    about 170 products (and a table) for the windowed method.
    """
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        lo, hi = a[j, 0], a[j, 1]
        m = 1
        for i in range(bits.size):
            ylo, yhi = lo, hi
            for _ in range(m):
                lo, hi = _product(lo, hi, lo, hi)
                lo, hi = _canonical(lo, hi)
            lo, hi = _product(lo, hi, ylo, yhi)
            lo, hi = _canonical(lo, hi)
            m *= 2
            if bits[i]:
                lo, hi = _product(lo, hi, lo, hi)
                lo, hi = _canonical(lo, hi)
                lo, hi = _product(lo, hi, a[j, 0], a[j, 1])
                lo, hi = _canonical(lo, hi)
                m += 1
        out[j, 0], out[j, 1] = lo, hi
    return out


@njit(parallel=True, cache=True, nogil=True)
def _pow127(a, digits):
    """Kernel of :func:`pow127`: ``digits`` of the exponent in base 16, most significant first."""
    out = np.empty((a.shape[0], 2), dtype=np.uint64)
    for j in prange(a.shape[0]):
        table = np.empty((1 << _WINDOW, 2), dtype=np.uint64)
        table[0, 0], table[0, 1] = _ONE, _ZERO
        for d in range(1, 1 << _WINDOW):
            lo, hi = _product(table[d - 1, 0], table[d - 1, 1], a[j, 0], a[j, 1])
            table[d, 0], table[d, 1] = _canonical(lo, hi)
        lo, hi = _ONE, _ZERO
        for i in range(digits.size):
            for _ in range(_WINDOW):
                lo, hi = _product(lo, hi, lo, hi)
                lo, hi = _canonical(lo, hi)
            d = digits[i]
            if d:
                lo, hi = _product(lo, hi, table[d, 0], table[d, 1])
                lo, hi = _canonical(lo, hi)
        out[j, 0], out[j, 1] = lo, hi
    return out
