# The two commands: `make run` (whole system on embedded defaults) and `make test`.
SHELL := /bin/bash
# uv from PATH, else a private copy bootstrapped into .tools/ (no system pip involved).
UV ?= $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
VENV := .venv/.synced

.PHONY: run test bench lint schemas env browser

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv==0.13.9

$(VENV): pyproject.toml uv.lock | $(UV)
	@test -x "$(UV)" || (echo "uv not found at $(UV)" >&2; exit 1)
	$(UV) sync --frozen --python 3.11
	touch $(VENV)

env: $(VENV)

run: $(VENV)
	.venv/bin/python -m tools.run

# Debian's chromium, CJK fonts and nginx, for the browser and proxy tests (no-op when installed).
browser:
	bash tools/install_test_packages.sh

test: $(VENV) browser
	.venv/bin/python -m pytest

bench: $(VENV)
	.venv/bin/python -m tools.bench $(BENCH_ARGS)

lint: $(VENV)
	.venv/bin/ruff check . && .venv/bin/mypy contracts reference_data service_runtime services tools tests

# Everything written from the code: event schemas and AsyncAPI, the lists of services in
# docker-compose.yml and the README, the Kubernetes manifests (tests check each is current).
schemas: $(VENV)
	.venv/bin/python -m contracts.export
	.venv/bin/python -m tools.topology_sections
	.venv/bin/python -m tools.k8s_manifests
