# The README's two commands: `make run` and `make test`. Each creates .venv when missing.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SCENARIO ?= scenarios/plan-2025.yaml
OUT     ?= out/plan-2025
ARGS    ?=

.PHONY: run test test-fast lint bench validation figures reference clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/portsim run $(SCENARIO) -o $(OUT) --report $(ARGS)

test: export OPENBLAS_NUM_THREADS = 1
test: export OMP_NUM_THREADS = 1
test: $(STAMP)
	$(BIN)/ruff check portsim tests benchmarks notebooks tools
	$(BIN)/python -m pytest -n 2 tests

test-fast: $(STAMP)
	$(BIN)/python -m pytest -n 2 -m "not slow" tests

lint: $(STAMP)
	$(BIN)/ruff check portsim tests benchmarks notebooks tools

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

# docs/validation.md (theory, preview, design code) and docs/calibration.md (2020, 2021)
validation: export OPENBLAS_NUM_THREADS = 1
validation: export OMP_NUM_THREADS = 1
validation: $(STAMP)
	$(BIN)/python -m portsim.validation

clean:
	rm -rf $(VENV) out .pytest_cache

# docs/figures/*.txt: the output of every command whose figures the README quotes
figures: export OPENBLAS_NUM_THREADS = 1
figures: export OMP_NUM_THREADS = 1
figures: $(STAMP)
	$(BIN)/python tools/figures.py

# portsim/schema/*.schema.json and docs/reference.md (every key), docs/assumptions.md
reference: $(STAMP)
	$(BIN)/python -m portsim.reference
