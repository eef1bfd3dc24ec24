"""Dependencies imported by their first use, not by ``import mpcarray``.

Every party and dealer process imports mpcarray; galois and scipy.stats are
slow to import and rarely needed there. galois is needed only by programs that
share or reveal field-element arrays (Shamir sessions compute their
coefficients with :mod:`mpcarray.schemes.interpolation`), scipy.stats only for
p-values and quantiles of public statistics.
"""

import sys


def galois():
    """The ``galois`` module."""
    import galois as module

    return module


def scipy_stats():
    """The ``scipy.stats`` module."""
    from scipy import stats

    return stats


def is_field_array(value) -> bool:
    """Whether ``value`` is a galois ``FieldArray`` (only a program that imported galois holds one)."""
    module = sys.modules.get("galois")
    return module is not None and isinstance(value, module.FieldArray)
