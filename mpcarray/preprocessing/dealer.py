"""The trusted dealer: Beaver triples, square pairs, matrix triples, truncation material.

Stream compression: every party ``i`` owns a PRG stream (its seed or key is
shared with the dealer at set-up) and expands its own share of every random
value from it. For
each correlated quantity (a product ``c = a*b``, a shifted ``r >> s``, ...) the
one share that cannot be random, party 0's, is a *correction* computed by the
dealer; corrections are the only dealer traffic (counted in
``comm.dealer_bytes``). The dealer sees no inputs and no opened values.

Elementwise material is handed out as a :class:`Material`: the held parties'
streams and the offset reserved in them, plus party 0's correction. Protocol
kernels regenerate the stream values where they use them. What each request
reserves and how its correction is computed is the single table in
:mod:`mpcarray.preprocessing.kinds`; a dealer only decides where the streams
come from and how party 0 obtains its correction.
"""

import functools
import math
import secrets
from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .. import kernels
from ..domains.residues import ResidueRing
from ..errors import ProtocolError
from ..transport import Transport
from . import masks, one_hot, product_masks
from .kinds import KINDS, correction, matrix_correction, matrix_sizes, party0_gaps, stream_length
from .provider import Provider


class LocalCorrection:
    """Party 0's correction made in this process from every party's stream (the simulated dealer).

    Called, it runs the kind's correction kernel; a protocol kernel that draws
    every party's stream anyway can write it instead (see
    :meth:`Material.correction_buffer`). ``count(nbytes)`` books the dealer bytes.
    """

    def __init__(self, compute: Callable[[], np.ndarray], count: Callable[[int], None]):
        self._compute = compute
        self.count = count

    def __call__(self) -> np.ndarray:
        fix = self._compute()
        self.count(fix.nbytes)
        return fix


@dataclass(frozen=True)
class Material:
    """Correlated randomness for the held parties, as PRG streams plus party 0's correction.

    ``streams`` holds the held parties' streams in row order, in one of the two
    forms of :mod:`mpcarray.kernels.prg`; ``offset`` is where this material
    starts in every stream;
    ``correction`` is party 0's correction array (empty where party 0 is not held).
    A remote dealer passes a function that waits for the correction instead,
    so it arrives while the parties open their masked values; the simulated
    dealer a :class:`LocalCorrection`.
    """

    streams: tuple[np.ndarray, np.ndarray] | np.ndarray
    offset: int
    pending: np.ndarray | Callable[[], np.ndarray]

    @cached_property
    def correction(self) -> np.ndarray:
        return self.pending if isinstance(self.pending, np.ndarray) else self.pending()

    def correction_buffer(self, *shape: int) -> np.ndarray:
        """Where a kernel that draws every party's stream may write party 0's correction.

        A fresh ``uint64`` array of ``shape`` that becomes :attr:`correction` when
        the correction is made in this process and not made yet (each stream
        value is then drawn once for the correction and the shares together);
        otherwise an empty array, which tells the kernel to skip it.
        """
        if isinstance(self.pending, LocalCorrection) and "correction" not in self.__dict__:
            buffer = np.empty(shape, dtype=np.uint64)
            self.pending.count(buffer.nbytes)
            self.__dict__["correction"] = buffer  # what cached_property would store
            return buffer
        return np.empty((0,) * len(shape), dtype=np.uint64)


class CounterStreams:
    """Fixed per-party SplitMix64 seeds; each request takes the next ``length`` values of every stream."""

    def __init__(self, seeds: np.ndarray):
        seeds = np.asarray(seeds, dtype=np.uint64)
        self.streams = (seeds, kernels.stream_gammas(seeds))
        self._counter = 0

    def next(self, length: int) -> tuple[tuple[np.ndarray, np.ndarray], int]:
        offset = self._counter
        self._counter += length
        return self.streams, offset


