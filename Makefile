# Entry points. Each creates .venv from the pinned requirements when it is missing or out of date.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STACK ?= dev
# The stack's config file: Pulumi.<stack>.yaml at the root, else stacks/<stack>.yaml.
CONFIG_FILE = $(if $(wildcard Pulumi.$(STACK).yaml),,--config-file stacks/$(STACK).yaml)

.PHONY: plan validate plan-diff restore-home test test-cluster cluster cluster-build lint format docs bench bench-class bench-department mutation screenshots preview up clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.program: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.program
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The security scanner has its own virtualenv: its pins conflict with the program's.
.venv-checkov/.installed: requirements-checkov.txt
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

# The policy pack's own virtualenv, as Pulumi makes it from policy/requirements.txt (the type checker reads it).
.venv-policy/.installed: policy/requirements.txt
	$(PYTHON) -m venv .venv-policy
	.venv-policy/bin/pip install --quiet -r policy/requirements.txt
	touch $@

# The real configurable-http-proxy for the end-to-end tests (the version of the pinned proxy image).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## plan: the whole plan of STACK offline (no cloud, no cluster, no Pulumi CLI) into build/STACK/
plan: $(VENV)/.program
	$(BIN)/python -m tools.plan $(STACK)

## validate: check STACK's config file offline (what `pulumi up` checks first)
validate: $(VENV)/.program
	$(BIN)/python -m tools.validate $(STACK)

## plan-diff: what changes between the plan of STACK at BASE (a git ref) and the working tree
BASE ?= origin/main
plan-diff: $(VENV)/.program
	$(BIN)/python -m tools.plan_diff $(STACK) --base $(BASE) $(if $(FORMAT),--format $(FORMAT),)

## restore-home: the objects that restore STUDENT's home of HUB (stack STACK) from SNAPSHOT (| kubectl apply -f -)
restore-home: $(VENV)/.dev
	@$(BIN)/python -m tools.restore_home $(STACK) --hub $(HUB) --user $(STUDENT) --snapshot $(SNAPSHOT)

## test: lint, then every test of the fast tier (browser tests need Debian's chromium, which .ci/run installs)
test: lint .venv-checkov/.installed
	$(BIN)/python -m pytest --ignore=tests/cluster

## cluster-build: build the real control plane (etcd, Kubernetes 1.35, KWOK) from Go modules, once, into
## ~/.cache/jupyterhub-pulumi/testcluster (about 9 minutes cold on 2 cores; seconds when cached)
cluster-build:
	testcluster/build.sh

## cluster: a real control plane on 127.0.0.1 with the dev stack's nodes, until Ctrl-C (prints KUBECONFIG)
cluster: cluster-build $(VENV)/.dev
	$(BIN)/python -m tests.cluster.control_plane

## test-cluster: the cluster tier: every stack applied to a real API server, user servers spawned through it
test-cluster: cluster-build $(VENV)/.dev node_modules/.installed
	$(BIN)/python -m pytest tests/cluster

## lint: ruff, then pyright (standard mode) on the program, tools, policy pack and benchmark: 0 errors
lint: $(VENV)/.dev node_modules/.installed .venv-policy/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	node_modules/.bin/pyright

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## docs: regenerate docs/configuration.md, docs/stack-config.schema.json and docs/hub-settings.schema.json from the models
docs: $(VENV)/.program
	$(BIN)/python -m tools.docs

## screenshots: refresh docs/screenshots/ (shown in the README) from a real browser session
screenshots: $(VENV)/.dev node_modules/.installed
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest -q tests/e2e/test_browser.py

## bench: plan time and memory against the floor, for the dev stack and for departments of 1, 50 and
## 500 hubs with the per-hub marginal cost (about 7 minutes on 2 cores)
bench: $(VENV)/.dev
	$(BIN)/python bench/plan_bench.py
	$(BIN)/python bench/content_bench.py
	$(BIN)/python bench/department_bench.py

## bench-class: N students start servers at once through the dev hub and proxy on the stand-in cluster
## (root: network namespaces, as the end-to-end tests; about 3 minutes for 1, 10, 20 and 40)
bench-class: $(VENV)/.dev
	$(BIN)/python bench/class_bench.py

## bench-department: only the department plans (about 6 minutes)
bench-department: $(VENV)/.dev
	$(BIN)/python bench/department_bench.py

# Cosmic Ray has its own virtualenv: it is a tool, not a test dependency.
.venv-mutation/.installed: requirements-mutation.txt
	$(PYTHON) -m venv .venv-mutation
	.venv-mutation/bin/pip install --quiet -r requirements-mutation.txt
	touch $@

## mutation: plant small defects in components/ (and the hub config) one at a time and run the tests that
## guard each; prints the score per area (AREA=hub-config|hub-settings|network|config|objects; default all: hours).
## RECHECK=1: plant the last run's survivors again against today's tests
mutation: $(VENV)/.dev .venv-mutation/.installed node_modules/.installed
	$(BIN)/python -m tools.mutation $(if $(RECHECK),--recheck,) $(AREA)

## preview / up: the real Pulumi CLI (pulumi login first)
preview: $(VENV)/.program
	pulumi preview --stack $(STACK) $(CONFIG_FILE) --diff

up: $(VENV)/.program
	pulumi up --stack $(STACK) $(CONFIG_FILE)

clean:
	rm -rf build .pytest_cache .ruff_cache
