"""Programmed tables: a party publishes values for its own keys without showing which keys it holds.

A table maps keys to values in GF(p), ``p = 2^61 - 1``: each key has a bin and
a point, and each bin is a polynomial of a fixed degree through the points of
the keys in it, padded with random points. Evaluating a bin's polynomial at a
key's point gives the programmed value if the key is in the table, and
otherwise a value that depends on points the evaluator does not know: when the
programmed values look random, the table says nothing about which keys it
holds (the polynomial-based oblivious programmable PRF of Kolesnikov,
Matania, Pinkas, Rosulek and Trieu, CCS 2017).

The shape depends only on the number of keys ``m``, which is public: ``bins =
ceil(m / 64)`` bins of :func:`bin_capacity` points each, the smallest
capacity that the keys of ``m`` random bins exceed with probability at most
2^-40. A table of ``m`` keys is ``8 * bins * capacity`` bytes (about 17 bytes a
key at ``m = 10^5``).
"""

import math
import secrets

import numpy as np
from numba import njit

#: The field's prime, a Mersenne prime: values and points are below it.
PRIME = (1 << 61) - 1
#: Mean number of keys per bin.
MEAN_LOAD = 64
#: Probability bound of a bin overflowing its capacity (then the table cannot be built).
OVERFLOW = 2.0 ** -40


def shape(m: int) -> tuple[int, int]:
    """``(bins, capacity)`` of a table for ``m`` keys."""
    bins = max(1, math.ceil(m / MEAN_LOAD))
    return bins, bin_capacity(m, bins)


def bin_capacity(m: int, bins: int) -> int:
    """The fewest points per bin such that some bin of ``bins`` gets more of ``m`` uniformly placed keys
    with probability at most ``OVERFLOW`` (a union bound over bins of the exact binomial tail)."""
    if bins == 1:
        return m
    q = 1.0 / bins
    log_q, log_not_q, log_m = math.log(q), math.log1p(-q), math.lgamma(m + 1)
    low = math.ceil(m * q)
    probabilities = []  # P(load = k) for k = low, low + 1, ... until the rest is negligible
    for k in range(low, m + 1):
        probabilities.append(math.exp(log_m - math.lgamma(k + 1) - math.lgamma(m - k + 1)
                                      + k * log_q + (m - k) * log_not_q))
        if probabilities[-1] < 1e-30 * OVERFLOW / bins:
            break
    tail = 0.0  # P(load > capacity), accumulated from the top
    for capacity in range(low + len(probabilities) - 1, low - 1, -1):
        if bins * (tail + probabilities[capacity - low]) > OVERFLOW:
            return min(m, capacity)
        tail += probabilities[capacity - low]
    return min(m, low)


def build(bins: np.ndarray, points: np.ndarray, values: np.ndarray, m: int) -> np.ndarray:
    """The table of ``m`` keys with bin indices ``bins`` and points ``points``, programmed to ``values``.

    Returns the ``(bins, capacity)`` ``uint64`` coefficients (lowest degree first). Raises
    ``RuntimeError`` in the negligible cases where a bin overflows or two points of a bin coincide.
    """
    n_bins, capacity = shape(m)
    loads = np.bincount(bins, minlength=n_bins)
    if loads.max(initial=0) > capacity:
        raise RuntimeError(f"a linkage table bin received {loads.max()} keys, more than its {capacity} "
                           f"(probability below {OVERFLOW:.0e}); run the linkage again")
    nodes = _random_elements((n_bins, capacity))  # padding: random points with random values
    targets = _random_elements((n_bins, capacity))
    order = np.argsort(bins, kind="stable")
    slots = np.arange(len(bins)) - np.repeat(np.cumsum(loads) - loads, loads)
    nodes[bins[order], slots] = points[order]
    targets[bins[order], slots] = values[order]
    coefficients = np.empty((n_bins, capacity), dtype=np.uint64)
    if not _interpolate(nodes, targets, coefficients):
        raise RuntimeError(f"two points of a linkage table bin coincide (probability about m * capacity / 2^62, "
                           f"{m * capacity / 2.0**62:.0e} here); run the linkage again")
    return coefficients


def evaluate(table: np.ndarray, bins: np.ndarray, points: np.ndarray) -> np.ndarray:
    """The table's value at each key (bin index and point): the programmed value for keys in it."""
    return _evaluate(table, bins, points)


