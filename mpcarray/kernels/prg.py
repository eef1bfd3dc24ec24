"""Counter-based SplitMix64 streams (fast, statistically good, NOT cryptographic).

Value ``j`` of the stream with seed ``s`` and odd increment ``g`` is
``mix(s + j * g)`` where ``mix`` is the SplitMix64 finaliser (Steele, Lea and
Flood, OOPSLA 2014). Being counter-based, any range of a stream can be produced
in parallel and by any holder of the seed, which is what seed-compressed
preprocessing needs. Used by the simulated backend only.
"""

import numpy as np
from numba import njit, prange

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True, inline="always")
def mix(z):
    """SplitMix64 finaliser: a bijection of uint64 with good avalanche."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True, nogil=True, inline="always")
def stream_value(seed, gamma, counter):
    """Value number ``counter`` of the stream ``(seed, gamma)``."""
    return mix(seed + np.uint64(counter) * gamma)


@njit(cache=True, nogil=True)
def stream_gammas(seeds):
    """Odd per-stream increments derived from the seeds, so streams never run in lockstep."""
    out = np.empty_like(seeds)
    for i in range(seeds.size):
        out[i] = mix(seeds[i] ^ _GOLDEN) | np.uint64(1)
    return out


@njit(parallel=True, cache=True, nogil=True)
def fill_streams(seeds, gammas, offset, size):
    """Values ``[offset, offset + size)`` of every stream: a ``(len(seeds), size)`` array."""
    out = np.empty((seeds.size, size), dtype=np.uint64)
    for j in prange(size):
        for i in range(seeds.size):
            out[i, j] = stream_value(seeds[i], gammas[i], offset + j)
    return out
