"""Commutative encryption on Curve25519: ``E_k(u) = X25519(k, u)``, so ``E_a(E_b(u)) = E_b(E_a(u))``.

An identifier's point is a domain-separated SHA-256 hash read as a
u-coordinate. X25519 accepts any 32 bytes as ``u``: points of the twist are
as hard as points of the curve (twist security), so no hash-to-curve step
is needed, and its clamped scalars clear the small cofactor. A batch of
points travels as a ``(m, 32)`` ``uint8`` array.
"""

import hashlib

import numpy as np
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

#: Bytes of one point (a u-coordinate).
POINT_BYTES = 32


def new_key() -> X25519PrivateKey:
    """A fresh secret scalar from the operating system's cryptographic generator."""
    return X25519PrivateKey.generate()


def hash_points(domain: bytes, keys: list[bytes]) -> np.ndarray:
    """``SHA-256(domain || key)`` of every normalised identifier, a ``(m, 32)`` batch."""
    prefix = hashlib.sha256(domain)
    digests = []
    for key in keys:
        h = prefix.copy()
        h.update(key)
        digests.append(h.digest())
    return to_batch(digests)


def encrypt(key: X25519PrivateKey, batch: np.ndarray) -> np.ndarray:
    """Multiply every point of ``batch`` by ``key``'s scalar (one X25519 each)."""
    points = from_batch(batch)
    return to_batch([key.exchange(X25519PublicKey.from_public_bytes(u)) for u in points])


def to_batch(points: list[bytes]) -> np.ndarray:
    """32-byte strings as a ``(m, 32)`` ``uint8`` array, ready for the transport."""
    return np.frombuffer(b"".join(points), dtype=np.uint8).reshape(len(points), POINT_BYTES)


def from_batch(batch: np.ndarray) -> list[bytes]:
    """The inverse of :func:`to_batch`."""
    raw = np.ascontiguousarray(batch, dtype=np.uint8).tobytes()
    return [raw[i:i + POINT_BYTES] for i in range(0, len(raw), POINT_BYTES)]
