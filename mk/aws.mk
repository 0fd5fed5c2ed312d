# AWS: Lambda packaging, cold-start benchmark, AWS drill.
LAMBDA_VENV := $(TOOLS)/venv-lambda
BENCH_VENV := $(TOOLS)/venv-bench
LAMBDA_ZIP := $(CARGO_TARGET_DIR)/lambda/aiir-aws/bootstrap.zip

.PHONY: package package-aws bench-coldstart

$(LAMBDA_VENV)/.installed: functions/aws/packaging/requirements.txt
	$(PYTHON) -m venv $(LAMBDA_VENV)
	$(LAMBDA_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

$(BENCH_VENV)/.installed: tests/bench/coldstart/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

## package: the Lambda deployment zip (provided.al2023, x86_64), built by cargo-lambda + zig.
package: package-aws
package-aws: $(LAMBDA_VENV)/.installed
	PATH="$(LAMBDA_VENV)/bin:$$PATH" cargo lambda build --release --locked -p aiir-aws --bin aiir-aws --output-format zip
	@ls -l $(LAMBDA_ZIP) | awk '{printf "Lambda zip: %s (%.2f MB)\n", $$9, $$5/1e6}'

## bench-coldstart: aiir-aws vs Python + boto3, exec to first event planned.
# Benchmarks the very binary that ships in the zip.
bench-coldstart: $(BENCH_VENV)/.installed package-aws
	$(BENCH_VENV)/bin/python tests/bench/coldstart/bench.py \
		$(CARGO_TARGET_DIR)/x86_64-unknown-linux-gnu/release/aiir-aws $(BENCH_VENV)/bin/python \
		events/aws/cloudwatch-alarm-sns-drift.json shared/playbooks/default.toml 30 $(LAMBDA_ZIP)
