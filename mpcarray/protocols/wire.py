"""Share arrays as the transport carries them: plain ``uint64`` words.

The transport moves raw numeric buffers and knows nothing of domains; elements
of GF(2^127 - 1) (two words, a structured dtype) travel as their words.
"""

import numpy as np

from ..errors import ProtocolError


def as_words(rows: np.ndarray) -> np.ndarray:
    """``(k, *shape)`` elements as ``(k, *shape)`` or ``(k, *shape, 2)`` ``uint64`` words."""
    if rows.dtype == np.uint64:
        return rows
    rows = np.ascontiguousarray(rows)
    return rows.view(np.uint64).reshape(rows.shape + (rows.dtype.itemsize // 8,))  # explicit: empty arrays too


def as_elements(words: np.ndarray, domain) -> np.ndarray:
    """The inverse of :func:`as_words` for elements of ``domain``."""
    if domain.dtype == np.uint64:
        return words
    return np.ascontiguousarray(words).view(domain.dtype).reshape(words.shape[:-1])


def words_shape(shape: tuple, domain) -> tuple:
    """The shape of ``shape`` elements of ``domain`` as :func:`as_words` sends them."""
    return tuple(shape) if domain.dtype == np.uint64 else tuple(shape) + (domain.dtype.itemsize // 8,)


def check_words(message: np.ndarray | None, shape: tuple, sender: str) -> np.ndarray | None:
    """``message`` if it is ``uint64`` words of ``shape`` (or None: nothing arrived); else :class:`ProtocolError`.

    A point-to-point frame may hold any whitelisted dtype and shape; this is
    where a receiver holds it to what the protocol announced.
    """
    if message is not None and (message.dtype != np.uint64 or message.shape != tuple(shape)):
        raise ProtocolError(f"{sender} sent {message.dtype}{list(message.shape)} where uint64{list(shape)} "
                            "was announced (do all parties run the same program?)")
    return message
