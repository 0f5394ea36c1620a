# Redress: `make demo` runs the embedded demo, `make test` runs the test suite.
# Both create .venv (Python 3.11) and install the project into it on first use.

VENV        := .venv
PYTEST_ARGS ?=

.DEFAULT_GOAL := help
.PHONY: help venv demo test

help:
	@echo "make demo   install, migrate, seed and serve on http://127.0.0.1:8000 with a Celery worker"
	@echo "make test   run the test suite (PYTEST_ARGS='...' passes options to pytest;"
	@echo "            PostgreSQL when DATABASE_URL is set, else SQLite)"

venv:
	@bash scripts/bootstrap.sh

demo: venv
	@bash scripts/demo.sh

test: venv
	@bash scripts/ensure_chromium.sh
	@bash scripts/ensure_dovecot.sh
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)
