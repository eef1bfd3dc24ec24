"""The trusted dealer: Beaver triples, square pairs, matrix triples, truncation material.

Seed compression: every party ``i`` owns a PRG seed (shared with the dealer at
set-up) and expands its own share of every random value from its stream. For
each correlated quantity (a product ``c = a*b``, a shifted ``r >> s``, ...) the
one share that cannot be random, party 0's, is a *correction* computed by the
dealer; corrections are the only dealer traffic (counted in
``comm.dealer_bytes``). The dealer sees no inputs and no opened values.

Elementwise material is handed out as a :class:`Material`: the held parties'
streams and the offset reserved in them, plus party 0's correction. Protocol
kernels regenerate the stream values where they use them.
"""

import math
import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numba
import numpy as np

from .. import kernels
from ..transport import Transport


@dataclass(frozen=True)
class Material:
    """Correlated randomness for the held parties, as PRG streams plus party 0's correction.

    ``seeds``/``gammas`` (one per held party, in row order) define each party's
    stream; ``offset`` is where this material starts in every stream;
    ``correction`` is party 0's correction array (empty where party 0 is not held).
    """

    seeds: np.ndarray
    gammas: np.ndarray
    offset: int
    correction: np.ndarray


class Dealer(ABC):
    """Source of correlated randomness for this process's parties."""

    @abstractmethod
    def beaver_triples(self, size: int) -> Material:
        """``size`` elementwise triples ``sum(c) = sum(a) * sum(b)`` (layout in :mod:`mpcarray.kernels.beaver`)."""

    @abstractmethod
    def square_pairs(self, size: int) -> Material:
        """``size`` pairs ``sum(s) = sum(a)^2``."""

    @abstractmethod
    def truncation(self, size: int, shift: int) -> Material:
        """``size`` masks ``r`` with shares of ``r >> shift`` and ``msb(r)`` (layout in :mod:`mpcarray.kernels.truncation`)."""

    @abstractmethod
    def zero_shares(self, size: int) -> Material:
        """``size`` uniform sharings of zero: party ``i > 0`` takes its stream, party 0 the correction."""

    @abstractmethod
    def binary_triples(self, size: int) -> Material:
        """``size`` XOR-shared word triples ``c = a & b`` (layout in :mod:`mpcarray.kernels.binary`)."""

    @abstractmethod
    def edabits(self, size: int) -> Material:
        """``size`` uniform ring elements ``r``, shared arithmetically and (bitwise) by XOR."""

    @abstractmethod
    def dabits(self, size: int) -> Material:
        """``size`` uniform bits, shared by XOR and arithmetically."""

    @abstractmethod
    def word_dabits(self, size: int, width: int) -> Material:
        """``size`` random words ``beta`` shared by XOR, with arithmetic shares of their low ``width`` bits."""

    @abstractmethod
    def gram_masks(self, rows: int, cols: int) -> Material:
        """A mask ``A`` of shape ``(rows, cols)`` with shares of ``A^T A`` (layout in :mod:`mpcarray.kernels.gram`)."""

    @abstractmethod
    def matrix_triple(self, m: int, inner: int, p: int, batch: tuple = ()):
        """Arrays ``(A, B, C)`` of shapes ``(k, *batch, m, inner)``, ``(k, *batch, inner, p)``,
        ``(k, *batch, m, p)`` with ``C = A @ B`` for every batch index."""


class SimulatedDealer(Dealer):
    """In-process dealer for the simulated backend, using fast non-cryptographic streams.

    ``seed=None`` draws the party seeds from :mod:`secrets`; an integer makes
    the whole session reproducible (useful for studies and tests). Either way
    the simulated backend is not secure.
    """

    def __init__(self, transport: Transport, seed: int | None = None):
        self._transport = transport
        n = transport.n_parties
        if seed is None:
            seeds = [secrets.randbits(64) for _ in range(n)]
        else:
            seeds = np.random.SeedSequence(seed).generate_state(n, dtype=np.uint64)
        self._seeds = np.asarray(seeds, dtype=np.uint64)
        self._gammas = kernels.stream_gammas(self._seeds)
        self._counter = 0

    def _reserve(self, count: int) -> int:
        """Reserve ``count`` values of every party's stream; return the start offset."""
        start = self._counter
        self._counter += count
        return start

    def _material(self, offset: int, correction: np.ndarray) -> Material:
        self._transport.count_from_dealer(0, correction.nbytes)
        return Material(self._seeds, self._gammas, offset, correction)

    def beaver_triples(self, size):
        offset = self._reserve(3 * size)
        return self._material(offset, kernels.triple_correction(self._seeds, self._gammas, offset, size))

    def square_pairs(self, size):
        offset = self._reserve(2 * size)
        return self._material(offset, kernels.square_correction(self._seeds, self._gammas, offset, size))

    def truncation(self, size, shift):
        offset = self._reserve(3 * size)
        correction = kernels.trunc_correction(self._seeds, self._gammas, offset, size, shift)
        return self._material(offset, correction)

    def zero_shares(self, size):
        offset = self._reserve(size)
        others = kernels.fill_streams(self._seeds[1:], self._gammas[1:], offset, size)
        return self._material(offset, np.uint64(0) - kernels.sum_rows(others))

    def binary_triples(self, size):
        offset = self._reserve(3 * size)
        return self._material(offset, kernels.and_correction(self._seeds, self._gammas, offset, size))

    def edabits(self, size):
        offset = self._reserve(2 * size)
        return self._material(offset, kernels.edabit_correction(self._seeds, self._gammas, offset, size))

    def dabits(self, size):
        offset = self._reserve(2 * size)
        return self._material(offset, kernels.dabit_correction(self._seeds, self._gammas, offset, size))

    def word_dabits(self, size, width):
        offset = self._reserve((1 + width) * size)
        correction = kernels.word_dabit_correction(self._seeds, self._gammas, offset, size, width)
        return self._material(offset, correction)

    def gram_masks(self, rows, cols):
        offset = self._reserve(rows * cols + cols * cols)
        chunks = max(1, min(rows // 256, 4 * numba.get_num_threads()))
        correction = kernels.gram_correction(self._seeds, self._gammas, offset, rows, cols, chunks)
        return self._material(offset, correction)

    def matrix_triple(self, m, inner, p, batch=()):
        n, count = self._seeds.size, math.prod(batch)
        sizes = (count * m * inner, count * inner * p, count * m * p)
        flat = kernels.fill_streams(self._seeds, self._gammas, self._reserve(sum(sizes)), sum(sizes))
        a = flat[:, : sizes[0]].reshape(n, count, m, inner)
        b = flat[:, sizes[0] : sizes[0] + sizes[1]].reshape(n, count, inner, p)
        c = np.ascontiguousarray(flat[:, sizes[0] + sizes[1] :].reshape(n, count, m, p))
        a_sum = kernels.sum_rows(a.reshape(n, -1)).reshape(count, m, inner)
        b_sum = kernels.sum_rows(b.reshape(n, -1)).reshape(count, inner, p)
        for index in range(count):
            c[0, index] = kernels.ring_matmul(a_sum[index], b_sum[index]) - c[1:, index].sum(axis=0, dtype=np.uint64)
        self._transport.count_from_dealer(0, c[0].nbytes)
        return (a.reshape((n,) + tuple(batch) + (m, inner)), b.reshape((n,) + tuple(batch) + (inner, p)),
                c.reshape((n,) + tuple(batch) + (m, p)))
