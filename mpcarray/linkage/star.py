"""Three or more parties: a leader learns which of its identifiers every party holds, and nothing per party.

The **leader** is the party with the smallest set (the lowest rank among
equals). Between the leader ``L`` and each other party ``j`` the keys of both
are applied to both sets, so that ``F_j(u) = E_a E_c E_k E_b (u)`` (``a``, ``b``
the leader's keys, ``c``, ``k`` party ``j``'s) is known to ``L`` for the
leader's identifiers and to ``j`` for its own, and neither can compute it for
the other's:

1. **Blind** (1 round). ``L`` sends ``E_a`` of its shuffled hashes to every
   ``j``; each ``j`` sends ``E_c`` of its own shuffled hashes to ``L``, and a
   seed to every other non-leader (:mod:`.zero_shares`).
2. **Seal** (1 round). ``L`` returns ``E_b E_a`` of ``j``'s batch; ``j`` returns
   ``E_k E_c`` of the leader's. (With ``hide_rows`` every ``j`` puts its answer
   in one secret order that the non-leaders share and the leader lacks.)
3. **Tables** (1 round). ``j`` applies ``k`` last, so that only it knows
   ``F_j`` of its identifiers, and sends ``L`` a table (:mod:`.tables`) that
   maps each to its zero share plus a mask derived from ``F_j``; ``L`` applies
   ``b`` last and evaluates every table at each of its identifiers.
4. **Answer** (1 round). ``L`` adds the unmasked values over the parties: zero
   exactly where every party holds the identifier (else pseudorandom, a false
   match with probability 2^-61). It tells each ``j`` the tags of its common
   values in the leader's shuffled order, the **common order**, or only their
   number with ``hide_rows``.

The leader sees each party's value only masked by a zero share, so a value
tells it nothing about that party's membership alone; a party ``j`` sees the
leader's identifiers under ``a`` and its own under ``c, a, b``, which it cannot
compare without ``b``. Cost: 4 rounds; ``L`` computes ``n m_L + 2 (N - m_L)``
X25519 multiplications and party ``j`` ``2 (m_j + m_L)``.
"""

import hashlib

import numpy as np

from ..errors import ProtocolError
from . import curve, tables, zero_shares
from .ring import receive, receive_batch, secret_permutation

#: Bytes of the tag by which the leader tells a party which of its values are common.
TAG_BYTES = 16


def leader_of(sizes: list[int]) -> int:
    """The party with the fewest identifiers (the lowest rank among equals)."""
    return int(np.argmin(sizes))


def run(transport, domain: bytes, keys: dict[int, list[bytes]], points: dict[int, np.ndarray], sizes: list[int],
        hide_rows: bool) -> tuple[int, dict[int, np.ndarray]]:
    """The intersection's size and, unless ``hide_rows``, each held party's rows of it in the common order.

    ``keys`` are the held parties' normalised identifiers and ``points`` their hashes, by rank.
    """
    leader = leader_of(sizes)
    others = [j for j in range(transport.n_parties) if j != leader]
    parties = {j: _Party(j, leader, others, keys[j], points[j]) for j in points}
    for party in parties.values():
        party.blind(transport)
    transport.end_round()
    for party in parties.values():
        party.receive_blinded(transport, sizes)
    for party in parties.values():
        party.seal(transport, hide_rows)
    transport.end_round()
    for party in parties.values():
        party.receive_sealed(transport, sizes)
    for party in parties.values():
        party.send_table(transport, domain)
    transport.end_round()
    for party in parties.values():
        party.answer(transport, domain, sizes, hide_rows)
    transport.end_round()
    results = {j: party.receive_answer(transport, sizes, hide_rows) for j, party in parties.items()}
    size = next(iter(results.values()))[0]
    return size, {} if hide_rows else {j: rows for j, (_, rows) in results.items()}


