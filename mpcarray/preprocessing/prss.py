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
channels (:func:`agree_keys`). ``words_per_element`` 64-bit words make one field
element (statistical distance below ``2^-64`` from uniform).
"""

import itertools
import secrets

import numpy as np

from .. import kernels
from ..errors import ProtocolError
from ..schemes import Shamir, interpolation
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
    """Random, zero, double and truncation sharings for the parties ``ranks``, from PRF keys alone.

    ``streams`` is an object with ``next(length) -> (streams, offset)`` over the
    keys of :func:`held_sets` in that order (one stream per key). Every request
    names the prime field (a domain object) its sharings live in.
    """

    description = "the dealer-free Shamir provider"

    def __init__(self, scheme: Shamir, ranks, streams):
        self.scheme = scheme
        self._ranks = tuple(ranks)
        self._streams = streams
        self._sets = held_sets(scheme.n_parties, scheme.threshold, ranks)
        #: Every key set in the consortium, ``C(n, t)``: the terms a PRSS value sums.
        self.keys = len(key_sets(scheme.n_parties, scheme.threshold))
        self._weights = {}

    def weights(self, domain) -> tuple[np.ndarray, np.ndarray]:
        """``(k, m)`` weights ``f_A(x_i)`` (0 where party ``i`` is in ``A``) and ``(k, m * t)``
        zero-sharing weights ``x_i^l f_A(x_i)``, keys major, as elements of ``domain``."""
        if domain not in self._weights:
            p, t = domain.modulus, self.scheme.threshold
            x = interpolation.points(range(self.scheme.n_parties))
            random_rows, zero_rows = [], []
            for i in self._ranks:
                values = [interpolation.vanishing_at([x[j] for j in a], x[i], p) for a in self._sets]
                random_rows.append(values)
                zero_rows.append([v * pow(x[i], l, p) % p for v in values for l in range(1, t + 1)])
            self._weights[domain] = (domain.from_integers(random_rows), domain.from_integers(zero_rows))
        return self._weights[domain]

    def _words(self, size: int, per_key: int) -> np.ndarray:
        """``(m, per_key, size)`` fresh PRF words of every held key."""
        streams, offset = self._streams.next(per_key * size)
        return kernels.fill_streams(streams, offset, per_key * size).reshape(len(self._sets), per_key, size)

    def _combine(self, weights: np.ndarray, values: np.ndarray, domain) -> np.ndarray:
        """Held rows ``weights @ values`` for per-key values ``(m * j, size)``."""
        return domain.matmul(weights, np.ascontiguousarray(values).reshape(weights.shape[1], -1))

    def zero_sharings(self, size: int, domain) -> np.ndarray:
        """Held rows ``(k, size)`` of degree-``2t`` sharings of zero (PRZS). No communication."""
        w, t = domain.words_per_element, self.scheme.threshold
        words = self._words(size, w * t).reshape(len(self._sets), t, w, size)
        values = domain.from_words(np.moveaxis(words, 2, 0))
        return self._combine(self.weights(domain)[1], values, domain)

    def random_sharings(self, size: int, domain) -> np.ndarray:
        """Held rows ``(k, size)`` of ``size`` random sharings ``[r]_t``. No communication."""
        words = self._words(size, domain.words_per_element)
        return self._combine(self.weights(domain)[0], domain.from_words(np.moveaxis(words, 1, 0)), domain)

    def double_sharings(self, size: int, domain) -> tuple[np.ndarray, np.ndarray]:
        """Held rows of ``([r]_t, [r]_2t)`` for ``size`` random ``r``. No communication."""
        low = self.random_sharings(size, domain)
        return low, domain.add(low, self.zero_sharings(size, domain))

    def bounded_sharings(self, size: int, bits: int, domain) -> np.ndarray:
        """Held rows ``(k, size)`` of ``[r]_t``, ``r = sum_A R_A`` with every ``R_A`` uniform in ``[0, 2^bits)``
        (``bits <= 126``), so ``0 <= r < C 2^bits``. No communication."""
        words = self._words(size, 2)
        return self._combine(self.weights(domain)[0], domain.from_bounded(words.transpose(1, 0, 2), bits), domain)

    def truncation_masks(self, size: int, shift: int, bits: int, degree: int, domain):
        """Held rows of ``[R]_degree`` and ``[r'']_t`` with ``R = 2^shift r'' + r'``: pseudo-random integer sharing.

        Every key ``A`` contributes ``R'_A`` uniform in ``[0, 2^shift)`` and
        ``R''_A`` uniform in ``[0, 2^(bits - shift))``, so ``r' < C 2^shift``
        and ``r'' < C 2^(bits - shift)`` for ``C`` keys (Cramer, Damgård and
        Ishai's sharing of bounded integers). ``degree`` is ``t`` or ``2t``
        (then a zero sharing of degree ``2t`` is added). No communication.
        """
        if not 0 < shift < 64 or not shift < bits <= 126:
            raise ValueError(f"truncation needs 0 < shift < 64 and shift < bits <= 126, got {shift}, {bits}")
        words = self._words(size, 3)
        low = domain.from_bounded(np.stack([words[:, 0], np.zeros_like(words[:, 0])]), shift)
        high = domain.from_bounded(words[:, 1:].transpose(1, 0, 2), bits - shift)
        random_weights = self.weights(domain)[0]
        mask = self._combine(random_weights, domain.add(domain.mul_pow2(high, shift), low), domain)
        if degree == 2 * self.scheme.threshold:
            mask = domain.add(mask, self.zero_sharings(size, domain))
        return mask, self._combine(random_weights, high, domain)


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
