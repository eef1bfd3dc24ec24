"""The ``mpcarray demo`` walkthrough: a secure analysis of a real clinical dataset.

scikit-learn's bundled breast-cancer dataset (569 patients x 30 features, no
download) is spread over the parties in two ways:

1. **Horizontal partitioning**: each party holds whole patients (a block of
   rows); the pooled column means and variances are computed securely.
2. **Vertical partitioning**: each party holds some features of every patient;
   a logistic risk score with pairwise interaction terms is computed securely.
3. **Statistics and models** (:mod:`mpcarray.stats`, :mod:`mpcarray.models`):
   the correlation matrix and ordinary least squares on scikit-learn's
   diabetes data (442 patients, rows split across the parties, each hospital
   aggregating its own rows locally) and logistic regression on the
   breast-cancer data, both fitted securely and compared with plaintext float64.

Every secure result is compared with NumPy on the plaintext, and the wall time,
bytes and rounds of each secure step are reported. The demo uses only the
public API and runs on the simulated backend, which is **not secure**.
"""

import sys
import time
from contextlib import contextmanager
from functools import partial

import numpy as np

import mpcarray as mpc

DEFAULT_PARTIES = ("hosp_a", "hosp_b", "lab_c")

#: Features of the risk score, in order; they are dealt out to the parties in
#: contiguous groups (with three parties: 2, 2 and 1 features).
SCORE_FEATURES = ("mean radius", "mean texture", "worst concavity", "worst area", "mean smoothness")

#: Features whose mean and variance are printed (all 30 enter the error summary).
SHOWN_FEATURES = ("mean radius", "worst area", "mean fractal dimension", "smoothness error",
                  "fractal dimension error")

#: ``frac_bits`` the demo supports: above 24 the largest raw feature (worst area,
#: 4254) leaves the safe range 2^(62 - 2f); below 8 the risk score gets too coarse.
FRAC_BITS_RANGE = (8, 24)
#: The network the cost table's estimate assumes: round-trip time (s) and bandwidth (bit/s).
RTT, BANDWIDTH = 0.020, 1e9


def run_demo(parties=DEFAULT_PARTIES, frac_bits: int = 16, seed: int | None = None,
             out=None, scheme: str = "additive") -> dict:
    """Run the demo, print its report to ``out`` and return the key numbers.

    Parameters
    ----------
    parties : sequence of str
        Names of the parties (at least 2); the dataset is split among them.
    frac_bits : int
        Fractional bits of the fixed-point encoding, within ``FRAC_BITS_RANGE``.
    seed : int, optional
        Seed of the session's randomness, for a reproducible run.
    out : text stream, optional
        Where the report goes (default: ``sys.stdout`` at call time).
    scheme : {"additive", "shamir"}
        The session's sharing scheme (``"shamir"``: threshold ``(n - 1) // 2``,
        no dealer; its comparisons are far slower, so the run takes minutes).

    Returns
    -------
    dict
        ``mean_max_rel_error``, ``var_max_rel_error``, ``score_max_abs_error``,
        ``score_max_rel_error`` (relative to the largest score), ``auc``,
        ``accuracy``, ``steps`` (per step: ``seconds``, ``rounds``, ``network_seconds``
        (:meth:`~mpcarray.CommStats.estimate` at :data:`RTT` and :data:`BANDWIDTH`) and per-party
        ``bytes_sent``, ``bytes_received``, ``dealer_bytes``) and ``total``
        (the same for the whole run).
    """
    from sklearn.datasets import load_breast_cancer  # scikit-learn takes ~1 s to import

    low, high = FRAC_BITS_RANGE
    if not low <= frac_bits <= high:
        raise ValueError(f"the demo needs {low} <= frac_bits <= {high}, got {frac_bits}")
    dataset = load_breast_cancer()
    say = partial(print, file=sys.stdout if out is None else out)
    start = time.perf_counter()
    with mpc.Session(parties=list(parties), backend="simulated", frac_bits=frac_bits,
                     seed=seed, scheme=scheme) as s:
        bound = _scaled_bound(s, len(dataset.data))
        # The column maxima; they give the same k_j as the maxima published in DESCR.
        k = _feature_scales(dataset.data.max(axis=0), bound)
        _print_header(say, s, dataset.data.shape, bound, k)
        meter = _Meter(s)
        results = _pooled_moments(s, dataset, k, meter, say)
        results |= _risk_score(s, dataset, k, meter, say)
        results |= _models(s, dataset, k, meter, say)
        total = _Step(time.perf_counter() - start, s.comm.snapshot())
        _print_costs(say, s.parties, meter.steps, total)
    return results | {
        "steps": {name: step.as_dict(s.parties) for name, step in meter.steps.items()},
        "total": total.as_dict(s.parties),
    }


