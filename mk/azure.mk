# Azure: pinned Azurite, the Azure tests (Azurite with TLS + OAuth, REST-shape fixtures),
# and the Functions deployment zip.
AZURITE_DIR := $(TOOLS)/azurite
AZURITE_BIN := $(AZURITE_DIR)/node_modules/.bin/azurite
AZURE_ZIP := $(CARGO_TARGET_DIR)/azure/aiir-azure-functions.zip

.PHONY: tools-azurite test-azure package-azure

## tools-azurite: Azurite pinned by tests/emulators/azurite/package-lock.json, in .tools/azurite.
$(AZURITE_DIR)/.installed: tests/emulators/azurite/package.json tests/emulators/azurite/package-lock.json
	@command -v npm >/dev/null || { echo "npm is required for Azurite (apt-get install nodejs npm)"; exit 1; }
	mkdir -p $(AZURITE_DIR)
	cp tests/emulators/azurite/package.json tests/emulators/azurite/package-lock.json $(AZURITE_DIR)/
	cd $(AZURITE_DIR) && npm ci --no-audit --no-fund --loglevel=error
	$(AZURITE_BIN) --version
	touch $@

tools-azurite: $(AZURITE_DIR)/.installed

## test-azure: Azure intake, handler, REST-shape tests, and the Azurite suite. Each Azurite
## test starts its own Azurite on free 127.0.0.1 ports with HTTPS (a throwaway CA made with
## openssl) and --oauth basic; the tests fail, never skip, when Azurite is missing.
test-azure: tools-azurite
	@command -v openssl >/dev/null || { echo "openssl is required for Azurite's test certificate"; exit 1; }
	AIIR_AZURITE_BIN=$(AZURITE_BIN) $(CARGO) test --locked -p aiir-azure --all-targets
	$(CARGO) test --locked -p aiir-core --test intake_azure

## package-azure: the Functions zip (Linux x64 aiir-azure + host.json + function folders).
# Built like the Lambda binary (cargo-lambda's zig linker, from the same pinned venv) for
# x86_64 glibc, capped at glibc 2.28 so it runs on every Functions Linux image (Debian 10 and
# later); cargo-lambda leaves the binary as lambda/aiir-azure/bootstrap, package.py stores it
# under host.json's name, checks the cap and the custom handler layout, and prints the size.
AZURE_GLIBC := 2.28
package-azure: $(LAMBDA_VENV)/.installed
	PATH="$(LAMBDA_VENV)/bin:$$PATH" cargo lambda build --release --locked -p aiir-azure --bin aiir-azure \
		--target x86_64-unknown-linux-gnu.$(AZURE_GLIBC)
	$(PYTHON) functions/azure/packaging/package.py \
		$(CARGO_TARGET_DIR)/lambda/aiir-azure/bootstrap functions/azure/app $(AZURE_ZIP) $(AZURE_GLIBC)
