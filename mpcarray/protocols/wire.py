"""Share arrays as the transport carries them: plain ``uint64`` words.

The transport moves raw numeric buffers and knows nothing of domains; elements
of GF(2^127 - 1) (two words, a structured dtype) travel as their words.
"""

import numpy as np


def as_words(rows: np.ndarray) -> np.ndarray:
    """``(k, *shape)`` elements as ``(k, *shape)`` or ``(k, *shape, 2)`` ``uint64`` words."""
    if rows.dtype == np.uint64:
        return rows
    rows = np.ascontiguousarray(rows)
    return rows.view(np.uint64).reshape(rows.shape + (rows.dtype.itemsize // 8,))


def as_elements(words: np.ndarray, domain) -> np.ndarray:
    """The inverse of :func:`as_words` for elements of ``domain``."""
    if domain.dtype == np.uint64:
        return words
    return np.ascontiguousarray(words).view(domain.dtype).reshape(words.shape[:-1])
