"""mpcarray: secure multi-party computation with a NumPy-style array API.

>>> import mpcarray as mpc
>>> s = mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"])
"""

import importlib
from typing import TYPE_CHECKING

from . import errors
from .array import (
    SharedArray,
    owner_apply,
    owner_apply_each,
    row_parts,
    supported_functions,
    supported_ufuncs,
    where,
)
from .domains import FixedPoint
from .errors import (
    AuditError,
    ConfigError,
    ConvergenceWarning,
    DataError,
    DisclosureError,
    DomainMismatchError,
    EncodingError,
    InputLostError,
    InputRejectedError,
    MpcError,
    NetworkError,
    NoiseScaleError,
    NoProgressError,
    PartyError,
    PartyFailureWarning,
    ProtocolError,
    RangeError,
    RevealRefusedError,
    SessionMismatchError,
    ShapeError,
    UnsupportedOperationError,
)
from .functions import (
    absolute,
    argmax,
    argmin,
    clip,
    divide,
    exp,
    log,
    maximum,
    minimum,
    reciprocal,
    relu,
    rsqrt,
    sigmoid,
    sign,
    sqrt,
    tanh,
)
from .functions import amax as max
from .functions import amin as min
from .memory import tune_process
from .session import Session
from .transport import CommStats

__version__ = "0.1.0"

if TYPE_CHECKING:
    from . import linkage, models, privacy, stats

#: Imported by their first use (``mpc.stats``): a party process or the dealer that never uses them
#: does not pay for their imports (scipy, cryptography's X25519).
_ANALYSIS_PACKAGES = ("linkage", "models", "privacy", "stats")


def __getattr__(name: str):
    if name in _ANALYSIS_PACKAGES:
        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "AuditError",
    "CommStats",
    "ConfigError",
    "ConvergenceWarning",
    "DataError",
    "DisclosureError",
    "DomainMismatchError",
    "EncodingError",
    "FixedPoint",
    "InputLostError",
    "InputRejectedError",
    "MpcError",
    "NetworkError",
    "NoProgressError",
    "NoiseScaleError",
    "PartyError",
    "PartyFailureWarning",
    "ProtocolError",
    "RangeError",
    "RevealRefusedError",
    "Session",
    "SessionMismatchError",
    "ShapeError",
    "SharedArray",
    "UnsupportedOperationError",
    "__version__",
    "absolute",
    "argmax",
    "argmin",
    "clip",
    "divide",
    "errors",
    "exp",
    "linkage",
    "log",
    "max",
    "maximum",
    "min",
    "minimum",
    "models",
    "owner_apply",
    "owner_apply_each",
    "privacy",
    "reciprocal",
    "relu",
    "row_parts",
    "rsqrt",
    "sigmoid",
    "sign",
    "sqrt",
    "stats",
    "supported_functions",
    "supported_ufuncs",
    "tanh",
    "tune_process",
    "where",
]
