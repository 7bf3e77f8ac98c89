# The one-command entry points. `make run` serves the app; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# A stamp per lock file's content: a changed lock reinstalls, an unchanged one costs nothing.
RUN_STAMP := $(VENV)/.run-$(shell cat requirements/prod.txt | md5sum | cut -c1-12)
STAMP := $(VENV)/.dev-$(shell cat requirements/dev.txt | md5sum | cut -c1-12)

.PHONY: run staff test test-postgres lint format lock bench deploy clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(RUN_STAMP): $(BIN)/python requirements/prod.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/prod.txt
	rm -f $(VENV)/.run-* && touch $(RUN_STAMP)

$(STAMP): $(BIN)/python requirements/dev.txt
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	rm -f $(VENV)/.dev-* $(VENV)/.run-* && touch $(STAMP) $(RUN_STAMP)

# The development server: debug on unless DJANGO_DEBUG (or .env) says otherwise.
run: export WAITLIST_DEV_SERVER = 1
run: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --no-input
	@# The worker (counters, the owner's notifications) runs beside the server and stops with it.
	$(BIN)/python manage.py runworker & worker=$$!; trap 'kill $$worker' EXIT INT TERM; \
	  $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# A staff account with the same development settings as `make run`: asks for a name and a
# password, or takes DJANGO_SUPERUSER_USERNAME and DJANGO_SUPERUSER_PASSWORD without asking.
staff: export WAITLIST_DEV_SERVER = 1
staff: $(RUN_STAMP)
	$(BIN)/python manage.py migrate --no-input --verbosity 0
	$(BIN)/python manage.py createstaff

system-deps:
	./scripts/system-deps

# A worker per core (up to 4), each with its own moto servers and browser; a test file stays on
# one worker, since its module-scoped fixtures (an image build, a browser) are made for it.
test: lint system-deps
	$(BIN)/python -m pytest -n auto --maxprocesses 4 --dist loadfile
	./scripts/with-postgres $(BIN)/python -m pytest -m postgres -k "not dynamodb" \
	  -n auto --maxprocesses 4 --dist loadfile

test-postgres: $(STAMP)
	./scripts/with-postgres $(BIN)/python -m pytest -m postgres -k "not dynamodb"

# mypy's Django plugin loads the settings, which refuse to load without a key: a throwaway one.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SECRET_KEY=mypy-only-not-a-secret-the-settings-need-50-characters DJANGO_ALLOWED_HOSTS=localhost \
	  $(BIN)/mypy

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
	$(BIN)/python -m deploy.deploy $(ARGS)

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
