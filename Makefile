# InvestMap: `make run` starts the app on the demo data, `make test` runs the whole suite,
# `make test-fast` all but the tests marked slow, `make lint` ruff and mypy (CI runs it first).
# Both set everything up first (Debian packages, .venv, offline map assets).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# The project's packages, byte-compiled by `assets` so that the first command on a fresh
# machine (or one with PYTHONDONTWRITEBYTECODE set) does not compile them on every start.
PACKAGES := app.py cli geo layers exports webmap ui scale charts data

.PHONY: run test test-fast system-run system-test venv assets lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

venv: $(STAMP)

assets: venv
	$(BIN)/investmap assets
	$(BIN)/python -m compileall -q $(PACKAGES)

system-run:
	bash scripts/setup-system.sh run

system-test:
	bash scripts/setup-system.sh test

run: system-run venv assets
	$(BIN)/python -m ui.serve --server.port $(PORT)

test: system-test venv assets
	$(BIN)/python -m pytest -q

test-fast: system-test venv assets
	$(BIN)/python -m pytest -q -m "not slow"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
