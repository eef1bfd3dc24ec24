"""Owner-local evaluation: work a party can do alone on data it already knows.

A hospital that shared its rows knows them in plaintext. Anything computed
from those rows alone (column sums, ``X_k.T @ X_k``, local event counts) can be
computed by that hospital in float64 with BLAS and shared once, instead of
being computed securely over every row. This reveals nothing: the other
parties receive only random shares of the aggregate (DESIGN.md §5).

* :func:`share_plaintext` secret-shares an owner's plaintext (what
  :meth:`mpcarray.Session.share` does).
* :func:`owner_apply` runs a function on the owner's plaintext and shares the result.
* :func:`row_parts` returns the owner-known row blocks an array was concatenated from.
"""

from collections.abc import Callable

import numpy as np

from .. import protocols
from ..errors import (
    DomainMismatchError,
    EncodingError,
    InputLostError,
    InputRejectedError,
    UnsupportedOperationError,
)
from ..lazy_imports import is_field_array
from . import lineage
from .shared_array import SharedArray

#: ``_plain`` of an owner's input in the other parties' processes (socket backend):
#: they know the array is that owner's input, not its values.
ELSEWHERE = type("HeldElsewhere", (), {"__repr__": lambda self: "ELSEWHERE"})()


def share_plaintext(rt, data, owner: int) -> SharedArray:
    """Secret-share ``data``, held by party index ``owner``, among all parties.

    Floats become fixed point (NaN, inf and values outside the safe range are
    rejected before anything is shared); ints and bools become exact integers
    of the session's domain; a galois ``FieldArray`` of the session's field
    becomes a field-element array. The result remembers that ``owner`` knows it, and the owner's
    process keeps a read-only copy of the plaintext for owner-local evaluation.
    ``data`` is read where the owner is held only (other socket processes pass
    ``None``); the owner's message to each party carries the shape and dtype
    with the share, or says that it rejected its data, in which case every
    other party raises :class:`InputRejectedError`.

    Cost: 1 round (:func:`mpcarray.protocols.share_inputs`); the owner sends
    ``(8 * (3 + ndim) + w * size) * (n - 1)`` bytes (the shape-and-dtype header
    and the shares of ``w`` bytes each: 8 in Z_2^64 and GF(p), 16 in GF(2^127 - 1)).
    """
    return share_plaintexts(rt, [(data, owner)])[0]


def share_plaintexts(rt, inputs: list[tuple[object, int]]) -> list[SharedArray]:
    """:func:`share_plaintext` for each ``(data, owner)``, every owner's shares in the same round.

    Cost: 1 round; each owner sends what :func:`share_plaintext` says for each of its inputs.
    """
    announced, plains, own_error = [], [], None
    for data, owner in inputs:
        values = ring = None
        if owner in rt.ranks:
            try:
                values, ring = _encode(rt, data)
            except (EncodingError, UnsupportedOperationError, ValueError, TypeError) as error:
                if len(rt.ranks) == rt.n_parties:  # every party is here: nothing to tell anyone
                    raise
                own_error = own_error or error
        announced.append(protocols.Input(owner, ring, None if values is None else values.dtype,
                                         values is not None and is_field_array(values)))
        plains.append(values)
    shared = protocols.share_inputs(rt, announced)
    if own_error is not None:  # the other processes were told; the owner raises its own reason
        raise own_error
    return [_result(rt, item.owner, plain, result) for item, plain, result in zip(announced, plains, shared)]


def _result(rt, owner: int, values: np.ndarray | None, shared) -> SharedArray:
    """The SharedArray of one shared input; ``values``: the owner's plaintext where it is held."""
    if shared is None:
        raise InputRejectedError(f"party {rt.parties[owner]!r} rejected its own input (NaN, infinite, "
                                 "out of range or an unsupported dtype); nothing was shared")
    field = rt.field.galois if shared.is_field else None
    rt.guard.shared(owner, shared.shape, field.name if shared.is_field else str(shared.dtype))
    if values is not None:
        values.flags.writeable = False
    frac = rt.fixed.frac_bits if shared.dtype.kind == "f" else 0
    result = SharedArray(rt, shared.shares, frac, known_by=owner, plain=ELSEWHERE if values is None else values,
                         field=field)
    result._lineage = lineage.of_input(tuple(shared.shape), indicator=shared.dtype == np.bool_)
    result._bool = shared.dtype.kind == "b"
    return result


