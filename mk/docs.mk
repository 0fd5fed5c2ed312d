# Documentation derived from the code (docs/architecture.md's cloud comparison matrix, from the
# action registry: each action file's `DOC` and `required_permissions()`), and its checks.
.PHONY: docs docs-check

AIIR_DOCS := $(CARGO) run --locked -q -p aiir-e2e --bin aiir-docs --

## docs: regenerate the generated sections of docs/.
docs:
	$(AIIR_DOCS) matrix --write docs/architecture.md

## docs-check: fail when docs/ and the code disagree (matrix, runbooks, IR playbook, ATLAS ids).
docs-check:
	$(AIIR_DOCS) matrix --check docs/architecture.md
	$(CARGO) test --locked -q -p aiir-core --test docs
	$(CARGO) test --locked -q -p aiir-e2e --test docs_matrix
