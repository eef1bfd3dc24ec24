"""Secret-sharing an owner's plaintext input."""

import numpy as np

from ..errors import InputLostError, ProtocolError
from .opening import agree_live
from .wire import as_elements, as_words, check_words, words_shape

#: Input dtypes an owner may announce, by code (index).
INPUT_DTYPES = tuple(np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64))


def announce_input(rt, owner: int, shape: tuple | None, dtype: np.dtype | None,
                   is_field: bool = False) -> tuple[tuple, np.dtype, bool] | None:
    """The owner tells every party an input's shape and dtype, or that it rejected the input.

    ``shape``/``dtype``/``is_field`` (elements of the session's field) are read
    at the owner only; ``shape=None`` there announces a rejection. Returns
    ``(shape, dtype, is_field)``, or ``None`` after a rejection, at every party.

    Cost: 1 round; the owner sends ``8 * (3 + ndim) * (n - 1)`` bytes.
    Security: reveals the input's shape and dtype (the shape of the shares anyway).
    """
    rows = None
    if owner in rt.ranks:
        if shape is None:
            header = np.zeros(1, dtype=np.uint64)
        else:
            code = len(INPUT_DTYPES) if is_field else INPUT_DTYPES.index(np.dtype(dtype))
            header = np.array((1, code, len(shape)) + tuple(shape), dtype=np.uint64)
        rows = np.broadcast_to(header, (rt.n_parties,) + header.shape)
    received = rt.transport.scatter(owner, rows)
    if received is None:
        _lost(rt, owner)
    if received.dtype != np.uint64 or received.ndim != 2 or received.shape[1] < 1:
        raise ProtocolError(f"party {rt.parties[owner]!r} announced a malformed input header")
    header = received[0]
    if header[0] != 1:
        return None
    ndim = int(header[2])
    if header.size != 3 + ndim or int(header[1]) > len(INPUT_DTYPES):
        raise ProtocolError(f"party {rt.parties[owner]!r} announced a malformed input header")
    is_field = int(header[1]) == len(INPUT_DTYPES)  # the code after the last dtype: field elements
    if is_field and rt.field is None:
        raise ProtocolError(f"party {rt.parties[owner]!r} announced field elements in a ring session")
    dtype = np.dtype(np.uint64) if is_field else INPUT_DTYPES[int(header[1])]
    return tuple(int(d) for d in header[3:]), dtype, is_field


def share_input(rt, owner: int, ring_values: np.ndarray | None, shape: tuple, domain=None) -> np.ndarray:
    """Shares of the owner's input, elements of ``domain`` (default: the number domain); read at the owner only.

    Steps: (1) the owner draws the uniform arrays its scheme needs (``n - 1``
    additive shares, or ``t`` Shamir coefficients) and splits its input
    (:meth:`~mpcarray.schemes.Additive.split`, :meth:`~mpcarray.schemes.Shamir.split`);
    (2) it sends party ``j`` its share.

    Cost: 1 round; the owner sends ``w * N * (n - 1)`` bytes, every other party
    receives ``w * N`` (``w`` bytes per element: 8, or 16 in GF(2^127 - 1)).
    In a failure-tolerant (Shamir) session a third step follows: the parties
    agree that every live party received its share (:func:`agree_live`, 1
    round, ``(n + 1) * (n - 1)`` bytes each), so that an owner failing while it
    sends makes every party raise :class:`InputLostError` alike.

    Security: each other party receives one uniformly random array (with
    Shamir, any ``t`` parties' shares together are uniform).
    """
    rows = None
    domain = rt.number if domain is None else domain
    if owner in rt.ranks:
        randomness = domain.uniform(rt.input_rng, (rt.scheme.random_rows,) + tuple(shape))
        rows = rt.scheme.split(ring_values, randomness, domain)
    received = check_words(rt.transport.scatter(owner, None if rows is None else as_words(rows)),
                           words_shape((len(rt.ranks),) + tuple(shape), domain), f"party {rt.parties[owner]!r}")
    if rt.transport.tolerant and not agree_live(rt, received is not None):
        _lost(rt, owner, agreed=True)
    return as_elements(received, domain)


def _lost(rt, owner: int, agreed: bool = False):
    """Raise :class:`InputLostError` at every party after agreeing that ``owner``'s input did not arrive."""
    if not agreed:
        agree_live(rt, False)
    raise InputLostError(f"party {rt.parties[owner]!r} failed before its input was shared: its data "
                         "never entered the computation")
