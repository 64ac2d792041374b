# The two commands: `make run` (the product on its embedded default, with demo data) and
# `make test` (everything the gate checks). See README.md.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2 --dist loadfile
FUZZ_EXAMPLES ?= 25

.PHONY: run test lint check-schema migrations-check pytest bench fuzz-long system-deps contracts worker beat clean help

help:
	@echo "make run        start the product on the embedded default with demo data"
	@echo "make test       install what the tests need and run the whole gate"
	@echo "make bench      run the benchmarks and write bench/REPORT.md"
	@echo "make fuzz-long  the long schema fuzz run (200 examples per operation)"
	@echo "make worker     a Celery worker (needs REDIS_URL)"
	@echo "make beat       Celery beat (needs REDIS_URL)"

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

# pip's output is kept in a log and shown only when the install fails.
$(VENV)/.base-installed: requirements/base.txt | $(VENV)/bin/python
	@echo "installing requirements/base.txt (log: $(VENV)/pip.log)"
	@$(PIP) install --quiet -r requirements/base.txt > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@touch $@

$(VENV)/.dev-installed: requirements/dev.txt requirements/base.txt | $(VENV)/bin/python
	@echo "installing requirements/dev.txt (log: $(VENV)/pip.log)"
	@$(PIP) install --quiet -r requirements/dev.txt > $(VENV)/pip.log 2>&1 || { cat $(VENV)/pip.log; exit 1; }
	@touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py migrate --noinput -v 1
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py load_demo_data --host http://$(HOST):$(PORT)
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py runserver $(HOST):$(PORT) --noreload

system-deps:
	@bash scripts/system-deps.sh

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

migrations-check: $(VENV)/.dev-installed
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py makemigrations --check --dry-run

check-schema: $(VENV)/.dev-installed
	env -u DATABASE_URL -u REDIS_URL $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null

pytest: $(VENV)/.dev-installed
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest $(PYTEST_ARGS)

test: $(VENV)/.dev-installed system-deps lint migrations-check check-schema pytest

fuzz-long: $(VENV)/.dev-installed
	FUZZ_EXAMPLES=200 $(PY) -m pytest -m fuzz -p no:cacheprovider

# Benchmarks run on PostgreSQL and Redis (the machine's, unless DATABASE_URL/REDIS_URL say otherwise).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/blockguardian_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14

bench: $(VENV)/.dev-installed
	DATABASE_URL=$${DATABASE_URL:-$(BENCH_DATABASE_URL)} REDIS_URL=$${REDIS_URL:-$(BENCH_REDIS_URL)} $(PY) -m bench $(BENCH)

worker: $(VENV)/.base-installed
	$(VENV)/bin/celery -A blockguardian worker -l info -Q default,scoring,monitoring,filings,chain

beat: $(VENV)/.base-installed
	$(VENV)/bin/celery -A blockguardian beat -l info

contracts:
	cd blockguardian/chain/contracts && npm ci --ignore-scripts --no-audit --no-fund && node build.js

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .hypothesis
