# Two commands on a fresh machine: `make run` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: run test lint typecheck pytest bench clean

$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(STAMP)
	@$(BIN)/dangwu rules warm

run: $(STAMP)
	$(BIN)/dangwu run

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

bench: $(STAMP)
	$(BIN)/python -m benchmarks.rules
	$(BIN)/python -m benchmarks.search
	$(BIN)/python -m benchmarks.reminders
	$(BIN)/python -m benchmarks.classify
	$(BIN)/python -m benchmarks.rules --situational benchmarks/rules_situational_heldout.jsonl
	$(BIN)/python -m benchmarks.rules_cv
	$(BIN)/python -m benchmarks.concurrency

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache *.egg-info
