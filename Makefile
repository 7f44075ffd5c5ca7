# The two commands a newcomer needs (see README):
#   make serve   set everything up (database, seed, search index) and serve the app on SQLite with the real seed data,
#                at http://127.0.0.1:5000 (another port: make serve PORT=5050)
#   make test    set everything up and run the whole test suite, on SQLite and on a throw-away PostgreSQL server
VENV ?= .venv
PORT ?= 5000
PYTHON ?= python3
BIN := $(VENV)/bin
MO := catalogue/translations/en/LC_MESSAGES/messages.mo

.PHONY: serve test setup test-sqlite test-postgres translations lint clean bench
.PHONY: test-browser browser test-api-contract test-lane-sqlite test-lane-contract-postgres

serve: setup
	$(BIN)/catalogue init
	$(BIN)/catalogue seed
	$(BIN)/catalogue index rebuild
	CATALOGUE_SECURE_COOKIES=0 $(BIN)/catalogue serve --host 127.0.0.1 --port $(PORT)  # plain http on localhost: cookies without Secure

# The SQLite run includes the real-browser tests (tests/browser: Playwright driving Debian's chromium, axe-core); they skip
# on the PostgreSQL run. `browser` installs chromium with apt when it is missing (as root). Schemathesis holds the live
# API to its OpenAPI document (.ci/api-contract: gunicorn on a free port, SQLite, write API with a token).
# Two lanes side by side (CI has 2 cores; each lane is mostly one busy process): the SQLite run, and the API contract
# followed by the PostgreSQL run. They share nothing: their own databases, index and instance folders (tests/conftest.py
# gives each test session a temporary instance folder), servers on free ports. --output-sync prints each lane's output
# whole when that lane ends; make fails when either fails. TEST_JOBS=1 runs them one after the other.
TEST_JOBS ?= 2
test: setup browser
	$(MAKE) --no-print-directory -j$(TEST_JOBS) --output-sync=target test-lane-sqlite test-lane-contract-postgres

test-lane-sqlite:
	@echo "== SQLite run (with the browser tests), started $$(date -u +%T) =="
	$(BIN)/pytest
	@echo "== SQLite run ended $$(date -u +%T) =="

test-lane-contract-postgres:
	@echo "== API contract (schemathesis), started $$(date -u +%T) =="
	BIN=$(BIN) .ci/api-contract
	@echo "== PostgreSQL run, started $$(date -u +%T) =="
	.ci/with-postgres $(BIN)/pytest
	@echo "== PostgreSQL run ended $$(date -u +%T) =="

# Only the API contract run (schemathesis against a live server; about two minutes).
test-api-contract: setup
	BIN=$(BIN) .ci/api-contract

# Only the browser tests (accessibility with axe-core, keyboard walkthroughs, flows); screenshots in test-artifacts/.
test-browser: setup browser
	$(BIN)/pytest -m browser tests/browser

browser:
	.ci/ensure-browser

setup: $(VENV)/.installed $(MO)
	.ci/ensure-system-packages  # WeasyPrint's libraries (PDF exports): installs only what is missing, only as root

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

$(MO): catalogue/translations/en/LC_MESSAGES/messages.po $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d catalogue/translations

test-sqlite: setup
	$(BIN)/pytest

test-postgres: setup
	.ci/with-postgres $(BIN)/pytest

# Re-extract messages after changing templates; then translate the new entries in the .po file.
translations: setup
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k _ -k gettext -k ngettext:1,2 -o catalogue/translations/messages.pot .
	$(BIN)/pybabel update -i catalogue/translations/messages.pot -d catalogue/translations

# Search benchmark against Datasette on a synthetic 20,000-instrument catalogue (not part of the tests; see bench/).
bench: setup
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/search_bench.py

clean:
	rm -rf $(VENV) instance .pytest_cache
