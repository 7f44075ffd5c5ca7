# The two commands a newcomer needs (see README):
#   make serve   set everything up and serve the app on SQLite with the real seed data, at http://127.0.0.1:5000
#   make test    set everything up and run the whole test suite, on SQLite and on a throw-away PostgreSQL server
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
MO := catalogue/translations/en/LC_MESSAGES/messages.mo

.PHONY: serve test setup test-sqlite test-postgres translations lint clean

serve: setup
	$(BIN)/catalogue init
	$(BIN)/catalogue seed
	$(BIN)/catalogue serve --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/pytest
	.ci/with-postgres $(BIN)/pytest

setup: $(VENV)/.installed $(MO)

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

clean:
	rm -rf $(VENV) instance .pytest_cache