def _encode(rt, data) -> tuple[np.ndarray, np.ndarray]:
    """A private copy of the owner's data and its ring encoding; raises before anything is sent."""
    if isinstance(data, SharedArray):
        raise UnsupportedOperationError("data is already a SharedArray")
    if data is None:
        raise ValueError("the owner of an input must pass its data, got None")
    if is_field_array(data):
        return _encode_field(rt, data)
    values = np.array(data)  # a private copy: later edits by the caller do not leak in
    if values.dtype not in protocols.INPUT_DTYPES:
        raise UnsupportedOperationError(
            f"cannot share data of dtype {values.dtype}; use bool, integer or float arrays"
        )
    if values.dtype == np.uint64 and values.size and int(values.max()) > np.iinfo(np.int64).max:
        raise EncodingError(f"integer {int(values.max())} is outside int64, the range of shared integers "
                            "(|x| < 2^63); it would wrap to a negative number")
    if values.dtype.kind in "biu":
        return values, rt.number.encode_int(values)
    return values, rt.number.encode_int(rt.fixed.to_integers(values))


def _encode_field(rt, data) -> tuple[np.ndarray, np.ndarray]:
    """A private copy of a galois array of the session's field, and its ``uint64`` elements."""
    if rt.field is None:
        raise DomainMismatchError(
            f"{type(data).name} elements need a session over that field: "
            f"Session(..., scheme='shamir', field=galois.GF({type(data).order}))")
    if type(data).order != rt.field.p or type(data).degree != 1:
        raise DomainMismatchError(f"this session's field is {rt.field.name}; "
                                  f"cannot share elements of {type(data).name}")
    values = data.copy()
    return values, rt.field.encode_elements(values)


def owner_apply(x: SharedArray, function: Callable[..., np.ndarray], *others: SharedArray) -> SharedArray:
    """Shares of ``function(plaintext of x, *plaintexts of others)``, computed by the one party that knows them.

    ``x`` (and every array in ``others``) must be an input shared by the same
    owner (``s.share(data, owner=k)``); ``function`` receives the owner's
    plaintext NumPy arrays and must return a bool, integer or float array,
    which the owner then shares. Use it for aggregates of a party's own rows,
    e.g. ``owner_apply(X_k, lambda a: a.T @ a)`` or
    ``owner_apply(X_k, lambda a, b: a.T @ b, y_k)``.

    Reveals: nothing (the other parties receive random shares of the result).
    Cost: one input sharing of the result (1 round).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     X_a = s.share(np.array([[1.0, 2.0], [3.0, 4.0]]), owner="hosp_a")
    ...     gram = mpc.owner_apply(X_a, lambda a: a.T @ a)  # hosp_a's float64 BLAS, then shared
    ...     print(gram.reveal())
    [[10. 14.]
     [14. 20.]]
    """
    return owner_apply_each([(x, *others)], function)[0]


