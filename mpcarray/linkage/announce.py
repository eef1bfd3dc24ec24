"""The opening round: every party announces a fresh nonce and its set size, or that it rejected its input.

The nonces make the hash domain specific to this linkage run (no party picks
it alone), so hashes cannot be precomputed or linked across runs. A size of 0
means the party refused its identifiers; then every party stops before any
identifier is sent. Cost: 1 round, ``24 * (n - 1)`` bytes sent per party.
"""

import hashlib
import secrets

import numpy as np

from ..errors import InputRejectedError, PartyError

#: Bytes of the nonce and of the set size in the announcement.
NONCE_BYTES, SIZE_BYTES = 16, 8
#: Prefix of every hash domain: names the protocol and its version.
CONTEXT = b"mpcarray.linkage/v1"


def announce(transport, parties: tuple[str, ...], sizes: dict[int, int]) -> tuple[bytes, list[int]]:
    """Exchange nonces and sizes (``0``: rejected); the run's hash domain and every party's set size by rank,
    or :class:`InputRejectedError`."""
    rows = np.zeros((len(transport.ranks), NONCE_BYTES + SIZE_BYTES), dtype=np.uint8)
    for row, rank in enumerate(transport.ranks):
        rows[row, :NONCE_BYTES] = np.frombuffer(secrets.token_bytes(NONCE_BYTES), dtype=np.uint8)
        rows[row, NONCE_BYTES:] = np.array([sizes[rank]], dtype="<u8").view(np.uint8)
    gathered = transport.all_gather(rows)
    if transport.failed:
        raise PartyError(f"{[parties[m] for m in sorted(transport.failed)]} failed; record linkage needs "
                         "every party")
    announced = gathered[:, NONCE_BYTES:].copy().view("<u8").ravel()
    rejected = [parties[m] for m in range(len(parties)) if announced[m] == 0]
    if rejected:
        raise InputRejectedError(f"{rejected} rejected their identifiers; nothing was linked")
    domain = hashlib.sha256(CONTEXT + b"\0".join(p.encode() for p in parties)
                            + gathered[:, :NONCE_BYTES].tobytes()).digest()
    return domain, [int(size) for size in announced]
