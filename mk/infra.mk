# Infrastructure checks (infra/): terraform fmt + validate, checkov, the least-privilege tests
# (AWS, Azure, GCP) and the dashboard test, and plan + apply of the AWS module against moto
# followed by a drill. azurerm / google are not in the offline mirror, so their validate
# prints "skipped"; fmt, checkov and the least-privilege tests cover those modules.
# `make infra-check` runs them all; the root Makefile calls it from `make test`.
#
# Terraform is never downloaded: the binary on PATH and the provider mirror below are used
# when present, otherwise the Terraform steps print "skipped: ..." (checkov parses HCL itself
# and always runs).

TERRAFORM ?= $(shell command -v terraform 2>/dev/null)
TF_MIRROR ?= /opt/tf-plugins
TF_RC := $(TOOLS)/terraformrc
TF_WORK := $(TOOLS)/tf
CHECKOV_VENV := $(TOOLS)/venv-checkov
CHECKOV_REQUIREMENTS := infra/requirements-checkov.txt
INFRA_MOTO_WORK := $(TOOLS)/infra-moto
# Directories validated, and the provider each needs from the mirror.
INFRA_VALIDATE := infra/examples/aws:aws infra/tests/moto:aws infra/examples/azure:azurerm infra/examples/gcp:google

.PHONY: infra-check infra-fmt infra-validate infra-checkov infra-tests infra-moto

infra-check: infra-fmt infra-validate infra-checkov infra-tests infra-moto
	@echo "infra-check: done"

# Offline provider installation from the local mirror only.
$(TF_RC):
	@mkdir -p $(@D)
	@printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/*/*"]\n  }\n}\n' "$(TF_MIRROR)" > $@

infra-fmt: $(TF_RC)
	@if [ -z "$(TERRAFORM)" ]; then echo "infra-fmt: skipped: terraform is not installed (it cannot be fetched from the allowed registries)"; \
	else TF_CLI_CONFIG_FILE=$(TF_RC) $(TERRAFORM) fmt -check -recursive -diff infra && echo "infra-fmt: terraform fmt -check -recursive infra: OK"; fi

infra-validate: $(TF_RC)
	@if [ -z "$(TERRAFORM)" ]; then echo "infra-validate: skipped: terraform is not installed"; exit 0; fi; \
	for entry in $(INFRA_VALIDATE); do \
	  dir=$${entry%%:*}; provider=$${entry##*:}; \
	  if [ ! -d "$$dir" ]; then continue; fi; \
	  if [ ! -d "$(TF_MIRROR)/registry.terraform.io/hashicorp/$$provider" ]; then \
	    echo "infra-validate: skipped $$dir: provider hashicorp/$$provider is not in $(TF_MIRROR) (no download)"; continue; fi; \
	  data="$(TF_WORK)/$$(echo $$dir | tr / _)"; mkdir -p $$data; \
	  TF_CLI_CONFIG_FILE=$(TF_RC) TF_DATA_DIR=$$data $(TERRAFORM) -chdir=$$dir init -backend=false -input=false -no-color -lockfile=readonly >/dev/null 2>$$data.init.log \
	    || TF_CLI_CONFIG_FILE=$(TF_RC) TF_DATA_DIR=$$data $(TERRAFORM) -chdir=$$dir init -backend=false -input=false -no-color >$$data.init.log 2>&1 \
	    || { cat $$data.init.log; exit 1; }; \
	  TF_CLI_CONFIG_FILE=$(TF_RC) TF_DATA_DIR=$$data $(TERRAFORM) -chdir=$$dir validate -no-color || { rm -f $$dir/.terraform.lock.hcl; exit 1; }; \
	  rm -f $$dir/.terraform.lock.hcl; \
	  echo "infra-validate: $$dir: OK"; \
	done

$(CHECKOV_VENV)/.installed: $(CHECKOV_REQUIREMENTS)
	$(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/pip install --quiet --disable-pip-version-check -r $<
	touch $@

## infra-checkov: no failed check; every skip is an inline `#checkov:skip=ID:reason`.
infra-checkov: $(CHECKOV_VENV)/.installed
	@mkdir -p $(TOOLS)
	@$(CHECKOV_VENV)/bin/checkov -d infra --framework terraform --quiet --compact --skip-download \
		--output cli --output junitxml --output-file-path console,$(TOOLS)/checkov-junit.xml \
		| tee $(TOOLS)/checkov-report.txt
	@grep -q "Failed checks: 0" $(TOOLS)/checkov-report.txt
	@! grep -rn "checkov:skip=[A-Z0-9_]*\s*$$" infra --include=*.tf || { echo "infra-checkov: a skip without a reason"; exit 1; }

## infra-tests: least privilege of each cloud's Terraform against the code, and the dashboards.
infra-tests:
	$(CARGO) test -p aiir-aws --test least_privilege
	$(CARGO) test -p aiir-azure --test least_privilege
	$(CARGO) test -p aiir-gcp --test least_privilege
	$(CARGO) test -p aiir-core --test dashboards

## infra-moto: plan + apply infra/tests/moto (the AWS module) against moto, drill, destroy.
infra-moto: $(TF_RC)
	@if [ -z "$(TERRAFORM)" ]; then echo "infra-moto: skipped: terraform is not installed"; exit 0; fi; \
	if [ ! -d "$(TF_MIRROR)/registry.terraform.io/hashicorp/aws" ]; then echo "infra-moto: skipped: hashicorp/aws is not in $(TF_MIRROR)"; exit 0; fi; \
	$(MAKE) --no-print-directory venv-moto && \
	$(CARGO) build --locked -p aiir-aws --bin aiir-aws && \
	TF_CLI_CONFIG_FILE=$(TF_RC) $(CURDIR)/$(MOTO_VENV)/bin/python infra/tests/moto_apply.py \
		--terraform $(TERRAFORM) --moto-python $(CURDIR)/$(MOTO_VENV)/bin/python \
		--aiir-aws $(CARGO_TARGET_DIR)/debug/aiir-aws --lambda-zip "$(LAMBDA_ZIP)" --work $(INFRA_MOTO_WORK)
