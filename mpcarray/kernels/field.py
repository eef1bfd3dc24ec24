"""Arithmetic in a prime field GF(p), any prime ``p < 2^63``.

Representation: an element is a ``uint64`` in ``[0, p)``. Because ``p < 2^63``
the sum of two elements fits in 64 bits, so addition and subtraction are one
add plus one conditional subtraction. Products need 128 bits: :func:`mul128`
returns the exact ``64 x 64 -> 128``-bit product as ``(hi, lo)`` words. Numba has
no 128-bit integer type, so it is an intrinsic that emits LLVM's widening
multiply (one ``mul`` instruction on x86-64 and AArch64) instead of four
``32 x 32``-bit limb products.

Reduction of a 128-bit value ``hi * 2^64 + lo`` with ``hi < p``, by size of ``p``:

* ``p < 2^32``: products fit in 64 bits; ``%`` reduces them directly, and a
  128-bit value is reduced by two ``%`` steps of 32 bits each (Horner).
* ``p = 2^61 - 1`` (Mersenne): ``2^61 = 1 (mod p)``, so the value folds into
  ``(x >> 61) + (x & p)`` with shifts and adds, no multiplication or division.
* any other ``p``: Montgomery reduction (REDC) applied twice, the second time
  to the product with ``R^2 mod p`` (``R = 2^64``), which undoes the ``R^-1``
  of the first. Chosen over Barrett because its constants
  (``-p^-1 mod 2^64`` and ``R^2 mod p``) fit in 64 bits, whereas Barrett's
  constant for 128-bit inputs, ``floor(2^128 / p)``, needs up to 97 bits and
  a wider multiplication; REDC needs no division at all.

The public functions with a ``p`` argument take it as a Python ``int``;
the kernels receive the precomputed constants as further arguments.
"""

import functools

import numpy as np
from llvmlite import ir
from numba import njit, prange, types
from numba.extending import intrinsic

MERSENNE61 = (1 << 61) - 1
_SMALL = np.uint64(1 << 32)
_M61 = np.uint64(MERSENNE61)
_LOW32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)
_S61 = np.uint64(61)
_S3 = np.uint64(3)
_ZERO = np.uint64(0)
_ONE = np.uint64(1)

#: Output columns per task of :func:`matmul_mod`: the 128-bit accumulators of
#: 4 rows of one block (4 x 2 x 4 KiB) stay in L1 while ``a`` streams over ``b``.
MATMUL_BLOCK = 512


@functools.lru_cache(maxsize=64)
def field_constants(p: int) -> tuple:
    """``(p, -p^-1 mod 2^64, 2^128 mod p)`` as ``np.uint64``: the kernels' modulus arguments.

    The Montgomery constants are only needed (and only defined, ``p`` odd) for
    ``p >= 2^32`` other than ``2^61 - 1``; elsewhere they are 0.
    """
    p = int(p)
    if not 2 <= p < 1 << 63:
        raise ValueError(f"modulus must satisfy 2 <= p < 2^63, got {p}")
    if p < 1 << 32 or p == MERSENNE61:
        return np.uint64(p), _ZERO, _ZERO
    pinv = -pow(p, -1, 1 << 64) % (1 << 64)
    return np.uint64(p), np.uint64(pinv), np.uint64((1 << 128) % p)


@intrinsic
def mul128(typingctx, x, y):
    """Exact ``x * y`` of two ``uint64`` as ``(hi, lo)``: one 64 x 64 -> 128-bit multiply."""
    if x != types.uint64 or y != types.uint64:
        return None
    signature = types.UniTuple(types.uint64, 2)(types.uint64, types.uint64)

    def codegen(context, builder, sig, args):
        wide = ir.IntType(128)
        product = builder.mul(builder.zext(args[0], wide), builder.zext(args[1], wide))
        hi = builder.trunc(builder.lshr(product, ir.Constant(wide, 64)), ir.IntType(64))
        return context.make_tuple(builder, sig.return_type, (hi, builder.trunc(product, ir.IntType(64))))

    return signature, codegen


@njit(cache=True, nogil=True, inline="always")
def _fold61(x):
    """Any ``uint64`` modulo ``2^61 - 1``."""
    t = (x & _M61) + (x >> _S61)
    return t - _M61 if t >= _M61 else t


@njit(cache=True, nogil=True, inline="always")
def _redc(hi, lo, p, pinv):
    """Montgomery reduction ``(hi * 2^64 + lo) * 2^-64 mod p`` for ``hi < p``."""
    mh, _ = mul128(lo * pinv, p)
    # lo + (lo * pinv * p mod 2^64) is 0 mod 2^64; it carries unless lo is 0.
    t = hi + mh + (_ONE if lo != _ZERO else _ZERO)  # < 2p
    return t - p if t >= p else t


