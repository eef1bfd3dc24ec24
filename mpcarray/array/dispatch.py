"""Allow-lists of the NumPy ufuncs and functions that have secure implementations.

Implementations may live in a layer above (``mpcarray.functions``) and register
here, like the hooks SharedArray methods call, so imports still only go down.

Anything not registered here raises
:class:`~mpcarray.errors.UnsupportedOperationError` instead of computing in
plaintext.
"""

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


def unsupported_message(name: str) -> str:
    """The error text for an operation without a secure implementation."""
    return (
        f"{name} is not supported on SharedArray: it has no secure implementation and "
        f"mpcarray never falls back to plaintext (see mpcarray.array.supported_ufuncs() "
        f"and supported_functions())"
    )


def supported_ufuncs() -> list[str]:
    """Names of the NumPy ufuncs that work on SharedArrays."""
    return sorted(f"numpy.{u.__name__}" for u in UFUNCS)


def supported_functions() -> list[str]:
    """Names of the NumPy functions that work on SharedArrays."""
    return sorted(f"numpy.{f.__name__}" for f in FUNCTIONS)
