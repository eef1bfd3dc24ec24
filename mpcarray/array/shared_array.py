"""``SharedArray``: a NumPy-style array whose elements are secret-shared.

The array holds this process's rows of the shares, shape ``(k, *shape)``
(``k = n`` in the simulated backend, 1 in the socket backend), in the
session's domain and scheme (additive over Z_2^64, or Shamir over GF(p)); the
number of fractional bits of its encoding (see :mod:`mpcarray.array.promotion`);
the galois field class when its elements are field elements rather than
integers or reals; and the party, if any, that already knows its plaintext.
All local arithmetic on shares goes through the session's domain object. Operators go through
``__array_ufunc__`` and NumPy functions through ``__array_function__``; both
dispatch only to registered secure implementations.

SharedArrays have value semantics: indexing, transposing and reshaping share
memory internally, but assigning into one array never changes another.
"""

import functools

import numpy as np
from numpy.lib.mixins import NDArrayOperatorsMixin

from .. import protocols
from ..disclosure import Mechanism, RevealRequest
from ..errors import (
    DisclosureError,
    DomainMismatchError,
    RevealRefusedError,
    SessionMismatchError,
    ShapeError,
    UnsupportedOperationError,
)
from . import lineage, ranges
from .dispatch import (
    FUNCTIONS,
    HOOKS,
    UFUNCS,
    UnsupportedAttributeError,
    implements_ufunc,
    qualified_name,
    unsupported_attribute_message,
    unsupported_message,
)
from .promotion import INT, is_integer, public_array


