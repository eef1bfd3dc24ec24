"""Opening (reconstructing) shared values to every party."""

import numpy as np

from .. import kernels
from .wire import as_elements, as_words


def agree(rt, decisions) -> np.ndarray:
    """Every party's yes/no, from each held party's ``decisions`` (in rank order).

    Cost: 1 round; each party sends and receives ``n - 1`` bytes.
    Security: reveals each party's decision, nothing else.
    """
    message = np.asarray(decisions, dtype=np.uint8).reshape(len(rt.ranks), 1)
    return rt.transport.all_gather(message)[:, 0].astype(bool)


def zero_sharing(rt, shape: tuple) -> np.ndarray:
    """Fresh shares ``(k, *shape)`` of zero from the dealer; adding them re-randomises shares locally.

    Cost: no communication; the dealer sends party 0 ``8`` bytes per element.
    """
    size = int(np.prod(shape, dtype=np.int64))
    material = rt.provider.zero_shares(size)
    rows = kernels.fill_streams(material.streams, material.offset, size)
    if rt.first_row >= 0:
        rows[rt.first_row] = material.correction
    return rows.reshape((len(rt.ranks),) + tuple(shape))


def open_shares(rt, *shares: np.ndarray) -> list[np.ndarray]:
    """Open several shared arrays in a single round.

    Steps: (1) each party concatenates its shares of all arrays into one
    message; (2) the message is all-gathered; (3) each party reconstructs from
    the ``n`` messages (additive: their sum; Shamir: Lagrange interpolation at
    0) and splits the result back into arrays.

    Cost: 1 round; each party sends and receives ``w * M * (n - 1)`` bytes,
    ``M`` the total number of elements opened, ``w`` bytes each (8, or 16 in
    GF(2^127 - 1)). All arrays must be of one domain.
    Security: every party learns the opened values, nothing else; callers open
    only uniformly masked values or results the parties agreed to reveal.
    """
    k = len(rt.ranks)
    domain = rt.domain_of(shares[0])
    flat = [np.ascontiguousarray(s).reshape(k, -1) for s in shares]
    message = flat[0] if len(flat) == 1 else np.concatenate(flat, axis=1)
    gathered = as_elements(rt.transport.all_gather(as_words(message)), domain)
    total = rt.scheme.reconstruct(gathered, domain)
    opened, start = [], 0
    for s in shares:
        size = int(np.prod(s.shape[1:], dtype=np.int64))
        opened.append(total[start : start + size].reshape(s.shape[1:]))
        start += size
    return opened
