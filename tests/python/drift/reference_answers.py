"""Compute Evidently's and River's answers on fixed data for the aiir differential tests.

Writes, under OUT_DIR (default .tools/drift-diff):
  data/<dataset>_reference.csv, data/<dataset>_current.csv   tables both sides read
  streams/<name>.txt                                          one value per line (repr)
  expected.json                                               Evidently / scipy / River answers
Run with the pinned venv (make venv-drift). Deterministic: fixed seeds only.
"""
import json
import math
import os
import sys
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")

from evidently import DataDefinition, Dataset, Report  # noqa: E402
from evidently.core.datasets import infer_column_type  # noqa: E402
from evidently.legacy.calculations.stattests.registry import (  # noqa: E402
    _registered_stat_tests,
    get_stattest,
)
from evidently.legacy.core import ColumnType  # noqa: E402
from evidently.metrics import DriftedColumnsCount  # noqa: E402
from scipy import stats  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
TESTDATA = os.path.join(ROOT, "shared", "testdata", "drift")
OUT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, ".tools", "drift-diff"))

TESTS = ["ks", "chisquare", "z", "wasserstein", "jensenshannon", "psi", "kl_div", "hellinger",
         "anderson", "cramer_von_mises", "ed", "t_test", "mannw", "empirical_mmd", "TVD",
         "g_test", "fisher_exact", "es"]


def num(x):
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def datasets():
    rng = np.random.default_rng(20240611)
    out = {}

    def mixed(nr, nc, shift):
        def make(n, s):
            return pd.DataFrame({
                "num_shift": rng.normal(0 + s, 1, n),
                "num_same": rng.normal(5, 2, n),
                "num_lognormal": rng.lognormal(0, 0.5 + s / 4, n),
                "num_few": rng.choice([1.5, 2.5, 3.5], n, p=[0.5, 0.3, 0.2] if s == 0 else [0.3, 0.3, 0.4]),
                "int_many": rng.integers(0, 60 + int(20 * s), n),
                "int_cat": rng.integers(0, 4, n),
                "bin_cat": rng.choice(["yes", "no"], n, p=[0.5, 0.5] if s == 0 else [0.6, 0.4]),
                "str_cat": rng.choice(list("abcde"), n, p=[0.2] * 5 if s == 0 else [0.3, 0.25, 0.2, 0.15, 0.1]),
                "num_round": np.round(rng.normal(10, 3 + s, n), 1),
            })
        return make(nr, 0.0), make(nc, shift)

    out["small"] = mixed(300, 250, 0.4)
    out["medium"] = mixed(1800, 1500, 0.15)
    out["equal"] = mixed(400, 400, 0.3)
    out["tiny"] = mixed(7, 6, 1.0)
    out["exact_cvm"] = mixed(18, 15, 0.8)
    r = pd.DataFrame({"a": rng.normal(0, 1, 12000), "b": rng.exponential(1, 12000)})
    c = pd.DataFrame({"a": rng.normal(0.02, 1, 11000), "b": rng.exponential(1.05, 11000)})
    out["ks_asymp"] = (r, c)
    r = pd.DataFrame({"a": rng.normal(0, 1, 15000)})
    c = pd.DataFrame({"a": rng.normal(0.0, 1, 120)})
    out["ks_asymp_unbalanced"] = (r, c)
    out["constant"] = (pd.DataFrame({"k": [3.0] * 50, "m": [1] * 50}), pd.DataFrame({"k": [3.0] * 40, "m": [1] * 39 + [2]}))

    ph = pd.read_csv(os.path.join(TESTDATA, "river_phishing.csv"))
    out["phishing"] = (ph.iloc[:600].reset_index(drop=True), ph.iloc[600:].reset_index(drop=True))
    bc = pd.read_csv(os.path.join(TESTDATA, "sklearn_breast_cancer.csv"), header=None, skiprows=1)
    bc.columns = [f"f{i}" for i in range(30)] + ["target"]
    out["breast_cancer"] = (bc.iloc[:300].reset_index(drop=True), bc.iloc[300:].reset_index(drop=True))
    return out


def column_type(series):
    t = infer_column_type(series)
    return {ColumnType.Numerical: "num", ColumnType.Categorical: "cat"}.get(t, t.value)


