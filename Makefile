# InvestMap: `make run` starts the app on the demo data, `make test` runs the whole suite
# (on 2 workers: TEST_WORKERS=0 runs it in one process),
# `make test-fast` all but the tests marked slow, `make lint` ruff and mypy (CI runs it first),
# `make docs` builds the documentation site (site/). They set everything up first (Debian
# packages, .venv with every extra, offline map assets). From a checkout the InvestMap home
# (layers/paths.py: store, static/, state/) is the checkout itself unless INVESTMAP_HOME is set.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PORT   ?= 8501
# The project's packages, byte-compiled by `assets` so that the first command on a fresh
# machine (or one with PYTHONDONTWRITEBYTECODE set) does not compile them on every start.
PACKAGES := app.py cli geo layers exports webmap ui scale charts data

.PHONY: run test test-fast test-tools docs system-run system-test venv assets lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,dask,postgis,docs]'
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

# The suite runs on TEST_WORKERS pytest-xdist workers (0: in this process): each test module
# on one worker, the longest modules handed out first (tests/conftest.py), each worker with
# its own InvestMap home, PostGIS server and app servers.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadscope

test: system-test venv assets test-tools
	$(PYTEST)

test-fast: system-test venv assets test-tools
	$(PYTEST) -m "not slow"

docs: venv
	$(BIN)/python -m mkdocs build --strict --site-dir site

# Test-only tools from a package registry, fetched here (install time), never during the tests:
# the ES2017 syntax checker (npm acorn) for the published investor site.
test-tools: venv
	$(BIN)/python -c "from tests.js_syntax import acorn_path; acorn_path()"

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) static/vendor .pytest_cache site
