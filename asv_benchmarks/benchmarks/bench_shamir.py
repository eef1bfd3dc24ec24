"""Shamir sharing (no dealer) beside additive sharing over Z_2^64 (dealer).

3 parties, Shamir threshold t = 1. ``scheme`` selects the secure operation:
in :class:`Multiply` ``"shamir"`` multiplies shared GF(2^61 - 1) elements,
``"additive"`` shared int64 integers (Beaver triples), so the Shamir/additive
ratio of ``time_secure_multiply`` is the cost of dropping the dealer. In
:class:`FixedPointMultiply` both multiply fixed-point reals (Shamir: in
GF(2^127 - 1), truncation in the product's round; additive: Beaver, then
truncation). The plaintext
baselines in the same class are NumPy's wrapping uint64 product (the floor)
and galois in GF(2^31 - 1), the largest prime where galois uses native
integers. Input sharing is done in setup and not timed. ``track_*`` are exact
counters for one operation and do not depend on the machine.
"""

import galois
import numpy as np

from ._common import SEED, cached, comm_of, dealer_bytes, max_bytes_sent, session

PARTIES = 3
SIZE = 10**6
GRAM_SHAPE = (10**4, 20)
COMPARE_SIZE = 10**4
GALOIS_PRIME = 2**31 - 1
SCHEMES = ("shamir", "additive")


def _words(p, shape, stream):
    return np.random.default_rng([SEED, stream]).integers(0, p, size=shape, dtype=np.uint64)


@cached
def _multiply_operands(scheme: str):
    """Session, shared x (party 0) and y (party 1); kernels warmed up."""
    if scheme == "shamir":
        s = session(PARTIES, scheme="shamir", threshold=1)
        a, b = s.field(_words(s.field.order, SIZE, 30)), s.field(_words(s.field.order, SIZE, 31))
    else:
        s = session(PARTIES)
        rng = np.random.default_rng([SEED, 32])
        a, b = rng.integers(-2**31, 2**31, (2, SIZE))
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    x * y  # warm-up
    return s, x, y


@cached
def _plaintext_operands():
    """NumPy uint64 words and galois GF(2^31 - 1) arrays of 10^6 elements."""
    a, b = _words(2**61 - 1, SIZE, 33), _words(2**61 - 1, SIZE, 34)
    field = galois.GF(GALOIS_PRIME)
    ga = field(_words(GALOIS_PRIME, SIZE, 35).astype(np.int64))
    gb = field(_words(GALOIS_PRIME, SIZE, 36).astype(np.int64))
    ga * gb  # warm-up
    return a, b, ga, gb


class _Counters:
    """Exact counters of one secure operation (``self._operation``) in ``self.s``."""

    def _comm(self):
        return comm_of(self.s, self._operation)

    def track_rounds(self, scheme):
        return self._comm().rounds

    track_rounds.unit = "rounds"

    def track_bytes_sent_per_party(self, scheme):
        return max_bytes_sent(self._comm())

    track_bytes_sent_per_party.unit = "bytes"

    def track_dealer_bytes(self, scheme):
        return dealer_bytes(self._comm())

    track_dealer_bytes.unit = "bytes"


class _SecureMultiply(_Counters):
    """``x * y`` of 10^6 shared elements ``self.x``, ``self.y`` on either scheme."""

    params = SCHEMES
    param_names = ("scheme",)
    timeout = 120

    def _operation(self):
        return self.x * self.y

    def time_secure_multiply(self, scheme):
        self.x * self.y

    def track_bytes_per_element(self, scheme):
        return max_bytes_sent(self._comm()) / SIZE

    track_bytes_per_element.unit = "bytes"


class Multiply(_SecureMultiply):
    """``x * y`` on 10^6 shared elements, Shamir GF(2^61 - 1) or additive int64, beside plaintext."""

    def setup(self, scheme):
        self.s, self.x, self.y = _multiply_operands(scheme)
        self.a, self.b, self.ga, self.gb = _plaintext_operands()

    def time_numpy_uint64_multiply(self, scheme):
        self.a * self.b

    def time_galois_multiply(self, scheme):
        self.ga * self.gb


@cached
def _real_operands(scheme: str, size: int):
    """Session, shared reals x (party 0) and y (party 1) of ``size`` elements, plaintext; kernels warmed up."""
    s = session(PARTIES, scheme=scheme)
    rng = np.random.default_rng([SEED, 38])
    a, b = rng.uniform(-100, 100, (2, size))
    x, y = s.share(a, owner=0), s.share(b, owner=1)
    x[:8] * y[:8], np.less(x[:8], y[:8])  # warm-up
    return s, x, y, a, b


class FixedPointMultiply(_SecureMultiply):
    """``x * y`` on 10^6 shared fixed-point reals on either scheme, beside NumPy float64."""

    def setup(self, scheme):
        self.s, self.x, self.y, self.a, self.b = _real_operands(scheme, SIZE)

    def time_numpy_float64_multiply(self, scheme):
        self.a * self.b


class Compare(_Counters):
    """``x < y`` on 10^4 shared reals on either scheme, beside NumPy (Shamir draws random bits by exponentiation)."""

    params = SCHEMES
    param_names = ("scheme",)
    timeout = 300

    def setup(self, scheme):
        self.s, self.x, self.y, self.a, self.b = _real_operands(scheme, COMPARE_SIZE)

    def _operation(self):
        return self.x < self.y

    def time_secure_less(self, scheme):
        np.less(self.x, self.y)

    def time_numpy_less(self, scheme):
        np.less(self.a, self.b)


@cached
def _gram_operands(scheme: str):
    """Session, shared integer X (party 0) of 10^4 x 20, plaintext X; kernels warmed up."""
    s = session(PARTIES, scheme=scheme)
    plain = np.random.default_rng([SEED, 37]).integers(-100, 100, GRAM_SHAPE)
    x = s.share(plain, owner=0)
    x.T @ x  # warm-up
    return s, x, plain


class Gram(_Counters):
    """``X.T @ X`` for integer X of 10^4 x 20: Shamir re-shares the 20 x 20 result, additive opens X."""

    params = SCHEMES
    param_names = ("scheme",)
    timeout = 120

    def setup(self, scheme):
        self.s, self.x, self.plain = _gram_operands(scheme)

    def _operation(self):
        return self.x.T @ self.x

    def time_secure_gram(self, scheme):
        self.x.T @ self.x

    def time_numpy_int64_gram(self, scheme):
        self.plain.T @ self.plain
