"""The simulated backend's range check: sums, products and matrix products that leave the fixed-point range.

Secure arithmetic wraps silently: a product of reals whose magnitude reaches
``2^(62 - 2f)`` (the safe range, :attr:`FixedPoint.max_abs`) breaks its
truncation, and a sum or an integer product wraps modulo the domain. The
simulated backend holds every share, so it can reconstruct the operands of an
operation the script calls, compute the result in float64, and raise
:class:`~mpcarray.errors.RangeError` naming the operation, instead of
returning a wrong number. Over sockets the check would reveal values, so it is
off there (``Session(range_check=...)``, default: on when simulated).

What is checked, per result element (``f`` the fractional bits):

* products of reals that are truncated (``*``, ``@``, ``np.dot``,
  ``np.square``, ``**`` of shared reals, or with public non-integer reals):
  ``|result| < 2^(62 - 2f)``, the truncation's requirement; a product with a
  public non-integer real also needs the shared operand within that range;
  products with integers (shared, or integer-valued public) are exact and
  only must not wrap, as sums;
* sums and differences (``+``, ``-``, ``sum``) of reals: no wrap,
  ``|result| < 2^(63 - f)`` (Z_2^64; in GF(2^127 - 1) the wrap is at ``2^126`` units).

Integer results are not checked: in Z_2^64 they wrap like NumPy's int64 (as
documented), and in GF(2^127 - 1) they are exact and a reveal beyond int64 raises.

Only operations the script calls are checked (:func:`called_by_script`): the
library's own functions, statistics and models keep their documented internal
ranges (and validate them their own way) and are not re-checked inside.
"""

import sys

import numpy as np

from ..errors import FunctionDomainError, RangeError
from .promotion import INT

PRODUCTS = {"multiply", "matmul", "dot", "square", "power"}
CHECKED = PRODUCTS | {"add", "subtract", "sum"}
_TRANSPARENT = ("mpcarray.array.", "numpy.", "numpy")


def calling_module(skip: int = 0, function: bool = False) -> str:
    """The module of the first caller outside the array layer and NumPy, ``skip`` frames further up.

    With ``function``, ``module.function`` (the function's qualified name).
    """
    frame = sys._getframe(2 + skip)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_TRANSPARENT):
            code = frame.f_code
            return f"{module}.{getattr(code, 'co_qualname', code.co_name)}" if function else module
        frame = frame.f_back
    return ""


def is_library(module: str) -> bool:
    return module == "mpcarray" or module.startswith("mpcarray.")


def called_by_script(skip: int = 0) -> bool:
    """True if the code calling into the array layer is not the library's own.

    Walks up from the caller, past ``skip`` more frames (e.g. the public
    function being checked) and past the array layer and NumPy's dispatch, to
    the first other frame: a script, a test or a notebook is checked; code of
    ``mpcarray`` (functions, statistics, models) keeps its own documented ranges,
    and may compute out-of-range values it then discards (``np.where``).
    """
    return not is_library(calling_module(skip + 1))


def _plaintext(value):
    """Reconstructed float64 values of a SharedArray (all shares are here), or a public operand."""
    from .shared_array import SharedArray

    if not isinstance(value, SharedArray):
        return np.asarray(value, dtype=np.float64)
    rt = value._rt
    domain = rt.domain_of(value._shares)
    opened = rt.scheme.reconstruct(value._shares, domain)
    if value._frac == INT:
        return rt.number.decode_int(opened).astype(np.float64)
    return rt.number.decode_real(opened, value._frac)


def _wrap_bits(rt) -> int:
    return 63 if rt.number.is_ring else 126


def check(operation: str, operands: tuple, result, reference=None) -> None:
    """Raise :class:`RangeError` if ``result`` of ``operation`` on ``operands`` left its range.

    ``reference(*plaintexts)`` computes the exact result in float64 (default:
    the NumPy function named ``operation``). Only in sessions with the check on,
    on real (fixed-point) results; callers check only operations the script called.
    """
    from .shared_array import SharedArray

    if not isinstance(result, SharedArray) or not result._rt.range_check or result._frac == INT:
        return  # integers keep NumPy's int64 semantics (ring) or stay exact (field): not checked
    rt = result._rt
    shared = [x for x in operands if isinstance(x, SharedArray)]
    if any(x._field is not None for x in shared):
        return
    plain = [_plaintext(x) for x in operands]
    with np.errstate(all="ignore"):
        exact = np.asarray((reference or getattr(np, operation))(*plain), dtype=np.float64)
    f = rt.fixed.frac_bits
    truncating = all(x._frac != INT if isinstance(x, SharedArray) else np.any(p != np.rint(p))
                     for x, p in zip(operands, plain))
    if operation in PRODUCTS and (truncating or operation in ("square", "power")):
        bits, what = rt.fixed.range_bits, "the fixed-point range"
        _bound(operation, exact, bits, what, f)
        if operation == "multiply" and len(shared) == 1:  # times a public real: mul_public_real's requirement
            x = shared[0]
            own, factor = (plain[0], plain[1]) if operands[0] is x else (plain[1], plain[0])
            mantissa, _ = np.frexp(factor)
            power_of_two = factor.size and np.all(factor == factor.flat[0]) and abs(mantissa.flat[0]) == 0.5
            if np.any(factor != np.rint(factor)) and not power_of_two:
                _bound(f"{operation} (a shared value times a public fraction)", own,
                       bits if x._frac != INT else bits + f, what, f)
    else:
        bits = _wrap_bits(rt) - result._frac
        _bound(operation, exact, bits, "the range of the encoding (it would wrap)", f)


def _bound(operation: str, values, bits: int, what: str, f: int) -> None:
    values = np.asarray(values, dtype=np.float64)
    if values.size == 0:
        return
    peak = float(np.max(np.abs(values))) if np.all(np.isfinite(values)) else float("inf")
    if peak >= 2.0**bits:
        raise RangeError(
            f"{operation}: a result of magnitude {peak:.4g} is outside {what}, |x| < 2^{bits} = "
            f"{2.0**bits:.4g} (frac_bits={f}); over sockets the result would be silently wrong. "
            "Rescale the data (e.g. divide by a public constant first) or use fewer fractional bits; "
            "Session(range_check=False) switches this simulated-backend check off")


def check_domain(function: str, x, valid, requirement: str) -> None:
    """Raise :class:`FunctionDomainError` if a shared input of ``function`` is outside its domain.

    Simulated backend with the check on only, when the script (not library
    code) calls ``function``: over sockets the input cannot be tested without
    revealing it, and ``function`` returns a meaningless finite value instead.
    """
    from .shared_array import SharedArray

    if not isinstance(x, SharedArray) or not x._rt.range_check or x._field is not None \
            or not called_by_script(skip=1):
        return
    values = _plaintext(x)
    bad = ~valid(values)
    if np.any(bad):
        raise FunctionDomainError(
            f"{function}: {int(np.sum(bad))} element(s) outside its domain {requirement} (e.g. "
            f"{float(values[bad].flat[0]):g}); over sockets this cannot be detected without revealing "
            f"the input and {function} returns a meaningless finite value there (the simulated "
            "backend's check; Session(range_check=False) switches it off)")

