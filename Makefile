# The two commands of the README: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: demo test install lint format bench messages

$(VENV)/installed: requirements.txt requirements-dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found $(PYTHON))"; exit 1; }
	@# A venv whose creation failed half-way has a python but no pip: start it again.
	test -x $(VENV)/bin/pip || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); } || \
		{ echo "Creating the virtualenv failed: apt-get install python3-venv"; exit 1; }
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
	$(VENV)/bin/mypy

format:
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: install
	$(PY) bench/run.py

# Refresh the Chinese catalogue after changing UI text, then translate the new entries in
# locale/zh_Hans/LC_MESSAGES/django.po (tests/test_translations.py checks it); needs gettext.
messages: install
	DEBUG=1 $(PY) manage.py makemessages -l zh_Hans --no-location \
		--ignore=.venv --ignore=staticfiles --ignore=bench --ignore=tests
	msgfmt --check -o locale/zh_Hans/LC_MESSAGES/django.mo locale/zh_Hans/LC_MESSAGES/django.po
