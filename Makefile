# Two commands do all the setup on a fresh machine: `make demo` and `make test`.
# Python 3.12 comes from pyenv (.python-version) or the PATH.
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
# aws-sam-cli pins its own boto3, so it lives in its own environment, apart from the tests'.
SAM_ENV := .tools/sam
SAM := $(SAM_ENV)/bin/sam
# checkov pins boto3 1.35, networkx 2 and policy_sentry 0.13, which the tests' environment cannot take:
# it too lives in its own environment. Pinned exactly: a new release adds checks, and the gate fails on
# any failed check that template.yaml's Metadata does not list.
CHECKOV_ENV := .tools/checkov
CHECKOV := $(CHECKOV_ENV)/bin/checkov
# cfn-lint and sam validate run offline; they only need a Region and some credentials.
OFFLINE_AWS := SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 AWS_ACCESS_KEY_ID=offline AWS_SECRET_ACCESS_KEY=offline
PYTEST_ARGS ?=
# Python writes each module's bytecode once and reads it after, in every process the suite starts
# (two workers, the subprocess tests, icp local serve): some machines set this to turn that off,
# which costs each process seconds of compiling.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: setup demo test unit lint build deploy-check benchmarks clean acceptance

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (pyenv install 3.12, or set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	@touch $@

$(SAM_ENV)/.installed:
	$(PYTHON) -m venv $(SAM_ENV)
	$(SAM_ENV)/bin/pip install -q --upgrade pip
	$(SAM_ENV)/bin/pip install -q 'aws-sam-cli>=1.170,<2'
	@touch $@

$(CHECKOV_ENV)/.installed:
	$(PYTHON) -m venv $(CHECKOV_ENV)
	$(CHECKOV_ENV)/bin/pip install -q --upgrade pip
	$(CHECKOV_ENV)/bin/pip install -q 'checkov==3.3.30'
	@touch $@

demo: setup
	$(BIN)/icp local demo

lint: setup $(SAM_ENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python scripts/import_cycles.py
	$(BIN)/python scripts/build_asl.py --check
	$(BIN)/python scripts/module_sizes.py
	$(OFFLINE_AWS) $(BIN)/cfn-lint template.yaml
	$(OFFLINE_AWS) $(SAM) validate --lint

# The whole suite in one run on two workers: every e2e test under the default and the "hostile"
# readings of the evidence (docs/conformance.md, "Variants"; tests/e2e/conftest.py), and the
# acceptance suite against `icp local serve`.
test: lint
	ICP_ACCEPTANCE_LOCAL=1 $(BIN)/pytest -n 2 $(PYTEST_ARGS)

# The acceptance suite (tests/acceptance; README, "Acceptance tests in a real account"): a
# connection provisioned, drilled and decommissioned through the API. `make acceptance
# STACK=name ICP_ACCEPTANCE_REQUEST=request.yaml` runs it against a deployed stack with your AWS
# credentials (it creates a billed connection); without STACK, against `icp local serve`.
acceptance: setup
ifdef STACK
	ICP_ACCEPTANCE_STACK=$(STACK) $(BIN)/pytest tests/acceptance -s -rs $(PYTEST_ARGS)
else
	ICP_ACCEPTANCE_LOCAL=1 $(BIN)/pytest tests/acceptance -rs $(PYTEST_ARGS)
endif

unit: setup
	$(BIN)/pytest tests/unit -q

build: $(SAM_ENV)/.installed
	$(OFFLINE_AWS) $(SAM) build

# The deploy gate (README, "The deploy gate"): cfn-lint with informational rules, checkov on the
# template and its translation, the IAM checks, sam build and the package size.
deploy-check: setup $(SAM_ENV)/.installed $(CHECKOV_ENV)/.installed
	$(OFFLINE_AWS) $(BIN)/python -m icp_local.deploy_gate --checkov $(CHECKOV) --sam $(SAM)

benchmarks: setup
	$(BIN)/python benchmarks/lifecycle_cost.py

clean:
	rm -rf $(VENV) $(SAM_ENV) $(CHECKOV_ENV) .aws-sam
