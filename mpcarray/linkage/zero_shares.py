"""Zero shares: values of the parties other than the leader that sum to zero exactly for the identifiers all of them hold.

Every pair of such parties agrees on a secret key from one fresh seed each
(sent to each other, never to the leader). Party ``j``'s share of an identifier
``y`` is ``sum over the others l of ±PRF(key_jl, y)`` in GF(2^61 - 1), with
``+`` when ``j < l``: the terms cancel when every party adds its share of the
same identifier, and one missing share leaves a pseudorandom sum.

The first of these parties sends the *same* seed to all the others, so that
they also share a secret that the leader lacks: the seed of the order in which
they answer when only the intersection's size may be learnt.
"""

import hashlib
import secrets

import numpy as np

from .tables import PRIME, add, subtract

#: Bytes of a seed.
SEED_BYTES = 32


def new_seeds(others: list[int], party: int) -> dict[int, bytes]:
    """The seed ``party`` sends each other party in ``others`` (the same to all if ``party`` is the first)."""
    if party == others[0]:
        seed = secrets.token_bytes(SEED_BYTES)
        return {l: seed for l in others if l != party}
    return {l: secrets.token_bytes(SEED_BYTES) for l in others if l != party}


def shares(party: int, sent: dict[int, bytes], received: dict[int, bytes], keys: list[bytes]) -> np.ndarray:
    """``party``'s zero share of each normalised identifier in ``keys`` (field elements, ``uint64``)."""
    total = np.zeros(len(keys), dtype=np.uint64)
    for other, own_seed in sent.items():
        low, high = (own_seed, received[other]) if party < other else (received[other], own_seed)
        pair_key = hashlib.sha256(b"mpcarray.linkage/zero-share" + low + high).digest()
        term = _prf(pair_key, keys)
        total = add(total, term) if party < other else subtract(total, term)
    return total


def order_seed(first_seed: bytes) -> bytes:
    """The secret the leader lacks, from the first party's common seed."""
    return hashlib.sha256(b"mpcarray.linkage/order" + first_seed).digest()


def _prf(key: bytes, keys: list[bytes]) -> np.ndarray:
    """Keyed BLAKE2b of each identifier, as field elements."""
    raw = b"".join(hashlib.blake2b(k, key=key, digest_size=8).digest() for k in keys)
    return (np.frombuffer(raw, dtype="<u8") >> np.uint64(3)) % np.uint64(PRIME)
