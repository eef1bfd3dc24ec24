"""Engine state that protocols run against: parties, transport, scheme, provider, fixed-point format.

A :class:`Runtime` is created by :class:`mpcarray.Session`; protocols receive it
explicitly, so there is no global state.
"""

from dataclasses import dataclass

import numpy as np

from .disclosure import Guard
from .domains import FixedPoint, PrimeField
from .errors import PartyError
from .preprocessing import Provider
from .schemes import Additive, Shamir
from .transport import CommStats, Transport


@dataclass(eq=False)
class Runtime:
    """Everything a protocol needs to run on one process's rows of the shares."""

    parties: tuple[str, ...]
    transport: Transport
    scheme: Additive | Shamir
    provider: Provider
    #: Domain of integers and reals: Z_2^64 (additive) or GF(2^127 - 1) (Shamir).
    number: object
    fixed: FixedPoint
    input_rng: np.random.Generator
    backend: str
    guard: Guard
    #: Domain of field-element arrays (Shamir sessions), else None.
    field: PrimeField | None = None
    #: Check that redundant Shamir shares of an opened value agree (a wrong share names its sender).
    check_openings: bool = False
    closed: bool = False
    #: Reconstruct and check results of the script's sums and products (simulated backend only).
    range_check: bool = False

    @property
    def n_parties(self) -> int:
        return len(self.parties)

    def party_index(self, party: int | str) -> int:
        """Index of a party given by name or index; raises :class:`PartyError` if unknown."""
        if isinstance(party, (int, np.integer)) and not isinstance(party, bool):
            if 0 <= party < self.n_parties:
                return int(party)
            raise PartyError(f"party index {party} is out of range for {self.n_parties} parties")
        if isinstance(party, str) and party in self.parties:
            return self.parties.index(party)
        raise PartyError(f"unknown party {party!r}; parties are {list(self.parties)}")

    def domain_of(self, shares: np.ndarray):
        """The domain of a share (or element) array, told by its dtype."""
        if shares.dtype == self.number.dtype:
            return self.number
        if self.field is not None and shares.dtype == self.field.dtype:
            return self.field
        raise TypeError(f"no domain of this session holds elements of dtype {shares.dtype}")

    @property
    def shamir(self) -> bool:
        """True when shares are Shamir (threshold) sharings."""
        return self.scheme.name == "shamir"

    @property
    def agreed_live(self) -> tuple[int, ...]:
        """The live parties as all parties agreed last (see :func:`mpcarray.protocols.agree_live`)."""
        return self.transport.agreed_live

    @property
    def ranks(self) -> tuple[int, ...]:
        """Parties whose share rows this process holds."""
        return self.transport.ranks

    @property
    def first_row(self) -> int:
        """Row of party 0 (the party that adds public constants), or -1."""
        return self.transport.first_row

    @property
    def comm(self) -> CommStats:
        return self.transport.comm
