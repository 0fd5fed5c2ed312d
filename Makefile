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

.PHONY: help test drill lint fmt-check clippy unit package build

help:
	@echo "make drill   breach simulations against local emulators (no cloud account)"
	@echo "make test    fmt, clippy, unit tests, emulator and differential tests"
	@echo "make package Lambda zip (cargo-lambda); make bench-coldstart, bench-drift, bench-prompt"

## test: everything CI runs.
test: lint unit $(TEST_TARGETS)
	@echo "make test: all checks passed"

lint: fmt-check clippy

fmt-check:
	$(CARGO) fmt --all -- --check

clippy:
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings

unit:
	$(CARGO) test --workspace --exclude aiir-e2e --locked

build:
	$(CARGO) build --release --locked -p aiir-aws -p aiir-core