# ------------------------------------------------------------ feature scales
# At resolution 2^-f, small features (fractal dimension error ~0.004) keep only a
# few significant bits, and their variances (~1e-5) drown in rounding. So every
# owner multiplies feature j by a public power of two 2^k_j before sharing: exact
# in float64, so the only rounding left is the fixed-point encoding, now relative
# to values of a few hundred. The scales are undone exactly on revealed results
# (or folded into public constants), so the printed numbers are in the original units.
def _scaled_bound(s, n: int) -> float:
    """The largest power of two B with ``n * B^2`` inside the safe range.

    Scaled values in ``[0, B]`` keep the pooled sum of squared deviations
    (at most ``n * B^2``) and the column sums inside the safe range, so the
    divisions by ``n`` and ``n - 1`` do not overflow.
    """
    return 2.0 ** np.floor(np.log2(s.fixed_point.max_abs / n) / 2)


def _feature_scales(published_max: np.ndarray, bound: float) -> np.ndarray:
    """Exponents ``k_j`` putting each feature's published maximum in ``(bound / 2, bound]``."""
    return (np.log2(bound) - np.ceil(np.log2(published_max))).astype(int)


# ------------------------------------------------------------------- metering
class _Step:
    """Wall time and communication of one secure step."""

    def __init__(self, seconds: float, comm: mpc.CommStats):
        self.seconds = seconds
        self.comm = comm

    def as_dict(self, parties) -> dict:
        return {
            "seconds": self.seconds,
            "rounds": self.comm.rounds,
            "network_seconds": self.comm.estimate(rtt=RTT, bandwidth=BANDWIDTH),
            "bytes_sent": dict(zip(parties, self.comm.bytes_sent.tolist())),
            "bytes_received": dict(zip(parties, self.comm.bytes_received.tolist())),
            "dealer_bytes": dict(zip(parties, self.comm.dealer_bytes.tolist())),
        }


class _Meter:
    """Records a :class:`_Step` per named block of secure code."""

    def __init__(self, session: mpc.Session):
        self.session = session
        self.steps: dict[str, _Step] = {}

    @contextmanager
    def step(self, name: str):
        before, start = self.session.comm.snapshot(), time.perf_counter()
        yield
        self.steps[name] = _Step(time.perf_counter() - start, self.session.comm - before)


# --------------------------------------------------------- 1. horizontal split
def _pooled_moments(s, dataset, k, meter, say) -> dict:
    """Secure column means and variances (ddof=1) of the rows pooled from every party."""
    data, names = dataset.data, list(dataset.feature_names)
    n = len(data)
    blocks = np.array_split(np.arange(n), s.n_parties)

    say("\n[1] Pooled column means and variances (horizontal partitioning: "
        "each party holds whole patients)")
    held = ", ".join(f"{p} {b[0]}-{b[-1]} ({len(b)})" for p, b in zip(s.parties, blocks))
    say(f"    Rows (patients) held: {held}; each party holds all {data.shape[1]} features "
        "of its patients.")
    say("    Secure code: X = np.concatenate(shares); m = X.mean(axis=0); "
        "v = ((X - m) ** 2).sum(axis=0) / (n - 1)")

    with meter.step("share rows"):
        X = np.concatenate([s.share(np.ldexp(data[b], k), owner=p)
                            for p, b in zip(s.parties, blocks)])
    with meter.step("column means"):
        m = X.mean(axis=0)
    with meter.step("column variances"):
        v = ((X - m) ** 2).sum(axis=0) / (n - 1)
    with meter.step("reveal means, variances"):
        scaled_mean, scaled_var = np.stack([m, v]).reveal(label="pooled column means and variances")
    mean, var = np.ldexp(scaled_mean, -k), np.ldexp(scaled_var, -2 * k)

    plain_mean, plain_var = data.mean(axis=0), data.var(axis=0, ddof=1)
    mean_err = np.abs(mean - plain_mean) / np.abs(plain_mean)
    var_err = np.abs(var - plain_var) / plain_var
    header = ("mean (secure)", "mean (NumPy)", "var (secure)", "var (NumPy)")
    say(f"    {'feature':<25}" + "".join(f"{h:>15}" for h in header))
    for name in SHOWN_FEATURES:
        j = names.index(name)
        row = (mean[j], plain_mean[j], var[j], plain_var[j])
        say(f"    {name:<25}" + "".join(f"{x:>15.7g}" for x in row))
    say(f"    max relative error over all {len(names)} features: means {mean_err.max():.1e} "
        f"({names[mean_err.argmax()]}), variances {var_err.max():.1e} ({names[var_err.argmax()]})")
    return {"mean_max_rel_error": float(mean_err.max()), "var_max_rel_error": float(var_err.max())}


