# Two commands do all the set-up: `make run` and `make test` (see README).
VENV    ?= .venv
PY      := $(VENV)/bin/python
SUDO    := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
LAYOUT  ?= layouts/ai-factory-hall.yaml
PORT    ?= 8501
# numba compiles the N-1 kernel once after installing and caches it on disk
COMPILE_N1 = $(PY) -c 'from twin.scenarios.fast_power import warm; print(f"N-1 kernel compiled in {warm():.0f} s")'

.PHONY: run test lint format bench chromium clean

$(PY):
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	$(COMPILE_N1)
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	$(COMPILE_N1)
	touch $@ $(VENV)/.installed

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

run: $(VENV)/.installed
	TWIN_LAYOUT=$(LAYOUT) $(VENV)/bin/python -m twin.app.run \
	  --server.headless true --server.port $(PORT) --browser.gatherUsageStats false

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: $(VENV)/.installed-dev chromium lint
	$(VENV)/bin/pytest

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

$(VENV)/.installed-bench: pyproject.toml $(VENV)/.installed-dev
	$(PY) -m pip install --quiet -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(PY) -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
