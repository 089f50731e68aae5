# make run   - set up everything on SQLite and serve http://127.0.0.1:5000 (jobs run in-process)
# make test  - run the whole test suite (SQLite + in-memory Redis unless TEST_* variables are set)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test setup dev-setup migrate demo translations lint worker bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(VENV)/.installed $@

setup: $(VENV)/.installed translations

dev-setup: $(VENV)/.installed-dev translations

translations: | $(BIN)/python
	$(BIN)/pybabel compile -d app/translations --statistics 2>&1 | tail -n 1

migrate: setup
	mkdir -p instance
	$(BIN)/flask db upgrade

demo: migrate
	$(BIN)/flask demo load

run: demo
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: dev-setup
	$(BIN)/python -m pytest

lint: dev-setup
	$(BIN)/ruff check .

worker: setup
	$(BIN)/python worker.py

bench: dev-setup
	$(BIN)/python bench/clicks.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
