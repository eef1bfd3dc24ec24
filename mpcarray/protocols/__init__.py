"""MPC protocols over share arrays with a leading party axis.

The only code that combines different parties' shares, and only through the
runtime's transport. Every function takes the :class:`~mpcarray.runtime.Runtime`
first and arrays of shape ``(k, *shape)`` (this process's ``k`` party rows).

Notation used throughout: ``n`` parties, ``N`` elements, ``f`` fractional bits,
``[x]`` a shared value with party ``i`` holding ``x_i`` and ``sum(x_i) = x mod 2^64``.
"""

from .audit_heads import exchange_heads
from .binary import bits_to_ring, open_xor, words_to_ring
from .circuits import leading_one
from .comparison import bit_decompose, leading_one_by_comparisons, sign_bits, sign_rounds
from .input import INPUT_DTYPES, Input, SharedInput, share_input, share_inputs
from .multiplication import gram, matmul, mul, mul_and_truncate, square
from .opening import agree, agree_live, open_shares, open_to, require_live, zero_sharing
from .public import (
    add_public,
    matmul_public,
    mul_public_int,
    mul_public_real,
    public_real_terms,
    public_shares,
)
from .tables import bit_tables, leading_one_tables
from .truncated_products import (
    TRUNCATED_SQUARE_MAX_SHIFT,
    truncated_pairs,
    truncated_product,
    truncated_scaling,
    truncated_square,
)
from .truncation import open_truncated, truncate, truncate_many
from .zero_test import ZERO_TEST_MAX_BITS, is_zero

__all__ = [
    "INPUT_DTYPES",
    "TRUNCATED_SQUARE_MAX_SHIFT",
    "ZERO_TEST_MAX_BITS",
    "Input",
    "SharedInput",
    "add_public",
    "agree",
    "agree_live",
    "bit_decompose",
    "bit_tables",
    "bits_to_ring",
    "exchange_heads",
    "gram",
    "is_zero",
    "leading_one",
    "leading_one_by_comparisons",
    "leading_one_tables",
    "matmul",
    "matmul_public",
    "mul",
    "mul_and_truncate",
    "mul_public_int",
    "mul_public_real",
    "open_shares",
    "open_to",
    "open_truncated",
    "open_xor",
    "public_real_terms",
    "public_shares",
    "require_live",
    "share_input",
    "share_inputs",
    "sign_bits",
    "sign_rounds",
    "square",
    "truncate",
    "truncate_many",
    "truncated_pairs",
    "truncated_product",
    "truncated_scaling",
    "truncated_square",
    "words_to_ring",
    "zero_sharing",
]
