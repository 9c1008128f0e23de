# Blue Light Atlas. `make run` and `make test` set everything up on a fresh machine.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
WAREHOUSE ?= data/warehouse/atlas.duckdb
HOST ?= 127.0.0.1
PORT ?= 8050
# who the dashboard serves: --local-only (this machine, no sign-in) until accounts exist; then `make run SIGNIN=`
SIGNIN ?= --local-only

.PHONY: install run warehouse check docs test test-unit test-integration bench screenshots browser clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test,bench]'
	@touch $(STAMP)

install: $(STAMP)

$(WAREHOUSE): | $(STAMP)
	$(VENV)/bin/bluelight etl demo --warehouse $(WAREHOUSE)

warehouse: $(WAREHOUSE)

run: $(STAMP) $(WAREHOUSE)
	$(PY) app.py --host $(HOST) --port $(PORT) --warehouse $(WAREHOUSE) $(SIGNIN)

# Debian chromium for the browser tests; installed when missing and we are root.
browser:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	      || echo "chromium could not be installed: browser tests will be skipped"; \
	  else echo "not root: chromium not installed, browser tests will be skipped"; fi; \
	fi

# lint and types first (seconds), then every test
check: $(STAMP)
	$(VENV)/bin/ruff check bluelight tests bench app.py
	$(VENV)/bin/mypy
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

# the documentation site (method, data, security, benchmarks, API reference) in .venv/site
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

test: $(STAMP) browser check
	$(PY) -m pytest

test-unit: $(STAMP)
	$(PY) -m pytest tests/unit

test-integration: $(STAMP) browser
	$(PY) -m pytest tests/integration

bench: $(STAMP)
	$(PY) -m bench

screenshots: $(STAMP) browser
	BLUELIGHT_SCREENSHOTS=screenshots $(PY) -m pytest tests/integration -m browser -q

clean:
	rm -rf $(VENV) data/warehouse data/cache .pytest_cache
