"""The one interface every source of correlated randomness implements.

Protocols ask the runtime's provider for material by kind. The trusted dealer
(:class:`~mpcarray.preprocessing.dealer.Dealer`) supplies the additive kinds;
the dealer-free provider of Shamir sessions
(:class:`~mpcarray.preprocessing.prss.PseudoRandomSharing`) supplies random
sharings, sharings of zero, double sharings and bounded integers. A kind a provider cannot supply
raises :class:`~mpcarray.errors.UnsupportedOperationError` before anything is
computed or sent, so a protocol can never run on material of the wrong scheme.
"""

from abc import ABC

from ..errors import UnsupportedOperationError

#: What each kind is needed for, for the error message of a provider that lacks it.
_NEEDED_FOR = {
    "beaver_triples": "Beaver multiplication",
    "square_pairs": "Beaver squaring",
    "truncation": "fixed-point truncation",
    "zero_shares": "re-randomising shares (noisy reveals)",
    "edabits": "comparisons and bit decomposition",
    "dabits": "comparisons",
    "word_dabits": "reciprocal, sqrt, exp and log",
    "gram_masks": "X.T @ X",
    "matrix_triple": "matrix products",
    "gate_masks": "comparisons and bit decomposition",
    "masked_solve": "the exact masked solve of normal equations",
    "masked_inverse": "the exact standard errors of least squares",
    "truncated_square": "a truncation followed by a product in one round",
    "truncated_product": "a truncation followed by a product in one round",
    "truncated_scaling": "a truncation followed by a product in one round",
    "truncated_pairs": "a truncation followed by a product in one round",
    "double_sharings": "Shamir multiplication",
    "truncation_masks": "fixed-point truncation in a field",
    "zero_sharings": "random bits in a field",
    "bounded_sharings": "comparisons in a field",
}


class Provider(ABC):
    """Correlated randomness for this process's parties; every kind refused unless a subclass supplies it."""

    #: Named in error messages.
    description = "this session's provider"

    def _unavailable(self, kind: str):
        raise UnsupportedOperationError(
            f"{_NEEDED_FOR[kind]} needs {kind.replace('_', ' ')}, which {self.description} does not "
            f"supply; this operation is available in additive sessions (scheme='additive')")

    def close(self) -> None:
        """End the provider's part in the session."""

    def abort(self, reason: str) -> None:
        """End the provider's part in a session that failed with ``reason`` (no waiting for peers)."""

    def beaver_triples(self, size: int):
        self._unavailable("beaver_triples")

    def square_pairs(self, size: int):
        self._unavailable("square_pairs")

    def truncation(self, size: int, shift: int):
        self._unavailable("truncation")

    def zero_shares(self, size: int):
        self._unavailable("zero_shares")

    def edabits(self, size: int):
        self._unavailable("edabits")

    def dabits(self, size: int):
        self._unavailable("dabits")

    def word_dabits(self, size: int, width: int):
        self._unavailable("word_dabits")

    def gram_masks(self, rows: int, cols: int):
        self._unavailable("gram_masks")

    def matrix_triple(self, m: int, inner: int, p: int, batch: tuple = ()):
        self._unavailable("matrix_triple")

    def gate_masks(self, size: int, gate: int):
        self._unavailable("gate_masks")

    def truncated_square(self, m: int, w: int, lo: int, cols: int, shift: int):
        self._unavailable("truncated_square")

    def truncated_product(self, a: int, m: int, w: int, shift: int):
        self._unavailable("truncated_product")

    def truncated_scaling(self, a: int, w: int, shift: int):
        self._unavailable("truncated_scaling")

    def truncated_pairs(self, k: int, w: int, shift: int, pairs: tuple):
        self._unavailable("truncated_pairs")

    def one_hot(self, size: int, bits: int):
        self._unavailable("one_hot")

    def residue_masks(self, kind: str, params: tuple, ring):
        self._unavailable(kind)

    def double_sharings(self, size: int, domain):
        self._unavailable("double_sharings")

    def truncation_masks(self, size: int, shift: int, bits: int, degree: int, domain):
        self._unavailable("truncation_masks")

    def zero_sharings(self, size: int, domain):
        self._unavailable("zero_sharings")

    def bounded_sharings(self, size: int, bits: int, domain):
        self._unavailable("bounded_sharings")
