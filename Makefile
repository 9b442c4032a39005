PYTHON := .venv/bin/python
HOST ?= 127.0.0.1:8000
TEST_WORKERS ?= auto
CLOCK_AHEAD ?=

.PHONY: setup setup-dev run serve test lint messages

## Install system packages, the virtual environment and the runtime Python packages (requirements.txt).
setup:
	@scripts/setup.sh

## The same plus the test and lint tools: Chromium for the browser tests and faketime
## (scripts/debian-packages-dev.txt), requirements-dev.txt.
setup-dev:
	@scripts/setup.sh dev

## Set up, migrate SQLite, load the demo data, print the logins and serve at http://$(HOST), with the
## task worker beside it (ledgers, bulk certificates) and the periodic jobs (reminders, digests, series, no-shows,
## delivery: the console backend prints each message here): all stop with Ctrl-C.
## `make run HOST=192.168.1.20:8080` serves on that address and port for the phones of the LAN: the
## address becomes an allowed host and the site URL printed in QR codes and certificates (set
## ALLOWED_HOSTS or SITE_URL yourself to choose otherwise).
run: export SITE_URL ?= http://$(HOST)
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost,$(firstword $(subst :, ,$(HOST)))
run: setup
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	$(PYTHON) manage.py load_demo_orders
	$(PYTHON) manage.py load_demo_points
	$(PYTHON) manage.py load_demo_notifications
	$(PYTHON) manage.py load_demo_places
	@echo "Serving at http://$(HOST)/ (API docs /api/docs/, admin /admin/), with a task worker and the periodic jobs"
	$(PYTHON) manage.py db_worker --no-reload & worker=$$!; \
	$(PYTHON) manage.py run_periodic_jobs --loop 60 & periodic=$$!; \
	trap 'kill $$worker $$periodic 2>/dev/null' EXIT INT TERM; \
	$(PYTHON) manage.py runserver $(HOST)

## Production: migrate, collect static files, start the task worker and gunicorn (settings from the environment or .env).
serve: setup
	@scripts/serve.sh

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL), one worker per CPU
## (TEST_WORKERS=0 runs it in one process). xdist's default scheduling: its by-scope and by-group modes
## would merge the API fuzz tests, whose items share one node id. setup-dev installs Chromium, so the
## browser tests run here as in CI.
##
## CLOCK_AHEAD=420d runs it with the clock moved that far ahead (Debian's faketime, installed by
## setup-dev): no test may pass only before a given day. CI runs its SQLite pass this way.
test: setup-dev
	$(if $(CLOCK_AHEAD),faketime -f "+$(CLOCK_AHEAD)") .venv/bin/pytest --numprocesses $(TEST_WORKERS)

lint: setup-dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

## Refresh and compile the translations after changing user-facing text.
messages: setup
	$(PYTHON) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests
	$(PYTHON) manage.py compilemessages --ignore=.venv
