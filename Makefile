# listdrop: every entry point for people and CI. `make run` and `make test` set everything up themselves.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
# checkov in a venv of its own: its pins clash with ours (requirements-checkov.txt).
CHECKOV_VENV := .venv-checkov
CHECKOV_STAMP := $(CHECKOV_VENV)/.installed
LAYER_DIR := .build/lambda-layer
LAYER_STAMP := $(LAYER_DIR)/.installed
# The Lambda runtime and architecture of infra/constructs/function.py: the layer's wheels must match them.
LAYER_PLATFORM := --platform manylinux_2_28_x86_64 --implementation cp --python-version 3.13 --abi cp313
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PIP_DISABLE_PIP_VERSION_CHECK := 1

PORT ?= 4566
HOST ?= 127.0.0.1
PYTEST_ARGS ?=
# What the complexity gate reads: all the code but the tests.
COMPLEXITY_PATHS := functions infra localcloud app.py bench tools

.PHONY: help install layer models checkov-venv run demo test bench load lint complexity typecheck synth cfn-lint clean

help:
	@echo "make run        start the embedded local cloud, drop the examples, serve until Ctrl-C (HOST=, PORT=)"
	@echo "make demo       run the examples once; exit non-zero if a notification is missing or wrong"
	@echo "make test       make lint, then the whole test suite (unit, infrastructure, emulator, end to end)"
	@echo "make bench      the checker's throughput and memory figures (a 1 GiB file in /tmp), polling's polls, lag"
	@echo "                and cost per job, the handlers' import time against boto3's (cold start), then make load"
	@echo "make load       1,000 files at once into the local cloud under injected faults: burst and chaos runs"
	@echo "make lint       ruff (lint and format check), mypy --strict, then make complexity"
	@echo "make complexity  xenon: fail on any function or method radon grades D or worse (complexity above 20)"
	@echo "make layer      build listdrop's Lambda layer (requirements-layer.txt) into $(LAYER_DIR)"
	@echo "make checkov-venv  create $(CHECKOV_VENV) with the pinned checkov (make test does it for you)"
	@echo "make models     copy the pinned botocore's job-API models into functions/aws-models (after a bump)"
	@echo "make synth      synthesize the CloudFormation template into cdk.out/ (pinned CDK CLI)"
	@echo "make clean      remove the virtual environment, node_modules and build output"

$(STAMP): requirements.txt requirements-dev.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=23.2"
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	# What earlier versions of this Makefile wrote in place of the package: a .pth file and a shell wrapper.
	rm -f $(VENV)/lib/python3*/site-packages/listdrop.pth $(BIN)/listdrop
	# listdrop itself, editable (pyproject.toml): the `listdrop` command; `listdrop` and `listdrop_cdk` importable. No
	# build isolation: the build uses the setuptools requirements-dev.txt pins, with no download.
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(CHECKOV_STAMP): requirements-checkov.txt constraints-checkov.txt
	test -x $(CHECKOV_VENV)/bin/python || $(PYTHON) -m venv $(CHECKOV_VENV)
	$(CHECKOV_VENV)/bin/python -m pip install --quiet --upgrade "pip>=23.2"
	$(CHECKOV_VENV)/bin/python -m pip install --quiet -r requirements-checkov.txt -c constraints-checkov.txt
	touch $@

checkov-venv: $(CHECKOV_STAMP)

# listdrop's own Lambda layer (infra/constructs/dependencies.py): pinned wheels for the Lambda runtime,
# downloaded, not built, so no Docker is needed and the result is the same on any machine.
$(LAYER_STAMP): requirements-layer.txt $(STAMP)
	rm -rf $(LAYER_DIR)
	$(BIN)/python -m pip install --quiet --no-deps --only-binary=:all: $(LAYER_PLATFORM) \
		--target $(LAYER_DIR)/python -r requirements-layer.txt
	find $(LAYER_DIR)/python -depth -type d \( -name tests -o -name __pycache__ \) -exec rm -rf {} +
	touch $@

layer: $(LAYER_STAMP)

# The job APIs' models the functions load in AWS instead of the runtime's (functions/listdrop/service_models.py).
models: $(STAMP)
	$(BIN)/python tools/refresh_service_models.py

install: $(STAMP) $(NPM_STAMP) $(LAYER_STAMP) $(CHECKOV_STAMP)

run: $(STAMP) $(LAYER_STAMP)
	$(BIN)/python -m localcloud --host $(HOST) --port $(PORT)

demo: $(STAMP) $(LAYER_STAMP)
	$(BIN)/python -m localcloud --host $(HOST) --port $(PORT) --once

# Each tier in its own process: moto's in-process mocks (unit) and the servers (emulator, local cloud)
# share moto's global state, so they must not meet in one interpreter.
test: $(STAMP) $(NPM_STAMP) $(LAYER_STAMP) $(CHECKOV_STAMP) lint
	$(BIN)/python -m pytest -n 2 tests/unit tests/infra $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/emulator $(PYTEST_ARGS)
	$(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

bench: $(STAMP) $(LAYER_STAMP)
	$(BIN)/python bench/validation.py $(BENCH_ARGS)
	$(BIN)/python bench/polling.py
	$(BIN)/python bench/coldstart.py
	$(BIN)/python bench/list_export.py
	$(BIN)/python bench/burst.py $(LOAD_ARGS)

load: $(STAMP) $(LAYER_STAMP)
	$(BIN)/python bench/list_export.py
	$(BIN)/python bench/burst.py $(LOAD_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(MAKE) --no-print-directory complexity

# Radon's grades: A-C up to a cyclomatic complexity of 20, D from 21 (https://radon.readthedocs.io).
complexity: $(STAMP)
	$(BIN)/xenon --max-absolute C $(COMPLEXITY_PATHS)

synth: $(STAMP) $(NPM_STAMP) $(LAYER_STAMP)
	npx cdk synth --quiet

clean:
	rm -rf $(VENV) $(CHECKOV_VENV) node_modules cdk.out .build .pytest_cache .mypy_cache .ruff_cache
