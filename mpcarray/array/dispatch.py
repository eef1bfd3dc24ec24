"""Allow-lists of the NumPy ufuncs and functions that have secure implementations.

Implementations may live in a layer above (``mpcarray.functions``) and register
here, like the hooks SharedArray methods call, so imports still only go down.

Anything not registered here raises
:class:`~mpcarray.errors.UnsupportedOperationError` instead of computing in
plaintext; the message names the mpcarray alternative where there is one
(:data:`ALTERNATIVES`).
"""

from ..errors import UnsupportedOperationError

UFUNCS: dict = {}
FUNCTIONS: dict = {}
#: Array code of the layer above that SharedArray methods call, by name: ``"joint_noise"``
#: (:func:`mpcarray.functions.joint_noise`) for ``reveal(noise=...)``.
HOOKS: dict = {}


def implements_ufunc(ufunc):
    """Register the secure implementation of a NumPy ufunc (called with the ufunc's inputs)."""

    def register(handler):
        UFUNCS[ufunc] = handler
        return handler

    return register


def implements(numpy_function):
    """Register the secure implementation of a NumPy function for ``__array_function__``."""

    def register(handler):
        FUNCTIONS[numpy_function] = handler
        return handler

    return register


def implements_hook(name: str):
    """Register the function a SharedArray method calls as ``HOOKS[name]``, so imports still go down."""

    def register(function):
        HOOKS[name] = function
        return function

    return register


#: What to use instead of a NumPy function (or SharedArray method) with no secure implementation.
ALTERNATIVES = {
    "numpy.nanstd": "mpc.stats.std (shared data holds no NaN)",
    "numpy.nanvar": "mpc.stats.var (shared data holds no NaN)",
    "numpy.nanmean": "np.mean or mpc.stats.mean (shared data holds no NaN)",
    "numpy.nanmedian": "np.median or mpc.stats.median (shared data holds no NaN)",
    "numpy.average": "np.mean, or (w * x).sum() / w.sum() for weights",
    "numpy.cov": "mpc.stats.cov",
    "numpy.corrcoef": "mpc.stats.corrcoef",
    "numpy.histogram": "mpc.stats.histogram (public bin edges)",
    "numpy.bincount": "mpc.stats.counts(x, levels=...)",
    "numpy.unique": "mpc.stats.counts(x, levels=...) with public levels",
    "numpy.argsort": "np.sort (an oblivious sorting network), or mpc.argmax/mpc.argmin",
    "numpy.partition": "np.sort, np.median or np.quantile",
    "numpy.nonzero": "np.where(condition, x, y) or a reveal of the 0/1 mask",
    "numpy.linalg.inv": "mpc.models.solve_spd / mpc.models.SPDSolver (symmetric positive definite "
                        "systems) or mpc.models.LinearRegression",
    "numpy.linalg.solve": "mpc.models.solve_spd (symmetric positive definite systems)",
    "numpy.linalg.lstsq": "mpc.models.LinearRegression",
    "numpy.linalg.pinv": "mpc.models.LinearRegression (least squares) or mpc.models.solve_spd",
    "numpy.prod": "a product of slices with *",
    "numpy.cumprod": "a product of slices with *",
    "numpy.any": "(x.sum() > 0) on 0/1 arrays, or np.logical_or",
    "numpy.all": "(x.sum() == n) on 0/1 arrays, or np.logical_and",
}

#: SharedArray stand-ins for ndarray methods that have none: ``x.name`` raises with this hint.
METHOD_ALTERNATIVES = {
    "sort": "np.sort(x) (returns a sorted SharedArray)",
    "argsort": "np.sort(x), or mpc.argmax/mpc.argmin",
    "tolist": "x.reveal().tolist()",
    "item": "x.reveal()",
    "tobytes": "x.reveal().tobytes()",
    "any": "(x.sum() > 0) on 0/1 arrays",
    "all": "(x.sum() == x.size) on 0/1 arrays",
    "prod": "a product of slices with *",
    "flatten": "x.ravel()",
    "clip": "np.clip(x, low, high)",
    "round": "x.reveal().round() (shared reals are already on the fixed-point grid)",
}


class UnsupportedAttributeError(UnsupportedOperationError, AttributeError):
    """An ndarray attribute or method a SharedArray does not have (also an AttributeError, for ``hasattr``)."""


def qualified_name(function) -> str:
    """``numpy.std``, ``numpy.linalg.inv``, ...: the public name of a NumPy function."""
    module = getattr(function, "__module__", None) or "numpy"
    if not module.startswith("numpy") or module.startswith(("numpy.core", "numpy._core", "numpy.lib")):
        module = "numpy"
    return f"{module}.{function.__name__}"


def unsupported_message(name: str) -> str:
    """The error text for an operation without a secure implementation, naming the alternative if any."""
    message = (
        f"{name} is not supported on SharedArray: it has no secure implementation and "
        f"mpcarray never falls back to plaintext (see mpcarray.supported_ufuncs() "
        f"and supported_functions())"
    )
    if name in ALTERNATIVES:
        message += f"; use {ALTERNATIVES[name]}"
    return message


def unsupported_attribute_message(name: str) -> str:
    """The error text for ``x.name``, an ndarray attribute a SharedArray does not have."""
    hint = METHOD_ALTERNATIVES.get(name) or ALTERNATIVES.get(f"numpy.{name}")
    return (f"SharedArray has no {name!r}: numpy.ndarray.{name} has no secure implementation"
            + (f"; use {hint}" if hint else " (see mpcarray.supported_functions())"))


def supported_ufuncs() -> list[str]:
    """Names of the NumPy ufuncs that work on SharedArrays."""
    return sorted(f"numpy.{u.__name__}" for u in UFUNCS)


def supported_functions() -> list[str]:
    """Names of the NumPy functions that work on SharedArrays (``numpy.linalg.*`` spelled in full)."""
    return sorted(qualified_name(f) for f in FUNCTIONS)