def run_test(name, ref, cur, ctype):
    ct = ColumnType.Numerical if ctype == "num" else ColumnType.Categorical
    try:
        st = get_stattest(ref, cur, ct, name)
        if name == "empirical_mmd":
            np.random.seed(0)
        res = st(ref.copy(), cur.copy(), ct, None)
        out = {"drift_score": num(res.drift_score), "drifted": bool(res.drifted),
               "threshold": res.actual_threshold, "statistic": scipy_statistic(name, ref, cur)}
        if name == "es" and es_noise_rank(ref.to_numpy(), cur.to_numpy()):
            out["noise_dependent"] = True
        return out
    except Exception as e:  # recorded: aiir must refuse the same inputs
        out = {"error": f"{type(e).__name__}: {e}"}
        if name == "cramer_von_mises" and "UFuncTypeError" in out["error"]:
            # Evidently's copy of scipy's exact CvM overflows a uint16 buffer on tiny samples;
            # aiir answers instead, and must equal scipy's own cramervonmises_2samp.
            r = stats.cramervonmises_2samp(ref.to_numpy(), cur.to_numpy(), method="auto")
            out["scipy_fallback"] = {"drift_score": num(r.pvalue), "statistic": num(r.statistic),
                                     "drifted": bool(r.pvalue <= 0.1), "threshold": 0.1}
        return out


def scipy_statistic(name, ref, cur):
    """The statistic behind each p-value test (Evidently only reports the p-value)."""
    r = ref.to_numpy()
    c = cur.to_numpy()
    try:
        if name == "ks":
            return num(stats.ks_2samp(r, c).statistic)
        if name == "anderson":
            return num(stats.anderson_ksamp([r, c], variant="midrank").statistic)
        if name == "cramer_von_mises":
            from evidently.legacy.calculations.stattests.cramer_von_mises_stattest import _cvm_2samp
            return num(_cvm_2samp(r, c).statistic)
        if name == "t_test":
            return num(stats.ttest_ind(r, c).statistic)
        if name == "mannw":
            return num(stats.mannwhitneyu(r, c, alternative="less").statistic)
        if name == "es":
            return num(stats.epps_singleton_2samp(r, c).statistic)
    except Exception:
        return None
    return None


def es_noise_rank(x, y):
    """True when scipy's Epps-Singleton rank counts a rounding-noise singular value (a
    rank-deficient covariance, e.g. <= 3 distinct values): its answer then depends on the last
    bits of numpy's summation, which no other implementation reproduces."""
    from scipy.stats import iqr
    nx, ny = len(x), len(y)
    n = nx + ny
    sigma = iqr(np.concatenate((x, y))) / 2
    if sigma == 0:
        return False
    ts = np.array([0.4, 0.8]).reshape(-1, 1) / sigma
    gx = np.vstack((np.cos(ts * x), np.sin(ts * x)))
    gy = np.vstack((np.cos(ts * y), np.sin(ts * y)))
    est = n / nx * np.cov(gx) * (nx - 1) / nx + n / ny * np.cov(gy) * (ny - 1) / ny
    sv = np.linalg.svd(est, compute_uv=False)
    kept = sv[sv > 4 * np.finfo(float).eps * sv.max()]
    return bool(kept.min() < 1e-12 * sv.max())


def default_test(ref, cur, ctype):
    ct = ColumnType.Numerical if ctype == "num" else ColumnType.Categorical
    return get_stattest(ref, cur, ct, None).name


def dataset_verdict(ref_df, cur_df, types):
    num_cols = [c for c, t in types.items() if t == "num"]
    cat_cols = [c for c, t in types.items() if t == "cat"]
    dd = DataDefinition(numerical_columns=num_cols, categorical_columns=cat_cols)
    rds = Dataset.from_pandas(ref_df, data_definition=dd)
    cds = Dataset.from_pandas(cur_df, data_definition=dd)
    res = Report([DriftedColumnsCount(columns=list(types), drift_share=0.5)]).run(cds, rds)
    d = res.dict()["metrics"][0]["value"]
    return {"count": float(d["count"]), "share": float(d["share"])}


def concept_streams():
    rng = np.random.default_rng(7)
    s = {}
    s["gauss_shift"] = np.concatenate([rng.normal(0, 1, 3000), rng.normal(1.0, 1, 3000), rng.normal(-0.5, 2, 3000)])
    s["uniform_drift"] = np.concatenate([rng.uniform(0, 1, 4000), rng.uniform(0.2, 1.2, 4000)])
    s["bernoulli"] = np.concatenate([rng.binomial(1, 0.2, 3000), rng.binomial(1, 0.5, 3000), rng.binomial(1, 0.1, 3000)]).astype(float)
    s["bernoulli_slow"] = (rng.uniform(0, 1, 12000) < np.linspace(0.05, 0.6, 12000)).astype(float)
    ph = pd.read_csv(os.path.join(TESTDATA, "river_phishing.csv"))
    s["phishing_label"] = ph["is_phishing"].to_numpy(dtype=float)
    s["phishing_url"] = ph["long_url"].to_numpy(dtype=float)
    return s


