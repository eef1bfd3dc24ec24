"""Disclosure by lineage for the library's functions, statistics and models (issue 13; DESIGN.md §9).

Every public function of :mod:`mpcarray.functions`, every ufunc and NumPy
function SharedArray implements, has a known lineage that follows its rule
(``docs/privacy.md``): elementwise functions keep their inputs' counts (the
minimum over shared operands); extremes, order statistics and sorts disclose
one of the values they pick from (the fewest records among them: 1 for input
rows); variances aggregate the records they average. The table is enumerated
from the registries, so a new function without a rule here fails the test.
"""

import numpy as np
import pytest

import mpcarray as mpc
import mpcarray.functions as F
from mpcarray.array.dispatch import FUNCTIONS, UFUNCS, qualified_name
from mpcarray.privacy import DiscreteLaplace, Policy

PARTIES = ["hosp_a", "hosp_b", "lab_c"]


def counts(x):
    assert x._lineage is not None, "unknown lineage"
    return np.broadcast_to(x._lineage.counts, x.shape)


@pytest.fixture(scope="module")
def data():
    with mpc.Session(PARTIES, seed=3) as s:
        x = s.share(np.linspace(1, 5, 40).reshape(20, 2), owner=0)  # 20 records, values in [1, 5]
        other = s.share(np.linspace(2, 3, 40).reshape(20, 2), owner=1)
        m20 = x.mean(axis=0)  # aggregates 20 records
        m10 = x[:10].mean(axis=0)  # aggregates 10
        yield {"x": x, "other": other, "m20": m20, "m10": m10, "col": x[:, 0]}


def _calling(function, *args):
    return lambda: function(*args)


# (call, expected counts, expected records axis); counts are broadcast to the result's shape
def _functions(d):
    x, m20, m10, col = d["x"], d["m20"], d["m10"], d["col"]
    unary = {name: (_calling(getattr(F, name), m20), 20, None) for name in
             ["absolute", "exp", "log", "reciprocal", "relu", "rsqrt", "sigmoid", "sign", "sqrt", "tanh"]}
    return unary | {
        "clip": (lambda: F.clip(m20, 1.0, 2.0), 20, None),
        "maximum": (lambda: F.maximum(m20, m10), 10, None),
        "minimum": (lambda: F.minimum(m10, m20), 10, None),
        "divide": (lambda: F.divide(m20, m10), 10, None),
        "joint_noise": (lambda: F.joint_noise(m20, DiscreteLaplace(epsilon=1.0)), 20, None),
        # extremes and order statistics over the records axis: one record's value each
        "amax": (lambda: F.amax(x, axis=0), 1, None),
        "amin": (lambda: F.amin(x, axis=0), 1, None),
        "argmax": (lambda: F.argmax(x, axis=0), 1, None),
        "argmin": (lambda: F.argmin(x, axis=0), 1, None),
        "median": (lambda: F.median(x, axis=0), 1, None),
        "quantile": (lambda: F.quantile(x, [0.25, 0.5], axis=0), 1, None),
        "percentile": (lambda: F.percentile(x, [25, 50], axis=0), 1, None),
        "order_statistics": (lambda: F.order_statistics(col, [0, 3]), 1, None),
        "sort": (lambda: F.sort(col), 1, 0),  # still the records' axis: its sum aggregates them all
        "var": (lambda: F.var(x, axis=0), 20, None),
        "std": (lambda: F.std(x, axis=0), 20, None),
    }


def _numpy_functions(d):
    x, other, m20, m10, col = d["x"], d["other"], d["m20"], d["m10"], d["col"]
    return {
        "numpy.sum": (lambda: np.sum(x, axis=0), 20, None),
        "numpy.mean": (lambda: np.mean(x, axis=0), 20, None),
        "numpy.cumsum": (lambda: np.cumsum(col), np.arange(1, 21), None),
        "numpy.dot": (lambda: np.dot(col, col), 20, None),
        "numpy.transpose": (lambda: np.transpose(x), 1, 1),
        "numpy.reshape": (lambda: np.reshape(x, (20, 1, 2)), 1, 0),
        "numpy.ravel": (lambda: np.ravel(x), 1, None),
        "numpy.broadcast_to": (lambda: np.broadcast_to(m20, (3, 2)), 20, None),
        "numpy.concatenate": (lambda: np.concatenate([x, other]), 1, 0),
        "numpy.stack": (lambda: np.stack([m20, m10]), np.array([[20, 20], [10, 10]]), None),
        "numpy.hstack": (lambda: np.hstack([x, other]), 1, 0),
        "numpy.vstack": (lambda: np.vstack([x, other]), 1, 0),
        "numpy.where": (lambda: np.where(np.arange(20)[:, None] < 5, x, 0.0),
                        np.repeat([[1], [0]], [5, 15], axis=0), 0),
        "numpy.clip": (lambda: np.clip(x, 2.0, 3.0), 1, 0),
        "numpy.max": (lambda: np.max(x, axis=0), 1, None),
        "numpy.min": (lambda: np.min(x, axis=0), 1, None),
        "numpy.argmax": (lambda: np.argmax(x, axis=0), 1, None),
        "numpy.argmin": (lambda: np.argmin(x, axis=0), 1, None),
        "numpy.median": (lambda: np.median(x, axis=0), 1, None),
        "numpy.quantile": (lambda: np.quantile(x, 0.3, axis=0), 1, None),
        "numpy.percentile": (lambda: np.percentile(x, [10, 90], axis=0), 1, None),
        "numpy.sort": (lambda: np.sort(x, axis=0), 1, 0),
        "numpy.var": (lambda: np.var(x, axis=0, ddof=1), 20, None),
        "numpy.std": (lambda: np.std(x, axis=0), 20, None),
        # metadata, not SharedArrays
        "numpy.shape": None, "numpy.ndim": None, "numpy.size": None,
    }


