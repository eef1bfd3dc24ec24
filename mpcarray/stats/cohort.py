"""Cohort discovery: how many patients across the hospitals meet boolean criteria.

A feasibility query ("how many women over 60 with stage III disease do we
have between us?") is a sum of 0/1 indicators over the records axis. Criteria
are written as ordinary array expressions, ``(age > 60) & (sex == 1)``, either
already evaluated on SharedArrays or as a function of the shared columns. Given
the function and columns that are each hospital's own rows, every hospital
evaluates it on its plaintext rows (NumPy, the same operators) and shares only
its counts (owner-local evaluation, DESIGN.md §5); otherwise the comparisons
and the logic run inside MPC. Several criteria, strata and the per-site
breakdown are counted together and opened in one batched opening, optionally
behind the small-count threshold (:func:`mpcarray.privacy.suppress_small`).
"""

from collections.abc import Callable

import numpy as np

from ..array import SharedArray, lineage, owner_local_or_secure
from ..array.blocks import aligned_parts, local_terms
from ..errors import ShapeError
from . import _inputs


def cohort_count(criteria, *columns, by: SharedArray | None = None, levels=None, per_site: bool = False,
                 suppress_small: int | None = None):
    """Number of patients meeting each criterion, pooled over the hospitals (or per hospital, per stratum).

    Parameters
    ----------
    criteria : SharedArray, sequence of SharedArrays, or callable
        Shared 0/1 indicators with one row per patient: ``(n,)`` for one
        criterion, ``(n, m)`` or a sequence of ``(n,)`` arrays for ``m``
        criteria (comparison results and their ``&``, ``|``, ``^``, ``~``;
        integer values other than 0/1 are summed as they are). Or a function of
        ``columns`` returning such indicators, e.g.
        ``lambda age, sex: [(age > 60) & (sex == 1), age >= 80]``; it must only
        use operators that behave alike on NumPy arrays and SharedArrays
        (``~`` on comparisons or bools: on NumPy integers it is bitwise).
    *columns : SharedArray
        The function's arguments, one row per patient. When every column is
        the ``np.concatenate`` of the hospitals' own row blocks
        (:func:`mpcarray.row_parts`), each hospital applies the function to its
        plaintext rows and shares only its counts; a fixed-point column is
        then compared as the hospital holds it in float64, and inside MPC as
        encoded (rounded to ``2^-f``), so a value within ``2^-(f+1)`` of a
        threshold may be counted differently by the two paths.
    by : SharedArray of integers, optional
        A stratum code per patient (age band, sex, site type); counts are then
        given per level of ``levels`` (codes not listed are not counted).
        With a function, ``by`` must be row-partitioned like ``columns`` for
        the owner-local path.
    levels : sequence of int
        The public stratum codes (required with ``by``).
    per_site : bool
        Counts per row block of the inputs (per hospital, in the order of the
        ``np.concatenate``) instead of pooled; needs a function and
        row-partitioned ``columns``.
    suppress_small : int, optional
        Reveal only the counts ``>= suppress_small`` (a masked array).

    Returns
    -------
    numpy.ndarray or numpy.ma.MaskedArray of int64
        Shape ``(sites,)`` with ``per_site``, then ``(m,)`` for several
        criteria, then ``(len(levels),)`` with ``by``; a 0-d array for one
        pooled criterion.

    Reveals: the counts, all in one opening (with ``suppress_small``: which
    counts are below the threshold, then the others). Nothing per patient.

    Cost: owner-local, the hospitals share their counts together (1 round),
    then 1 round to open; inside MPC, the criteria's comparisons and logic (5
    rounds per comparison and 1 per ``&``/``|`` in additive sessions; in the
    caller's code when ``criteria`` are SharedArrays), plus one matrix product
    (1 round) with ``by`` after its one-hot comparison (5 rounds), then 1 round
    to open. ``suppress_small`` adds one sign test (5 rounds) and an opening
    of the pattern (1 round). With 3 hospitals, 3 criteria on lifelines' lung
    data (228 patients): 2 rounds and 160 bytes per hospital owner-local
    (8 rounds with ``suppress_small``), 1 round and 48 bytes to open 3
    indicators already compared inside MPC (``docs/cohort.md``).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "hosp_c"], seed=0) as s:
    ...     age = np.concatenate([s.share(np.array([54, 63, 71, 80]), owner="hosp_a"),
    ...                           s.share(np.array([66, 45, 62]), owner="hosp_b"),
    ...                           s.share(np.array([59, 77]), owner="hosp_c")])
    ...     sex = np.concatenate([s.share(np.array([1, 1, 2, 1]), owner="hosp_a"),
    ...                           s.share(np.array([2, 1, 1]), owner="hosp_b"),
    ...                           s.share(np.array([1, 2]), owner="hosp_c")])
    ...     print(mpc.stats.cohort_count((age > 60) & (sex == 1)))  # compared inside MPC
    ...     print(mpc.stats.cohort_count(lambda a, x: [(a > 60) & (x == 1), a >= 75], age, sex))
    ...     print(mpc.stats.cohort_count(lambda a: a > 60, age, per_site=True))  # each hospital counts its rows
    ...     print(mpc.stats.cohort_count(lambda a: [a > 60, a >= 75], age, suppress_small=5))
    3
    [3 2]
    [3 2 1]
    [6 --]
    """
    k = _inputs.threshold(suppress_small)
    if per_site and not callable(criteria):
        raise ValueError("per_site needs the criteria as a function of row-partitioned columns "
                         "(e.g. lambda age: age > 60, age); evaluated criteria have forgotten their hospitals")
    strata = None if by is None else (_inputs.integers(by, "by"), _inputs.levels(levels, "levels"))
    if by is None and levels is not None:
        raise ValueError("levels are the codes of by=; pass by= as well")
    if not callable(criteria):
        if columns:
            raise TypeError("columns are the arguments of a criteria function; criteria is not callable")
        indicators = _indicators(criteria)
        n = _rows(indicators, strata)
        total = _secure_count(indicators, strata)
        return _inputs.disclose_counts(total, "cohort counts", n, k)
    if not columns:
        raise TypeError("a criteria function needs the shared columns it is applied to")
    for number, column in enumerate(columns):
        _inputs.shared(column, f"columns[{number}]", ndim=(1, 2))
    n = _inputs.same_length(**{f"columns[{i}]": c for i, c in enumerate(columns)},
                            **({} if by is None else {"by": by}))
    arrays = columns if by is None else (*columns, by)
    groups = aligned_parts(*arrays)
    if per_site and (groups is None or sum(g[0].shape[0] for g in groups) != n):
        raise ValueError("per_site needs columns that are each hospital's own rows joined with np.concatenate "
                         "(mpcarray.row_parts), with the same blocks in every column")

    def secure() -> SharedArray:
        indicators = _indicators(criteria(*columns))
        if indicators.shape[0] != n:
            raise ShapeError(f"the criteria have {indicators.shape[0]} rows, the columns {n}")
        if not per_site:
            return _secure_count(indicators, strata)
        stops = np.cumsum([g[0].shape[0] for g in groups])
        by_rows = None if strata is None else strata[0]
        sites = [_secure_count(indicators[a:b], None if strata is None else (by_rows[a:b], strata[1]))
                 for a, b in zip(np.concatenate([[0], stops[:-1]]), stops)]
        return np.stack(sites)

    if groups is None:
        total = secure()
    else:
        def local() -> SharedArray:
            terms = local_terms(groups, _local_count(criteria, len(columns), strata))
            return np.stack(terms) if per_site else sum(terms)

        total = owner_local_or_secure(local, secure, rows=None if per_site else arrays)
        if per_site:  # each site's counts aggregate that site's rows (a records axis: sites hold disjoint rows)
            sites = [lineage.pooled((), *group) for group in groups]
            if all(site is not None for site in sites):
                records = np.array([site.records for site in sites]).reshape((-1,) + (1,) * (total.ndim - 1))
                lineage.stamp_unknown(total, lambda shape: lineage.Lineage(np.broadcast_to(records, shape), 0))
    smallest = min(g[0].shape[0] for g in groups) if per_site else n
    return _inputs.disclose_counts(total, "cohort counts per site" if per_site else "cohort counts", smallest, k)


