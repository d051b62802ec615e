# Two targets are all a newcomer needs: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test lint serve clean

$(VENV)/.runtime: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(VENV)/.runtime $@

## make demo: install, migrate ./var/yaojian.db, generate the small province if empty, serve :8000
demo: $(VENV)/.runtime
	$(BIN)/yaojian demo

## make test: lint, type-check, and the whole suite (SQLite and PostgreSQL, and the browser)
test: $(VENV)/.dev lint
	$(BIN)/pytest

lint: $(VENV)/.dev
	$(BIN)/ruff check yaojian tests benchmarks
	$(BIN)/ruff format --check yaojian tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) var test-artifacts .pytest_cache .mypy_cache .ruff_cache