@njit(cache=True, nogil=True, inline="always")
def reduce128(hi, lo, p, pinv, r2):
    """``(hi * 2^64 + lo) mod p`` for ``hi < p``, by the method for ``p`` (module docstring)."""
    if p < _SMALL:
        r = ((hi << _S32) | (lo >> _S32)) % p
        return ((r << _S32) | (lo & _LOW32)) % p
    if p == _M61:
        return _fold61(_fold61((hi << _S3) | (lo >> _S61)) + (lo & _M61))
    h, low = mul128(_redc(hi, lo, p, pinv), r2)
    return _redc(h, low, p, pinv)


@njit(cache=True, nogil=True, inline="always")
def _mul(x, y, p, pinv, r2):
    """``x * y mod p`` for ``x, y < p``; the product's high word is below ``p / 2``."""
    if p < _SMALL:
        return (x * y) % p
    hi, lo = mul128(x, y)
    return reduce128(hi, lo, p, pinv, r2)


def mul_mod(a, b, p):
    """Elementwise ``a * b mod p`` of 1-D ``uint64`` arrays with values in ``[0, p)``."""
    return _mul_mod(a, b, *field_constants(p))


@njit(parallel=True, cache=True, nogil=True)
def _mul_mod(a, b, p, pinv, r2):
    """Kernel of :func:`mul_mod`, given :func:`field_constants`."""
    out = np.empty(a.size, dtype=np.uint64)
    for j in prange(a.size):
        out[j] = _mul(a[j], b[j], p, pinv, r2)
    return out


@njit(parallel=True, cache=True, nogil=True)
def add_mod(a, b, p):
    """Elementwise ``a + b mod p`` (the sum of two elements below ``2^63`` cannot wrap)."""
    q = np.uint64(p)
    out = np.empty(a.size, dtype=np.uint64)
    for j in prange(a.size):
        s = a[j] + b[j]
        out[j] = s - q if s >= q else s
    return out


@njit(parallel=True, cache=True, nogil=True)
def sub_mod(a, b, p):
    """Elementwise ``a - b mod p``: the wrapped difference, plus ``p`` when ``a < b``."""
    q = np.uint64(p)
    out = np.empty(a.size, dtype=np.uint64)
    for j in prange(a.size):
        d = a[j] - b[j]
        out[j] = d + q if a[j] < b[j] else d
    return out


@njit(parallel=True, cache=True, nogil=True)
def neg_mod(a, p):
    """Elementwise ``-a mod p`` (0 stays 0, so the result is in ``[0, p)``)."""
    q = np.uint64(p)
    out = np.empty(a.size, dtype=np.uint64)
    for j in prange(a.size):
        out[j] = q - a[j] if a[j] != _ZERO else _ZERO
    return out


def reduce_wide(hi, lo, p):
    """Elementwise ``(hi * 2^64 + lo) mod p`` for any ``uint64`` words ``hi``, ``lo``.

    Two uniform PRG words give a field element within statistical distance
    ``p / 2^130 < 2^-67`` of uniform, where one word reduced mod ``p`` can be
    as far as ``p / 2^66`` (up to ``2^-3``).
    """
    return _reduce_wide(hi, lo, *field_constants(p))


@njit(parallel=True, cache=True, nogil=True)
def _reduce_wide(hi, lo, p, pinv, r2):
    """Kernel of :func:`reduce_wide`, given :func:`field_constants`."""
    out = np.empty(hi.size, dtype=np.uint64)
    for j in prange(hi.size):
        h = _fold61(hi[j]) if p == _M61 else hi[j] % p  # reduce128 needs hi < p
        out[j] = reduce128(h, lo[j], p, pinv, r2)
    return out


@njit(parallel=True, cache=True, nogil=True)
def sum_mod(x, p):
    """Column sums mod ``p`` of a ``(k, N)`` array of elements, one conditional
    subtraction per term (the sum of two elements cannot wrap)."""
    q = np.uint64(p)
    k, size = x.shape
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        acc = _ZERO
        for i in range(k):
            acc += x[i, j]
            acc = acc - q if acc >= q else acc
        out[j] = acc
    return out


def matmul_mod(a, b, p):
    """``a @ b mod p`` for C-contiguous ``uint64`` matrices ``(m, k)`` and ``(k, n)`` of elements.

    Each output element accumulates the exact 128-bit sum of its products as
    ``(hi, lo)`` words, keeping ``hi`` reduced mod ``p`` (see
    :func:`_add_product`), and is reduced once at the end.
    """
    return _matmul_mod(a, b, *field_constants(p), MATMUL_BLOCK)


