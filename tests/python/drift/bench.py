"""Benchmark: aiir vs Evidently (data drift) and aiir vs River (ADWIN) on identical data.

Data drift: 1,000,000 reference rows and 1,000,000 current rows x 20 columns (16 numerical,
4 categorical), Evidently's default tests (Wasserstein / Jensen-Shannon above 1000 rows).
ADWIN: 10,000,000 values with two mean shifts, River's defaults. Each tool runs in its own
process (one core each: Evidently and River are single-threaded; aiir is too). Prints compute
time (data already in memory), end-to-end time (including reading the CSV / text file), the
ratios and each process's peak RSS. Timings are never asserted.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.abspath(__file__)


def gen(d, rows, n_values):
    import numpy as np
    import pandas as pd
    os.makedirs(d, exist_ok=True)
    paths = {k: os.path.join(d, f"{k}.csv") for k in ("reference", "current")}
    stream = os.path.join(d, "adwin.txt")
    if not all(os.path.exists(p) for p in list(paths.values()) + [stream]):
        rng = np.random.default_rng(1)
        for k, shift in (("reference", 0.0), ("current", 1.0)):
            cols = {}
            for i in range(16):
                s = shift * (0.05 if i % 2 == 0 else 0.0)
                cols[f"n{i}"] = np.round(rng.normal(s, 1 + i / 10, rows), 4)
            for i in range(4):
                p = np.array([0.4, 0.3, 0.2, 0.1]) if (shift == 0 or i % 2) else np.array([0.3, 0.3, 0.2, 0.2])
                cols[f"c{i}"] = rng.choice(np.array(["a", "b", "c", "d"]), rows, p=p)
            pd.DataFrame(cols).to_csv(paths[k], index=False)
        v = np.concatenate([rng.normal(0, 1, n_values // 2), rng.normal(0.5, 1, n_values // 4), rng.normal(0, 1, n_values - n_values // 2 - n_values // 4)])
        with open(stream, "w") as f:
            f.write("\n".join(repr(float(x)) for x in v))
            f.write("\n")
    return paths, stream


def child_evidently(paths):
    import warnings
    warnings.filterwarnings("ignore")
    import pandas as pd
    from evidently import DataDefinition, Dataset, Report
    from evidently.metrics import DriftedColumnsCount
    t0 = time.process_time()
    ref = pd.read_csv(paths["reference"])
    cur = pd.read_csv(paths["current"])
    t1 = time.process_time()
    dd = DataDefinition(numerical_columns=[c for c in ref.columns if c.startswith("n")],
                        categorical_columns=[c for c in ref.columns if c.startswith("c")])
    res = Report([DriftedColumnsCount(drift_share=0.5)]).run(Dataset.from_pandas(cur, data_definition=dd),
                                                           Dataset.from_pandas(ref, data_definition=dd))
    t2 = time.process_time()
    v = res.dict()["metrics"][0]["value"]
    return {"parse_s": t1 - t0, "compute_s": t2 - t1, "drifted": v["count"], "peak_rss_mib": peak_rss_mib()}


def child_river(stream):
    from river.drift import ADWIN
    t0 = time.process_time()
    with open(stream) as f:
        values = [float(x) for x in f]
    t1 = time.process_time()
    d = ADWIN()
    det = []
    for i, x in enumerate(values):
        d.update(x)
        if d.drift_detected:
            det.append(i)
    t2 = time.process_time()
    return {"parse_s": t1 - t0, "compute_s": t2 - t1, "detections": det, "peak_rss_mib": peak_rss_mib()}


def peak_rss_mib():
    """VmHWM of this process: exec resets it, while the parent's wait4 ru_maxrss keeps the
    forking Python's own footprint (numpy and pandas loaded), which would hide a small child."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def run(cmd):
    """Run one process alone; return (stdout, stderr, CPU seconds) via wait4. (Peak memory
    comes from each child's own VmHWM: wait4's ru_maxrss includes the forking parent's.)"""
    import tempfile
    with tempfile.TemporaryFile("w+") as fo, tempfile.TemporaryFile("w+") as fe:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=fo, stderr=fe)
        _, status, ru = os.wait4(p.pid, 0)
        wall = ru.ru_utime + ru.ru_stime  # CPU seconds: the machine is shared
        fo.seek(0)
        fe.seek(0)
        out, err = fo.read(), fe.read()
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{cmd[:3]} failed: {err}")
    return out, err, wall


def timings(err):
    line = [x for x in err.splitlines() if x.startswith("timings:")][-1]
    return {k: float(v) for k, v in (kv.split("=") for kv in line.split()[1:])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--aiir", required=False)
    ap.add_argument("--dir", default=".tools/drift-bench")
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--values", type=int, default=10_000_000)
    ap.add_argument("--child", choices=["evidently", "river"])
    a = ap.parse_args()
    if a.child:
        paths = {k: os.path.join(a.dir, f"{k}.csv") for k in ("reference", "current")}
        res = child_evidently(paths) if a.child == "evidently" else child_river(os.path.join(a.dir, "adwin.txt"))
        print(json.dumps(res))
        return
    print(f"generating data in {a.dir} ({a.rows} rows x 20 columns per side, {a.values} stream values) ...", flush=True)
    paths, stream = gen(a.dir, a.rows, a.values)

    results = {}
    for name, c in (
        ("aiir_drift", [a.aiir, "drift", "--reference", paths["reference"], "--current", paths["current"], "--timings"]),
        ("evidently", [sys.executable, HERE, "--child", "evidently", "--dir", a.dir]),
        ("aiir_adwin", [a.aiir, "concept", "--detector", "adwin", "--input", stream, "--timings"]),
        ("river", [sys.executable, HERE, "--child", "river", "--dir", a.dir]),
    ):
        print(f"running {name} ...", flush=True)
        results[name] = run(c)

    ad = json.loads(results["aiir_drift"][0])
    ev = json.loads(results["evidently"][0])
    at = timings(results["aiir_drift"][1])
    aa = json.loads(results["aiir_adwin"][0])
    at2 = timings(results["aiir_adwin"][1])
    rv = json.loads(results["river"][0])
    print()
    print(f"{'benchmark':<34}{'aiir':>12}{'python':>12}{'ratio':>9}")
    rows = [
        ("data drift compute (CPU s)", at["cpu_compute_s"], ev["compute_s"]),
        ("data drift end-to-end (CPU s)", results["aiir_drift"][2], results["evidently"][2]),
        ("ADWIN 10M compute (CPU s)", at2["cpu_compute_s"], rv["compute_s"]),
        ("ADWIN 10M end-to-end (CPU s)", results["aiir_adwin"][2], results["river"][2]),
    ]
    for label, x, y in rows:
        print(f"{label:<34}{x:>12.3f}{y:>12.3f}{y / max(x, 0.01):>8.1f}x")
    print(f"{'peak RSS data drift (MiB)':<34}{at['peak_rss_mib']:>12.1f}{ev['peak_rss_mib']:>12.1f}")
    print(f"{'peak RSS ADWIN (MiB)':<34}{at2['peak_rss_mib']:>12.1f}{rv['peak_rss_mib']:>12.1f}")
    print()
    print(f"verdicts: aiir {ad['number_of_drifted_columns']} drifted columns, Evidently {ev['drifted']}; "
          f"ADWIN detections equal: {aa['detections'] == rv['detections']} ({len(aa['detections'])})")


if __name__ == "__main__":
    main()
