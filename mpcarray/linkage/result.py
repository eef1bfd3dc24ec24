"""``Linkage``: the outcome of a private intersection, and the alignment of rows to it."""

from dataclasses import dataclass

import numpy as np

from ..errors import PartyError


@dataclass(frozen=True)
class Linkage:
    """The common identifiers of all parties, in an order every party agrees on.

    ``size`` is the number of common identifiers; ``indices[party]`` the rows of
    ``party``'s identifiers in the common order (only this process's own
    parties: every party in the simulated backend, one in the socket backend);
    ``rows[party]`` how many identifiers ``party`` brought.
    """

    size: int
    indices: dict[str, np.ndarray]
    rows: dict[str, int]

    def align(self, party: str, data):
        """``party``'s rows of ``data`` (one per identifier it brought) in the common order.

        ``data`` is anything NumPy can index by rows, or a pandas object (``.iloc``).
        The result is ready for ``s.share(aligned, owner=party)``.
        """
        if party not in self.indices:
            raise PartyError(f"this process does not hold party {party!r}'s rows; it holds {list(self.indices)}")
        if len(data) != self.rows[party]:
            raise ValueError(f"{party!r} brought {self.rows[party]} identifiers but data has {len(data)} rows")
        index = self.indices[party]
        return data.iloc[index] if hasattr(data, "iloc") else np.asarray(data)[index]
