# The README's commands. `make run` serves the app with a demo; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# The public address printed in links, mail and QR codes; the only host the app answers to
# (with localhost). Set it when serving on another interface: BASE_URL=http://192.168.1.10:8000
BASE_URL ?= http://$(HOST):$(PORT)
PYTEST_ARGS ?=

# setuptools warns on every editable install that a folder named like the package could shadow
# it; ours is that folder, on purpose (migrations/ and rules_templates/ are read from the checkout).
PIP_INSTALL := PYTHONWARNINGS="ignore:Editable installation:UserWarning" $(BIN)/pip install --quiet

.PHONY: run test test-fast test-scale lint bench bench-draw bench-stats bench-worker bench-documents install install-dev translations extract-messages clean

$(BIN)/python:
	scripts/system-packages.sh runtime
	@echo "Creating the virtual environment in $(VENV)"
	$(PYTHON) -m venv $(VENV)
	@$(PIP_INSTALL) --upgrade pip setuptools wheel

# Reinstall only when the declared dependencies change.
$(VENV)/.installed: setup.cfg pyproject.toml | $(BIN)/python
	@echo "Installing contests and its dependencies into $(VENV) (a minute or two the first time)"
	@$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed setup.cfg
	@echo "Installing the test extras (pytest, Playwright, ruff...)"
	@$(PIP_INSTALL) -e '.[dev]'
	@touch $@

install: $(VENV)/.installed translations

install-dev: $(VENV)/.installed-dev translations

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --use-fuzzy -d contests/translations --statistics

extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o contests/translations/messages.pot .
	$(BIN)/pybabel update -i contests/translations/messages.pot -d contests/translations --no-fuzzy-matching --ignore-obsolete

run: install
	$(BIN)/contests db upgrade
	CONTESTS_BASE_URL=$(BASE_URL) $(BIN)/contests demo
	@echo "Serving on $(BASE_URL) with a worker beside it (Ctrl+C stops both)."
	@echo "Mail: printed in this terminal by the worker (set CONTESTS_SMTP_URL to send it)."
	CONTESTS_BASE_URL=$(BASE_URL) scripts/serve.sh $(BIN) $(HOST) $(PORT)

# axe-core and the Nu HTML Checker, pinned in package-lock.json, for the browser tests.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

# Lint and format check (ruff, configured in pyproject.toml); part of `make test`, hence of CI.
lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: install-dev
	scripts/system-packages.sh test
	@$(MAKE) --no-print-directory node_modules/.installed
	$(MAKE) --no-print-directory lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup $(PYTEST_ARGS)

# The suite without the tests marked slow (real Chromium, subprocesses that migrate or serve the
# app, forked draw workers), on two processes (pytest-xdist): for the edit-test loop. About 50 s
# on SQLite alone, 85 s with CONTESTS_TEST_POSTGRES_URL set. `make test` runs everything.
# Three app servers and two workers behind HAProxy on PostgreSQL + Redis (tests/test_scale.py); also
# part of `make test`.
test-scale: install-dev
	scripts/system-packages.sh test
	$(BIN)/python -m pytest -m scale -s $(PYTEST_ARGS)

test-fast: install-dev
	$(BIN)/python -m pytest -m "not slow" -n 2 $(PYTEST_ARGS)

# Loads the app with wrk on SQLite and PostgreSQL against a bare reference (bench/entry_load.py).
bench: install-dev
	scripts/system-packages.sh bench
	$(BIN)/python bench/entry_load.py $(BENCH_ARGS)

# A million entries drawn on SQLite and PostgreSQL, the verifier, 10 million in memory (bench/draw_bench.py).
bench-draw: install-dev
	$(BIN)/python bench/draw_bench.py --backend sqlite $(BENCH_ARGS)
	$(BIN)/python bench/draw_bench.py --backend postgresql --in-memory 0 $(BENCH_ARGS)

# A contest's statistics over a million entries on SQLite and PostgreSQL (bench/stats_bench.py).
bench-stats: install-dev
	$(BIN)/python bench/stats_bench.py --backend sqlite $(BENCH_ARGS)
	$(BIN)/python bench/stats_bench.py --backend postgresql $(BENCH_ARGS)

# Mail through one and two workers against a real SMTP server on loopback (bench/worker_bench.py).
bench-worker: install-dev
	$(BIN)/python bench/worker_bench.py $(BENCH_ARGS)

# The rules PDF cold and cached, and the certificates (bench/documents_bench.py).
bench-documents: install-dev
	$(BIN)/python bench/documents_bench.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
