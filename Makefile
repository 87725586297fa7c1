# The two commands: `make run` (whole system on embedded defaults) and `make test`.
SHELL := /bin/bash
UV ?= $(shell command -v uv 2>/dev/null || echo $(HOME)/.local/bin/uv)
VENV := .venv/.synced

.PHONY: run test bench lint schemas env

$(UV):
	python3 -m pip install --user --quiet uv==0.13.9

$(VENV): pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --python 3.11
	touch $(VENV)

env: $(VENV)

run: $(VENV)
	.venv/bin/python -m tools.run

test: $(VENV)
	.venv/bin/python -m pytest

bench: $(VENV)
	.venv/bin/python -m tools.bench $(BENCH_ARGS)

lint: $(VENV)
	.venv/bin/ruff check . && .venv/bin/mypy contracts service_runtime services

schemas: $(VENV)
	.venv/bin/python -m contracts.export
