# AWS emulator: the pinned moto server (plus tests/moto_plugin) in an ignored venv, and the
# end-to-end tests that run the production AWS code path against it.
# Included by the root Makefile (`include mk/*.mk`).

MOTO_VENV ?= .tools/venv-moto
MOTO_REQUIREMENTS := tests/requirements-moto.txt
PYTHON3 ?= python3
CARGO_TEST_AWS ?= cargo test -p aiir-e2e

.PHONY: venv-moto test-aws-emulator

# Re-created when the pins change; the stamp records which pins are installed.
$(MOTO_VENV)/.installed: $(MOTO_REQUIREMENTS)
	$(PYTHON3) -m venv $(MOTO_VENV)
	$(MOTO_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --requirement $(MOTO_REQUIREMENTS)
	$(MOTO_VENV)/bin/python -c "import moto, sys; sys.exit(0 if moto.__version__ == '$(shell sed -n 's/^moto\[server\]==\(.*\)/\1/p; s/^moto==\(.*\)/\1/p' $(MOTO_REQUIREMENTS) | head -1)' else 1)"
	touch $@

venv-moto: $(MOTO_VENV)/.installed

# `cargo test -p aiir-e2e` runs every test of the crate, the drill report's browser test among
# them, so Chromium is installed first (mk/report.mk); on a fresh machine it was missing here.
test-aws-emulator: venv-moto chromium
	AIIR_MOTO_PYTHON=$(CURDIR)/$(MOTO_VENV)/bin/python AIIR_CHROMIUM=$(CHROMIUM) $(CARGO_TEST_AWS)
