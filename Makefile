# GridCheck: `make run` sets everything up and serves the demo town on
# http://127.0.0.1:$(PORT); `make test` sets everything up and runs the tests.
# Both are idempotent. Without DATABASE_URL / TEST_DATABASE_URL a project-local
# PostgreSQL cluster is started under var/ (Unix socket only: no TCP port).
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV       := .venv
PY         := $(VENV)/bin/python
PIP        := $(VENV)/bin/pip
FLASK      := $(VENV)/bin/flask --app webgis
PORT       ?= 5000
HOST       ?= 127.0.0.1
DEMO_SCALE ?= town
DEMO_SEED  ?= 2019
WORKERS    ?= 3
# The demo's records stop on 2026-10-23: its "today" for overdue verifications and the
# progress chart. `CAMPAIGN_TODAY= make run` uses the clock instead.
CAMPAIGN_TODAY ?= 2026-10-23
RUN_PACKAGES  := postgresql-15 postgresql-15-postgis-3 postgresql-15-pgrouting
TEST_PACKAGES := $(RUN_PACKAGES) chromium fonts-wqy-microhei
BENCH_PACKAGES := wrk chromium fonts-wqy-microhei

.PHONY: help setup setup-test system-run system-test venv offline db db-test migrate demo run serve test bench stop clean-db

help:
	@echo "make run    — set up and serve GridCheck with the demo town on http://$(HOST):$(PORT)"
	@echo "make test   — set up and run the test suite"
	@echo "make bench  — benchmarks against the town-scale demo (see bench/)"
	@echo "make stop   — stop the project-local PostgreSQL cluster"

# --- system packages (Debian 12) -------------------------------------------
define install_packages
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -q $$missing; \
	fi
endef

system-run:
	$(call install_packages,$(RUN_PACKAGES))

system-test:
	$(call install_packages,$(TEST_PACKAGES))

# --- Python environment ----------------------------------------------------
$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# --- the offline app shell (service worker + Dexie; docs/offline.md) ---------
# The built files are committed (a server without npm still serves a working worker); they are
# rebuilt here whenever a file they precache, the build script or the lock file is newer.
OFFLINE_SRC := $(shell find static/js static/css static/img static/vendor -type f \
                 -not -path 'static/vendor/workbox/*' -not -path 'static/vendor/dexie/*' 2>/dev/null)
static/sw.js: package.json package-lock.json tools/build-offline.mjs $(OFFLINE_SRC)
	@if command -v npm >/dev/null 2>&1; then \
	  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	    npm ci --no-audit --no-fund || { echo "npm ci failed: keeping the committed static/sw.js"; exit 0; }; \
	  fi; \
	  npm run build; \
	else echo "npm not found: using the committed static/sw.js (see docs/offline.md)"; fi

offline: static/sw.js

setup: system-run venv offline
setup-test: system-test venv offline

# --- database ----------------------------------------------------------------
db: setup
	@if [ -z "$$DATABASE_URL" ]; then $(PY) -m webgis.devdb ensure; \
	 else $(PY) -m webgis.devdb check "$$DATABASE_URL" DATABASE_URL; fi

db-test: setup-test
	@if [ -z "$$TEST_DATABASE_URL" ]; then $(PY) -m webgis.devdb ensure; \
	 else $(PY) -m webgis.devdb check "$$TEST_DATABASE_URL" TEST_DATABASE_URL; fi

migrate: db
	$(FLASK) db upgrade

demo: migrate
	$(FLASK) demo --scale $(DEMO_SCALE) --seed $(DEMO_SEED) --if-empty

# --- run ------------------------------------------------------------------
run: demo
	@$(FLASK) demo --logins
	@echo "GridCheck 网格核查: http://$(HOST):$(PORT)"
	CAMPAIGN_TODAY=$(CAMPAIGN_TODAY) $(VENV)/bin/gunicorn --bind $(HOST):$(PORT) --workers $(WORKERS) --worker-class gthread --threads 1 \
	  --access-logfile - "webgis:create_app()"

# --- tests & benchmarks ----------------------------------------------------
test: db-test
	$(PY) -m pytest -q tests

bench: demo
	@$(call install_packages,$(BENCH_PACKAGES))
	$(PY) bench/map_layers.py
	$(PY) bench/coverage.py
	$(PY) bench/grid_link.py

stop:
	$(PY) -m webgis.devdb stop
