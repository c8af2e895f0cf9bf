# The two commands: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SITE_URL ?= http://$(HOST):$(PORT)
export HOST PORT SITE_URL

.PHONY: install run test test-sqlite test-postgres lint fmt typecheck bench bench-locust migrate seed clean lock lighthouse sandbox

# Installs exactly what requirements.lock lists (hashes checked), then Agora itself.
$(VENV)/.installed: pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	PYTHONWARNINGS=ignore $(PY) -m pip install --quiet --no-deps -e .
	touch $@

# After changing dependencies in pyproject.toml: resolve them again into requirements.lock
# (pins already there stay; `make lock LOCK_ARGS=--upgrade` takes the newest in range).
lock:
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install --quiet "pip-tools>=7.4,<8"
	.venv-lock/bin/pip-compile --quiet $(LOCK_ARGS) --generate-hashes --extra dev --strip-extras \
		--allow-unsafe --no-emit-index-url --no-emit-find-links -o requirements.lock pyproject.toml

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

run: seed
	$(PY) manage.py serve --host $(HOST) --port $(PORT)

# Lighthouse (Node.js) for the accessibility and best-practices audits in the browser tests:
# installed by `make test` where npm is on the machine, exactly as package-lock.json pins it.
LIGHTHOUSE := tools/lighthouse/node_modules/.package-lock.json
$(LIGHTHOUSE): tools/lighthouse/package.json tools/lighthouse/package-lock.json
	npm ci --prefix tools/lighthouse --no-audit --no-fund --loglevel=error

lighthouse: $(LIGHTHOUSE)

test: install $(if $(shell command -v npm),$(LIGHTHOUSE)) sandbox
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Code exercises run under bubblewrap: installed from Debian's packages where we may.
sandbox:
	@command -v bwrap >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
	  && (apt-get install -y -qq bubblewrap >/dev/null 2>&1 \
	      || (apt-get update -qq && apt-get install -y -qq bubblewrap >/dev/null)); } \
	  || echo "bubblewrap is missing: code exercise tests will fail (apt-get install bubblewrap)"

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy agora
	$(VENV)/bin/lint-imports

fmt: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

typecheck: install
	$(VENV)/bin/mypy agora

bench: install
	$(PY) bench/run.py

USERS ?= 200
MINUTES ?= 3
bench-locust: install  # simulated learners (bench/locust/); needs the bench extra (locust)
	$(VENV)/bin/pip install -q -e '.[bench]'
	$(PY) bench/locust/run.py --users $(USERS) --minutes $(MINUTES)

clean:
	rm -rf $(VENV) .venv-lock var .pytest_cache .mypy_cache .ruff_cache tools/lighthouse/node_modules
