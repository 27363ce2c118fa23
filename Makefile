# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test

.PHONY: run test lint serve migrate seed clean soak reliability fuzz bench lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Dependencies come from the lock files, pinned with their hashes; the project itself is then
# installed without resolving anything again.
$(STAMP): $(BIN)/python pyproject.toml setup.py requirements.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(TEST_STAMP): $(STAMP) requirements-test.lock
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-test.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

## make lock: pin the dependencies of pyproject.toml anew (a deliberate change: commit the result)
lock: $(BIN)/python
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml
	$(BIN)/pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	  --no-emit-find-links --extra test -o requirements-test.lock pyproject.toml

migrate: $(STAMP)
	$(BIN)/commitments db upgrade

seed: migrate
	$(BIN)/commitments seed --if-empty

## make run: install, migrate, load the seeds when the register is empty, serve on :8000
run: seed
	$(BIN)/commitments serve --host 127.0.0.1 --port 8000

## make test: install the test tools and run the whole suite
test: $(TEST_STAMP)
	$(BIN)/python -m pytest

lint: $(TEST_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
SOAK_SECONDS ?= 20

## make soak: 16 then 64 clients against 2 workers, on SQLite (WAL) and on PostgreSQL
soak: $(TEST_STAMP)
	mkdir -p var
	for clients in 16 64; do \
	  rm -f var/soak.db*; \
	  $(BIN)/python -m bench.soak --database-url sqlite:///var/soak.db --clients $$clients --seconds $(SOAK_SECONDS) || exit 1; \
	  $(BIN)/python -m bench.soak --database-url $$($(BIN)/python -m bench.reset_database $(PG_URL) soak_run) --clients $$clients --seconds $(SOAK_SECONDS) || exit 1; \
	done

FUZZ_EXAMPLES ?= 50

## make fuzz: every operation, as each role, FUZZ_EXAMPLES cases each, on SQLite and PostgreSQL
fuzz: $(TEST_STAMP)
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) COMMITMENTS_TEST_DATABASE_URL= $(BIN)/python -m pytest -q -s tests/test_fuzz.py
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) COMMITMENTS_TEST_DATABASE_URL=$(PG_URL) $(BIN)/python -m pytest -q -s tests/test_fuzz.py

## make reliability: the fault tests on SQLite and PostgreSQL, fuzzing and the soak, then one summary table
reliability: $(TEST_STAMP)
	$(BIN)/python -m bench.reliability --pg-url $(PG_URL) --soak-seconds $(SOAK_SECONDS) \
	  --fuzz-examples $(FUZZ_EXAMPLES)

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache

BENCH_SECONDS ?= 10

## make bench: every scenario against its floor (wrk; registers generated on first use, 1M takes minutes)
bench: $(TEST_STAMP)
	@command -v wrk >/dev/null || { echo "wrk is missing: sudo apt-get install wrk"; exit 2; }
	$(BIN)/python -m bench.run --pg-url $(PG_URL) --seconds $(BENCH_SECONDS)