def _ufuncs(d):
    m20, m10, x = d["m20"], d["m10"], d["x"]
    unary = ["absolute", "exp", "log", "negative", "positive", "reciprocal", "sign", "sqrt", "square", "tanh"]
    binary = ["add", "subtract", "multiply", "divide", "maximum", "minimum", "equal", "not_equal", "less",
              "less_equal", "greater", "greater_equal"]
    logical = ["bitwise_and", "bitwise_or", "bitwise_xor", "logical_and", "logical_or", "logical_xor"]
    table = {f"numpy.{name}": (_calling(getattr(np, name), m20), 20, None) for name in unary}
    table |= {f"numpy.{name}": (_calling(getattr(np, name), m20, m10), 10, None) for name in binary}
    table |= {f"numpy.{name}": (_calling(getattr(np, name), m20 > 2, m10 > 2), 10, None) for name in logical}
    return table | {
        "numpy.invert": (lambda: np.invert(m20 > 2), 20, None),
        "numpy.logical_not": (lambda: np.logical_not(m20 > 2), 20, None),
        "numpy.power": (lambda: np.power(m20, 2), 20, None),
        "numpy.matmul": (lambda: np.matmul(x.T, x), 20, None),
    }


def _check(name, spec):
    call, expected, axis = spec
    result = call()
    assert result._lineage is not None, f"{name}: unknown lineage"
    np.testing.assert_array_equal(counts(result), np.broadcast_to(expected, result.shape), err_msg=name)
    assert result._lineage.axis == axis, f"{name}: records axis {result._lineage.axis}, expected {axis}"


def test_every_public_function_has_a_known_lineage_by_its_rule(data):
    table = _functions(data)
    assert set(table) == set(F.__all__), "a function of mpcarray.functions without a lineage rule in this table"
    for name, spec in table.items():
        _check(name, spec)


def test_every_numpy_function_and_ufunc_has_a_known_lineage_by_its_rule(data):
    functions, ufuncs = _numpy_functions(data), _ufuncs(data)
    assert set(functions) == {qualified_name(f) for f in FUNCTIONS}, "a NumPy function without a lineage rule"
    assert set(ufuncs) == {f"numpy.{u.__name__}" for u in UFUNCS}, "a ufunc without a lineage rule"
    for name, spec in (functions | ufuncs).items():
        if spec is not None:
            _check(name, spec)


def test_extremes_pick_the_fewest_records_among_their_candidates():
    with mpc.Session(PARTIES, seed=0) as s:
        x = s.share(np.arange(30.0).reshape(15, 2), owner=0)
        groups = np.stack([x[:5].mean(axis=0), x[5:].mean(axis=0)])  # group means of 5 and 10 records
        assert counts(F.amax(groups, axis=0)).tolist() == [5, 5]
        assert counts(np.median(groups, axis=0)).tolist() == [5, 5]
        assert counts(np.sort(groups, axis=0)).tolist() == [[5, 5], [5, 5]]
        assert counts(F.amax(x, axis=1)).tolist() == [1] * 15 and F.amax(x, axis=1).sum()._lineage.records == 15
        assert F.amax(x)._lineage.records == 1 and np.sort(x[:, 0]).sum()._lineage.records == 15


def test_repeated_records_are_not_counted_twice():
    with mpc.Session(PARTIES, seed=0) as s:
        x = s.share(np.arange(12.0), owner=0)
        assert (x[:1] * np.ones(12)).sum()._lineage.records == 1  # one record broadcast 12 times
        assert np.broadcast_to(x[:1], (12,)).sum()._lineage.records == 1
        assert x[[3, 3, 3]].sum()._lineage.records == 1
        assert x[[1, 2, 3]].sum()._lineage.records == 3
        assert (x[:4] + x.mean()).sum()._lineage.records == 4
        constant = mpc.array.primitives.shared_constant(x, np.ones(12))  # public: no record, no limit
        assert (x.mean() + constant)._lineage.records == 12 and constant._lineage.records == 0


