# The two commands of the README: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test install lint format bench messages

$(VENV)/installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/installed

# Installs, migrates, loads the demo district and runs web + worker + beat on 127.0.0.1:8000.
# Without DATABASE_URL / REDIS_URL: SQLite and a file-based Celery broker, no servers needed.
demo: install
	bin/demo

# The whole suite against PostgreSQL and Redis (DATABASE_URL / REDIS_URL, default: local servers).
test: install
	bin/test

lint:
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

messages:
	cd governance && ../$(PY) ../manage.py makemessages -l zh_Hans --no-location --ignore=.venv