@njit(parallel=True, cache=True, nogil=True)
def _matmul_mod(a, b, p, pinv, r2, block):
    """One task per (column block, group of 4 rows), groups innermost: consecutive tasks of a
    thread reuse the same block of ``b`` from cache, and both square and wide products
    (few rows, 10^6 columns) split into enough tasks for every thread."""
    m = a.shape[0]
    n = b.shape[1]
    blocks = (n + block - 1) // block
    groups = (m + 3) // 4
    out = np.empty((m, n), dtype=np.uint64)
    for task in prange(groups * blocks):
        first = 4 * (task % groups)
        start = (task // groups) * block
        _block(out, a, b, first, min(m, first + 4) - first, start, min(n, start + block) - start,
               p, pinv, r2)
    return out


@njit(cache=True, nogil=True, inline="always")
def _block(out, a, b, first, rows, start, width, p, pinv, r2):
    """``out = a @ b mod p`` on rows ``first : first + rows`` (at most 4) and columns
    ``start : start + width``. Offsets rather than slices: a column slice of ``b`` would
    not be known to be contiguous, and the inner loops would not vectorise (2x slower)."""
    hi = np.zeros((rows, width), dtype=np.uint64)
    lo = np.zeros((rows, width), dtype=np.uint64)
    if rows == 4:
        _four_rows(hi, lo, a, b, first, start, p)
    else:
        for r in range(rows):
            _one_row(hi[r], lo[r], a[first + r], b, start, p)
    for r in range(rows):
        for j in range(width):
            out[first + r, start + j] = reduce128(hi[r, j], lo[r, j], p, pinv, r2)


@njit(cache=True, nogil=True, inline="always")
def _one_row(hi, lo, a_row, b, start, p):
    """Accumulate ``a_row @ b[:, start : start + hi.size]`` into ``(hi, lo)``."""
    for t in range(a_row.size):
        x = a_row[t]
        for j in range(hi.size):
            hi[j], lo[j] = _add_product(hi[j], lo[j], x, b[t, start + j], p)


@njit(cache=True, nogil=True, inline="always")
def _four_rows(hi, lo, a, b, first, start, p):
    """Accumulate rows ``first : first + 4`` of ``a @ b`` (columns from ``start``) into
    ``(hi, lo)``, unrolled so each element of ``b`` is loaded once for 4 products."""
    for t in range(a.shape[1]):
        x0, x1, x2, x3 = a[first, t], a[first + 1, t], a[first + 2, t], a[first + 3, t]
        for j in range(hi.shape[1]):
            y = b[t, start + j]
            hi[0, j], lo[0, j] = _add_product(hi[0, j], lo[0, j], x0, y, p)
            hi[1, j], lo[1, j] = _add_product(hi[1, j], lo[1, j], x1, y, p)
            hi[2, j], lo[2, j] = _add_product(hi[2, j], lo[2, j], x2, y, p)
            hi[3, j], lo[3, j] = _add_product(hi[3, j], lo[3, j], x3, y, p)


@njit(cache=True, nogil=True, inline="always")
def _add_product(hi, lo, x, y, p):
    """``(hi, lo) + x * y`` with ``hi`` kept below ``p``: a product's high word is below
    ``p / 2`` (``p < 2^63``), so one conditional subtraction suffices for any number of terms."""
    h, low = mul128(x, y)
    s = lo + low
    h += hi + (_ONE if s < low else _ZERO)  # < p + p/2 + 1 < 2p
    return (h - p if h >= p else h), s


def sum_mod_axis(x, axes, p):
    """Exact sum mod ``p`` of a ``uint64`` array of elements over ``axes`` (a tuple).

    The reduced axes are dropped (keepdims is left to the caller). Leading axes
    (the party axis of a share array) are the ``(k, N)`` layout of :func:`sum_mod`
    and go there without a copy. Other axes use NumPy, which reduces any axes
    without a transpose: the 32-bit halves are summed separately in ``uint64``
    (exact below ``2^32`` terms) and recombined as
    ``(hi_sum mod p) * (2^32 mod p) + lo_sum mod p``. On a ``(3, 10^6)`` array
    :func:`sum_mod` is ~10x faster than the NumPy route, whose ``%`` divides.
    """
    axes = tuple(sorted(axis % x.ndim for axis in axes))
    terms = int(np.prod([x.shape[axis] for axis in axes]))
    kept = tuple(n for axis, n in enumerate(x.shape) if axis not in axes)
    if axes == tuple(range(len(axes))):
        rows = np.ascontiguousarray(x).reshape(terms, int(np.prod(kept)))
        return sum_mod(rows, p).reshape(kept)
    if terms >= 1 << 32:
        raise ValueError(f"sum of {terms} terms may overflow the 32-bit halves")
    low = np.sum(x & _LOW32, axis=axes, dtype=np.uint64)
    high = np.sum(x >> _S32, axis=axes, dtype=np.uint64)
    q = np.uint64(p)
    high = np.ascontiguousarray(high % q).reshape(-1)
    low = np.ascontiguousarray(low % q).reshape(-1)
    shift = np.full(high.size, (1 << 32) % p, dtype=np.uint64)
    return add_mod(mul_mod(high, shift, p), low, p).reshape(kept)
