"""Identifier normalisation: the same patient gives the same bytes at every party.

Strings are trimmed, Unicode-normalised (NFKC) and case-folded; integers
(Python or NumPy) become their decimal string, so ``42`` and ``" 42 "`` link.
Floats (and so NaN), ``None``, bools and empty strings are refused: a float
identifier is almost always a parsing accident (``1e6`` vs ``1000000``).
"""

import unicodedata

import numpy as np


def normalise(identifier) -> bytes:
    """The UTF-8 bytes every party hashes for ``identifier``; raises ``ValueError``/``TypeError``."""
    if isinstance(identifier, (bool, np.bool_)):
        raise TypeError(f"identifiers must be strings or integers, got the bool {identifier!r}")
    if isinstance(identifier, (int, np.integer)):
        return str(int(identifier)).encode()
    if not isinstance(identifier, str):
        raise TypeError(f"identifiers must be strings or integers, got {type(identifier).__name__} "
                        f"{identifier!r}")
    text = unicodedata.normalize("NFKC", identifier.strip()).casefold()
    if not text:
        raise ValueError("empty identifier (after trimming white space)")
    return text.encode()


def normalise_all(identifiers) -> list[bytes]:
    """Normalise one party's identifiers, checking there are some and that none repeats.

    Runs before anything is sent: a duplicate would make the row mapping ambiguous.
    """
    if isinstance(identifiers, (str, bytes)) or not hasattr(identifiers, "__iter__"):
        raise TypeError("identifiers must be a sequence (list, array, Series) of strings or integers")
    values = np.asarray(identifiers, dtype=object) if isinstance(identifiers, np.ndarray) else identifiers
    if isinstance(values, np.ndarray) and values.ndim != 1:
        raise ValueError(f"identifiers must be one-dimensional, got shape {values.shape}")
    keys = [normalise(identifier) for identifier in values]
    if not keys:
        raise ValueError("no identifiers: a party must bring at least one")
    first_row: dict[bytes, int] = {}
    for row, key in enumerate(keys):
        if key in first_row:
            raise ValueError(f"duplicate identifier: rows {first_row[key]} and {row} are both "
                             f"{key.decode()!r} after normalisation; de-duplicate before linking")
        first_row[key] = row
    return keys