class Dealer(Provider):
    """The trusted dealer: correlated randomness for this process's parties over Z_2^64.

    ``streams`` yields the held parties' ``(streams, offset)`` for each
    request (an object with ``next(length)``); subclasses provide party 0's
    correction through :meth:`_correction`, called only where party 0 is held,
    and count the bytes it takes from the dealer.
    """

    description = "the trusted dealer"
    #: Whether ``streams.next`` takes the word ranges of party 0's stream to leave undrawn
    #: (:attr:`~.kinds.Kind.party0_gaps`; materialised keystreams), asked where party 0 is row 0.
    skips_party0_gaps = False

    def __init__(self, transport: Transport, streams):
        self._transport = transport
        self._streams = streams

    @abstractmethod
    def _correction(self, name: str, params: tuple, streams, offset: int):
        """Party 0's correction (or a function waiting for it) for a request of kind ``name``."""

    def _material(self, name: str, *params) -> Material:
        length = stream_length(name, params)
        if self.skips_party0_gaps and self._transport.first_row == 0:
            streams, offset = self._streams.next(length, party0_gaps(name, params))
        else:
            streams, offset = self._streams.next(length)
        fix = np.empty((0,) * KINDS[name].dims, dtype=np.uint64)  # party 0 is not held here
        if 0 in self._transport.ranks:
            fix = self._correction(name, params, streams, offset)
        return Material(streams, offset, fix)

    def beaver_triples(self, size: int) -> Material:
        """``size`` elementwise triples ``sum(c) = sum(a) * sum(b)`` (layout in :mod:`mpcarray.kernels.beaver`)."""
        return self._material("beaver_triples", size)

    def square_pairs(self, size: int) -> Material:
        """``size`` pairs ``sum(s) = sum(a)^2``."""
        return self._material("square_pairs", size)

    def truncation(self, size: int, shift: int) -> Material:
        """``size`` masks ``r`` with shares of ``r >> shift`` and ``msb(r)`` (layout in :mod:`mpcarray.kernels.truncation`)."""
        return self._material("truncation", size, shift)

    def zero_shares(self, size: int) -> Material:
        """``size`` uniform sharings of zero: party ``i > 0`` takes its stream, party 0 the correction."""
        return self._material("zero_shares", size)

    def edabits(self, size: int) -> Material:
        """``size`` uniform ring elements ``r``, shared arithmetically and (bitwise) by XOR."""
        return self._material("edabits", size)

    def dabits(self, size: int) -> Material:
        """``size`` uniform bits, shared by XOR and arithmetically."""
        return self._material("dabits", size)

    def word_dabits(self, size: int, width: int) -> Material:
        """``size`` random words ``beta`` shared by XOR, with arithmetic shares of their low ``width`` bits."""
        return self._material("word_dabits", size, width)

    def gate_masks(self, size: int, gate: int) -> Material:
        """``size`` instances of gate ``gate``: input masks and shares of their products (:mod:`mpcarray.preprocessing.gates`)."""
        return self._material("gate_masks", size, gate)

    def gram_masks(self, rows: int, cols: int) -> Material:
        """A mask ``A`` of shape ``(rows, cols)`` with shares of ``A^T A`` (layout in :mod:`mpcarray.kernels.gram`)."""
        return self._material("gram_masks", rows, cols)

    def matrix_triple(self, m: int, inner: int, p: int, batch: tuple = ()):
        """Arrays ``(A, B, C)`` of shapes ``(k, *batch, m, inner)``, ``(k, *batch, inner, p)``,
        ``(k, *batch, m, p)`` with ``C = A @ B`` for every batch index."""
        batch = tuple(batch)
        material = self._material("matrix_triple", m, inner, p, math.prod(batch))
        sizes = matrix_sizes(m, inner, p, math.prod(batch))
        flat = kernels.fill_streams(material.streams, material.offset, sum(sizes))
        k = flat.shape[0]
        a = flat[:, : sizes[0]].reshape((k,) + batch + (m, inner))
        b = flat[:, sizes[0]: sizes[0] + sizes[1]].reshape((k,) + batch + (inner, p))
        c = np.ascontiguousarray(flat[:, sizes[0] + sizes[1]:]).reshape((k,) + batch + (m, p))
        local = material.correction_buffer(math.prod(batch), m, p)
        if local.size:  # made here from the values just drawn, instead of drawing them again
            local[...] = matrix_correction(flat, m, inner, p, math.prod(batch))
        if 0 in self._transport.ranks:
            c[self._transport.first_row] = material.correction.reshape(batch + (m, p))
        return a, b, c

    def truncated_square(self, m: int, w: int, lo: int, cols: int, shift: int) -> dict[str, np.ndarray]:
        """A truncation mask for an ``(m, w)`` matrix and the products of its parts that a product of
        two of its blocks needs (:mod:`~.product_masks`), additively shared: ``{part: (k, *shape)}``."""
        return self._product_masks("truncated_square", (m, w, lo, cols, shift))

    def truncated_product(self, a: int, m: int, w: int, shift: int) -> dict[str, np.ndarray]:
        """A Beaver mask for an ``(a, m)`` factor, a truncation mask for an ``(m, w)`` matrix and their
        products (:mod:`~.product_masks`), additively shared: ``{part: (k, *shape)}``."""
        return self._product_masks("truncated_product", (a, m, w, shift))

    def truncated_scaling(self, a: int, w: int, shift: int) -> dict[str, np.ndarray]:
        """A Beaver mask for an ``(a, w)`` factor, a truncation mask for a ``(w,)`` vector and their
        products entry by entry (:mod:`~.product_masks`), additively shared: ``{part: (k, *shape)}``."""
        return self._product_masks("truncated_scaling", (a, w, shift))

    def truncated_pairs(self, k: int, w: int, shift: int, pairs: tuple) -> dict[str, np.ndarray]:
        """A truncation mask for a ``(k, w)`` stack and the products of its parts that the entrywise
        products of the row pairs ``pairs`` (flat: ``a_1, b_1, ...``) need (:mod:`~.product_masks`),
        additively shared: ``{part: (k, *shape)}``."""
        return self._product_masks("truncated_pairs", (k, w, shift, *pairs))

    def one_hot(self, size: int, bits: int) -> tuple[np.ndarray, np.ndarray]:
        """``size`` uniform ring elements ``r`` and the one-hot vectors of ``r mod 2^bits``
        (:mod:`~.one_hot`), additively shared: ``r`` ``(k, size)``, ``e`` ``(k, size, 2^bits)``."""
        material = self._material("one_hot", size, bits)
        masks, vectors = one_hot.parts(kernels.fill_streams(material.streams, material.offset,
                                                            stream_length("one_hot", (size, bits))), size, bits)
        if 0 in self._transport.ranks:
            fix = np.asarray(material.correction).reshape(-1)
            if fix.size != vectors[0].size:
                raise ProtocolError(f"the dealer's correction has {fix.size} words, expected {vectors[0].size}")
            vectors[self._transport.first_row] = fix.reshape(vectors.shape[1:])
        return masks, vectors

    def _product_masks(self, kind: str, params: tuple) -> dict[str, np.ndarray]:
        material = self._material(kind, *params)
        flat = kernels.fill_streams(material.streams, material.offset, stream_length(kind, params))
        held = product_masks.parts(flat, kind, params)
        if 0 in self._transport.ranks:
            try:
                product_masks.corrected(kind, held, np.asarray(material.correction).reshape(-1),
                                        self._transport.first_row)
            except ValueError as err:
                raise ProtocolError(str(err)) from err
        return held

    def residue_masks(self, kind: str, params: tuple, ring: ResidueRing) -> dict[str, np.ndarray]:
        """Elements of ``ring`` for a masked solve or inversion (:mod:`~.masks`, ``kind`` and its
        parameters), additively shared: ``{part: (k, K, *shape)}``."""
        material = self._material(kind, *params)
        flat = kernels.fill_streams(material.streams, material.offset, stream_length(kind, params))
        held = masks.parts(flat, kind, params, ring)
        if 0 in self._transport.ranks:
            try:
                fix = ring.check(np.asarray(material.correction), material.correction.shape[1:], "the dealer")
                masks.corrected(held, fix, self._transport.first_row, ring)
            except ValueError as err:
                raise ProtocolError(str(err)) from err
        return held


class SimulatedDealer(Dealer):
    """In-process dealer for the simulated backend, using fast non-cryptographic streams.

    ``seed=None`` draws the party seeds from :mod:`secrets`; an integer makes
    the whole session reproducible (useful for studies and tests). Either way
    the simulated backend is not secure.
    """

    def __init__(self, transport: Transport, seed: int | None = None):
        n = transport.n_parties
        if seed is None:
            seeds = [secrets.randbits(64) for _ in range(n)]
        else:
            seeds = np.random.SeedSequence(seed).generate_state(n, dtype=np.uint64)
        super().__init__(transport, CounterStreams(seeds))

    def _correction(self, name, params, streams, offset):
        return LocalCorrection(functools.partial(correction, name, streams, offset, params),
                               functools.partial(self._transport.count_from_dealer, 0))
