# Two commands do all the set-up: `make run` and `make test` (see README).
VENV    ?= .venv
PY      := $(VENV)/bin/python
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LAYOUT  ?= layouts/ai-factory-hall.yaml
PORT    ?= 8501
# exact versions of every dependency (all extras), resolved from pyproject.toml's ranges by
# `make lock`; installs use it as pip constraints, so each extra gets only what it needs
LOCK    := requirements/lock.txt
PIP_LOCKED = $(PY) -m pip install --quiet --constraint $(LOCK)
INSTALLING = @echo "twin: installing the pinned dependencies from $(LOCK) (the first time takes 1-2 min)"
UV_VERSION ?= 0.13.9
UV_COMPILE = $(VENV)/bin/uv pip compile pyproject.toml --extra dev --extra bench --universal \
	--python-version 3.11 --custom-compile-command 'make lock' --quiet -o $(LOCK)
# numba compiles the N-1 and FFD air-flow kernels once after installing, cached on disk
define COMPILE_KERNELS
@echo "twin: compiling the numba kernels (N-1 and FFD air flow, ~1-2 min the first time, then cached on disk)"
$(PY) -m twin.compile_kernels
endef

.PHONY: run test lint format bench chromium openfoam clean lock lock-upgrade lock-check

$(PY):
	@echo "twin: creating $(VENV) (a virtual environment for python3)"
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml $(LOCK) | $(PY)
	$(INSTALLING)
	$(PIP_LOCKED) -e .
	$(COMPILE_KERNELS)
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(LOCK) | $(PY)
	$(INSTALLING)
	$(PIP_LOCKED) -e '.[dev]'
	$(COMPILE_KERNELS)
	touch $@ $(VENV)/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "twin: installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

openfoam:
	@command -v buoyantSimpleFoam >/dev/null 2>&1 || { \
	  echo "twin: installing Debian's openfoam (v1912) for the CFD tests and twin cfd"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq openfoam >/dev/null; }

run: $(VENV)/.installed
	TWIN_LAYOUT=$(LAYOUT) $(VENV)/bin/python -m twin.app.run \
	  --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# both cores, one test file per worker (a file's module fixtures are built once); the workers
# share the session's FFD store (tests/conftest.py)
test: $(VENV)/.installed-dev chromium openfoam lint
	$(VENV)/bin/pytest -n 2 --dist loadfile

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/.installed-bench: pyproject.toml $(LOCK) $(VENV)/.installed-dev
	$(INSTALLING)
	$(PIP_LOCKED) -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) -m bench

# after changing dependencies in pyproject.toml: re-resolve the lock, keeping the pins that
# still fit (lock-upgrade: every pin to the newest release the ranges allow); commit both
$(VENV)/bin/uv: | $(PY)
	$(PY) -m pip install --quiet 'uv==$(UV_VERSION)'

lock: | $(VENV)/bin/uv
	@echo "twin: resolving pyproject.toml into $(LOCK) (uv)"
	$(UV_COMPILE)

lock-upgrade: | $(VENV)/bin/uv
	@echo "twin: resolving pyproject.toml into $(LOCK) at the newest allowed versions (uv)"
	$(UV_COMPILE) --upgrade

# CI: the lock must be what `make lock` gives for this pyproject.toml (uv keeps the pins
# already in the file, so this differs only when pyproject.toml changed without `make lock`)
lock-check: | $(VENV)/bin/uv
	@echo "twin: checking that $(LOCK) matches pyproject.toml"
	cp $(LOCK) $(VENV)/lock-check.txt
	$(UV_COMPILE:$(LOCK)=$(VENV)/lock-check.txt)
	@diff -u $(LOCK) $(VENV)/lock-check.txt || { \
	  echo "twin: $(LOCK) is out of date with pyproject.toml: run 'make lock' and commit it"; exit 1; }

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
