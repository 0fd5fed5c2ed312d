# Google Cloud: the Cloud Storage emulator venv, the GCP tests, and the Cloud Run image.
#
#   make venv-gcs      gcp-storage-emulator (pinned) into .tools/venv-gcs
#   make test-gcp      intake tests + aiir-gcp unit, REST-fixture and emulator tests
#   make package-gcp   dist/aiir-gcp-oci.tar: OCI image (static binary, no Docker engine)
GCS_VENV := $(TOOLS)/venv-gcs
GCS_REQUIREMENTS := tests/emulators/gcs/requirements.txt
GCP_DIST := $(CURDIR)/dist
GCP_IMAGE := $(GCP_DIST)/aiir-gcp-oci
GCP_TRIPLE := x86_64-unknown-linux-gnu

.PHONY: venv-gcs test-gcp package-gcp

$(GCS_VENV)/.installed: $(GCS_REQUIREMENTS)
	$(PYTHON) -m venv $(GCS_VENV)
	$(GCS_VENV)/bin/pip install --quiet --disable-pip-version-check -r $(GCS_REQUIREMENTS)
	touch $@

venv-gcs: $(GCS_VENV)/.installed

test-gcp: venv-gcs
	$(CARGO) test --locked -p aiir-core --test intake_gcp
	tests/emulators/gcs/with-emulator.sh $(GCS_VENV)/bin/python \
		$(CARGO) test --locked -p aiir-gcp --all-targets

# Cloud Run runs containers: a statically linked binary (glibc, crt-static: no shared
# libraries, DNS through glibc's built-in files/dns) on an empty base with CA certificates,
# assembled with umoci (Debian) — no Docker engine. functions/gcp/Dockerfile builds the same
# image for users who have Docker.
package-gcp:
	command -v umoci >/dev/null || { apt-get update -qq && apt-get install -y -qq umoci; }
	RUSTFLAGS="-C target-feature=+crt-static" $(CARGO) build --release --locked -p aiir-gcp --target $(GCP_TRIPLE)
	rm -rf $(GCP_IMAGE) $(GCP_IMAGE).tar $(GCP_DIST)/aiir-gcp-bundle
	mkdir -p $(GCP_DIST)
	umoci init --layout $(GCP_IMAGE)
	umoci new --image $(GCP_IMAGE):latest
	umoci unpack --rootless --image $(GCP_IMAGE):latest $(GCP_DIST)/aiir-gcp-bundle
	install -D -m 0755 $(CARGO_TARGET_DIR)/$(GCP_TRIPLE)/release/aiir-gcp $(GCP_DIST)/aiir-gcp-bundle/rootfs/aiir-gcp
	install -D -m 0644 /etc/ssl/certs/ca-certificates.crt $(GCP_DIST)/aiir-gcp-bundle/rootfs/etc/ssl/certs/ca-certificates.crt
	umoci repack --image $(GCP_IMAGE):latest $(GCP_DIST)/aiir-gcp-bundle
	umoci config --image $(GCP_IMAGE):latest \
		--config.entrypoint /aiir-gcp --config.cmd serve \
		--config.env PORT=8080 --config.env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
		--config.user 65532:65532 --config.exposedports 8080/tcp \
		--architecture amd64 --os linux
	umoci gc --layout $(GCP_IMAGE)
	tar -C $(GCP_IMAGE) -cf $(GCP_IMAGE).tar .
	rm -rf $(GCP_DIST)/aiir-gcp-bundle
	@echo "OCI image: $(GCP_IMAGE).tar (load with: skopeo copy oci-archive:$(GCP_IMAGE).tar docker-daemon:aiir-gcp:latest)"
