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
    """The AES-256-CTR keystream under ``key`` (default: a fresh key from :mod:`secrets`)."""

    def __init__(self, key: bytes | None = None):
        key = secrets.token_bytes(KEY_BYTES) if key is None else bytes(key)
        if len(key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key has {KEY_BYTES} bytes, got {len(key)}")
        self._cipher = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()

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


def keystream_rows(streams: list[CryptoStream], length: int) -> np.ndarray:
    """A ``(len(streams), length)`` ``uint64`` array: row ``i`` is the next ``length`` words of ``streams[i]``.

    The keystream is written straight into the array, which is a view of a
    buffer one AES block longer than itself (the room ``update_into`` wants).
    """
    row_bytes = 8 * length
    buffer = np.empty(len(streams) * row_bytes + _SLACK, dtype=np.uint8)
    for i, stream in enumerate(streams):
        stream.write(buffer[i * row_bytes:], row_bytes)
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

    def next(self, length: int) -> tuple[np.ndarray, int]:
        return keystream_rows(self._streams, length), 0
