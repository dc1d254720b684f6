# Two commands: `make demo` (run the platform with demo data) and `make test` (the whole suite).
SHELL := /bin/bash
PY ?= python3
VENV := .venv
UV_VERSION := 0.13.9
# uv from PATH, else a user install, else a private tools venv (works where the system Python is
# "externally managed", as on Debian and Ubuntu, and needs nothing but python3 -m venv).
UV := $(shell command -v uv 2>/dev/null || { test -x $(HOME)/.local/bin/uv && echo $(HOME)/.local/bin/uv; } || echo $(CURDIR)/.tools/bin/uv)
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: demo test install install-test-system check-services lint migrations-check pytest e2e loadtest clean

$(UV):
	@$(PY) -m venv .tools || { echo "python3 -m venv failed: install the venv module (Debian/Ubuntu: apt-get install python3-venv)"; exit 1; }
	.tools/bin/pip install --quiet "uv==$(UV_VERSION)"

install: $(UV)
	$(UV) sync --frozen --all-extras

## Run the platform with demo data: web + Celery worker + beat (Ctrl-C stops everything).
demo: install
	$(VENV)/bin/python scripts/demo.py

## The full test suite: lint, migrations check, pytest (PostgreSQL, Redis, real worker, real browser).
test: install install-test-system check-services lint migrations-check pytest

install-test-system:
	@bash scripts/install_test_system.sh

check-services:
	@$(VENV)/bin/python scripts/check_services.py

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

migrations-check:
	$(VENV)/bin/python manage.py makemigrations --check --dry-run

# The suite runs as a role that row-level security binds (scripts/test_database_role.py).
pytest:
	@url="$$($(VENV)/bin/python scripts/test_database_role.py)" || exit 1; \
	DATABASE_URL="$$url" $(VENV)/bin/pytest --create-db -p no:cacheprovider $(PYTEST_ARGS)

e2e:
	@url="$$($(VENV)/bin/python scripts/test_database_role.py)" || exit 1; \
	DATABASE_URL="$$url" $(VENV)/bin/pytest -m e2e $(PYTEST_ARGS)

## Load test on loopback (not in CI): locust, 100 users for 5 minutes against gunicorn (3 sync workers) and a
## Celery worker on the data set in LOADTEST_DATABASE_URL (generated with 10,000 institutions when empty);
## prints errors by kind, the receipt check and p95 per page, writes bench/results-<date>-loadtest.md.
## Short run: make loadtest LOADTEST_ARGS="--users 20 --run-time 60s". Exit status 1 on any error or receipt fault.
LOADTEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/childcare_load
loadtest:
	$(VENV)/bin/python bench/loadtest.py --database-url $(LOADTEST_DATABASE_URL) $(LOADTEST_ARGS)

clean:
	rm -rf $(VENV) .tools var .pytest_cache
