# emoclip-plugin: the two commands a newcomer needs (README.md), plus the environment they share.
# Every target sets up the environment first if needed (into .venv/, or the active virtual environment).
SHELL := /bin/bash
PYTHON := $(if $(VIRTUAL_ENV),$(VIRTUAL_ENV)/bin/python,$(CURDIR)/.venv/bin/python)

.PHONY: setup bench test perf
setup:
	@bash scripts/setup_env.sh

bench: setup  ## the main job: benchmarks/run_all.py on the embedded default (ARGS="..." to pass options)
	$(PYTHON) benchmarks/run_all.py $(ARGS)

test: setup  ## the test suite
	$(PYTHON) -m pytest -q $(ARGS)

perf: setup  ## speed figures (features, models)
	$(PYTHON) benchmarks/perf_features.py
	$(PYTHON) benchmarks/perf_models.py
