"""``Session``: the user's entry point, tying parties, backend, dealer and encoding together."""

import itertools
from collections.abc import Sequence

import numpy as np

from .array import SharedArray
from .array.owner import share_plaintext
from .disclosure import Guard, PrivacyBudget
from .domains import FixedPoint
from .errors import PartyError, SessionMismatchError
from .preprocessing import SimulatedDealer
from .runtime import Runtime
from .transport import CommStats, SimulatedTransport

BACKENDS = ("simulated",)
_session_ids = itertools.count(1)


class Session:
    """A group of parties computing together.

    Parameters
    ----------
    parties : int or sequence of str
        Number of parties (at least 2), or their unique names. Integers name
        them ``"party0"``, ``"party1"``, ...
    backend : {"simulated"}
        ``"simulated"`` runs every party in this process: for development and
        study design. It computes and counts exactly what the distributed
        protocol would, but is not secure (one process sees everything, and its
        randomness is a fast non-cryptographic PRG).
    frac_bits : int
        Fractional bits ``f`` of the fixed-point encoding of reals (default 16).
        Reals and products of reals must stay within ``|x| < 2^(62 - 2f)``.
    seed : int, optional
        Makes the session's randomness reproducible; ``None`` seeds from the OS.
    policies : dict of str to mpcarray.privacy.Policy, optional
        Each party's reveal policy (parties not listed allow everything). With
        policies, every reveal first asks each party whether it contributes its
        share; one refusal stops the reveal at every party.
    privacy_budget : mpcarray.privacy.PrivacyBudget, optional
        Total differential-privacy epsilon (and delta) that noisy reveals may spend.
    audit : path, optional
        Directory where each party appends its tamper-evident audit log
        (``<party>.jsonl``; check it with ``mpcarray audit verify``).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     x = s.share(np.array([1.5, 2.0]), owner="hosp_a")
    ...     y = s.share(np.array([4.0, -1.0]), owner="hosp_b")
    ...     print((x * y).sum().reveal())
    4.0
    """

    def __init__(self, parties: int | Sequence[str] = 3, backend: str = "simulated",
                 frac_bits: int = 16, seed: int | None = None, *, policies: dict | None = None,
                 privacy_budget: PrivacyBudget | None = None, audit=None):
        names = _party_names(parties)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; available backends: {BACKENDS}")
        transport = SimulatedTransport(len(names))
        self._rt = Runtime(
            parties=names,
            transport=transport,
            dealer=SimulatedDealer(transport, seed),
            fixed=FixedPoint(frac_bits),
            input_rng=np.random.default_rng(None if seed is None else [seed, 1]),
            backend=backend,
            guard=Guard(names, transport.ranks, policies, privacy_budget, audit),
        )
        self.id = next(_session_ids)

    # ------------------------------------------------------------- properties
    @property
    def parties(self) -> tuple[str, ...]:
        return self._rt.parties

    @property
    def n_parties(self) -> int:
        return self._rt.n_parties

    @property
    def backend(self) -> str:
        return self._rt.backend

    @property
    def rank(self) -> int | None:
        """This process's party index in a distributed backend; None when simulating all."""
        return None

    @property
    def frac_bits(self) -> int:
        return self._rt.fixed.frac_bits

    @property
    def fixed_point(self) -> FixedPoint:
        """The fixed-point format (scale, safe range ``max_abs``, resolution)."""
        return self._rt.fixed

    @property
    def comm(self) -> CommStats:
        """Per-party bytes sent/received, dealer bytes and rounds so far."""
        return self._rt.comm

    @property
    def disclosures(self) -> list[dict]:
        """One record (label, shape, dtype, epsilon, delta) per reveal, in order."""
        return list(self._rt.guard.disclosures)

    @property
    def privacy_budget(self) -> PrivacyBudget | None:
        """The differential-privacy budget and what has been spent of it."""
        return self._rt.guard.budget

    # --------------------------------------------------------------- sharing
    def party_index(self, party: int | str) -> int:
        """Index of a party given by name or index; raises :class:`PartyError` if unknown."""
        if isinstance(party, (int, np.integer)) and not isinstance(party, bool):
            if 0 <= party < self.n_parties:
                return int(party)
            raise PartyError(f"party index {party} is out of range for {self.n_parties} parties")
        if isinstance(party, str) and party in self.parties:
            return self.parties.index(party)
        raise PartyError(f"unknown party {party!r}; parties are {list(self.parties)}")

    def share(self, data, owner: int | str) -> SharedArray:
        """Secret-share ``data`` held by ``owner`` among all parties.

        Floats become fixed point (NaN, inf and values outside the safe range
        are rejected before anything is shared); ints and bools become exact
        ring integers. The result remembers that ``owner`` knows it.

        Cost: 1 round; the owner sends ``8 * size * (n - 1)`` bytes.
        """
        self._check_open()
        return share_plaintext(self._rt, data, self.party_index(owner))

    # --------------------------------------------------------------- lifetime
    def _check_open(self):
        if self._rt.closed:
            raise SessionMismatchError("this session is closed")

    def close(self) -> None:
        """End the session; its SharedArrays can no longer be used."""
        self._rt.closed = True

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._rt.closed else "open"
        return (f"Session#{self.id}(parties={list(self.parties)}, backend={self.backend!r}, "
                f"frac_bits={self.frac_bits}, {state})")


def _party_names(parties) -> tuple[str, ...]:
    if isinstance(parties, (int, np.integer)) and not isinstance(parties, bool):
        if parties < 2:
            raise PartyError(f"a session needs at least 2 parties, got {parties}")
        return tuple(f"party{i}" for i in range(parties))
    if isinstance(parties, str) or not isinstance(parties, Sequence):
        raise PartyError("parties must be an int or a sequence of party names")
    names = tuple(parties)
    if len(names) < 2:
        raise PartyError(f"a session needs at least 2 parties, got {len(names)}")
    if not all(isinstance(n, str) and n for n in names):
        raise PartyError("party names must be non-empty strings")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PartyError(f"party listed more than once: {duplicates}")
    return names