# ----------------------------------------------------------- 2. vertical split
def _risk_score(s, dataset, k, meter, say) -> dict:
    """A secure interaction risk score from features held by different parties."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    names = list(dataset.feature_names)
    columns = [names.index(f) for f in SCORE_FEATURES]
    groups = np.array_split(np.arange(len(columns)), s.n_parties)
    data, k = dataset.data[:, columns], k[columns]
    malignant = dataset.target == 0  # scikit-learn labels malignant 0, benign 1
    first, second = np.triu_indices(len(columns), k=1)  # the pairs i < j
    owner = np.repeat(np.arange(s.n_parties), [len(g) for g in groups])
    cross = int(np.sum(owner[first] != owner[second]))

    # Public constants. Standing in for published reference values and for a
    # model fitted on a public reference population, they come from this dataset.
    ref_mean, ref_std = data.mean(axis=0), data.std(axis=0, ddof=1)
    z_plain = (data - ref_mean) / ref_std
    terms_plain = np.hstack([z_plain, z_plain[:, first] * z_plain[:, second]])
    model = LogisticRegression(max_iter=1000).fit(terms_plain, malignant)
    w, w0 = model.coef_[0], model.intercept_[0]
    plain = terms_plain @ w + w0

    say(f"\n[2] Interaction risk score (vertical partitioning: each party holds some features "
        f"of all {len(data)} patients)")
    say("    " + " | ".join(f"{p}: " + (", ".join(SCORE_FEATURES[i] for i in g) or "no features")
                           for p, g in zip(s.parties, groups)))
    say("    score = w0 + sum_i w_i z_i + sum_{i<j} w_ij z_i z_j, z_i = (x_i - mu_i) / sd_i:\n"
        f"    {len(columns)} linear and {len(first)} pairwise terms ({cross} pairs join "
        "features of different parties);\n"
        "    every product z_i * z_j is computed securely. score > 0 means malignant.\n"
        "    The public mu, sd are ASSUMED to be published reference values (here computed from\n"
        "    this dataset). The weights are ILLUSTRATIVE: a plaintext scikit-learn\n"
        "    LogisticRegression fitted on this dataset stands in for a model fitted on a public\n"
        "    reference population.")

    with meter.step("share columns"):
        F = np.hstack([s.share(np.ldexp(data[:, g], k[g]), owner=p)
                       for p, g in zip(s.parties, groups) if len(g)])
    with meter.step("standardise"):  # the feature scales cancel: (2^k x - 2^k mu) / (2^k sd)
        Z = (F - np.ldexp(ref_mean, k)) / np.ldexp(ref_std, k)
    with meter.step("interaction products"):
        P = Z[:, first] * Z[:, second]
    with meter.step("weighted sum"):
        score = np.hstack([Z, P]) @ w + w0
    with meter.step("reveal scores"):
        secure = score.reveal(label="risk scores")

    abs_err = float(np.max(np.abs(secure - plain)))
    rel_err = abs_err / float(np.max(np.abs(plain)))
    auc = float(roc_auc_score(malignant, secure))
    accuracy = float(np.mean((secure > 0) == malignant))
    say(f"    secure vs NumPy scores: max abs error {abs_err:.1e}; relative to the largest "
        f"|score| ({np.max(np.abs(plain)):.1f}): {rel_err:.1e}")
    say(f"    revealed secure scores vs diagnosis: AUC {auc:.4f}, "
        f"accuracy of (score > 0) {accuracy:.4f}")
    return {"score_max_abs_error": abs_err, "score_max_rel_error": rel_err,
            "auc": auc, "accuracy": accuracy}


# ------------------------------------------------------------------ 3. models
#: Breast-cancer features of the demo's logistic regression (the "mean" features
#: without perimeter and area, which are nearly collinear with the radius).
LOGISTIC_FEATURES = ("mean radius", "mean texture", "mean smoothness", "mean compactness",
                     "mean concavity", "mean concave points", "mean symmetry",
                     "mean fractal dimension")


def _models(s, dataset, k, meter, say) -> dict:
    """Secure OLS (diabetes) and logistic regression (breast cancer) against plaintext float64."""
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LogisticRegression

    X, y = load_diabetes(return_X_y=True, scaled=False)
    blocks = np.array_split(np.arange(len(y)), s.n_parties)
    say(f"\n[3] Models: ordinary least squares on scikit-learn's diabetes data ({len(y)} patients x "
        f"{X.shape[1]} features in\n    original units, rows split across the parties) and "
        "logistic regression on the breast-cancer data")
    say("    Secure code: mpc.models.LinearRegression().fit(X, y); "
        "mpc.models.LogisticRegression(penalty=None, max_iter=10).fit(X, y)")
    with meter.step("share diabetes rows"):
        Xs = np.concatenate([s.share(X[b], owner=p) for p, b in zip(s.parties, blocks)])
        ys = np.concatenate([s.share(y[b], owner=p) for p, b in zip(s.parties, blocks)])
    with meter.step("corrcoef (owner-local)"):
        corr = mpc.stats.corrcoef(Xs, rowvar=False)
    corr_err = float(np.max(np.abs(corr - np.corrcoef(X, rowvar=False))))
    say(f"    mpc.stats.corrcoef(X) of the {X.shape[1]} diabetes features: max absolute error "
        f"{corr_err:.1e} vs np.corrcoef")
    with meter.step("OLS fit (owner-local)"):
        ols = mpc.models.LinearRegression().fit(Xs, ys)
    start = time.perf_counter()
    plain = np.linalg.lstsq(np.column_stack([np.ones(len(y)), X]), y, rcond=None)[0]
    plain_seconds = time.perf_counter() - start
    ols_err = float(np.max(np.abs(np.r_[ols.intercept_, ols.coef_] - plain) / np.abs(plain)))
    say(f"    OLS coefficients (intercept, age, sex, bmi, ...): secure "
        f"{np.array2string(np.r_[ols.intercept_, ols.coef_][:4], precision=5)}...\n"
        f"    {'':<45}NumPy  {np.array2string(plain[:4], precision=5)}...\n"
        f"    max relative error {ols_err:.1e}; secure {meter.steps['OLS fit (owner-local)'].seconds:.2f} s "
        f"vs plaintext {plain_seconds * 1000:.2f} ms")
    with meter.step("OLS fit (exact)"):
        exact = mpc.models.LinearRegression(method="exact").fit(Xs, ys)
    exact_err = float(np.max(np.abs(np.r_[exact.intercept_, exact.coef_] - plain) / np.abs(plain)))
    say(f"    LinearRegression(method=\"exact\") (each hospital's own normal equations, solved "
        f"behind a random mask):\n    max relative error {exact_err:.1e} in "
        f"{meter.steps['OLS fit (exact)'].comm.rounds} rounds, against "
        f"{meter.steps['OLS fit (owner-local)'].comm.rounds} for the iterative fit")

    names = list(dataset.feature_names)
    columns = [names.index(f) for f in LOGISTIC_FEATURES]
    features, benign = np.ldexp(dataset.data[:, columns], k[columns]), dataset.target.astype(float)
    blocks = np.array_split(np.arange(len(benign)), s.n_parties)
    with meter.step("share cancer rows"):
        F = np.concatenate([s.share(features[b], owner=p) for p, b in zip(s.parties, blocks)])
        t = np.concatenate([s.share(benign[b], owner=p) for p, b in zip(s.parties, blocks)])
    with meter.step("logistic fit (Newton)"):
        logistic = mpc.models.LogisticRegression(penalty=None, max_iter=10).fit(F, t)
    start = time.perf_counter()
    reference = plaintext_newton_logistic(features, benign, 10)
    plain_seconds = time.perf_counter() - start
    secure = np.r_[logistic.intercept_, logistic.coef_]
    logistic_err = float(np.max(np.abs(secure - reference) / np.abs(reference)))
    accuracy = float(np.mean(((features @ logistic.coef_ + logistic.intercept_) > 0) == benign))
    sklearn = LogisticRegression(C=np.inf, max_iter=10_000).fit(features, benign)
    sklearn_accuracy = float(sklearn.score(features, benign))
    say(f"    logistic regression ({len(columns)} features, 10 Newton steps): max relative error "
        f"{logistic_err:.1e} vs plaintext Newton;\n    accuracy {accuracy:.4f} "
        f"(scikit-learn {sklearn_accuracy:.4f}); secure "
        f"{meter.steps['logistic fit (Newton)'].seconds:.2f} s vs plaintext {plain_seconds * 1000:.2f} ms")
    return {"corrcoef_max_abs_error": corr_err, "ols_max_rel_error": ols_err, "ols_exact_max_rel_error": exact_err,
            "logistic_max_rel_error": logistic_err,
            "logistic_accuracy": accuracy, "sklearn_accuracy": sklearn_accuracy}


def plaintext_newton_logistic(X, y, iterations):
    """Plaintext float64 Newton-Raphson for logistic regression: ``[intercept, coef...]``."""
    A = np.column_stack([np.ones(len(y)), X])
    beta = np.zeros(A.shape[1])
    for _ in range(iterations):
        p = 1 / (1 + np.exp(-A @ beta))
        beta = beta + np.linalg.solve(A.T @ (A * (p * (1 - p))[:, None]), A.T @ (y - p))
    return beta


# --------------------------------------------------------------- reporting
def _print_header(say, s, shape, bound, k) -> None:
    say(f"mpcarray demo: secure analysis of scikit-learn's breast-cancer dataset "
        f"({shape[0]} patients x {shape[1]} features)")
    say(f"SIMULATED BACKEND: all {s.n_parties} parties ({', '.join(s.parties)}) run in this "
        "one process\nand draw randomness from a fast non-cryptographic PRG. This is NOT secure: "
        "it is for\ndevelopment and study design only; never use it on real patient data.")
    if s.scheme == "shamir":
        say(f"Scheme: Shamir ({s.threshold}, {s.n_parties}) threshold sharing, no dealer; integers and "
            "reals in GF(2^127 - 1).")
    else:
        say("Scheme: additive sharing over Z_2^64, correlated randomness from a trusted dealer.")
    fp = s.fixed_point
    say(f"Fixed point: {s.frac_bits} fractional bits (resolution {fp.resolution:.1e}); "
        f"values and products must satisfy |x| < {fp.max_abs:.3g}.")
    say("Before sharing, each party multiplies feature j by a public power of two 2^k_j "
        f"(k_j from {k.min()}\nto {k.max()}) so that its published maximum lies in "
        f"({bound / 2:g}, {bound:g}]: exact, it keeps small\n"
        "features precise, and the scales are undone on the revealed results.")


def _kb(nbytes: int) -> str:
    return f"{nbytes / 1000:.1f}"


def _print_costs(say, parties, steps, total) -> None:
    say("\n[4] Cost of each secure step. kB = 1000 bytes; per party: sent / received; dealer:\n"
        "    preprocessing sent to the parties; time: wall clock of the simulation (a step that\n"
        "    first uses a Numba kernel in this process includes loading it from the cache);\n"
        f"    network: what the communication would add between sites {RTT * 1000:g} ms apart at "
        f"{BANDWIDTH / 1e9:g} Gbit/s\n"
        "    (rounds x round trip + the busiest party's bytes / bandwidth, s.comm.estimate).")
    width = max(len(p) for p in parties) + 13
    say(f"    {'step':<24} {'time':>9} {'network':>9} {'rounds':>6} "
        + " ".join(f"{p:>{width}}" for p in parties) + f" {'dealer kB':>10}")
    for name, step in list(steps.items()) + [("total (incl. plaintext)", total)]:
        c = step.comm
        per_party = " ".join(f"{_kb(sent) + ' / ' + _kb(recv):>{width}}"
                             for sent, recv in zip(c.bytes_sent, c.bytes_received))
        network = c.estimate(rtt=RTT, bandwidth=BANDWIDTH)
        say(f"    {name:<24} {step.seconds * 1000:>6.1f} ms {network:>7.2f} s {c.rounds:>6} {per_party} "
            f"{_kb(c.dealer_bytes.sum()):>10}")
