# Set-up and checks. Both targets create the virtual environment themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test install-browser install-bench lint typecheck pytest bench bench-full clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e . --config-settings editable_mode=strict

install-test: $(BIN)/python install-browser
	$(BIN)/pip install --quiet -e '.[test]' --config-settings editable_mode=strict

# tests/test_report_html.py loads the HTML report in a real headless Chromium: Debian's
# chromium, with fonts-noto-cjk so Chinese labels render. Installed with apt-get on CI
# (CI=true) or when running as root; elsewhere the test fails saying how to install them.
BROWSER_PACKAGES := chromium fonts-noto-cjk
install-browser:
	@if command -v chromium >/dev/null 2>&1 && dpkg -s fonts-noto-cjk >/dev/null 2>&1; then :; \
	elif [ "$${CI:-}" = "true" ] || [ "$$(id -u)" = "0" ]; then \
		SUDO=$$([ "$$(id -u)" = "0" ] || echo sudo); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(BROWSER_PACKAGES); \
	else \
		echo "note: tests/test_report_html.py needs: apt-get install $(BROWSER_PACKAGES)"; \
	fi

install-bench: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[bench]' --config-settings editable_mode=strict

demo: install
	$(BIN)/segl demo

lint: install-test
	$(BIN)/ruff check dsl compiler runtime tests benchmarks
	$(BIN)/ruff format --check dsl compiler runtime tests benchmarks

typecheck: install-test
	$(BIN)/mypy -p segl.dsl -p segl.compiler -p segl.runtime
	$(BIN)/mypy benchmarks

# Two pytest workers (pytest-xdist): most of a test's time is single-threaded Python (the
# reference evaluator, hypothesis, SQL generation), so two cores run two tests at once;
# each worker starts the engines it needs (PostgreSQL, Spark) once. PYTEST_WORKERS=0 runs
# everything in one process. Tests go out one at a time to whichever worker is free, the
# slowest first (tests/conftest.py SLOWEST_FIRST), so neither worker is left idle at the end.
PYTEST_WORKERS ?= 2
pytest: install-test
	$(BIN)/pytest -n $(PYTEST_WORKERS) --maxschedchunk 1

test: lint typecheck pytest

# Quick benchmark (about 10^6 event rows, every baseline, 3 rounds): a few minutes.
bench: install-bench
	$(BIN)/python -m benchmarks.harness --events 1e6 --runs 3 --out benchmarks/results/quick.json

# Full benchmark: 10^6..10^8 event rows, the plot, peak memory at 10^8 under a 4 GB DuckDB
# limit, Spark local at 10^7. Builds ~5 GB of data under benchmarks/data on first use.
bench-full: install-bench
	$(BIN)/python -m benchmarks.harness --events 1e6 1e7 1e8 --runs 3 --out benchmarks/results/full.json
	$(BIN)/python -m benchmarks.plot benchmarks/results/full.json benchmarks/scaling.png
	$(BIN)/python -m benchmarks.memory_bench --events 1e8 --memory-limit 4GB
	$(BIN)/python -m benchmarks.spark_bench --events 1e7 --runs 3

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache .hypothesis
