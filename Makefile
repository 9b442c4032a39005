PYTHON := .venv/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: setup run test lint messages

## Install system packages, the virtual environment and Python packages.
setup:
	@scripts/setup.sh

## Set up, migrate SQLite, load the demo data, print the logins and serve at http://$(HOST)
run: setup
	$(PYTHON) manage.py migrate --noinput
	$(PYTHON) manage.py load_demo
	@echo "Serving at http://$(HOST)/ (API docs /api/docs/, admin /admin/)"
	$(PYTHON) manage.py runserver $(HOST)

## Run the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL).
test: setup
	@command -v chromium >/dev/null || echo "Chromium not found: the browser tests will be skipped (apt-get install chromium to run them)."
	.venv/bin/pytest

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

## Refresh and compile the translations after changing user-facing text.
messages: setup
	$(PYTHON) manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=tests
	$(PYTHON) manage.py compilemessages --ignore=.venv
