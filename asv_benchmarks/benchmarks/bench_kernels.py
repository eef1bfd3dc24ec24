"""Numba kernels on their own, apart from the protocols (DESIGN §6), each beside its NumPy equivalent.

Kernel time is the floor of the protocol time: the gap between a protocol
benchmark and the kernels it calls is protocol overhead (allocation,
concatenation, Python dispatch).
"""

import numpy as np

from mpcarray import kernels
from mpcarray.preprocessing.randomness import CryptoStream, keystream_rows

from ._common import SEED


def _ring(shape, stream):
    return np.random.default_rng([SEED, stream]).integers(
        0, 2**64, size=shape, dtype=np.uint64, endpoint=False
    )


class RingMatmul:
    """Gram product ``U.T @ U`` for U of n_rows x 20 over Z_2^64.

    ``ring_matmul`` against NumPy float64 (BLAS) and NumPy uint64 (no BLAS; run
    at 10^4 rows only, it is ~50x slower than float64).
    """

    params = (10**4, 10**5)
    param_names = ("n_rows",)

    def setup(self, n_rows):
        self.u = _ring((n_rows, 20), stream=10)
        self.f = self.u.astype(np.float64)
        kernels.ring_matmul(self.u.T, self.u)  # warm-up (compile or load from cache)

    def time_ring_matmul(self, n_rows):
        kernels.ring_matmul(self.u.T, self.u)

    def time_numpy_float64_matmul(self, n_rows):
        self.f.T @ self.f

    def time_numpy_uint64_matmul(self, n_rows):
        self.u.T @ self.u

    # The uint64 baseline is only run at the small size (asv_runner's skip list).
    time_numpy_uint64_matmul.skip_params = ((10**5,),)


class FillStreams:
    """PRG streams for n_streams x 10^6 values: the simulated backend's counter-based
    ``fill_streams`` and the socket backend's AES-256-CTR ``keystream_rows``, versus NumPy's PCG64."""

    params = (1, 3)
    param_names = ("n_streams",)
    size = 10**6

    def setup(self, n_streams):
        seeds = np.random.SeedSequence(SEED).generate_state(n_streams, dtype=np.uint64)
        self.streams = (seeds, kernels.stream_gammas(seeds))
        self.rng = np.random.default_rng(SEED)
        kernels.fill_streams(self.streams, 0, self.size)  # warm-up
        self.keystreams = [CryptoStream() for _ in range(n_streams)]
        self.n_values = n_streams * self.size

    def time_fill_streams(self, n_streams):
        kernels.fill_streams(self.streams, 0, self.size)

    def time_aes_keystream(self, n_streams):
        keystream_rows(self.keystreams, self.size)

    def time_numpy_integers(self, n_streams):
        self.rng.integers(0, 2**64, self.n_values, dtype=np.uint64, endpoint=False)


class SumRows:
    """Reconstruction sum of a (3, 10^6) share array: ``sum_rows`` versus ``np.sum(axis=0)``."""

    def setup(self):
        self.rows = _ring((3, 10**6), stream=11)
        kernels.sum_rows(self.rows)  # warm-up

    def time_sum_rows(self):
        kernels.sum_rows(self.rows)

    def time_numpy_sum(self):
        np.sum(self.rows, axis=0)
