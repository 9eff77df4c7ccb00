# Refuge Screen: the two commands a fresh machine needs are `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?= -n 2

.PHONY: help venv venv-dev browser run serve serve-keys worker test lint format audit migrate bench bench-api bench-impact bench-jobs clean

help:
	@echo "make run    - install, migrate, load fixtures and serve on http://$(HOST):$(PORT)/"
	@echo "make test   - install dev dependencies and run the whole test suite"
	@echo "make browser - install Debian's chromium for the browser tests (make test does this)"
	@echo "make lint   - ruff check and ruff format --check"
	@echo "make audit  - Django's deployment checks with the production settings; fails on any warning"
	@echo "make serve  - production server (gunicorn with config/gunicorn.conf.py; env-driven settings)"
	@echo "make worker - Celery worker for background jobs (needs REDIS_URL or CELERY_BROKER_URL)"
	@echo "make bench  - engine, batch and ruleset_impact benchmarks (prints figures; not a test; needs PostgreSQL)"
	@echo "make bench-impact - ruleset_impact over 100,000 stored screenings on PostgreSQL (prints figures)"
	@echo "make bench-api - partner API: server CPU per request in process, then gunicorn + wrk load (prints figures)"
	@echo "make bench-jobs - a 100,000-row job on 2 Celery worker processes vs manage.py screen --workers 2 (BENCH_PG_URL database is dropped)"

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt $(VENV)/.installed
	$(PIP) install -q -r requirements-dev.txt
	touch $@

venv: $(VENV)/.installed
venv-dev: $(VENV)/.installed-dev

migrate: venv
	$(PY) manage.py migrate --noinput
	$(PY) manage.py loadprofiles

run: migrate
	-$(PY) manage.py demo_setup --base-url http://$(HOST):$(PORT)  # refuses a non-development database; serve anyway
	$(PY) manage.py runserver $(HOST):$(PORT)

# The production keys must be set before `migrate`: otherwise it would encrypt with the development key.
serve: serve-keys migrate
	DJANGO_SETTINGS_MODULE=config.settings.production $(PY) manage.py collectstatic --noinput --clear
	DJANGO_SETTINGS_MODULE=config.settings.production HOST=$(HOST) PORT=$(PORT) \
		$(VENV)/bin/gunicorn -c config/gunicorn.conf.py config.wsgi:application

serve-keys:
	@test -n "$$FIELD_ENCRYPTION_KEYS" || (echo "Set FIELD_ENCRYPTION_KEYS (README: Configuration) before make serve" >&2; exit 2)

# Background-job worker: run it on as many machines as needed, each reaching the same database and Redis.
worker: venv
	@test -n "$${CELERY_BROKER_URL:-$$REDIS_URL}" || (echo "Set REDIS_URL (or CELERY_BROKER_URL), e.g. REDIS_URL=redis://127.0.0.1:6379/0" >&2; exit 2)
	$(VENV)/bin/celery -A config worker --concurrency $${CELERY_CONCURRENCY:-2} --loglevel $${LOG_LEVEL:-INFO}

# The browser tests (tests/e2e) drive Debian's chromium; `playwright install` cannot download a browser here.
browser:
	test -x /usr/bin/chromium || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

test: venv-dev browser
	$(VENV)/bin/pytest $(PYTEST_ARGS)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Django's deployment checklist (`check --deploy`) with the production settings, as a deploy would load them: a
# throwaway strong SECRET_KEY and encryption key (never used for anything), the deploy's DATABASE_URL if set.
# Any warning fails. tests/security/test_deploy_checks.py runs the same in the suite.
audit: venv
	env DJANGO_SETTINGS_MODULE=config.settings.production \
		SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())')" \
		ALLOWED_HOSTS="$${ALLOWED_HOSTS:-screen.example.org}" \
		DATABASE_URL="$${DATABASE_URL:-sqlite:///$(CURDIR)/db.sqlite3}" \
		$(PY) manage.py check --deploy --fail-level WARNING

format: venv-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Every target of issue 13 that is not the API's: the engine and batch (engine_bench), then ruleset_impact over
# 100,000 stored screenings on PostgreSQL (impact_bench, about 10 minutes more; BENCH_SKIP_IMPACT=1 to skip).
bench: venv-dev
	$(PY) bench/engine_bench.py
	test -n "$$BENCH_SKIP_IMPACT" || $(PY) bench/impact_bench.py

bench-api: venv-dev
	$(PY) bench/api_inprocess_bench.py
	$(PY) bench/api_bench.py

bench-impact: venv-dev
	$(PY) bench/impact_bench.py

# Needs PostgreSQL and Redis on 127.0.0.1; BENCH_PG_URL names a database it DROPS and creates (default
# .../refuge_jobbench), BENCH_REDIS_URL a Redis database it flushes (default .../14).
bench-jobs: venv-dev
	$(PY) bench/job_bench.py

clean:
	rm -rf $(VENV) .pytest_cache db.sqlite3
