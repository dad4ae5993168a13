# Guanai: `make run` starts the demo, `make test` runs every check. See README.md.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 3
PYTEST_WORKERS ?= 2
# PostgreSQL server for the second test run (trust auth on this kind of machine);
# pytest-django creates a fresh database named after this one and drops it after.
RUN_ID := $(shell date +%s)
POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/guanai_ci_$(RUN_ID)

.PHONY: run test install install-dev lint typecheck djangocheck test-sqlite test-postgres browser-deps messages clean

$(VENV)/.run-deps: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-deps: $(VENV)/.run-deps requirements-dev.txt
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.run-deps node_modules/.installed

install-dev: $(VENV)/.dev-deps node_modules/.installed

run: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py load_demo
	$(PY) manage.py collectstatic --noinput -v0
	@echo "关爱 Guanai: http://$(HOST):$(PORT)/  (Ctrl-C 停止 / to stop)"
	@# Two background workers beside the server, stopped with it: roster imports (and other
	@# jobs) on the default queue, exports on their own, so neither waits behind the other.
	$(PY) manage.py db_worker --interval 0.5 & worker=$$!; \
	  $(PY) manage.py db_worker --interval 0.5 --queue-name exports & exporter=$$!; \
	  trap 'kill $$worker $$exporter 2>/dev/null; wait $$worker $$exporter 2>/dev/null' EXIT INT TERM; \
	  $(VENV)/bin/gunicorn -c python:guanai.gunicorn_conf guanai.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS)

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

typecheck: install-dev
	$(VENV)/bin/mypy guanai

djangocheck: install-dev
	$(PY) manage.py check --fail-level WARNING
	$(PY) manage.py makemigrations --check --dry-run

# Browser tests use Debian's Chromium and CJK fonts (needs root, as on CI machines).
browser-deps:
	@test -x /usr/bin/chromium && fc-list | grep -q "Noto Sans CJK" || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

test-sqlite: install-dev browser-deps
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --create-db

test-postgres: install-dev browser-deps
	DATABASE_URL=$(POSTGRES_URL) $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --create-db; \
	status=$$?; $(PY) scripts/drop_test_databases.py "$(POSTGRES_URL)"; exit $$status

test: lint typecheck djangocheck test-sqlite test-postgres

messages: install-dev
	cd guanai && ../$(PY) ../manage.py makemessages -l en --no-obsolete && ../$(PY) ../manage.py compilemessages -l en

clean:
	rm -rf $(VENV) node_modules staticfiles
