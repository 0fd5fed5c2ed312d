"""Throughput of the Python peers on the same prompts as aiir's bench: LLM Guard's rule-based
input scanners (BanSubstrings, InvisibleText, Regex, Secrets, chained as llm_guard.scan_prompt
would) and Rebuff's heuristic. One process, one core. Prints one JSON line per tool.

Usage: bench_peers.py FILE.jsonl [SECONDS]"""
import importlib.util
import json
import resource
import sys
import time
import types
from pathlib import Path

site = next(p for p in sys.path if p.endswith("site-packages"))


def stub_package(name):
    """Register a package without running its __init__ (which imports torch/transformers)."""
    mod = types.ModuleType(name)
    mod.__path__ = [str(Path(site, *name.split(".")))]
    sys.modules[name] = mod


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


class _Deadline(Exception):
    pass


def _alarm(signum, frame):
    raise _Deadline()


def measure(name, texts, nbytes, fn, seconds, load_ms):
    """Scan texts in order until `seconds` pass; a text still in progress at the deadline is
    interrupted (Rebuff's heuristic is quadratic and can spend minutes on one long prompt) and
    counted as not done, so the figure is an upper bound for the slow tool."""
    import signal
    done, done_bytes = 0, 0
    signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    t0 = time.perf_counter()
    try:
        while True:
            for t in texts:
                fn(t)
                done += 1
                done_bytes += len(t.encode())
    except _Deadline:
        pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
    dt = time.perf_counter() - t0
    print(json.dumps({"tool": name, "texts_scanned": done, "prompts_per_s": done / dt,
                      "mb_per_s": done_bytes / dt / 1e6, "load_ms": load_ms,
                      "peak_rss_mb": peak_rss_mb(), "threads": 1}), flush=True)


def main():
    path = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 20.0
    texts = [json.loads(l)["text"] for l in open(path, encoding="utf-8") if l.strip()]
    # A fixed shuffle, so a time-boxed run sees the same mix of short and long prompts as aiir.
    import random
    random.Random(42).shuffle(texts)
    nbytes = sum(len(t.encode()) for t in texts)

    t0 = time.perf_counter()
    # Silence LLM Guard's per-scan debug logging: printing would slow it unfairly.
    import logging
    import structlog
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.ERROR))
    stub_package("llm_guard")
    stub_package("llm_guard.input_scanners")
    from llm_guard.input_scanners.ban_substrings import BanSubstrings, PROMPT_STOP_SUBSTRINGS
    from llm_guard.input_scanners.invisible_text import InvisibleText
    from llm_guard.input_scanners.regex import Regex
    from llm_guard.input_scanners.secrets import Secrets
    import llm_guard.util as lgu
    if hasattr(lgu, "configure_logger"):
        lgu.configure_logger(log_level="ERROR")
    scanners = [
        BanSubstrings(substrings=PROMPT_STOP_SUBSTRINGS, match_type="word", case_sensitive=False, redact=False),
        InvisibleText(),
        Regex(patterns=[r"Bearer [A-Za-z0-9-._~+/]+", r"(?i)ignore (all )?previous instructions"], is_blocked=True, redact=False),
        Secrets(),
    ]
    load_llm_guard = (time.perf_counter() - t0) * 1e3

    def llm_guard_scan(t):
        for s in scanners:
            _, ok, _ = s.scan(t)
            if not ok:
                return False  # scan_prompt with fail_fast
        return True

    t0 = time.perf_counter()
    spec = importlib.util.spec_from_file_location("rebuff_heur", Path(site, "rebuff", "detect_pi_heuristics.py"))
    heur = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(heur)
    load_rebuff = (time.perf_counter() - t0) * 1e3

    print(json.dumps({"texts": len(texts), "bytes": nbytes}), flush=True)
    measure("rebuff-heuristic", texts, nbytes, heur.detect_prompt_injection_using_heuristic_on_input, seconds, load_rebuff)
    measure("llm-guard-rule-scanners", texts, nbytes, llm_guard_scan, seconds, load_llm_guard)
    cheap = scanners[:3]
    measure("llm-guard-without-secrets", texts, nbytes,
            lambda t: all(s.scan(t)[1] for s in cheap), seconds, load_llm_guard)


if __name__ == "__main__":
    import logging
    logging.disable(logging.CRITICAL)
    main()
