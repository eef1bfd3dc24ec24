"""Secret-sharing owners' plaintext inputs: every owner's inputs in one round."""

from dataclasses import dataclass

import numpy as np

from ..errors import InputLostError, ProtocolError
from .opening import agree_live
from .wire import as_elements, as_words, words_shape

#: Input dtypes an owner may announce, by code (index).
INPUT_DTYPES = tuple(np.dtype(t) for t in (
    np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
    np.float16, np.float32, np.float64))
#: The header code after the last dtype: elements of the session's field.
FIELD_CODE = len(INPUT_DTYPES)


@dataclass(frozen=True)
class Input:
    """One input as this process knows it before sharing.

    ``elements`` (elements of the session's number domain, or of its field with
    ``is_field``) and ``dtype`` (the plaintext's, announced to every party) are
    read where ``owner`` is held, and only there; ``elements=None`` at the owner
    announces that it rejected its input.
    """

    owner: int
    elements: np.ndarray | None = None
    dtype: np.dtype | None = None
    is_field: bool = False


@dataclass(frozen=True)
class SharedInput:
    """An input after sharing, as every party knows it: the announced shape and dtype, and this
    process's shares ``(k, *shape)``."""

    shape: tuple
    dtype: np.dtype
    is_field: bool
    shares: np.ndarray


def share_inputs(rt, inputs: list[Input]) -> list[SharedInput | None]:
    """Share every input in one round; ``None`` for an input its owner rejected.

    Steps: (1) each owner draws the uniform arrays its scheme needs (``n - 1``
    additive shares, or ``t`` Shamir coefficients) and splits its input
    (:meth:`~mpcarray.schemes.Additive.split`, :meth:`~mpcarray.schemes.Shamir.split`);
    (2) it sends party ``j`` one message: the header (accepted or rejected, dtype
    code, ndim, shape) followed by ``j``'s share. Every owner sends in the same
    round, so ``k`` hospitals' aggregates cost one round, not ``k``.

    Cost: 1 round; per input, its owner sends ``(8 * (3 + ndim) + w * N) * (n - 1)``
    bytes (``w`` bytes per element: 8, or 16 in GF(2^127 - 1)). In a failure-tolerant
    (Shamir) session a second round follows: the parties agree that every live
    party received its messages (:func:`agree_live`, ``(n + 1) * (n - 1)`` bytes each),
    so that an owner failing while it sends makes every party raise
    :class:`InputLostError` alike.
    Security: reveals each input's shape and dtype (the shape of the shares anyway);
    each other party receives one uniformly random array per input (with Shamir,
    any ``t`` parties' shares together are uniform).
    """
    transport = rt.transport
    for item in inputs:
        transport.check_party(item.owner)
    transport.begin_round()  # may declare a staged failure: an owner failed now sends nothing
    outgoing = [_messages(rt, item) if item.owner in rt.ranks and item.owner not in transport.failed else None
                for item in inputs]
    for item, messages in zip(inputs, outgoing):
        for receiver in transport.live if messages is not None else ():
            if receiver != item.owner:
                transport.send(item.owner, receiver, messages[receiver])
    received = [{party: messages[party] if party == item.owner else transport.recv(item.owner, party)
                 for party in rt.ranks if party not in transport.failed} for item, messages in zip(inputs, outgoing)]
    transport.end_round()
    missing = [item.owner for item, messages in zip(inputs, received) if any(m is None for m in messages.values())]
    if transport.tolerant and not agree_live(rt, not missing):
        lost = next((item.owner for item in inputs if item.owner not in transport.agreed_live), missing[0])
        raise InputLostError(f"party {rt.parties[lost]!r} failed before its input was shared: its data "
                             "never entered the computation")
    return [_received(rt, item, messages) for item, messages in zip(inputs, received)]


def share_input(rt, owner: int, elements: np.ndarray | None) -> np.ndarray:
    """This process's shares of one input of the number domain's ``elements`` (read at ``owner``).

    Cost: as :func:`share_inputs` for one input.
    """
    (shared,) = share_inputs(rt, [Input(owner, elements, np.dtype(np.uint64))])
    if shared is None:
        raise ProtocolError(f"party {rt.parties[owner]!r} rejected its input")
    return shared.shares


def _messages(rt, item: Input) -> list[np.ndarray]:
    """Party ``j``'s message for ``item``: the header, then (if accepted) ``j``'s share as words."""
    if item.elements is None:
        return [np.zeros(1, dtype=np.uint64)] * rt.n_parties
    domain = rt.field if item.is_field else rt.number
    code = FIELD_CODE if item.is_field else INPUT_DTYPES.index(np.dtype(item.dtype))
    header = np.array((1, code, item.elements.ndim) + item.elements.shape, dtype=np.uint64)
    randomness = domain.uniform(rt.input_rng, (rt.scheme.random_rows,) + item.elements.shape)
    rows = as_words(rt.scheme.split(item.elements, randomness, domain))
    return [np.concatenate([header, row.ravel()]) for row in rows]


def _received(rt, item: Input, messages: dict) -> SharedInput | None:
    """Parse the messages for ``item`` of the parties held here (the owner's own row included)."""
    sender = f"party {rt.parties[item.owner]!r}"
    parsed = {party: _parse(rt, message, sender) for party, message in messages.items()}
    if any(p is None for p in parsed.values()):  # the owner rejected its input: every party read the same header
        return None
    (shape, code), _ = next(iter(parsed.values()))
    is_field = code == FIELD_CODE
    domain = rt.field if is_field else rt.number
    words = np.zeros((len(rt.ranks),) + words_shape(shape, domain), dtype=np.uint64)  # zero for failed parties
    for party, (_, share) in parsed.items():
        words[rt.ranks.index(party)] = share
    dtype = np.dtype(np.uint64) if is_field else INPUT_DTYPES[code]
    return SharedInput(shape, dtype, is_field, as_elements(words, domain))


def _parse(rt, message: np.ndarray, sender: str):
    """``((shape, code), share words)`` from one message, ``None`` for a rejection; else :class:`ProtocolError`."""
    if message.dtype != np.uint64 or message.ndim != 1 or message.size < 1:
        raise ProtocolError(f"{sender} sent {message.dtype}{list(message.shape)} where an input message "
                            "(uint64 words: a header, then the shares) was expected")
    if message[0] != 1:
        return None
    if message.size < 3 or int(message[1]) > FIELD_CODE or message.size < 3 + int(message[2]):
        raise ProtocolError(f"{sender} announced a malformed input header")
    ndim = int(message[2])
    shape, code = tuple(int(d) for d in message[3:3 + ndim]), int(message[1])
    if code == FIELD_CODE and rt.field is None:
        raise ProtocolError(f"{sender} announced field elements in a ring session")
    domain = rt.field if code == FIELD_CODE else rt.number
    wanted = words_shape(shape, domain)
    words = message[3 + ndim:]
    if words.size != int(np.prod(wanted, dtype=np.int64)):
        raise ProtocolError(f"{sender} sent {words.size} words where its header announced uint64{list(wanted)} "
                            "(do all parties run the same program?)")
    return (shape, code), words.reshape(wanted)