def _indicators(value) -> SharedArray:
    """The criteria as one shared integer array ``(n,)`` or ``(n, m)``."""
    if isinstance(value, (list, tuple)):
        if not value:
            raise ValueError("criteria is an empty sequence")
        for number, item in enumerate(value):
            _inputs.integers(item, f"criteria[{number}]")
        _inputs.same_length(**{f"criteria[{i}]": c for i, c in enumerate(value)})
        return np.stack(value, axis=1)
    return _inputs.integers(value, "criteria", ndim=(1, 2))


def _rows(indicators: SharedArray, strata) -> int:
    if strata is None:
        return indicators.shape[0]
    return _inputs.same_length(criteria=indicators, by=strata[0])


def _secure_count(indicators: SharedArray, strata) -> SharedArray:
    """Column sums of the indicators, or their table against the one-hot strata (one matrix product)."""
    if strata is None:
        return indicators.sum(axis=0)
    by, codes = strata
    onehot = by[:, None] == codes
    if indicators.ndim == 1:
        return indicators @ onehot
    return indicators.T @ onehot


def _local_count(criteria: Callable, n_columns: int, strata) -> Callable:
    """What each hospital computes on its plaintext rows: the same counts as :func:`_secure_count`."""
    def count(*plain):
        value = criteria(*plain[:n_columns])
        indicators = np.stack(value, axis=1) if isinstance(value, (list, tuple)) else np.asarray(value)
        indicators = indicators.astype(np.int64)
        if strata is None:
            return indicators.sum(axis=0)
        onehot = (plain[n_columns][:, None] == strata[1]).astype(np.int64)
        return indicators.T @ onehot
    return count
