"""Exception types raised by mpcarray.

Every error the library raises on purpose derives from :class:`MpcError`, and
also from the built-in type a NumPy user would expect (``ValueError`` for bad
values, ``TypeError`` for unsupported operations), so both ``except`` styles
work.
"""


class MpcError(Exception):
    """Base class of all mpcarray errors."""


class EncodingError(MpcError, ValueError):
    """A plaintext value cannot be encoded: NaN, infinite, or outside the safe range."""


class RangeError(MpcError, OverflowError):
    """A sum or product left the fixed-point range (checked by the simulated backend; it would wrap)."""


class FunctionDomainError(MpcError, ValueError):
    """log, sqrt, rsqrt or a reciprocal of an input outside its domain (checked by the simulated backend)."""


class ShapeError(MpcError, ValueError):
    """Operand shapes are incompatible (broadcasting, matmul, concatenation)."""


class SessionMismatchError(MpcError, ValueError):
    """Operands belong to different sessions, or a session is used after closing."""


class PartyError(MpcError, ValueError):
    """An unknown party name or index, an invalid party list, or too few live parties to go on."""


class InputLostError(PartyError):
    """A party failed before its input was shared: its data never entered the computation."""


class PartyFailureWarning(UserWarning):
    """A party failed (crashed, disconnected or missed a deadline); the others go on without it."""


class ConvergenceWarning(UserWarning):
    """An iterative fit did not converge in ``max_iter`` steps (scikit-learn's name); the result is still returned."""


class ConditioningError(MpcError, ArithmeticError):
    """A linear system is too ill-conditioned for the fixed-point solver; no coefficients were revealed."""


class UnsupportedOperationError(MpcError, TypeError):
    """The operation has no secure implementation; nothing was computed."""


class DomainMismatchError(MpcError, TypeError):
    """Operands live in different number domains (ring integers, reals, elements of GF(p) or GF(q))."""


class DisclosureError(MpcError, TypeError):
    """An implicit conversion would reveal secret data; use ``reveal()`` instead."""


class RevealRefusedError(MpcError, PermissionError):
    """A party's disclosure policy (or the privacy budget) refused a reveal; nothing was opened."""


class NoiseScaleError(MpcError, ValueError):
    """Differential-privacy noise too small for the fixed-point grid to deliver its stated epsilon."""


class AuditError(MpcError, ValueError):
    """An audit log failed verification: a record was edited, deleted or reordered."""


class ConfigError(MpcError, ValueError):
    """A consortium configuration is invalid: a party listed twice, an unknown name, a missing file."""


class NetworkError(MpcError, ConnectionError):
    """A peer could not be reached, did not answer in time, closed its connection or failed TLS."""


class NoProgressError(NetworkError):
    """Peers awaited sent nothing (no whole frame, no MiB) for the timeout, or a peer sent not
    even a heartbeat for 5 s (it stopped); :attr:`stalled` names them."""

    def __init__(self, message: str, stalled: list[str]):
        super().__init__(message)
        self.stalled = stalled


class ProtocolError(MpcError, RuntimeError):
    """A peer sent a malformed, oversized or out-of-order message; the parties are out of step."""


class InputRejectedError(MpcError, ValueError):
    """The owner of an input rejected it (NaN, infinite or out of range); nothing was shared."""


class SimulationFallbackWarning(UserWarning):
    """``Session.from_env()`` found no consortium and simulates every party in this process (not secure)."""


class DataError(MpcError, ValueError):
    """Shared data break a documented requirement (e.g. an event indicator other than 0/1), found by opening one bit."""