def test_a_record_broadcast_over_public_elements_is_one_record():
    """``x * 0 + x[2]`` holds patient 2 at every position: the public zeros keep the records axis but
    aggregate nobody, so a sum must count 1 record, not 12 (a minimum-cohort policy let it through);
    likewise picked by a public ``where`` or assigned to every element. Centring keeps the axis."""
    with mpc.Session(PARTIES, seed=0) as s:
        x = s.share(np.arange(12.0), owner=0)
        assert (x * 0.0 + x[2]).sum()._lineage.records == 1
        assert (x * np.zeros(12) + x[2]).mean()._lineage.records == 1
        assert np.where(np.zeros(12, dtype=bool), x, x[2]).sum()._lineage.records == 1
        assigned = x * 0.0
        assigned[:] = x[2]
        assert assigned.sum()._lineage.records == 1
        assert ((x - x.mean()) ** 2).sum()._lineage.records == 12
        assert np.where(np.arange(12) > 5, x, 0.0).sum()._lineage.records == 6
        assert (x + x[2]).sum()._lineage.records == 12  # each position still holds its own record


def test_a_minimum_cohort_allows_functions_of_aggregates_and_refuses_extremes():
    with mpc.Session(PARTIES, seed=1, policies={"lab_c": Policy(min_cohort=10)}) as s:
        x = s.share(np.linspace(1, 5, 40).reshape(20, 2), owner=0)
        mean = x.mean(axis=0)
        np.testing.assert_allclose(mpc.rsqrt(mean).reveal("mean r"), 1 / np.sqrt([2.95, 3.05]), rtol=1e-3)
        np.testing.assert_allclose(x.std(axis=0).reveal("spread"), np.linspace(1, 5, 40).reshape(20, 2).std(0),
                                   rtol=1e-3)
        for refused in (mpc.max(x, axis=0), np.median(x, axis=0), mpc.sigmoid(x), np.sort(x, axis=0)):
            with pytest.raises(mpc.RevealRefusedError, match="cohort of 1 is below the minimum of 10"):
                refused.reveal("a statistic", cohort=1000)


@pytest.mark.parametrize("layout", ["columns", "rows"])
@pytest.mark.parametrize("min_cohort, allowed", [(30, True), (41, False)])
def test_model_coefficients_aggregate_the_rows_of_the_fit(min_cohort, allowed, layout):
    """40 patients, columns at two hospitals (a vertical split: the secure path) or rows at two
    (the owner-local moments): the coefficients aggregate the 40 rows of the fit; a script states nothing."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = X @ [1.5, -0.5] + 0.1 * rng.normal(size=40)
    seen = []
    policies = {"lab_c": Policy(min_cohort=min_cohort), "hosp_a": Policy(check=lambda r: seen.append(r) or True)}
    with mpc.Session(PARTIES, seed=2, policies=policies) as s:
        if layout == "columns":
            shared_X = np.hstack([s.share(X[:, :1], owner="hosp_a"), s.share(X[:, 1:], owner="hosp_b")])
            shared_y = s.share(y, owner="hosp_b")
        else:
            shared_X = np.concatenate([s.share(X[:25], owner="hosp_a"), s.share(X[25:], owner="hosp_b")])
            shared_y = np.concatenate([s.share(y[:25], owner="hosp_a"), s.share(y[25:], owner="hosp_b")])
        model = mpc.models.LinearRegression()
        if allowed:
            model.fit(shared_X, shared_y)
            np.testing.assert_allclose(model.coef_, [1.5, -0.5], atol=0.05)
            assert {r.records for r in seen} == {40} and "LinearRegression.coef_" in {r.label for r in seen}
        else:
            with pytest.raises(mpc.RevealRefusedError, match="cohort of 40 is below the minimum of 41"):
                model.fit(shared_X, shared_y)


def test_statistics_aggregate_their_rows_and_order_statistics_one_record():
    seen = []
    policy = Policy(check=lambda request: seen.append(request) or True)
    with mpc.Session(PARTIES, seed=4, policies={"lab_c": policy}) as s:
        values = np.random.default_rng(1).normal(size=(24, 2))
        X = np.concatenate([s.share(values[:10], owner=0), s.share(values[10:], owner=1)])  # owner-local path
        mpc.stats.corrcoef(X)
        mpc.stats.mean(X * 1.0)  # a derived array: the secure path
        mpc.stats.counts(s.share(np.arange(24) % 3, owner=2), levels=[0, 1, 2])
        mpc.stats.median(X)
        first = np.concatenate([s.share(values[:10, 0], owner=0), s.share(values[10:, 0], owner=1)])
        mpc.stats.cohort_count(lambda a: a > 0, first, per_site=True)  # hospitals of 10 and 14 rows
        time = np.concatenate([s.share(np.arange(1, 11), owner=0), s.share(np.arange(1, 15), owner=1)])
        event = np.concatenate([s.share(np.ones(10, dtype=int), owner=0), s.share(np.ones(14, dtype=int), owner=1)])
        mpc.stats.kaplan_meier(time, event)
    records = {r.label: r.records for r in seen}
    assert records == {"X magnitude (power-of-two exponent)": 24, "correlation matrix": 24,
                       "column sums": 24, "category counts": 24, "quantiles": 1, "cohort counts per site": 10,
                       "longest follow-up time": 1, "distinct event times": 24, "Kaplan-Meier risk table": 24}
