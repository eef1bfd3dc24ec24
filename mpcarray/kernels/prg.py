"""PRG streams as the kernels see them: computed on the fly, or materialised.

Every party ``i`` expands its share of correlated randomness from its own
stream; a kernel asks for value ``counter`` of row ``i`` with
:func:`draw` and never needs to know where the values come from. A
``streams`` argument is one of:

* a tuple ``(seeds, gammas)``: counter-based SplitMix64 streams, value ``j``
  of row ``i`` being ``mix(seeds[i] + j * gammas[i])`` with the SplitMix64
  finaliser ``mix`` (Steele, Lea and Flood, OOPSLA 2014). Fast, computed where
  used, statistically good but NOT cryptographic: the simulated backend's.
* a ``(k, L)`` ``uint64`` array of values already drawn, e.g. the AES-256-CTR
  keystreams of the socket backend (:mod:`mpcarray.preprocessing.randomness`).

Numba compiles each kernel once per kind of ``streams`` it meets, so the
simulated backend never pays for materialised streams and the socket backend
never touches SplitMix64.
"""

import numpy as np
from numba import njit, prange, types
from numba.extending import overload

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True, inline="always")
def mix(z):
    """SplitMix64 finaliser: a bijection of uint64 with good avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def draw(streams, row, counter):
    """Value number ``counter`` of stream ``row`` (Numba only)."""
    raise NotImplementedError("draw is only callable from Numba kernels")


def stream_rows(streams):
    """Number of streams (held parties) in ``streams`` (Numba only)."""
    raise NotImplementedError("stream_rows is only callable from Numba kernels")


def _is_counter_based(streams) -> bool:
    return isinstance(streams, types.BaseTuple)


def _is_materialised(streams) -> bool:
    return isinstance(streams, types.Array) and streams.ndim == 2


@overload(draw, inline="always")
def _draw(streams, row, counter):
    if _is_counter_based(streams):
        def from_seeds(streams, row, counter):
            seeds, gammas = streams
            return mix(seeds[row] + np.uint64(counter) * gammas[row])
        return from_seeds
    if _is_materialised(streams):
        def from_array(streams, row, counter):
            return streams[row, counter]
        return from_array
    return None


@overload(stream_rows, inline="always")
def _stream_rows(streams):
    if _is_counter_based(streams):
        return lambda streams: streams[0].size
    if _is_materialised(streams):
        return lambda streams: streams.shape[0]
    return None


@njit(cache=True, nogil=True)
def stream_gammas(seeds):
    """Odd per-stream increments derived from the seeds, so streams never run in lockstep."""
    out = np.empty_like(seeds)
    for i in range(seeds.size):
        out[i] = mix(seeds[i] ^ _GOLDEN) | np.uint64(1)
    return out


@njit(parallel=True, cache=True, nogil=True)
def fill_streams(streams, offset, size):
    """Values ``[offset, offset + size)`` of every stream: a ``(rows, size)`` array."""
    rows = stream_rows(streams)
    out = np.empty((rows, size), dtype=np.uint64)
    for j in prange(size):
        for i in range(rows):
            out[i, j] = draw(streams, i, offset + j)
    return out


@njit(parallel=True, cache=True, nogil=True)
def zero_correction(streams, offset, size):
    """Dealer: party 0's share of zero, ``-(sum of the other parties' values)``."""
    out = np.empty(size, dtype=np.uint64)
    for j in prange(size):
        total = np.uint64(0)
        for i in range(1, stream_rows(streams)):
            total += draw(streams, i, offset + j)
        out[j] = np.uint64(0) - total
    return out
