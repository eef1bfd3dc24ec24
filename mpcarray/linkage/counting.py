"""Counting: two counters compare the fully encrypted sets, every other party receives only its answer.

After the ring (:mod:`.ring`) party ``j`` holds ``F_(j+1)``, party ``j + 1``'s set
under all keys. Whoever compares fully encrypted sets learns, for every group of
parties, how many values they have in common; whoever compares them with its own
set *in its own row order* learns which of its rows each other party holds. So
the sets go only to two **counters**, parties 0 and 1, and with three or more
parties a counter receives its own set only shuffled again by its holder:

1. **Gather** (1 round). Party ``j`` sends ``F_(j+1)`` to each counter other than
   itself: shuffled if that counter is its owner (three or more parties), as it is otherwise.
2. **Answer** (1 round; three or more parties). Counter 0 tells every other
   party, and counter 1 tells counter 0, the positions of the common values in
   that party's own set, sorted by value. The owner maps them through its secret
   permutation to its rows. Sorted values are the **common order**: the same for
   every party and unrelated to anyone's row order (the values are pseudorandom).

With two parties both are counters and each receives its own set in order:
comparing it with the other's gives exactly its rows in the intersection, so
there is no answer round. With ``hide_rows`` (the size only) every set is
shuffled before it is gathered, and the answer is the size.

Cost: 1 round (two parties) or 2; party ``j`` sends ``32 m[j + 1]`` bytes to
each counter other than itself, and a counter sends ``8 s`` bytes per answer
(``s`` the intersection's size; 8 with ``hide_rows``).
"""

import numpy as np

from ..errors import ProtocolError
from . import curve
from .ring import Encrypted, receive, receive_batch, secret_permutation

#: The ranks of the parties that compare the fully encrypted sets.
COUNTERS = (0, 1)


def count(transport, encrypted: Encrypted, sizes: list[int], hide_rows: bool) -> tuple[int, dict[int, np.ndarray]]:
    """The size of the intersection and, unless ``hide_rows``, each held party's rows of it in the common order."""
    n = transport.n_parties
    sets = _gather(transport, encrypted.held, sizes, hide_rows)
    common = {c: sorted(set.intersection(*(set(curve.from_batch(batch)) for batch in batches)))
              for c, batches in sets.items()}
    if n == 2:  # each party is a counter with its own set in order (or, hiding rows, shuffled)
        answers = {j: _positions(sets[j][j], common[j], hide_rows) for j in encrypted.orders}
    else:
        answers = _answer(transport, sets, common, sizes, hide_rows)
    if hide_rows:
        return int(next(iter(answers.values()))[0]), {}
    rows = {j: encrypted.orders[j][positions] for j, positions in answers.items()}
    return len(next(iter(rows.values()))), rows


def answerer(party: int) -> int:
    """The counter that tells ``party`` its answer (with three or more parties)."""
    return COUNTERS[1] if party == COUNTERS[0] else COUNTERS[0]


def _gather(transport, held: dict[int, np.ndarray], sizes: list[int], hide_rows: bool) -> dict[int, list]:
    """Every fully encrypted set at each counter this process holds (``sets[c][m]``: party ``m``'s)."""
    n = transport.n_parties
    for j, batch in held.items():
        owner = (j + 1) % n
        for c in COUNTERS:
            if c != j:
                shuffle = hide_rows or (c == owner and n > 2)
                transport.send(j, c, batch[secret_permutation(len(batch))] if shuffle else batch)
    sets = {}
    for c in COUNTERS:
        if c in held:
            batches = [None] * n
            batches[(c + 1) % n] = held[c]
            for j in range(n):
                if j != c:
                    batches[(j + 1) % n] = receive_batch(transport, j, c, sizes[(j + 1) % n])
            sets[c] = batches
    transport.end_round()
    return sets


def _positions(batch: np.ndarray, common: list[bytes], hide_rows: bool) -> np.ndarray:
    """Where the common values are in ``batch``, in the common order (or, hiding rows, their number)."""
    if hide_rows:
        return np.array([len(common)], dtype=np.int64)
    position = {value: p for p, value in enumerate(curve.from_batch(batch))}
    return np.array([position[value] for value in common], dtype=np.int64)


def _answer(transport, sets: dict[int, list], common: dict[int, list], sizes: list[int],
            hide_rows: bool) -> dict[int, np.ndarray]:
    """The answer round: each counter tells its parties their positions; what each held party is told."""
    n = transport.n_parties
    for c, batches in sets.items():
        for m in range(n):
            if answerer(m) == c:
                transport.send(c, m, _positions(batches[m], common[c], hide_rows))
    held = transport.ranks
    answers = {m: _checked(transport, receive(transport, answerer(m), m), sizes, m, hide_rows) for m in held}
    transport.end_round()
    return answers


def _checked(transport, answer: np.ndarray, sizes: list[int], party: int, hide_rows: bool) -> np.ndarray:
    """``answer`` if it can be one (distinct positions in ``party``'s set, or a size), else :class:`ProtocolError`."""
    bound = min(sizes)
    if hide_rows:
        valid = answer.shape == (1,) and 0 <= answer[0] <= bound
    else:
        valid = (answer.ndim == 1 and len(answer) <= bound and len(np.unique(answer)) == len(answer)
                 and (len(answer) == 0 or (answer.min() >= 0 and answer.max() < sizes[party])))
    if answer.dtype != np.int64 or not valid:
        raise ProtocolError(f"{transport.names[answerer(party)]} sent {answer.dtype}{list(answer.shape)}, which is "
                            f"not the answer to {transport.names[party]}'s linkage")
    return answer
