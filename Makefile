# cloudforyou.cortex — the two commands are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help venv emulator demo test check test-emulator test-statuspage test-unit test-sanity test-integration \
        test-molecule test-runner test-lint test-docs test-changelog test-galaxy test-matrix test-slices bench clean docs

help:
	@echo "make demo   - start the emulator, onboard the example client, show the result, stop"
	@echo "make test   - every check (unit, lint, docs, emulator, sanity, integration, molecule, AWX runner, slices, matrix, galaxy)"
	@echo "make check  - the inner loop: unit tests, ansible-lint, the emulator's tests (stops at the first failure)"
	@echo "make emulator [PORT=8443] - run the Cortex emulator in the foreground"

$(STAMP): requirements-dev.txt emulator/pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==24.2
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e ./emulator
	touch $@

venv: $(STAMP)

PORT ?= 8443
emulator: venv
	$(BIN)/python -m cortex_emulator serve --host 127.0.0.1 --port $(PORT) --db .cache/emulator.db

demo: venv
	tools/demo.sh

# Every check, cheapest first, in two lanes; tools/test.sh prints a summary with timings.
test: venv
	tools/test.sh

# The inner loop: what a change most often breaks, in order of cost, stopping at the first failure.
check: venv
	tools/test.sh --fail-fast unit lint emulator

test-emulator: venv ; tools/test.sh emulator
test-statuspage: venv ; tools/test.sh statuspage
test-unit: venv ; tools/test.sh unit
test-sanity: venv ; tools/test.sh sanity
test-integration: venv ; tools/test.sh integration
test-molecule: venv ; tools/test.sh molecule
test-runner: venv ; tools/test.sh runner
test-lint: venv ; tools/test.sh lint
test-docs: venv ; tools/test.sh docs
test-changelog: venv ; tools/test.sh changelog
test-galaxy: venv ; tools/test.sh galaxy
test-matrix: venv ; tools/test.sh matrix
test-slices: venv ; tools/test.sh slices

# The documentation site: build/docs/html/index.html (antsibull-docs + Sphinx, warnings are errors; see README.md)
docs: venv
	tools/checks/docsite.sh

clean:
	rm -rf $(VENV) build tests/output .cache .pytest_cache
