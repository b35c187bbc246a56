# The README's commands. `make run` serves the app with a demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
PYTEST_ARGS ?=

.PHONY: run test bench bench-draw bench-documents install install-dev translations extract-messages clean

$(BIN)/python:
	scripts/system-packages.sh runtime
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel

# Reinstall only when the declared dependencies change.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed setup.cfg
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --use-fuzzy -d contests/translations --statistics

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o contests/translations/messages.pot .
	$(BIN)/pybabel update -i contests/translations/messages.pot -d contests/translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/contests db upgrade
	CONTESTS_BASE_URL=http://$(HOST):$(PORT) $(BIN)/contests demo
	@echo "Serving on http://$(HOST):$(PORT) (Ctrl+C to stop)"
	$(BIN)/contests run --host $(HOST) --port $(PORT)

# axe-core and the Nu HTML Checker, pinned in package-lock.json, for the browser tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts
	touch $@

test: install-dev
	scripts/system-packages.sh test
	$(MAKE) node_modules/.installed
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Loads the app with wrk on SQLite and PostgreSQL against a bare reference (bench/entry_load.py).
bench: install-dev
	scripts/system-packages.sh bench
	$(BIN)/python bench/entry_load.py $(BENCH_ARGS)

# A million entries drawn on SQLite and PostgreSQL, the verifier, 10 million in memory (bench/draw_bench.py).
bench-draw: install-dev
	$(BIN)/python bench/draw_bench.py --backend sqlite $(BENCH_ARGS)
	$(BIN)/python bench/draw_bench.py --backend postgresql --in-memory 0 $(BENCH_ARGS)

# The rules PDF cold and cached, and the certificates (bench/documents_bench.py).
bench-documents: install-dev
	$(BIN)/python bench/documents_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
