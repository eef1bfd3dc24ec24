"""Cryptographic randomness for the socket backend: AES-256-CTR keyed from :mod:`secrets`.

:class:`CryptoStream` is the PRG (the keystream of AES-256 in counter mode,
OpenSSL via the ``cryptography`` package). It fails closed: there is no
fallback if ``cryptography`` is missing. :class:`CryptoGenerator` offers the
few ``numpy.random.Generator`` methods the engine uses: uniform ring masks
come straight from the keystream; the DP noise samplers (gamma, normal,
negative binomial) are NumPy's, driven by a Philox generator whose 128-bit
key is fresh keystream for every call. :class:`KeyedStreams` hands every
preprocessing request the next stretch of each party's keystream as a
materialised stream array (see :mod:`mpcarray.kernels.prg`): the dealer and
a party draw the same words without talking, and every share of correlated
randomness in the socket backend is AES-CTR output.
"""

import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

KEY_BYTES = 32
#: Room OpenSSL's ``update_into`` needs past the bytes it writes (one AES block).
_SLACK = 16
#: Plaintext the keystream is written over, a chunk at a time (reused: allocating
#: zeros per request cost three times the encryption).
_ZEROS = memoryview(bytes(1 << 20))


class CryptoStream:
    """The AES-256-CTR keystream under ``key`` (default: a fresh key from :mod:`secrets`).

    Counter block ``b`` (128 bits, big-endian, from 0) gives keystream bytes
    ``16 b`` to ``16 b + 15``; :meth:`skip` moves past bytes without computing them.
    """

    def __init__(self, key: bytes | None = None):
        key = secrets.token_bytes(KEY_BYTES) if key is None else bytes(key)
        if len(key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key has {KEY_BYTES} bytes, got {len(key)}")
        self._key = key
        self._position = 0  # keystream bytes written or skipped so far
        self._cipher = self._from(0)

    def _from(self, position: int):
        """An AES-256-CTR encryptor whose next keystream byte is byte ``position``."""
        block, within = divmod(position, 16)
        cipher = Cipher(algorithms.AES(self._key), modes.CTR(block.to_bytes(16, "big"))).encryptor()
        if within:
            cipher.update(bytes(within))
        return cipher

    def skip(self, nbytes: int) -> None:
        """Move past the next ``nbytes`` keystream bytes without computing them."""
        if nbytes < 0:
            raise ValueError(f"cannot skip {nbytes} bytes")
        if nbytes:
            self._position += nbytes
            self._cipher = self._from(self._position)

    def uint64(self, count: int) -> np.ndarray:
        """The next ``count`` keystream words as uniform ``uint64``."""
        return keystream_rows([self], count)[0]

    def write(self, buffer: np.ndarray, nbytes: int) -> None:
        """Write the next ``nbytes`` keystream bytes to the start of the ``uint8`` array ``buffer``.

        OpenSSL's ``update_into`` wants one AES block of room past what it
        writes, so ``buffer`` must hold at least ``nbytes + 16`` bytes.
        """
        for start in range(0, nbytes, len(_ZEROS)):
            chunk = min(len(_ZEROS), nbytes - start)
            written = self._cipher.update_into(_ZEROS[:chunk], buffer[start:])
            if written != chunk:
                raise RuntimeError(f"AES-CTR wrote {written} of {chunk} keystream bytes")
        self._position += nbytes


class CryptoGenerator:
    """The ``numpy.random.Generator`` methods used for input masks and noise, from a :class:`CryptoStream`."""

    def __init__(self, stream: CryptoStream | None = None):
        self._stream = stream or CryptoStream()

    def integers(self, low, high, size=None, dtype=np.int64):
        """Uniform ``uint64`` over the whole ring (the only range input sharing needs)."""
        if (low, high, np.dtype(dtype)) != (0, 2**64, np.dtype(np.uint64)):
            raise ValueError("CryptoGenerator.integers draws uniform uint64 in [0, 2**64) only")
        shape = () if size is None else tuple(np.atleast_1d(size))
        return self._stream.uint64(int(np.prod(shape, dtype=np.int64))).reshape(shape)

    def _sampler(self) -> np.random.Generator:
        return np.random.Generator(np.random.Philox(key=self._stream.uint64(2)))

    def gamma(self, shape, scale=1.0, size=None):
        return self._sampler().gamma(shape, scale, size)

    def normal(self, loc=0.0, scale=1.0, size=None):
        return self._sampler().normal(loc, scale, size)

    def negative_binomial(self, n, p, size=None):
        return self._sampler().negative_binomial(n, p, size)


def keystream_rows(streams: list[CryptoStream], length: int, gaps=()) -> np.ndarray:
    """A ``(len(streams), length)`` ``uint64`` array: row ``i`` is the next ``length`` words of ``streams[i]``.

    The keystream is written straight into the array, which is a view of a
    buffer one AES block longer than itself (the room ``update_into`` wants).
    ``gaps``, sorted disjoint ``(start, stop)`` word ranges, are skipped in the
    first row: its stream moves past them, their entries are left unset.
    """
    row_bytes = 8 * length
    buffer = np.empty(len(streams) * row_bytes + _SLACK, dtype=np.uint8)
    for i, stream in enumerate(streams):
        done = 0  # words of this row written or skipped
        for start, stop in gaps if i == 0 else ():
            if not done <= start <= stop <= length:
                raise ValueError(f"gaps {gaps} are not sorted disjoint ranges within {length} words")
            stream.write(buffer[i * row_bytes + 8 * done:], 8 * (start - done))
            stream.skip(8 * (stop - start))
            done = stop
        stream.write(buffer[i * row_bytes + 8 * done:], 8 * (length - done))
    return buffer[: len(streams) * row_bytes].view(np.uint64).reshape(len(streams), length)


class KeyedStreams:
    """The held parties' AES-256-CTR keystreams, handed out request by request.

    Each request takes the next ``length`` words of every party's keystream,
    in request order, as a materialised stream array starting at offset 0; the
    dealer (all keys) and a party (its own key) issue the same requests in the
    same order, so they hold the same words.
    """

    def __init__(self, keys: list[bytes]):
        self._streams = [CryptoStream(key) for key in keys]

    def next(self, length: int, gaps=()) -> tuple[np.ndarray, int]:
        """The next ``length`` words of every stream, and offset 0; ``gaps`` are word ranges of the
        first stream left undrawn (see :func:`keystream_rows`): party 0's words that its
        correction replaces, where the first stream is party 0's (:attr:`.kinds.Kind.party0_gaps`)."""
        return keystream_rows(self._streams, length, gaps), 0