def owner_apply_each(groups: list[tuple[SharedArray, ...]], function: Callable[..., np.ndarray]) -> list[SharedArray]:
    """:func:`owner_apply` of ``function`` to each group ``(x, *others)``, all results shared in one round.

    Each group's arrays must be known to one owner (different groups may have
    different owners): ``k`` hospitals' aggregates then cost one round, not ``k``.

    Reveals: nothing. Cost: 1 round (:func:`share_plaintexts`).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     a = s.share(np.array([[1.0, 2.0], [3.0, 4.0]]), owner="hosp_a")
    ...     b = s.share(np.array([[5.0, 6.0]]), owner="hosp_b")
    ...     before = s.comm.rounds
    ...     grams = mpc.owner_apply_each([(a,), (b,)], lambda v: v.T @ v)  # each hospital's X_k^T X_k
    ...     print(s.comm.rounds - before, sum(grams).reveal().tolist())
    1 [[35.0, 44.0], [44.0, 56.0]]
    """
    if len({id(group[0]._rt) for group in groups if isinstance(group[0], SharedArray)}) > 1:
        raise UnsupportedOperationError("owner_apply_each needs arrays of one session")
    inputs = []
    for group in groups:
        _check_owner_group(group)
        x = group[0]
        held = x._plain is not ELSEWHERE  # the function runs in the owner's process only
        inputs.append((function(*(item._plain for item in group)) if held else None, x._known_by))
    results = share_plaintexts(groups[0][0]._rt, inputs) if groups else []
    for result in results:
        result._lineage = None  # an aggregate of the owner's rows: how many, the library cannot tell
    return results


def _check_owner_group(group: tuple) -> None:
    """Refuse a group that is not made of SharedArrays shared by one owner, in one session."""
    for item in group:
        if not isinstance(item, SharedArray):
            raise TypeError(f"owner_apply needs SharedArrays, got {type(item).__name__}")
        if item._known_by is None or item._plain is None:
            raise UnsupportedOperationError(
                "owner_apply needs inputs shared by their owner (s.share(data, owner=...)); "
                "this array is not known in plaintext to a single party"
            )
    if len({item._known_by for item in group}) != 1 or len({id(item._rt) for item in group}) != 1:
        raise UnsupportedOperationError("owner_apply needs arrays all known to the same party")


def owner_local_or_secure(local: Callable[[], SharedArray], secure: Callable[[], SharedArray], rows=None):
    """``local()``, an owner-local aggregation, or ``secure()`` if an owner failed before sharing its part.

    In a Shamir session that lost a party, every party raises the same
    :class:`InputLostError` for that owner's aggregate (the parties agree on
    it), so every party falls back to the secure path alike.

    ``rows``: the arrays whose rows ``local`` pools (an additive statistic of
    all of them, as its ``secure`` counterpart). The shared results of
    :func:`owner_apply` have an unknown lineage; with ``rows`` every SharedArray
    of the local result whose lineage is unknown aggregates all their records
    (:func:`mpcarray.array.lineage.pooled`).
    """
    try:
        result = local()
    except InputLostError:
        return secure()
    if rows is not None:
        lineage.stamp_unknown(result, lambda shape: lineage.pooled(shape, *rows))
    return result


def row_parts(x: SharedArray) -> list[SharedArray] | None:
    """The owner-shared row blocks ``x`` is the axis-0 concatenation of, or None.

    ``np.concatenate([s.share(X_a, owner="a"), s.share(X_b, owner="b")])``
    remembers its two blocks, so statistics can aggregate each hospital's rows
    locally (:func:`owner_apply`) instead of securely. An input shared by one
    owner is its own single block. Selecting columns (``X[:, 1:3]``, ``X[:, 0]``,
    ``X[:, [0, 2]]``) keeps the blocks, each with the same columns; any other operation forgets them.
    Blocks whose owner has failed (as the parties last agreed,
    :func:`mpcarray.protocols.agree_live`) cannot be aggregated locally: then None.

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     X = np.concatenate([s.share(np.ones((2, 3)), owner="hosp_a"),
    ...                         s.share(np.ones((4, 3)), owner="hosp_b")])
    ...     sums = sum(mpc.owner_apply(p, lambda a: a.sum(axis=0)) for p in mpc.row_parts(X))
    ...     print(sums.reveal())
    [6. 6. 6.]
    """
    if not isinstance(x, SharedArray):
        raise TypeError(f"row_parts needs a SharedArray, got {type(x).__name__}")
    parts = x._parts if x._parts is not None else (x,) if x._known_by is not None and x._plain is not None else None
    if parts is None or any(p._known_by not in x._rt.agreed_live for p in parts):
        return None
    return list(parts)
