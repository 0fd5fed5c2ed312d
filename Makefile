# aiir — the two commands: `make drill` and `make test`.
#
# Everything a target needs is installed by the target itself, pinned, into ignored folders
# (.tools/). Rust builds share a cache outside the clone so repeated runs are fast.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

export CARGO_TARGET_DIR ?= $(HOME)/.cache/aiir-target
export CARGO_TERM_COLOR ?= never
PYTHON ?= python3
TOOLS := $(CURDIR)/.tools
CARGO := cargo

# Each area brings its own targets (venvs, emulator tests, benches).
include $(sort $(wildcard mk/*.mk))

.PHONY: help test drill lint fmt-check clippy unit build

help:
	@echo "make drill   breach simulations against local emulators (no cloud account)"
	@echo "make test    fmt, clippy, unit tests, emulator and differential tests"
	@echo "make package Lambda zip (cargo-lambda); make bench-coldstart, bench-drift, bench-prompt"

## test: everything CI runs. Emulator suites install their emulator first (pinned, .tools/).
TEST_SUITES := test-drift test-aws-emulator test-azure test-gcp infra-check drill test-report
test: lint unit $(TEST_SUITES)
	@echo "make test: all checks passed"

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

# Tests that need no emulator (core engine, detectors, intake, AWS unit and least-privilege).
unit:
	$(CARGO) test --locked -p aiir-core -p aiir-aws

## drill: the four breach simulations on AWS (moto), Azure (Azurite + REST examples) and GCP
## (GCS emulator + discovery-shaped REST), containment and undo verified; writes drill-report/.
drill: venv-moto tools-azurite venv-gcs
	$(CARGO) build --locked -p aiir-aws --bin aiir-aws -p aiir-e2e --bin aiir-drill
	AIIR_MOTO_PYTHON=$(CURDIR)/$(MOTO_VENV)/bin/python AIIR_GCS_PYTHON=$(GCS_VENV)/bin/python AIIR_AWS_BIN=$(CARGO_TARGET_DIR)/debug/aiir-aws \
		$(CARGO_TARGET_DIR)/debug/aiir-drill

build:
	$(CARGO) build --release --locked -p aiir-aws -p aiir-core
