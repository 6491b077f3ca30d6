# finops-assets: `make demo` (first run), `make test`, `make dev`. Needs python3 and make only.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
export DAGSTER_HOME := $(abspath .dagster_home)
DBT_PROJECT_DIR := finops_assets/dbt
DEMO_MONTHS ?= 6
DEMO_ROWS ?= 20000
DEMO_SEED ?= 7

.PHONY: install azurite demo demo-data restate materialize models summary report dashboards test dev validate bench bench-sensors clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv

# --compile-bytecode: every process (dagster CLI, step processes, dbt) imports from .pyc files, even where
# PYTHONDONTWRITEBYTECODE is set (it would otherwise compile Dagster, dbt and the Google clients at each start).
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install --python $(BIN)/python --quiet --compile-bytecode -e '.[test]'
	touch $@

# dagster-dbt needs target/manifest.json; DbtProject.prepare_if_dev() parses only under `dagster dev`.
DBT_MANIFEST := $(DBT_PROJECT_DIR)/target/manifest.json
DBT_SOURCES := $(shell find $(DBT_PROJECT_DIR)/models $(DBT_PROJECT_DIR)/macros $(DBT_PROJECT_DIR)/tests -type f 2>/dev/null) \
	$(DBT_PROJECT_DIR)/dbt_project.yml $(DBT_PROJECT_DIR)/profiles.yml

$(DBT_MANIFEST): $(DBT_SOURCES) $(VENV)/.installed
	cd $(DBT_PROJECT_DIR) && $(BIN)/dbt parse --quiet --profiles-dir .

install: $(VENV)/.installed $(DBT_MANIFEST)
	@mkdir -p $(DAGSTER_HOME)
	@cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

demo-data: install
	$(BIN)/python -m finops_assets.demo generate --months $(DEMO_MONTHS) --rows-per-month $(DEMO_ROWS) --seed $(DEMO_SEED)

restate: install
	$(BIN)/python -m finops_assets.demo restate --months 1 --rows-per-month $(DEMO_ROWS) --seed $(DEMO_SEED)

materialize: install
	$(BIN)/python -m finops_assets.demo materialize

models: install
	$(BIN)/python -m finops_assets.demo models

summary: install
	$(BIN)/python -m finops_assets.demo summary

report: install
	$(BIN)/python -m finops_assets.demo report

# Regenerate grafana/dashboards/*.json from finops_assets/dashboards (a test fails when they differ).
dashboards: install
	$(BIN)/python -m finops_assets.dashboards build

# Load every month of three clouds, restate the newest one, load again (the unchanged months are no-ops,
# the restated month is replaced), build the dbt models with their tests, print the summary, write the cost
# report (./data/reports/cost_report.html) and print its path. One process.
demo: install
	$(BIN)/python -m finops_assets.demo all --months $(DEMO_MONTHS) --rows-per-month $(DEMO_ROWS) --seed $(DEMO_SEED)

validate: install
	$(BIN)/dagster definitions validate -m finops_assets.definitions

# Azurite (the Azure Storage emulator, an npm package) for the Azure container tests, in a repo-local folder.
# 3.34 still runs on Debian's Node 18 (later releases want Node 22); the tests skip its API-version check.
AZURITE_VERSION ?= 3.34.0
AZURITE := .azurite/node_modules/.bin/azurite-blob

$(AZURITE):
	npm install --prefix .azurite --no-audit --no-fund --loglevel=error azurite@$(AZURITE_VERSION)

azurite: $(AZURITE)

# Two pytest-xdist workers (one per core of CI's machine); `--dist loadscope` runs each test module whole on one
# worker, so its module-scoped fixtures (a dbt build, an emulator) are made once. (`loadgroup` would also keep the
# demo-warehouse modules together, but xdist 3.8 cannot tag node ids under pytest 9.2: its groups are ignored.)
# TEST_WORKERS=0 runs serially.
TEST_WORKERS ?= 2
# The tests' scratch folders (warehouses, landing areas, Dagster homes) in memory when /dev/shm has room (4 GB): a
# Dagster SQLite instance commits every event, and each commit is an fsync on disk (~8 ms each here).
TEST_TMPDIR ?= $(shell [ -w /dev/shm ] && [ "$$(df -Pk /dev/shm | awk 'NR==2 {print $$4}')" -gt 4000000 ] && echo /dev/shm || echo "$${TMPDIR:-/tmp}")

test: install $(AZURITE)
	TMPDIR=$(TEST_TMPDIR) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

# Export sensor ticks over ~10,000 landing objects.
bench-sensors: install
	$(BIN)/python bench/sensor_tick.py $(BENCH_ARGS)

dev: install
	$(BIN)/dagster dev -h 127.0.0.1 -p 3000 -w workspace.yaml

# The benchmark (not part of `make test`): full scale by default; BENCH_* shrink it. dlt runs in its own
# virtualenv (dlt 1.31's read_csv_duckdb needs duckdb<2). Data is cached in bench/.cache between runs.
BENCH_MONTHS ?= 39
BENCH_ROWS ?= 10000000
BENCH_REPEATS ?= 3
BENCH_DLT_REPEATS ?= $(BENCH_REPEATS)
BENCH_DLT := bench/.venv-dlt

$(BENCH_DLT)/.installed: | $(BIN)/python
	$(BIN)/uv venv --quiet --clear --python $(PYTHON) $(BENCH_DLT)
	$(BIN)/uv pip install --python $(BENCH_DLT)/bin/python --quiet 'dlt[duckdb,filesystem,parquet]==1.31.*' 'duckdb<2'
	touch $@

bench: install $(BENCH_DLT)/.installed
	$(BIN)/python -m bench.run --months $(BENCH_MONTHS) --rows $(BENCH_ROWS) --repeats $(BENCH_REPEATS) --dlt-repeats $(BENCH_DLT_REPEATS)

clean:
	rm -rf data .dagster_home/storage .dagster_home/dagster.yaml .pytest_cache
