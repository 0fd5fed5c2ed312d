# Drift detection: differential tests against real Evidently / River, and the benchmark.
# Included by the root Makefile (include mk/*.mk). Uses CARGO_TARGET_DIR from the environment.

DRIFT_VENV      ?= .tools/venv-drift
DRIFT_PY        := $(DRIFT_VENV)/bin/python
DRIFT_REQ       := tests/python/drift/requirements.txt
DRIFT_DIFF_DIR  ?= .tools/drift-diff
DRIFT_BENCH_DIR ?= .tools/drift-bench
DRIFT_CARGO     ?= cargo
DRIFT_TARGET    := $(if $(CARGO_TARGET_DIR),$(CARGO_TARGET_DIR),target)

.PHONY: venv-drift test-drift bench-drift

# Pinned evidently / river / pandas<3 in an ignored venv; re-installed when the pins change.
$(DRIFT_VENV)/.installed: $(DRIFT_REQ)
	python3 -m venv $(DRIFT_VENV)
	$(DRIFT_PY) -m pip install --quiet --disable-pip-version-check -r $(DRIFT_REQ)
	touch $@

venv-drift: $(DRIFT_VENV)/.installed

# Python computes Evidently's / River's answers on fixed data; the Rust test compares every
# statistic, p-value, verdict and detection index (fails on any mismatch or missing answer).
test-drift: venv-drift
	PYTHONHASHSEED=0 $(DRIFT_PY) tests/python/drift/reference_answers.py $(DRIFT_DIFF_DIR)
	AIIR_DRIFT_DIFF_DIR=$(abspath $(DRIFT_DIFF_DIR)) CARGO_PROFILE_TEST_OPT_LEVEL=2 $(DRIFT_CARGO) test -p aiir-core --test drift_differential -- --include-ignored

# Rust vs Evidently vs River on identical data, one run, ratios and peak memory printed.
bench-drift: venv-drift
	$(DRIFT_CARGO) build --release -p aiir-core --bin aiir
	$(DRIFT_PY) tests/python/drift/bench.py --aiir $(DRIFT_TARGET)/release/aiir --dir $(DRIFT_BENCH_DIR)
