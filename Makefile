# The one-command entry points. `make run` serves the app; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat requirements/dev.txt | md5sum | cut -c1-12)

.PHONY: run test test-postgres lint format lock bench deploy clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --no-input
	WAITLIST_DEV_SERVER=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

system-deps:
	./scripts/system-deps

test: $(STAMP) system-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest
	./scripts/with-postgres $(BIN)/python -m pytest -m postgres

test-postgres: $(STAMP)
	./scripts/with-postgres $(BIN)/python -m pytest -m postgres

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Re-pin every dependency from pyproject.toml (needs the registry).
lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --python-version 3.11 -q -o requirements/prod.txt
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -q -o requirements/dev.txt

bench: $(STAMP)
	$(BIN)/python bench/signup.py

deploy: $(STAMP)
	$(BIN)/python deploy/deploy.py $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