class SharedArray(NDArrayOperatorsMixin):
    """A secret-shared array. Create one with :meth:`mpcarray.Session.share`."""

    __slots__ = ("_bool", "_field", "_frac", "_known_by", "_lineage", "_parts", "_plain", "_rt", "_shares")
    __hash__ = None  # == is a secure comparison, not identity

    def __init__(self, runtime, shares: np.ndarray, frac: int, known_by: int | None = None,
                 plain: np.ndarray | None = None, field=None):
        self._rt = runtime
        self._shares = shares
        self._frac = frac
        # The galois field class of field-element arrays (revealed as FieldArray), else None.
        self._field = field
        self._known_by = known_by
        # The owner's own plaintext, held only in the owner's process (owner-local evaluation).
        self._plain = plain
        # Owner-known row blocks this array is the concatenation of (see mpcarray.array.owner).
        self._parts = None
        # Records aggregated per element (mpcarray.array.lineage); None when unknown.
        self._lineage = None
        # True when every element is known to be 0 or 1 (a shared bool array, a comparison
        # result, or logic on those): such arrays accept & | ^ ~ (mpcarray.array.logic).
        self._bool = False

    def _new(self, shares, frac=None, known_by=None):
        return SharedArray(self._rt, shares, self._frac if frac is None else frac, known_by,
                           field=self._field)

    def _view(self, shares_view, known_by):
        """Wrap a view of this array's shares; both become copy-on-write."""
        if np.shares_memory(shares_view, self._shares):
            self._shares.flags.writeable = False
            shares_view.flags.writeable = False
        view = self._new(shares_view, known_by=known_by)
        view._bool = self._bool
        return view

    # ----------------------------------------------------------------- metadata
    @property
    def shape(self) -> tuple:
        return self._shares.shape[1:]

    @property
    def ndim(self) -> int:
        return self._shares.ndim - 1

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64))

    @property
    def dtype(self) -> np.dtype:
        """The dtype :meth:`reveal` returns: float64 for fixed point, int64 for integers, the field's for field elements."""
        if self._field is not None:
            return self._field.dtypes[-1]
        return np.dtype(np.int64) if self._frac == INT else np.dtype(np.float64)

    @property
    def is_bool(self) -> bool:
        """True when the elements are known to be 0/1 integers: shared bool arrays, comparison
        results and the logic operators on them (``&``, ``|``, ``^``, ``~``). They reveal as int64."""
        return self._bool

    @property
    def field(self):
        """The galois field class of a field-element array (``reveal`` returns its FieldArray), else None."""
        return self._field

    @property
    def frac_bits(self) -> int:
        """Fractional bits of the encoding: 0 for ring integers."""
        return self._frac

    @property
    def fixed_point(self):
        """The session's fixed-point format (fractional bits, safe range), whatever this array holds."""
        return self._rt.fixed

    @property
    def parties(self) -> tuple[str, ...]:
        return self._rt.parties

    @property
    def known_by(self) -> str | None:
        """Name of the one party that already knows this array in plaintext, or None."""
        return None if self._known_by is None else self._rt.parties[self._known_by]

    @property
    def T(self) -> "SharedArray":
        return self.transpose()

    def __len__(self) -> int:
        if self.ndim == 0:
            raise TypeError("len() of unsized SharedArray")
        return self.shape[0]

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d SharedArray")
        return (self[i] for i in range(self.shape[0]))

    def __repr__(self) -> str:
        if self._field is not None:
            kind = f"elements of {self._field.name}"
        elif self._bool:
            kind = f"0/1 integers (boolean) in {self._rt.number.name}"
        elif self._frac == INT:
            kind = f"int64 integers in {self._rt.number.name}"
        else:
            kind = f"fixed point, {self._frac} fractional bits"
        return (
            f"SharedArray(shape={self.shape}, dtype={self.dtype} [{kind}], "
            f"known_by={self.known_by!r}, backend={self._rt.backend!r}, "
            f"parties={len(self._rt.parties)})"
        )

    # ------------------------------------------------------------ disclosure
    def reveal(self, label: str | None = None, *, cohort: int | None = None, noise=None, to=None):
        """Open the array to every party (or to ``to``) and return it as NumPy (float64 or int64), or a galois FieldArray.

        Each party's policy is checked first (one extra round when the session
        has policies or a budget); if any party refuses, every party raises
        :class:`mpcarray.RevealRefusedError` and nothing is opened.

        Cost: one round, ``w * size * (n - 1)`` bytes per party (``w`` = 8, or
        16 in GF(2^127 - 1)). Opened to one party: one round, in which every
        other party sends that party its ``w * size`` bytes. With an audit
        log one more round of ``32 * (n - 1)`` bytes, in which the parties
        exchange their log heads (see ``docs/privacy.md``).

        Parameters
        ----------
        label : str, optional
            Names the disclosure for the parties' policies and the audit log.
        cohort : int, optional
            A stricter cohort size for policies with a minimum cohort: the
            library uses the number of input records the array aggregates (its
            lineage, ``docs/privacy.md``) and a stated cohort only when it is
            smaller. A script cannot raise it.
        noise : mpcarray.privacy.Laplace, Gaussian or DiscreteLaplace, optional
            Differential-privacy noise, drawn jointly (each party contributes a
            component) and added before opening; its epsilon is spent from the
            session's privacy budget. Laplace noise on a fixed-point result is
            drawn as discrete Laplace noise on its grid (``Laplace.on_grid``),
            Gaussian noise as one rounded full-sigma component per party
            (``Gaussian.on_grid``), so rounding cannot change their epsilon
            (and delta); real noise of scale below
            4 fixed-point steps raises :class:`mpcarray.NoiseScaleError`. In a
            session with a budget, a reveal without noise is refused unless
            every party's policy lists its label in ``exact_labels``, and so is
            noise not calibrated by the ``mpcarray.privacy.dp_*`` functions
            (whose sensitivity comes from clipping bounds, not the script).
        to : party or sequence of parties, optional
            Open to this party only (a name or index); or row by row, row ``i``
            (along axis 0) to party ``to[i]``, e.g. ``to=X.row_owners`` to
            give each hospital its own patients' rows of a result.
            Over sockets a party receives its rows in order (the whole array
            for a single receiver) and ``None`` if it receives none; the
            simulated backend plays every party and returns the whole array.
            The receivers are recorded in the audit log and in
            :attr:`mpcarray.Session.disclosures`, and ``s.comm`` counts bytes
            only at the receivers.

        Examples
        --------
        >>> import numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
        ...     a = s.share(np.array([61.0, 47.0]), owner="hosp_a")
        ...     b = s.share(np.array([55.0]), owner="hosp_b")
        ...     ages = np.concatenate([a, b])
        ...     flags = (ages > 50).reveal(to=ages.row_owners)  # each hospital learns its own patients' flags
        ...     print(flags, s.disclosures[-1]["receivers"])
        [1 0 1] ('hosp_a', 'hosp_a', 'hosp_b')
        """
        rt = _runtime_of(self)
        if noise is not None and not isinstance(noise, Mechanism):
            raise TypeError("noise must be a mechanism from mpcarray.privacy (Laplace, Gaussian, DiscreteLaplace)")
        if noise is not None and not rt.number.is_ring:
            raise UnsupportedOperationError(f"noisy reveals are not available over {rt.number.name} yet")
        if noise is not None and not noise.integer and self._frac == INT:
            raise UnsupportedOperationError(
                "real-valued noise on an integer SharedArray: use privacy.DiscreteLaplace or .astype(float)")
        grid = None  # real noise on a fixed-point result: discrete, in steps of the grid
        if noise is not None and self._frac != INT:
            noise.check_grid(2.0 ** -self._frac)
            grid = noise.on_grid(2.0 ** -self._frac)
            grid = None if grid is noise else grid
        receivers = None if to is None else _receivers(self, to)
        self._authorise(label, cohort, noise, receivers)
        if noise is None:
            shares = self._shares
        elif grid is not None:  # integer noise in units of 2^-frac, added to the encoding itself
            shares = rt.number.add(self._shares, HOOKS["joint_noise"](self, grid)._shares)
        else:
            shares = (self + HOOKS["joint_noise"](self, noise))._shares
        if receivers is None:
            (opened,) = protocols.open_shares(rt, shares)
            protocols.exchange_heads(rt)
            return self._decode(opened)
        rows = protocols.open_to(rt, shares.reshape((len(rt.ranks), len(receivers), -1)), receivers)
        protocols.exchange_heads(rt)
        return self._decode_rows(rows, receivers)

    def _authorise(self, label: str | None, cohort: int | None = None, noise=None, receivers=None) -> None:
        """Ask every party's policy (and the budget) whether this array may be revealed as asked."""
        rt = self._rt
        records, asked_by = lineage.records_and_caller(self)
        request = RevealRequest(label, self.shape, str(self.dtype), lineage.cohort(cohort, records, asked_by),
                                0.0 if noise is None else noise.epsilon, 0.0 if noise is None else noise.delta,
                                records, asked_by,
                                None if receivers is None else tuple(rt.parties[r] for r in receivers))
        authorise(rt, request)

    def _reveal_truncated(self, shifts, label: str | None) -> np.ndarray:
        """``self / 2^shifts`` (per element), rounded as a truncation rounds, revealed as float64 in
        one round (:func:`mpcarray.protocols.open_truncated`)."""
        rt = _runtime_of(self)
        self._authorise(label)
        opened = protocols.open_truncated(rt, self._shares, shifts)
        protocols.exchange_heads(rt)
        return np.ldexp(rt.number.decode_int(opened).astype(np.float64), np.asarray(shifts) - self._frac)

    @property
    def row_owners(self) -> tuple[str, ...] | None:
        """The party that shared each row (axis 0), for an input or a join of the owners' own rows; else None.

        ``np.concatenate([s.share(X_a, owner="a"), s.share(X_b, owner="b")]).row_owners``
        is ``("a",) * len(X_a) + ("b",) * len(X_b)``; pass it as ``reveal(to=...)``
        so that each hospital receives only its own rows of a per-row result.
        """
        blocks = self._parts if self._parts is not None else (self,)
        if self.ndim == 0 or any(b._known_by is None for b in blocks):
            return None
        return tuple(self._rt.parties[b._known_by] for b in blocks for _ in range(b.shape[0]))

    def _decode(self, opened: np.ndarray):
        """Opened elements as NumPy values (or a FieldArray) of this array's kind."""
        if self._field is not None:
            return self._field(opened)
        rt = self._rt
        value = rt.number.decode_int(opened).copy() if self._frac == INT else rt.number.decode_real(opened, self._frac)
        return value[()] if value.ndim == 0 else value

    def _decode_rows(self, opened: dict, receivers: np.ndarray):
        """The rows opened to the parties held here: all of them (simulated), this party's, or None."""
        if len(opened) == len(np.unique(receivers)):  # every receiver is held here
            first = next(iter(opened.values()))
            rows = np.empty((len(receivers),) + first.shape[1:], dtype=first.dtype)
            for receiver, values in opened.items():
                rows[receivers == receiver] = values
            return self._decode(rows.reshape(self.shape))
        if not opened:
            return None
        (values,) = opened.values()
        return self._decode(values.reshape((len(values),) + self.shape[1:] if self.ndim else ()))

    def _refuse(self, *args, **kwargs):
        raise DisclosureError(
            "a SharedArray cannot be converted implicitly (bool(), float(), int(), "
            "np.asarray(), ...); that would reveal it. Call .reveal() explicitly."
        )

    __array__ = __bool__ = __float__ = __int__ = __index__ = __complex__ = _refuse

    # ----------------------------------------------------------- NumPy protocols
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        name = f"numpy.{ufunc.__name__}" + ("" if method == "__call__" else f".{method}")
        handler = UFUNCS.get(ufunc)
        if method != "__call__" or handler is None:
            raise UnsupportedOperationError(unsupported_message(name))
        if kwargs:
            raise UnsupportedOperationError(
                f"{name} on SharedArray does not accept the arguments {sorted(kwargs)}"
            )
        result = handler(*inputs)
        if isinstance(result, SharedArray) and not any(result is x for x in inputs):
            result._lineage = (lineage.safely(lineage.matmul, *inputs, result.shape) if ufunc is np.matmul else
                               lineage.safely(lineage.elementwise, result.shape, *inputs, product=ufunc is np.multiply))
            if ufunc in _COMPARISONS or result._bool or (ufunc is np.multiply and lineage.indicators(*inputs)):
                result._lineage = lineage.of_kind(result._lineage, "indicator")
        if ufunc.__name__ in ranges.CHECKED and self._rt.range_check and ranges.called_by_script():
            ranges.check(ufunc.__name__, inputs, result)
        return result

    def __array_function__(self, func, types, args, kwargs):
        handler = FUNCTIONS.get(func)
        if handler is None:
            raise UnsupportedOperationError(unsupported_message(qualified_name(func)))
        result = handler(*args, **kwargs)
        if isinstance(result, SharedArray) and func in lineage.OF_FUNCTION:
            result._lineage = lineage.safely(lineage.OF_FUNCTION[func], result, *args, **kwargs)
        if func.__name__ in ("sum", "dot") and len(args) >= (1 if func is np.sum else 2) \
                and self._rt.range_check and ranges.called_by_script():
            axis = kwargs.get("axis", args[1] if func is np.sum and len(args) > 1 else None)
            reference = (lambda a: np.sum(a, axis=axis)) if func is np.sum else None
            ranges.check(func.__name__, args[:1] if func is np.sum else args[:2], result, reference)
        return result

    def __getattr__(self, name):
        # Only called when normal lookup fails: ndarray methods without a secure version.
        if not name.startswith("_") and hasattr(np.ndarray, name):
            raise UnsupportedAttributeError(unsupported_attribute_message(name))
        raise AttributeError(f"'SharedArray' object has no attribute {name!r}")

    # -------------------------------------------------------------- reductions
    def sum(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Sum over ``axis`` (local, exact in the domain: modulo 2^64 or p)."""
        axes = _element_axes(axis, self.ndim)
        shares = self._rt.domain_of(self._shares).sum(self._shares, tuple(a + 1 for a in axes), keepdims)
        result = self._new(shares, known_by=self._known_by)
        result._lineage = lineage.safely(lineage.reduce, self._lineage, axes, keepdims)
        if self._rt.range_check and ranges.called_by_script():
            ranges.check("sum", (self,), result, lambda a: np.sum(a, axis=axes, keepdims=keepdims))
        return result

    def mean(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Mean over ``axis``.

        A fixed-point sum may exceed the safe range (by the factor ``count``), so
        it is first truncated by ``e = ceil(log2 count)`` bits, bringing it back
        in range, then multiplied by ``2^e / count`` in ``(0.5, 1]``. Error below
        3 units: three truncations (in Shamir sessions, three times the bound of
        :func:`~mpcarray.protocols.degree_reduction.truncate_many`). Cost: 1 round
        for power-of-two counts, else 2.
        """
        axes = _element_axes(axis, self.ndim)
        count = int(np.prod([self.shape[a] for a in axes], dtype=np.int64))
        if count == 0:
            raise ShapeError("mean of an empty SharedArray")
        if self._field is not None:
            raise UnsupportedOperationError(f"the mean of elements of {self._field.name} is not defined; use sum")
        total = self.sum(axis, keepdims)
        shift = (count - 1).bit_length()
        if self._frac == INT or shift == 0:
            mean = _multiply(total, np.float64(1.0 / count))
        else:
            scaled = protocols.truncate(self._rt, total._shares, shift)
            mean = _multiply(self._new(scaled, known_by=self._known_by), np.float64(2.0**shift / count))
        mean._lineage = lineage.of_kind(total._lineage, None)
        return mean

    def dot(self, other) -> "SharedArray":
        """Same as ``numpy.dot(self, other)``."""
        result = FUNCTIONS[np.dot](self, other)
        result._lineage = lineage.safely(lineage.of_dot, result, self, other)
        if self._rt.range_check and ranges.called_by_script():
            ranges.check("dot", (self, other), result)
        return result

    def cumsum(self, axis=None) -> "SharedArray":
        """Cumulative sum along ``axis`` (of the flattened array if None), as :meth:`numpy.ndarray.cumsum`.

        Local and exact in the domain (prefix sums of the shares). Cost: no communication.

        >>> import numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=3, seed=1) as s:
        ...     print(s.share(np.array([1, 2, 3]), owner=0).cumsum().reveal())
        [1 3 6]
        """
        x = self.ravel() if axis is None else self
        if axis is None:
            axis = 0
        if not isinstance(axis, (int, np.integer)):
            raise TypeError(f"cumsum takes one integer axis, got {axis!r}")
        (axis,) = _element_axes(axis, x.ndim)
        result = x._new(_prefix_sums(self._rt.domain_of(x._shares), x._shares, axis + 1), known_by=x._known_by)
        result._lineage = lineage.safely(lineage.cumulative, x._lineage, axis)
        return result

    def max(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Maximum along ``axis``, as ``numpy.max`` (:func:`mpcarray.functions.amax`: ``6 ceil(log2 m)`` rounds).

        >>> import numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=3, seed=1) as s:
        ...     x = s.share(np.array([[3.0, 7.5], [9.0, -1.0]]), owner=0)
        ...     print(x.max(axis=1).reveal(), x.argmin().reveal())
        [7.5 9. ] 3
        """
        return _registered(np.max)(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Minimum along ``axis``, as ``numpy.min`` (:func:`mpcarray.functions.amin`)."""
        return _registered(np.min)(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Index of the first maximum, as shared integers (:func:`mpcarray.functions.argmax`)."""
        return _registered(np.argmax)(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims: bool = False) -> "SharedArray":
        """Index of the first minimum, as shared integers (:func:`mpcarray.functions.argmin`)."""
        return _registered(np.argmin)(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof: int = 0, keepdims: bool = False) -> "SharedArray":
        """Variance along ``axis``, a SharedArray (:func:`mpcarray.functions.var`)."""
        return _registered(np.var)(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof: int = 0, keepdims: bool = False) -> "SharedArray":
        """Standard deviation along ``axis``, a SharedArray (:func:`mpcarray.functions.std`).

        >>> import numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=3, seed=1) as s:
        ...     x = s.share(np.array([1.0, 3.0, 5.0, 7.0]), owner=0)
        ...     print(x.var().reveal(), round(float(x.std(ddof=1).reveal()), 3))
        5.0 2.582
        """
        return _registered(np.std)(self, axis=axis, ddof=ddof, keepdims=keepdims)

    # ------------------------------------------------------------------ shape
    def transpose(self, *axes) -> "SharedArray":
        """Permute the axes, as :meth:`numpy.ndarray.transpose`."""
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        order = tuple(range(self.ndim))[::-1] if not axes else _element_axes(tuple(axes), self.ndim)
        if sorted(order) != list(range(self.ndim)):
            raise ShapeError(f"axes {axes} are not a permutation of {self.ndim} axes")
        result = self._view(self._shares.transpose((0,) + tuple(a + 1 for a in order)), self._known_by)
        result._lineage = lineage.safely(lineage.transpose, self._lineage, order)
        return result

    def reshape(self, *shape) -> "SharedArray":
        """Give a new shape (C order), as :meth:`numpy.ndarray.reshape`."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        try:
            new = self._shares.reshape((self._shares.shape[0],) + tuple(int(s) for s in shape))
        except ValueError as err:
            raise ShapeError(f"cannot reshape SharedArray of shape {self.shape} into {shape}") from err
        result = self._view(new, self._known_by)
        result._lineage = lineage.safely(lineage.reshape, self._lineage, result.shape)
        return result

    def ravel(self) -> "SharedArray":
        """A 1-D version of the array."""
        return self.reshape(-1)

    def copy(self) -> "SharedArray":
        result = self._new(self._shares.copy(), known_by=self._known_by)
        result._lineage = self._lineage
        result._bool = self._bool
        return result

    def astype(self, dtype) -> "SharedArray":
        """Convert integers to fixed point (``float``), or any values to 0/1 (``bool``: ``x != 0``, 5 rounds);
        other conversions are refused."""
        kind = np.dtype(dtype).kind
        if self._field is not None:
            raise UnsupportedOperationError(f"elements of {self._field.name} cannot be cast to {dtype}")
        if kind == "b":
            return self.copy() if self._bool else UFUNCS[np.not_equal](self, 0)
        if kind == "f":
            result = self._new(_lift(self, self._rt.fixed.frac_bits), self._rt.fixed.frac_bits, self._known_by)
            result._lineage = self._lineage
            return result
        if kind in "iu" and self._frac == INT:
            return self.copy()
        raise UnsupportedOperationError(f"SharedArray of dtype {self.dtype} cannot be cast to {dtype}")

    # --------------------------------------------------------------- indexing
    def __getitem__(self, key):
        key = _public_key(key, self.shape)
        result = self._view(_share_index(self._shares, key), self._known_by)
        result._lineage = lineage.safely(lineage.index, self._lineage, key, result.shape)
        if _keeps_rows(key, self.ndim):  # X[:, cols] of owners' rows: the same rows, each owner's
            if self._plain is not None:  # the owner's values; a marker in the other parties' processes
                result._plain = self._plain[key] if isinstance(self._plain, np.ndarray) else self._plain
            if self._parts is not None:
                result._parts = tuple(part[key] for part in self._parts)
        return result

    def __setitem__(self, key, value):
        key = _public_key(key, self.shape)
        target = np.broadcast_to(np.empty((), np.uint8), self.shape)[key].shape
        if isinstance(value, SharedArray):
            _runtime_of(self, value)
            if value._frac > self._frac:
                raise UnsupportedOperationError(
                    "cannot assign fixed-point values into an integer SharedArray; "
                    "convert the target with .astype(float) first"
                )
            rows = _lift(value, self._frac)
            self._plain = self._parts = None
            self._bool = self._bool and value._bool
            if value._known_by != self._known_by:
                self._known_by = None
        else:
            public = public_array(value, self._field)
            rows = protocols.public_shares(self._rt, _encode_public(self._rt, public, self._frac, self._field))
            self._plain = self._parts = None
            self._bool = self._bool and public.dtype.kind == "b"
        if not self._shares.flags.writeable:
            self._shares = self._shares.copy()
        try:
            _share_index(self._shares, key, _with_ndim(rows, len(target)))
        except ValueError as err:
            raise ShapeError(f"cannot assign shape {rows.shape[1:]} to a selection of shape {target}") from err
        self._lineage = lineage.safely(lineage.assign, self._lineage, key, target, value)


# ---------------------------------------------------------------- helpers
def _registered(function):
    """The secure implementation of a NumPy function registered by a layer above (mpcarray.functions)."""
    handler = FUNCTIONS.get(function)
    if handler is None:
        raise UnsupportedOperationError(
            f"{qualified_name(function)} has no secure implementation registered (import mpcarray.functions)")
    return handler


def _prefix_sums(domain, shares: np.ndarray, axis: int) -> np.ndarray:
    """Inclusive prefix sums of share rows along ``axis`` with the domain's addition (log-step doubling)."""
    out = np.ascontiguousarray(shares)
    n, step = shares.shape[axis], 1
    while step < n:
        head = [slice(None)] * out.ndim
        tail = [slice(None)] * out.ndim
        head[axis], tail[axis] = slice(step, None), slice(None, n - step)
        nxt = out.copy()
        nxt[tuple(head)] = domain.add(out[tuple(head)], out[tuple(tail)])
        out, step = nxt, 2 * step
    return out if out is not shares else out.copy()


def _runtime_of(*operands):
    """The one runtime of the SharedArray operands; refuses mixtures of sessions or domains, and closed sessions."""
    shared = [x for x in operands if isinstance(x, SharedArray)]
    runtimes = {id(x._rt): x._rt for x in shared}
    if len(runtimes) > 1:
        raise SessionMismatchError("operands belong to different sessions")
    fields = {x._field for x in shared}
    if len(fields) > 1:
        names = sorted("integers or reals" if f is None else f"elements of {f.name}" for f in fields)
        raise DomainMismatchError(f"cannot combine shared {' and '.join(names)}; "
                                  "share both operands in the same domain")
    (rt,) = runtimes.values()
    if rt.closed:
        raise SessionMismatchError("the session of this SharedArray is closed")
    return rt


def _known_by(*operands):
    """The single party knowing every shared operand, or None."""
    owners = {x._known_by for x in operands if isinstance(x, SharedArray)}
    return owners.pop() if len(owners) == 1 else None


def _element_axes(axis, ndim) -> tuple:
    """Normalise ``axis`` (None, int or tuple) to non-negative element axes."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < ndim:
            raise ShapeError(f"axis {a} is out of bounds for a SharedArray of dimension {ndim}")
        out.append(int(a) % ndim)
    if len(set(out)) != len(out):
        raise ShapeError(f"repeated axis in {axis}")
    return tuple(out)


def _keeps_rows(key: tuple, ndim: int) -> bool:
    """Whether ``key`` selects along the axes after the first only and leaves the rows on axis 0
    (``X[:, 1:3]``, ``X[:, 0]``, ``X[:, [0, 2]]``): every row stays, whole or in part, with its owner.
    Several advanced indices could move their axes to the front, so at most one, and no integer
    beside it."""
    if ndim < 2 or len(key) < 2 or not (isinstance(key[0], slice) and key[0] == slice(None)):
        return False
    if any(k is None or k is Ellipsis for k in key):
        return False
    arrays = sum(isinstance(k, (list, np.ndarray)) for k in key)
    integers = sum(isinstance(k, (int, np.integer)) for k in key)
    return arrays == 0 or (arrays == 1 and integers == 0)


def _public_key(key, shape) -> tuple:
    """Check an index is public and valid for ``shape``; return it as a tuple."""
    key = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, SharedArray) for k in key):
        raise UnsupportedOperationError("indexing with a SharedArray (a secret index) is not supported")
    _index_probe(shape)[key]  # raises IndexError with the user's axes
    return key


@functools.lru_cache(maxsize=256)
def _index_probe(shape: tuple) -> np.ndarray:
    """A read-only array of ``shape`` taking no memory, to try an index on (one per shape: building
    it cost more than the indexing it checks)."""
    return np.broadcast_to(np.empty((), np.uint8), shape)


def _share_index(shares: np.ndarray, key: tuple, value=None):
    """Index (or, given ``value``, assign into) the element axes of a party-first share stack.

    NumPy moves the dimensions of advanced indices that a slice separates to the
    front, in front of the party axis too; so keys with advanced indices are
    applied with the party axis moved to the end.
    """
    if not any(isinstance(k, (list, np.ndarray)) for k in key):
        stack, full_key = shares, (slice(None),) + key
    else:
        stack, full_key = np.moveaxis(shares, 0, -1), _explicit_key(key, shares.ndim - 1) + (slice(None),)
        value = None if value is None else np.moveaxis(value, 0, -1)
    if value is not None:
        stack[full_key] = value
        return None
    picked = stack[full_key]
    return picked if stack is shares else np.moveaxis(picked, -1, 0)


def _explicit_key(key: tuple, ndim: int) -> tuple:
    """``key`` with its Ellipsis (or the implicit trailing one) spelled out as full slices."""
    consumed = sum(
        0 if k is None else np.ndim(k) if np.asarray(k).dtype == bool else 1
        for k in key if k is not Ellipsis
    )
    fill = (slice(None),) * (ndim - consumed)
    at = next((i for i, k in enumerate(key) if k is Ellipsis), None)
    return key + fill if at is None else key[:at] + fill + key[at + 1:]


def _with_ndim(shares: np.ndarray, ndim: int) -> np.ndarray:
    """Insert axes after the party axis so ``shares`` has ``ndim`` element dimensions."""
    missing = ndim - (shares.ndim - 1)
    return shares.reshape(shares.shape[:1] + (1,) * missing + shares.shape[1:]) if missing > 0 else shares


def _lift(x: SharedArray, frac: int) -> np.ndarray:
    """Shares of ``x`` re-encoded with ``frac >= x.frac`` fractional bits (exact, local)."""
    if frac == x._frac:
        return x._shares
    return x._rt.number.mul_pow2(x._shares, frac - x._frac)


def _encode_public(rt, value: np.ndarray, frac: int, field=None) -> np.ndarray:
    """A public value (from :func:`public_array`) as domain elements with ``frac`` fractional bits
    (rounded to the session's ``f``, then lifted exactly when ``frac`` is larger).

    For a field-element array (``field`` given) ``public_array`` already returned elements.
    """
    if field is not None:
        return value
    if frac == INT:
        if not is_integer(value):
            raise UnsupportedOperationError("cannot store real values in an integer SharedArray")
        return rt.number.encode_int(value)
    encoded = rt.number.encode_int(rt.fixed.to_integers(value))
    lift = frac - rt.fixed.frac_bits
    return rt.number.mul_pow2(encoded, lift) if lift > 0 else encoded


def _broadcast(*shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError as err:
        raise ShapeError(f"operands could not be broadcast together with shapes {shapes}") from err


def _rows_as(x: SharedArray, frac: int, shape) -> np.ndarray:
    """``x``'s shares lifted to ``frac`` and aligned to ``shape``'s number of dimensions."""
    return _with_ndim(_lift(x, frac), len(shape))


# ------------------------------------------------------------ ufunc handlers
def _additive(a, b, subtract: bool):
    rt = _runtime_of(a, b)
    domain = rt.domain_of((a if isinstance(a, SharedArray) else b)._shares)
    op = domain.sub if subtract else domain.add
    f = rt.fixed.frac_bits
    if isinstance(a, SharedArray) and isinstance(b, SharedArray):
        frac = max(a._frac, b._frac)
        shape = _broadcast(a.shape, b.shape)
        return a._new(op(_rows_as(a, frac, shape), _rows_as(b, frac, shape)), frac, _known_by(a, b))
    shared, public = (a, b) if isinstance(a, SharedArray) else (b, a)
    public = public_array(public, shared._field)
    frac = INT if shared._frac == INT and is_integer(public) else max(f, shared._frac)  # exact either way
    shape = _broadcast(shared.shape, public.shape)
    ring = _encode_public(rt, public, frac, shared._field)
    rows = _rows_as(shared, frac, shape)
    if subtract:
        ring, rows = (domain.neg(ring), rows) if shared is a else (ring, domain.neg(rows))
    return shared._new(protocols.add_public(rt, rows, ring), frac, shared._known_by)


@implements_ufunc(np.add)
def _add(a, b):
    return _additive(a, b, subtract=False)


@implements_ufunc(np.subtract)
def _subtract(a, b):
    return _additive(a, b, subtract=True)


@implements_ufunc(np.negative)
def _negative(a):
    return a._new(_runtime_of(a).domain_of(a._shares).neg(a._shares), known_by=a._known_by)


@implements_ufunc(np.positive)
def _positive(a):
    return a.copy()


def _product_scale(rt, frac: int) -> tuple[int, int]:
    """``(shift, frac)``: a product carrying ``frac`` fractional bits is truncated back to the session's ``f``."""
    f = rt.fixed.frac_bits
    return (frac - f, f) if frac > f else (0, frac)


@implements_ufunc(np.multiply)
def _multiply(a, b):
    rt = _runtime_of(a, b)
    if isinstance(a, SharedArray) and isinstance(b, SharedArray):
        shape = _broadcast(a.shape, b.shape)
        shift, frac = _product_scale(rt, a._frac + b._frac)
        if a is b:
            z = protocols.square(rt, a._shares, shift)
        else:
            full = a._shares.shape[:1] + shape
            z = protocols.mul(
                rt,
                np.broadcast_to(_with_ndim(a._shares, len(shape)), full),
                np.broadcast_to(_with_ndim(b._shares, len(shape)), full),
                shift,
            )
        return a._new(z, frac, _known_by(a, b))
    shared, public = (a, b) if isinstance(a, SharedArray) else (b, a)
    public = public_array(public, shared._field)
    shape = _broadcast(shared.shape, public.shape)
    rows = _with_ndim(shared._shares, len(shape))
    if is_integer(public):
        elements = _encode_public(rt, public, INT, shared._field)
        return shared._new(protocols.mul_public_int(rt, rows, elements), known_by=shared._known_by)
    f = rt.fixed.frac_bits
    z = protocols.mul_public_real(rt, rows, shared._frac, public, f)
    return shared._new(z, f, shared._known_by)


@implements_ufunc(np.square)
def _square(a):
    return _multiply(a, a)


@implements_ufunc(np.power)
def _power(a, b):
    if not isinstance(a, SharedArray) or isinstance(b, SharedArray):
        raise UnsupportedOperationError("only SharedArray ** (public non-negative integer) is supported")
    exponent = np.asarray(b)
    if exponent.ndim != 0 or exponent.dtype.kind not in "iu" or exponent < 0:
        raise UnsupportedOperationError(
            f"SharedArray ** {b!r}: the exponent must be a public non-negative integer scalar"
        )
    exponent = int(exponent)
    if exponent == 0:
        ones = np.ones(a.shape, dtype=np.int64) if a._frac == INT else np.ones(a.shape)
        ones = public_array(ones, a._field)
        return a._new(protocols.public_shares(a._rt, _encode_public(a._rt, ones, a._frac, a._field)))
    result, base = None, a._view(a._shares, a._known_by)  # a new array even for ** 1
    while True:  # square-and-multiply: about 2 log2(exponent) secure products
        if exponent & 1:
            result = base if result is None else _multiply(result, base)
        exponent >>= 1
        if not exponent:
            return result
        base = _multiply(base, base)


def _is_transpose(x: np.ndarray, y: np.ndarray) -> bool:
    """True when share stacks ``x`` and ``y`` are the same memory with the last two axes swapped.

    Then ``x @ y`` is ``Y^T Y``, which :func:`mpcarray.protocols.gram` computes
    opening ``Y`` once.
    """
    xt = x.transpose(0, 2, 1)
    return (xt.shape == y.shape and xt.strides == y.strides
            and xt.__array_interface__["data"][0] == y.__array_interface__["data"][0])


@implements_ufunc(np.matmul)
def _matmul(a, b):
    rt = _runtime_of(a, b)
    shape_a, shape_b = np.shape(a), np.shape(b)
    if not shape_a or not shape_b:
        raise ShapeError("matmul: an operand is 0-dimensional; use * for scalars")
    vec_a, vec_b = len(shape_a) == 1, len(shape_b) == 1
    m_shape_a = (1,) + shape_a if vec_a else shape_a
    m_shape_b = shape_b + (1,) if vec_b else shape_b
    if m_shape_a[-1] != m_shape_b[-2]:
        raise ShapeError(f"matmul: shapes {shape_a} and {shape_b} do not align (inner dimensions differ)")
    batch = _broadcast(m_shape_a[:-2], m_shape_b[:-2])
    k = len(rt.ranks)

    def stack(x, m_shape):
        """Share rows of a SharedArray operand as ``(k, *batch, m, t)``."""
        rows = x._shares.reshape((k,) + (1,) * (len(batch) + 2 - len(m_shape)) + m_shape)
        return np.broadcast_to(rows, (k,) + batch + m_shape[-2:])

    if isinstance(a, SharedArray) and isinstance(b, SharedArray):
        left, right = stack(a, m_shape_a), stack(b, m_shape_b)
        gram = not batch and _is_transpose(left, right)
        shift, frac = _product_scale(rt, a._frac + b._frac)
        z = protocols.gram(rt, right, shift) if gram else protocols.matmul(rt, left, right, shift)
    else:
        public_left = not isinstance(a, SharedArray)
        shared, public = (b, a) if public_left else (a, b)
        rows = stack(shared, m_shape_b if public_left else m_shape_a)
        public = public_array(public, shared._field).reshape(m_shape_a if public_left else m_shape_b)

        def product(shares, ring_matrix):
            return protocols.matmul_public(rt, shares, ring_matrix, public_left)

        if is_integer(public):
            z, frac = product(rows, _encode_public(rt, public, INT, shared._field)), shared._frac
        else:
            f = rt.fixed.frac_bits
            z, frac = protocols.mul_public_real(rt, rows, shared._frac, public, f, product), f
    if vec_a:
        z = z[..., 0, :]
    if vec_b:
        z = z[..., 0]
    template = a if isinstance(a, SharedArray) else b
    return template._new(np.ascontiguousarray(z), frac, _known_by(a, b))


def _receivers(x: SharedArray, to) -> np.ndarray:
    """The party index that receives each row (axis 0) of ``x``, from ``reveal``'s ``to``."""
    rt, rows = x._rt, (x.shape[0] if x.ndim else 1)
    if isinstance(to, (str, int, np.integer)):
        return np.full(rows, rt.party_index(to))
    parties = [rt.party_index(p) for p in to]
    if len(parties) != rows:
        raise ShapeError(f"reveal(to=...) needs one party per row: got {len(parties)} for {rows} rows")
    return np.array(parties, dtype=np.int64)


#: Ufuncs whose results are 0/1 indicators (for the lineage's kind).
_COMPARISONS = (np.less, np.less_equal, np.greater, np.greater_equal, np.equal, np.not_equal)


def authorise(rt, request: RevealRequest) -> None:
    """Every party's policy decides on ``request`` (one round when the session has policies or a
    budget); :class:`RevealRefusedError` at every party if any refuses, after the audit logs are bound."""
    reasons = rt.guard.decide(request)
    allowed = protocols.agree(rt, [r is None for r in reasons]) if rt.guard.active else [True] * rt.n_parties
    try:
        rt.guard.conclude(request, allowed, reasons)
    except RevealRefusedError:
        protocols.exchange_heads(rt)  # every party refused alike, so every party exchanges
        raise
