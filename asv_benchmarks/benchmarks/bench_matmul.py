"""Secure matrix products: the Gram matrix ``X.T @ X`` and the matrix-vector product ``X @ w``.

One matrix triple and one opening per product, then fixed-point truncation.
Quote secure/plaintext ratios from the same run, not absolute times.
"""

from ._common import cached, comm_of, dealer_bytes, max_bytes_sent, session, uniform

GRAM_SHAPE = (10**5, 20)
MATVEC_SHAPE = (10**4, 20)


def _gram_plaintext():
    return uniform(GRAM_SHAPE, stream=3) / 100.0  # |x| < 1 keeps X.T @ X well inside the range


@cached
def _gram_operands(parties: int, holder: str):
    """Session, shared X, plaintext X (not warmed up).

    ``holder="joint"``: X is the sum of inputs of parties 0 and 1, so no single
    party knows it and only the secure protocol can compute ``X.T @ X``.
    ``holder="one_owner"``: X is shared by party 0 alone, which already knows
    ``X.T @ X``; owner-local evaluation (DESIGN §5) may make this case cheap,
    and the gap between the two rows shows what it saves.
    """
    s = session(parties)
    plain = _gram_plaintext()
    if holder == "joint":
        part = uniform(GRAM_SHAPE, stream=4) / 100.0
        x = s.share(part, owner=0) + s.share(plain - part, owner=1)
    elif holder == "one_owner":
        x = s.share(plain, owner=0)
    else:
        raise ValueError(f"unknown holder {holder!r}")
    return s, x, plain


@cached
def _gram_warmed(parties: int, holder: str):
    """:func:`_gram_operands` after one product (loads the kernels)."""
    s, x, plain = _gram_operands(parties, holder)
    x.T @ x
    return s, x, plain


@cached
def _gram_plaintext_warmed(parties: int, holder: str):
    plain = _gram_plaintext()
    plain.T @ plain
    return plain


class Gram:
    """``X.T @ X`` for X of 10^5 x 20, secure versus NumPy float64 (BLAS).

    asv runs each benchmark in its own process: only ``time_secure_gram`` shares and
    warms up before it is timed (its method-level ``setup``); the counters count their
    one product and the plaintext baseline shares nothing.
    """

    params = ((2, 3, 5), ("joint", "one_owner"))
    param_names = ("parties", "holder")
    timeout = 180

    def time_secure_gram(self, parties, holder):
        x = _gram_warmed(parties, holder)[1]
        x.T @ x

    time_secure_gram.setup = _gram_warmed

    def time_plaintext_gram(self, parties, holder):
        plain = _gram_plaintext_warmed(parties, holder)
        plain.T @ plain

    time_plaintext_gram.setup = _gram_plaintext_warmed

    def _comm(self, parties, holder):
        s, x, _ = _gram_operands(parties, holder)
        return comm_of(s, lambda: x.T @ x)

    def track_rounds(self, parties, holder):
        return self._comm(parties, holder).rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, parties, holder):
        return max_bytes_sent(self._comm(parties, holder))

    track_bytes_sent_per_party.unit = "bytes"

    def track_dealer_bytes(self, parties, holder):
        return dealer_bytes(self._comm(parties, holder))

    track_dealer_bytes.unit = "bytes"


@cached
def _matvec_operands(parties: int):
    """Session, shared X (party 0) and w (party 1), plaintext X and w; kernels warmed up."""
    s = session(parties)
    x_plain = uniform(MATVEC_SHAPE, stream=5) / 100.0
    w_plain = uniform(MATVEC_SHAPE[1], stream=6) / 100.0
    x = s.share(x_plain, owner=0)
    w = s.share(w_plain, owner=1)
    x @ w  # warm-up
    x_plain @ w_plain
    return s, x, w, x_plain, w_plain


class MatVec:
    """``X @ w`` for X of 10^4 x 20 (party 0) and w of 20 (party 1), secure versus float64."""

    params = (2, 3, 5)
    param_names = ("parties",)
    timeout = 120

    def setup(self, parties):
        self.s, self.x, self.w, self.x_plain, self.w_plain = _matvec_operands(parties)

    def time_secure_matvec(self, parties):
        self.x @ self.w

    def time_plaintext_matvec(self, parties):
        self.x_plain @ self.w_plain

    def _comm(self):
        return comm_of(self.s, lambda: self.x @ self.w)

    def track_rounds(self, parties):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, parties):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"

    def track_dealer_bytes(self, parties):
        return dealer_bytes(self._comm())

    track_dealer_bytes.unit = "bytes"
