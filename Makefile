# Two commands on a fresh machine: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo check test test-fast dev benchmark clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

## Run the full cascade for global-28 against the emulator on SQLite and print what was stored.
demo: $(STAMP)
	$(BIN)/soundcharts-assets demo

## The checks that run before the tests: layer rules (import-linter), lint, format, types.
check: $(STAMP)
	$(BIN)/lint-imports --no-logo
	$(BIN)/ruff check
	$(BIN)/ruff format --check
	$(BIN)/mypy

## The whole test suite: unit, integration (SQLite and PostgreSQL), Dagster runs, end-to-end.
## TEST_PROCESSES test files run at once (pytest-xdist); every test makes its own databases, ports, vhosts and
## namespaces, so files do not share state. Each file is one xdist group (tests/celery/ is one group: it restarts
## the broker), heaviest first (tests/conftest.py). TEST_PROCESSES=0 runs them one by one in this process.
## Three processes on two cores: a third of the suite's wall is waiting (deployments, sensor ticks, the broker),
## and a third process fills it (quiet 2-core machine: 640 s against ~790 s with two; docs/development.md).
TEST_PROCESSES ?= 3
test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) --dist loadgroup --no-loadscope-reorder --durations=25 \
		-p tests.support.cpu_report

## The loop while coding: unit tests and SQLite integration, no PostgreSQL, no browser, no long runs (~60-85 s).
## Two processes: the fast tests are CPU-bound (~105 s of CPU), so two cores halve them and a third adds nothing.
test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup --no-loadscope-reorder \
		-m "not postgres and not e2e and not slow" -p no:cacheprovider -q

## Dagster UI + daemon on http://127.0.0.1:$(DEV_PORT), against the emulator unless real credentials are set;
## other shells of the project find both (data/local_setup.json). Ctrl-C stops everything.
DEV_PORT ?= 3000
dev: $(STAMP)
	$(BIN)/soundcharts-assets dev --port $(DEV_PORT)

benchmark: $(STAMP)
	$(BIN)/python -m benchmarks.cascade_benchmark

clean:
	rm -rf data .pytest_cache test-artifacts
