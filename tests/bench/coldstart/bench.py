"""Cold start, whole process: exec → first event handled (clients built, playbook loaded,
one alert planned in dry-run). Runs aiir-aws and the Python + boto3 baseline alternately in
one run, prints medians, the ratio, peak RSS, and the Lambda zip size if it has been built.

Usage: bench.py AIIR_BINARY PYTHON EVENT PLAYBOOK [RUNS] [ZIP]
"""
import os
import statistics
import subprocess
import sys
import time


def run(cmd, env):
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return elapsed


def peak_rss_kib(cmd, env):
    """Peak RSS of one run (KiB), from wait4's rusage for exactly that child."""
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    return usage.ru_maxrss


def main():
    binary, python, event, playbook = sys.argv[1:5]
    runs = int(sys.argv[5]) if len(sys.argv) > 5 else 30
    zip_path = sys.argv[6] if len(sys.argv) > 6 else ""
    here = os.path.dirname(os.path.abspath(__file__))
    env = dict(os.environ)
    # Credentials and region as a Lambda has them; no network call is made by either side.
    env.update({"AWS_REGION": "us-east-1", "AWS_ACCESS_KEY_ID": "bench", "AWS_SECRET_ACCESS_KEY": "bench",
                "AIIR_PLAYBOOK": playbook, "RUST_LOG": "error", "AWS_EC2_METADATA_DISABLED": "true"})
    env.setdefault("AIIR_BLOCKLIST", "bench-blocklist")
    env.setdefault("AIIR_QUARANTINE_BUCKET", "bench-quarantine")
    env.setdefault("AIIR_KMS_KEY", "arn:aws:kms:us-east-1:123456789012:key/bench")
    env.setdefault("AIIR_NOTIFY_TOPIC", "arn:aws:sns:us-east-1:123456789012:bench")
    rust_cmd = [binary, "invoke", "--event", event, "--plan-only"]
    py_cmd = [python, os.path.join(here, "baseline_handler.py"), event, playbook]
    for cmd in (rust_cmd, py_cmd):  # warm the page cache, check both work
        run(cmd, env)
    rust, py = [], []
    for _ in range(runs):
        rust.append(run(rust_cmd, env))
        py.append(run(py_cmd, env))
    rust_rss, py_rss = peak_rss_kib(rust_cmd, env), peak_rss_kib(py_cmd, env)
    r, p = statistics.median(rust), statistics.median(py)
    print(f"cold start, exec -> first event planned (median of {runs}, alternating):")
    print(f"  aiir-aws (Rust)         {r * 1000:8.1f} ms   peak RSS {rust_rss / 1024:6.1f} MiB")
    print(f"  Python 3 + boto3        {p * 1000:8.1f} ms   peak RSS {py_rss / 1024:6.1f} MiB")
    print(f"  ratio                   {p / r:8.1f}x faster, {py_rss / max(rust_rss, 1):.1f}x less memory")
    if zip_path and os.path.exists(zip_path):
        print(f"  Lambda zip              {os.path.getsize(zip_path) / 1e6:8.2f} MB ({zip_path})")
    elif zip_path:
        print(f"  Lambda zip              not built (run `make package`)")


if __name__ == "__main__":
    main()
