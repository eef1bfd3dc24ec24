"""Pseudo-random secret sharing: Shamir randomness with no dealer (Cramer, Damgård, Ishai, TCC 2005).

Notation: ``n`` parties at points ``x_i = i + 1``, threshold ``t``, ``[r]_d`` a
Shamir sharing of degree ``d``. For every set ``A`` of ``t`` parties (a largest
coalition that must learn nothing) the ``n - t`` parties outside ``A`` share a
PRF key ``k_A``; ``f_A`` is the polynomial of degree ``t`` with ``f_A(0) = 1``
and ``f_A(x_j) = 0`` for ``j`` in ``A``.

* random sharing: ``R_A = PRF(k_A, counter)``; party ``i`` holds
  ``sum_{A not containing i} R_A f_A(x_i)``, a degree-``t`` sharing of ``r = sum_A R_A``;
* zero sharing of degree ``2t`` (PRZS): ``sum_A sum_{l=1..t} R_{A,l} x_i^l f_A(x_i)``;
* double sharing: ``([r]_t, [r]_t + [0]_2t)``, two sharings of one random ``r``.

A coalition of at most ``t`` parties lacks the key of the set it forms, so ``r``
(and the degree-``2t`` polynomial) is pseudo-random to it. There are ``C(n, t)``
keys; each party evaluates ``C(n - 1, t)`` of them: fine for the small ``n`` of a
consortium (3 parties: 2 keys each; 5 parties, t = 2: 6; 7 parties, t = 3: 20).

PRF outputs come from the same streams as the dealer's: counter-based SplitMix64
in the simulated backend (not cryptographic), AES-256-CTR keystream under ``k_A``
in the socket backend, where the keys are agreed once over the parties' TLS
channels (:func:`agree_keys`). Two 64-bit words make one field element
(statistical distance below ``2^-64`` from uniform).
"""

import itertools
import secrets

import numpy as np

from .. import kernels
from ..errors import ProtocolError
from ..schemes import Shamir
from ..transport import Transport
from .provider import Provider
from .randomness import KEY_BYTES


def key_sets(n_parties: int, threshold: int) -> list[tuple[int, ...]]:
    """Every set ``A`` of ``threshold`` parties, in a fixed order all parties agree on."""
    return list(itertools.combinations(range(n_parties), threshold))


def held_sets(n_parties: int, threshold: int, ranks) -> list[tuple[int, ...]]:
    """The sets whose key some party in ``ranks`` holds (those not containing it)."""
    return [a for a in key_sets(n_parties, threshold) if any(i not in a for i in ranks)]


class PseudoRandomSharing(Provider):
    """Random, zero and double Shamir sharings for the parties ``ranks``, from PRF keys alone.

    ``streams`` is an object with ``next(length) -> (streams, offset)`` over the
    keys of :func:`held_sets` in that order (one stream per key).
    """

    description = "the dealer-free Shamir provider"

    def __init__(self, scheme: Shamir, ranks, streams):
        self.scheme = scheme
        self._streams = streams
        n, t, field = scheme.n_parties, scheme.threshold, scheme.domain.galois
        self._sets = held_sets(n, t, ranks)
        x = field(np.arange(1, n + 1))
        random_weights, zero_weights = [], []
        for i in ranks:
            row_r, row_z = [], []
            for a in self._sets:
                value = _vanishing_on(a, x, i)
                row_r.append(value)
                row_z.extend(value * x[i] ** l for l in range(1, t + 1))
            random_weights.append(row_r)
            zero_weights.append(row_z)
        #: ``(k, m)``: ``f_A(x_i)`` for held party ``i`` and key ``A`` (0 where ``i`` is in ``A``).
        self._random_weights = np.asarray(field(random_weights)).astype(np.uint64)
        #: ``(k, m * t)``: ``x_i^l f_A(x_i)``, keys major.
        self._zero_weights = np.asarray(field(zero_weights)).astype(np.uint64)

    def _elements(self, size: int, per_key: int) -> np.ndarray:
        """``(m, per_key, size)`` fresh PRF outputs as field elements, ``m`` held keys."""
        streams, offset = self._streams.next(2 * per_key * size)
        words = kernels.fill_streams(streams, offset, 2 * per_key * size)
        words = words.reshape(len(self._sets), per_key, 2, size)
        return self.scheme.domain.from_words(words[:, :, 0], words[:, :, 1])

    def random_sharings(self, size: int) -> np.ndarray:
        """Held rows ``(k, size)`` of ``size`` random sharings ``[r]_t``. No communication."""
        values = self._elements(size, 1)[:, 0]
        return self.scheme.domain.matmul(self._random_weights, values)

    def double_sharings(self, size: int) -> tuple[np.ndarray, np.ndarray]:
        """Held rows of ``([r]_t, [r]_2t)`` for ``size`` random ``r``. No communication."""
        t, domain = self.scheme.threshold, self.scheme.domain
        values = self._elements(size, 1 + t)
        low = domain.matmul(self._random_weights, np.ascontiguousarray(values[:, 0]))
        zero = domain.matmul(self._zero_weights, np.ascontiguousarray(values[:, 1:]).reshape(-1, size))
        return low, domain.add(low, zero)


def _vanishing_on(a: tuple[int, ...], x, i: int):
    """``f_A(x_i)``: the degree-``t`` polynomial with ``f_A(0) = 1`` and zeros at the points of ``A``."""
    value = x[i] ** 0
    for j in a:
        value = value * (x[j] - x[i]) / x[j]
    return value


def agree_keys(transport: Transport, n_parties: int, threshold: int) -> list[bytes]:
    """This party's PRSS keys, in :func:`held_sets` order; one round over the parties' channels.

    For each set ``A`` the lowest-indexed party outside ``A`` draws the key from
    :mod:`secrets` and sends it to the other parties outside ``A``.

    Cost: 1 round; party ``i`` sends ``32 * (n - t - 1)`` bytes for each key it draws.
    Security: a key reaches exactly the ``n - t`` parties outside its set, over TLS.
    """
    (rank,) = transport.ranks
    keys = {}
    for a in key_sets(n_parties, threshold):
        holders = [i for i in range(n_parties) if i not in a]
        if rank == holders[0]:
            keys[a] = secrets.token_bytes(KEY_BYTES)
            for other in holders[1:]:
                transport.send(rank, other, np.frombuffer(keys[a], dtype=np.uint8))
    for a in key_sets(n_parties, threshold):
        holders = [i for i in range(n_parties) if i not in a]
        if rank in holders[1:]:
            key = transport.recv(holders[0], rank)
            if key.dtype != np.uint8 or key.size != KEY_BYTES:
                raise ProtocolError(f"party {holders[0]} sent a malformed PRSS key")
            keys[a] = key.tobytes()
    transport.end_round()
    return [keys[a] for a in held_sets(n_parties, threshold, transport.ranks)]
