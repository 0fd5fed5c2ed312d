## Drill report (drill-report/: JSON, Markdown, self-contained HTML): the writers' tests and the
## page rendered in headless Chromium. Chromium comes from Debian (not pinned: Debian's
## security updates replace it); the browser test fails, never skips, when it is missing.
CHROMIUM ?= /usr/bin/chromium

.PHONY: chromium test-report

chromium:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		echo "chromium: installing Debian's chromium (apt-get)"; \
		apt-get update -qq; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; \
	fi
	@"$(CHROMIUM)" --version

test-report: chromium
	AIIR_CHROMIUM=$(CHROMIUM) $(CARGO) test --locked -p aiir-e2e --test drill_report --test drill_report_chromium
