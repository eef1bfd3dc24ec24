"""Cryptographic randomness for the socket backend: AES-256-CTR keyed from :mod:`secrets`.

:class:`CryptoStream` is the PRG (the keystream of AES-256 in counter mode,
OpenSSL via the ``cryptography`` package). It fails closed: there is no
fallback if ``cryptography`` is missing. :class:`CryptoGenerator` offers the
few ``numpy.random.Generator`` methods the engine uses: uniform ring masks
come straight from the keystream; the DP noise samplers (gamma, normal,
negative binomial) are NumPy's, driven by a Philox generator whose 128-bit
key is fresh keystream for every call. :class:`KeyedStreams` gives each
preprocessing request fresh per-party stream seeds drawn from the parties'
keystreams, so the dealer and a party derive the same seeds without talking.
"""

import secrets

import numpy as np
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from .. import kernels

KEY_BYTES = 32


class CryptoStream:
    """The AES-256-CTR keystream under ``key`` (default: a fresh key from :mod:`secrets`)."""

    def __init__(self, key: bytes | None = None):
        key = secrets.token_bytes(KEY_BYTES) if key is None else bytes(key)
        if len(key) != KEY_BYTES:
            raise ValueError(f"an AES-256 key has {KEY_BYTES} bytes, got {len(key)}")
        self._cipher = Cipher(algorithms.AES(key), modes.CTR(bytes(16))).encryptor()

    def uint64(self, count: int) -> np.ndarray:
        """The next ``count`` keystream words as uniform ``uint64``."""
        return np.frombuffer(self._cipher.update(bytes(8 * count)), dtype=np.uint64).copy()


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


class KeyedStreams:
    """Per-request stream seeds for the held parties, each from that party's AES-CTR key.

    Request ``r`` uses, for party ``i``, the ``r``-th keystream word of key ``i``
    as the seed of a fresh counter-based stream starting at offset 0.
    """

    def __init__(self, keys: list[bytes]):
        self._streams = [CryptoStream(key) for key in keys]

    def next(self, length: int) -> tuple[np.ndarray, np.ndarray, int]:
        seeds = np.concatenate([stream.uint64(1) for stream in self._streams])
        return seeds, kernels.stream_gammas(seeds), 0
