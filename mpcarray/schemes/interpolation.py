"""Coefficients of Shamir sharing at the points ``x = 1 .. n``, in GF(p) with Python integers.

The matrices have at most ``n`` rows and columns (``n`` parties), so exact
integer arithmetic is fast enough, and party processes need no field library.
"""


def points(parties) -> list[int]:
    """The evaluation points ``x_i = i + 1`` of party indices ``i``."""
    return [int(i) + 1 for i in parties]


def inverse(value: int, p: int) -> int:
    """``1 / value`` in GF(p) (``value`` not a multiple of ``p``)."""
    return pow(value % p, -1, p)


def vandermonde(n: int, t: int, p: int) -> list[list[int]]:
    """``(n, t + 1)``: row ``i`` holds the powers ``x_i^j``, ``j = 0 .. t``."""
    return [[pow(x, j, p) for j in range(t + 1)] for x in points(range(n))]


def barycentric_weights(x: list[int], p: int) -> list[int]:
    """``v_j = 1 / prod_{k != j} (x_j - x_k)`` for distinct points ``x``."""
    weights = []
    for j, xj in enumerate(x):
        product = 1
        for k, xk in enumerate(x):
            if k != j:
                product = product * (xj - xk) % p
        weights.append(inverse(product, p))
    return weights


def lagrange_at_zero(x: list[int], p: int) -> list[int]:
    """``lambda_i = prod_{j != i} x_j / (x_j - x_i)``: ``s(0) = sum_i lambda_i s(x_i)`` for degree < len(x)."""
    coefficients = []
    for i, xi in enumerate(x):
        numerator = denominator = 1
        for j, xj in enumerate(x):
            if j != i:
                numerator, denominator = numerator * xj % p, denominator * (xj - xi) % p
        coefficients.append(numerator * inverse(denominator, p) % p)
    return coefficients


def parity_check(x: list[int], degree: int, p: int) -> list[list[int]]:
    """Rows ``v_j x_j^a``, ``a = 0 .. len(x) - degree - 2``: the dual of the code of
    polynomials of degree ``degree`` (their values at ``x`` have zero syndromes)."""
    weights = barycentric_weights(x, p)
    return [[v * pow(xj, a, p) % p for xj, v in zip(x, weights)] for a in range(len(x) - degree - 1)]


def vanishing_at(zeros, point: int, p: int) -> int:
    """``f(point)`` for the polynomial with ``f(0) = 1`` and roots ``zeros``: ``prod (z - point) / z``."""
    value = 1
    for z in zeros:
        value = value * (z - point) % p * inverse(z, p) % p
    return value
