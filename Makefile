# make run   - set up everything on SQLite and serve http://127.0.0.1:5000 (jobs run in-process)
# make test  - run the whole test suite (SQLite + in-memory Redis unless TEST_* variables are set)
# Any Python 3.11 or newer will do; python3.11 is preferred when both exist.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || echo python3)
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --quiet --quiet --disable-pip-version-check --no-input
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-m 'not browser' -x"`
PYTEST_ARGS ?=
# Extra benchmark options, e.g. `make bench ARGS=--failover`
ARGS ?=
export FLASK_APP := wsgi

.PHONY: run test setup dev-setup migrate demo translations catalog lint worker bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "Could not create $(VENV) (on Debian/Ubuntu: apt-get install python3-venv)." >&2; exit 1; }
	-@$(PIP) install --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(PIP) install -r requirements.txt
	@touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(PIP) install -r requirements-dev.txt
	@touch $(VENV)/.installed $@

setup: $(VENV)/.installed translations

dev-setup: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel -q compile -d app/translations

# After changing texts: collect them into the template and merge it into the catalogs. The keywords
# are every marker the code uses, the context ones (pgettext) included; tests/test_translations.py uses the same.
catalog: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_ngettext:1,2 -k pgettext:1c,2 \
		-k lazy_pgettext:1c,2 -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations --no-fuzzy-matching

migrate: setup
	@mkdir -p instance
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: dev-setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: dev-setup
	$(BIN)/ruff check .

worker: migrate
	$(BIN)/python worker.py

bench: dev-setup
	$(BIN)/python bench/clicks.py $(ARGS)

# Keeps instance/ (your database and uploads).
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find app/translations -name '*.mo' -delete
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