def river_detections(kind, params, values):
    from river import drift
    from river.drift import binary
    ctor = {
        "adwin": drift.ADWIN, "page-hinkley": drift.PageHinkley, "kswin": drift.KSWIN,
        "ddm": binary.DDM, "eddm": binary.EDDM, "hddm-a": binary.HDDMA, "hddm-w": binary.HDDMW,
    }[kind]
    d = ctor(**params)
    out = []
    for i, x in enumerate(values):
        d.update(float(x))
        if d.drift_detected:
            out.append(i)
    return out


CONCEPT_CASES = [
    ("adwin", {}, ["gauss_shift", "uniform_drift", "bernoulli", "phishing_url"]),
    ("adwin", {"delta": 0.05, "clock": 8}, ["gauss_shift", "bernoulli"]),
    ("page-hinkley", {}, ["gauss_shift", "uniform_drift"]),
    ("page-hinkley", {"threshold": 10.0, "mode": "down"}, ["gauss_shift"]),
    ("kswin", {"seed": 42}, ["gauss_shift", "uniform_drift", "phishing_url"]),
    ("kswin", {"seed": 7, "window_size": 60, "stat_size": 20}, ["gauss_shift"]),
    ("ddm", {}, ["bernoulli", "bernoulli_slow", "phishing_label"]),
    ("eddm", {}, ["bernoulli", "bernoulli_slow", "phishing_label"]),
    ("hddm-a", {}, ["bernoulli", "bernoulli_slow", "phishing_label"]),
    ("hddm-a", {"two_sided_test": True}, ["bernoulli"]),
    ("hddm-w", {}, ["bernoulli", "bernoulli_slow", "phishing_label"]),
    ("hddm-w", {"two_sided_test": True}, ["bernoulli"]),
]


def main():
    os.makedirs(os.path.join(OUT, "data"), exist_ok=True)
    os.makedirs(os.path.join(OUT, "streams"), exist_ok=True)
    expected = {"versions": {}, "datasets": {}, "concept": []}
    import evidently
    import river
    import scipy
    expected["versions"] = {"evidently": evidently.__version__, "river": river.__version__,
                            "scipy": scipy.__version__, "pandas": pd.__version__, "numpy": np.__version__}
    for name, (ref_df, cur_df) in datasets().items():
        rp = os.path.join(OUT, "data", f"{name}_reference.csv")
        cp = os.path.join(OUT, "data", f"{name}_current.csv")
        ref_df.to_csv(rp, index=False)
        cur_df.to_csv(cp, index=False)
        # Read back exactly as a user's CSV would be.
        ref_df = pd.read_csv(rp)
        cur_df = pd.read_csv(cp)
        types = {c: column_type(cur_df[c]) for c in cur_df.columns}
        cols = {}
        for col, ctype in types.items():
            if ctype not in ("num", "cat"):
                continue
            ref = ref_df[col].dropna()
            cur = cur_df[col].dropna()
            entry = {"type": ctype, "default": default_test(ref, cur, ctype), "tests": {}}
            for t in TESTS:
                allowed = [ft.value for ft in _registered_stat_tests[t]]
                if ctype not in allowed:
                    continue
                if t == "empirical_mmd" and len(ref) + len(cur) > 5000:
                    continue  # N x N kernel: aiir refuses above 5000 values (Evidently would need GBs)
                entry["tests"][t] = run_test(t, ref, cur, ctype)
            cols[col] = entry
        testable = {c: t for c, t in types.items() if t in ("num", "cat")}
        try:
            verdict = dataset_verdict(ref_df, cur_df, testable)
        except Exception as e:
            verdict = {"error": f"{type(e).__name__}: {e}"}
        expected["datasets"][name] = {"types": types, "columns": cols, "dataset": verdict}
        print(f"{name}: {len(cols)} columns", file=sys.stderr)
    streams = concept_streams()
    for sname, values in streams.items():
        with open(os.path.join(OUT, "streams", f"{sname}.txt"), "w") as f:
            f.write("\n".join(repr(float(v)) for v in values) + "\n")
    for kind, params, names in CONCEPT_CASES:
        for sname in names:
            expected["concept"].append({"detector": kind, "params": params, "stream": sname,
                                        "detections": river_detections(kind, params, streams[sname])})
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
    print(f"wrote {OUT}/expected.json", file=sys.stderr)


if __name__ == "__main__":
    main()