def add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` mod ``PRIME`` for arrays of field elements."""
    total = a + b
    return np.where(total >= PRIME, total - PRIME, total)


def subtract(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a - b`` mod ``PRIME`` for arrays of field elements."""
    return add(a, PRIME - b)


def _random_elements(shape: tuple[int, int]) -> np.ndarray:
    """Uniform field elements from the operating system's cryptographic generator."""
    size = int(np.prod(shape))
    raw = np.frombuffer(secrets.token_bytes(8 * size), dtype=np.uint64).reshape(shape)
    return (raw >> np.uint64(3)) % np.uint64(PRIME)  # 61 bits, reduced: bias below 2^-60


@njit(cache=True)
def _multiply(a, b):
    """``a * b`` mod 2^61 - 1 for ``a, b < 2^61``, in 64-bit words (2^61 = 1 and 2^64 = 8 mod p)."""
    p = np.uint64(PRIME)
    mask32 = np.uint64(0xFFFFFFFF)
    a_low, a_high = a & mask32, a >> np.uint64(32)
    b_low, b_high = b & mask32, b >> np.uint64(32)
    low = a_low * b_low  # < 2^64
    middle = a_low * b_high + a_high * b_low  # < 2^62
    high = a_high * b_high  # < 2^58
    total = ((high << np.uint64(3)) + (middle >> np.uint64(29)) + ((middle & np.uint64(0x1FFFFFFF)) << np.uint64(32))
             + (low & p) + (low >> np.uint64(61)))  # < 2^63
    total = (total & p) + (total >> np.uint64(61))
    return total - p if total >= p else total


@njit(cache=True)
def _inverse(a):
    """``a^(p - 2)`` mod p, the inverse of a nonzero ``a``."""
    result, base, exponent = np.uint64(1), a, np.uint64(PRIME - 2)
    while exponent:
        if exponent & np.uint64(1):
            result = _multiply(result, base)
        base = _multiply(base, base)
        exponent >>= np.uint64(1)
    return result


@njit(cache=True)
def _interpolate(nodes, targets, out):
    """Each row of ``out``: the polynomial of degree below the row length through ``(nodes, targets)``
    (Lagrange, O(capacity^2) per bin). False if two nodes of a row coincide."""
    p = np.uint64(PRIME)
    n_bins, capacity = nodes.shape
    master = np.empty(capacity + 1, dtype=np.uint64)
    quotient = np.empty(capacity, dtype=np.uint64)
    for row in range(n_bins):
        master[:] = 0
        master[0] = 1
        for i in range(capacity):  # master *= (z - node_i)
            node = nodes[row, i]
            for k in range(i + 1, 0, -1):
                master[k] = master[k - 1] + p - _multiply(node, master[k])
                master[k] = master[k] - p if master[k] >= p else master[k]
            master[0] = (p - _multiply(node, master[0])) % p
        out[row, :] = 0
        for i in range(capacity):
            node = nodes[row, i]
            quotient[capacity - 1] = master[capacity]  # master / (z - node), by synthetic division
            for k in range(capacity - 1, 0, -1):
                value = master[k] + _multiply(node, quotient[k])
                quotient[k - 1] = value - p if value >= p else value
            denominator = np.uint64(0)  # the quotient at the node: prod over other nodes of (node - other)
            for k in range(capacity - 1, -1, -1):
                value = _multiply(denominator, node) + quotient[k]
                denominator = value - p if value >= p else value
            if denominator == 0:
                return False
            weight = _multiply(targets[row, i], _inverse(denominator))
            for k in range(capacity):
                value = out[row, k] + _multiply(weight, quotient[k])
                out[row, k] = value - p if value >= p else value
    return True


@njit(cache=True)
def _evaluate(table, bins, points):
    """Horner's rule on the polynomial of each key's bin at its point."""
    p = np.uint64(PRIME)
    capacity = table.shape[1]
    out = np.empty(len(points), dtype=np.uint64)
    for i in range(len(points)):
        row, point = bins[i], points[i]
        value = np.uint64(0)
        for k in range(capacity - 1, -1, -1):
            value = _multiply(value, point) + table[row, k]
            value = value - p if value >= p else value
        out[i] = value
    return out
