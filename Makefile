# Set-up and checks. Both targets create the virtual environment themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test lint typecheck pytest clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e . --config-settings editable_mode=strict

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=strict

demo: install
	$(BIN)/segl demo

lint: install-test
	$(BIN)/ruff check dsl compiler runtime tests benchmarks
	$(BIN)/ruff format --check dsl compiler runtime tests benchmarks

typecheck: install-test
	$(BIN)/mypy -p segl.dsl -p segl.compiler -p segl.runtime

pytest: install-test
	$(BIN)/pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