class _Party:
    """One party's keys, secret order and what it has received, through the four rounds."""

    def __init__(self, rank: int, leader: int, others: list[int], keys: list[bytes], points: np.ndarray):
        self.rank, self.leader, self.others = rank, leader, others
        self.order = secret_permutation(len(points))  # position p of this party's batches is row order[p]
        self.keys = [keys[row] for row in self.order]
        self.points = points[self.order]
        self.first_key, self.last_key = curve.new_key(), curve.new_key()

    @property
    def is_leader(self) -> bool:
        return self.rank == self.leader

    def blind(self, transport) -> None:
        """Round 1: the own set under the first key to the leader (or from it to all); seeds to the others."""
        self.blinded = curve.encrypt(self.first_key, self.points)
        if self.is_leader:
            for j in self.others:
                transport.send(self.rank, j, self.blinded)
            return
        transport.send(self.rank, self.leader, self.blinded)
        self.seeds_sent = zero_shares.new_seeds(self.others, self.rank)
        for j, seed in self.seeds_sent.items():
            transport.send(self.rank, j, np.frombuffer(seed, dtype=np.uint8))

    def receive_blinded(self, transport, sizes: list[int]) -> None:
        if self.is_leader:
            self.batches = {j: receive_batch(transport, j, self.rank, sizes[j]) for j in self.others}
            return
        self.batches = {self.leader: receive_batch(transport, self.leader, self.rank, sizes[self.leader])}
        self.seeds_received = {j: _seed(transport, j, self.rank) for j in self.seeds_sent}

    def seal(self, transport, hide_rows: bool) -> None:
        """Round 2: the other side's batch under this party's two keys, sent back."""
        for j, batch in self.batches.items():
            sealed = curve.encrypt(self.last_key, curve.encrypt(self.first_key, batch))
            if hide_rows and not self.is_leader:
                sealed = sealed[_shared_order(self._first_seed(), len(sealed))]
            transport.send(self.rank, j, sealed)

    def receive_sealed(self, transport, sizes: list[int]) -> None:
        size = sizes[self.leader] if self.is_leader else sizes[self.rank]
        self.sealed = {j: receive_batch(transport, j, self.rank, size) for j in self.batches}

    def send_table(self, transport, domain: bytes) -> None:
        """Round 3: a non-leader's table of zero share plus mask, keyed by its own values under every key."""
        if self.is_leader:
            return
        values = curve.encrypt(self.last_key, self.sealed[self.leader])
        bins, points, masks, self.tags = _digests(domain, values, len(values))
        shares = zero_shares.shares(self.rank, self.seeds_sent, self.seeds_received, self.keys)
        transport.send(self.rank, self.leader, tables.build(bins, points, tables.add(shares, masks), len(values)))

    def answer(self, transport, domain: bytes, sizes: list[int], hide_rows: bool) -> None:
        """Round 4: the leader finds the common values and tells every party their tags (or their number)."""
        if self.is_leader:
            total = np.zeros(len(self.points), dtype=np.uint64)
            tags = {}
            for j in self.others:
                table = receive(transport, j, self.rank)
                if table.dtype != np.uint64 or table.shape != tables.shape(sizes[j]):
                    raise ProtocolError(f"{transport.names[j]} sent {table.dtype}{list(table.shape)} where a "
                                        f"linkage table, uint64{list(tables.shape(sizes[j]))}, was due")
                values = curve.encrypt(self.last_key, self.sealed[j])
                bins, points, masks, tags[j] = _digests(domain, values, sizes[j])
                total = tables.add(total, tables.subtract(tables.evaluate(table, bins, points), masks))
            self.common = np.flatnonzero(total == 0)
            for j in self.others:
                message = np.array([len(self.common)], dtype=np.int64) if hide_rows else tags[j][self.common]
                transport.send(self.rank, j, message)

    def receive_answer(self, transport, sizes: list[int], hide_rows: bool) -> tuple[int, np.ndarray]:
        """The intersection's size and this party's rows of it in the common order."""
        if self.is_leader:
            return len(self.common), self.order[self.common]
        answer = receive(transport, self.leader, self.rank)
        bound = min(sizes)
        if hide_rows:
            if answer.dtype != np.int64 or answer.shape != (1,) or not 0 <= answer[0] <= bound:
                raise _bad_answer(transport, self.leader, self.rank, answer)
            return int(answer[0]), np.empty(0, dtype=np.int64)
        position = {tag: p for p, tag in enumerate(map(bytes, self.tags))}
        if answer.dtype != np.uint8 or answer.ndim != 2 or answer.shape[1] != TAG_BYTES or len(answer) > bound:
            raise _bad_answer(transport, self.leader, self.rank, answer)
        positions = [position.get(bytes(tag), -1) for tag in answer]
        if -1 in positions or len(set(positions)) != len(positions):
            raise _bad_answer(transport, self.leader, self.rank, answer)
        return len(positions), self.order[np.array(positions, dtype=np.int64)]

    def _first_seed(self) -> bytes:
        """The seed the first non-leader sent every other non-leader (its own, at that party)."""
        first = self.others[0]
        seed = next(iter(self.seeds_sent.values())) if self.rank == first else self.seeds_received[first]
        return zero_shares.order_seed(seed)


def _digests(domain: bytes, values: np.ndarray, m: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Bin, point, mask and tag of each value under every key (SHA-512 in the run's domain)."""
    prefix = hashlib.sha512(domain + b"/table")
    raw = []
    for value in curve.from_batch(values):
        h = prefix.copy()
        h.update(value)
        raw.append(h.digest())
    digests = np.frombuffer(b"".join(raw), dtype=np.uint8).reshape(len(raw), 64)
    words = digests[:, :24].copy().view("<u8")
    n_bins, _ = tables.shape(m)
    prime = np.uint64(tables.PRIME)
    bins = (words[:, 0] % np.uint64(n_bins)).astype(np.int64)
    points = (words[:, 1] >> np.uint64(3)) % prime
    masks = (words[:, 2] >> np.uint64(3)) % prime
    return bins, points, masks, digests[:, 24:24 + TAG_BYTES].copy()


def _shared_order(seed: bytes, size: int) -> np.ndarray:
    """A permutation every non-leader derives from their common secret (SHAKE-256 keys, sorted)."""
    stream = hashlib.shake_256(seed).digest(8 * size)
    return np.argsort(np.frombuffer(stream, dtype=np.uint64), kind="stable")


def _seed(transport, sender: int, receiver: int) -> bytes:
    """A zero-share seed from ``sender``, or :class:`ProtocolError`."""
    seed = receive(transport, sender, receiver)
    if seed.dtype != np.uint8 or seed.shape != (zero_shares.SEED_BYTES,):
        raise ProtocolError(f"{transport.names[sender]} sent {seed.dtype}{list(seed.shape)} where a seed, "
                            f"uint8[{zero_shares.SEED_BYTES}], was due")
    return seed.tobytes()


def _bad_answer(transport, leader: int, party: int, answer: np.ndarray) -> ProtocolError:
    return ProtocolError(f"{transport.names[leader]} sent {answer.dtype}{list(answer.shape)}, which is not the "
                         f"answer to {transport.names[party]}'s linkage")
