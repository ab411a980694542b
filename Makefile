# cxlib -- two commands on a fresh machine: `make reports`, then `make test`.
# Every target is idempotent; `make help` lists them.

PYTHON  ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
SAMPLE  := data/sample
DATA    ?= $(SAMPLE)
CONFIG  ?=
ONLY    ?=
OUT     ?= reports
CUSTOMERS ?= 20000
KERNEL  := cxlib
SAMPLE_CONFIG := configs/sample.yaml
# the sample's config (targets, owners, service promises) unless CONFIG names another
RUN_CONFIG = $(or $(CONFIG),$(if $(filter $(SAMPLE),$(DATA)),$(SAMPLE_CONFIG)))

.DEFAULT_GOAL := help
.PHONY: help venv sample reports validate test lint format unit nbtest lab kernel bench truth system-deps clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv and install cxlib (editable) with its dev, postgres and spark extras

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev,postgres,spark]"
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "Python (cxlib)" >/dev/null
	@touch $@

sample: $(SAMPLE)/TRUTH.json ## build the bundled sample data (20,000 customers) if missing

$(SAMPLE)/TRUTH.json: | $(STAMP)
	$(BIN)/python -m cxlib sample --out $(SAMPLE) --customers $(CUSTOMERS)

reports: $(STAMP) $(if $(filter $(SAMPLE),$(DATA)),sample) ## build the reports (DATA=folder|url CONFIG=file ONLY=names for real data)
	$(BIN)/python -m cxlib reports --data $(DATA) $(if $(RUN_CONFIG),--config $(RUN_CONFIG)) --out $(OUT) $(if $(ONLY),--only $(ONLY))

validate: $(STAMP) ## print the data-quality report of DATA
	$(BIN)/python -m cxlib validate --data $(DATA) $(if $(RUN_CONFIG),--config $(RUN_CONFIG))

test: lint unit nbtest ## lint + unit tests + notebook tests

lint: $(STAMP) ## ruff check and format check; notebooks must be stored without outputs
	$(BIN)/ruff check cxlib tests benchmarks
	$(BIN)/ruff format --check cxlib tests benchmarks
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
		$(BIN)/nbstripout --verify notebooks/*.ipynb || { echo "notebooks have outputs: run make format"; exit 1; }; fi

format: $(STAMP) ## apply ruff fixes and formatting; strip notebook outputs
	$(BIN)/ruff check --fix cxlib tests benchmarks
	$(BIN)/ruff format cxlib tests benchmarks
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(BIN)/nbstripout notebooks/*.ipynb; fi

unit: $(STAMP) ## unit, property and end-to-end tests, and the docstrings' examples (doctests)
	$(BIN)/python -m pytest -q

nbtest: $(STAMP) sample ## run the report notebooks under nbval (on the sample data)
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then \
		$(BIN)/python -m pytest -q --nbval-lax --nbval-kernel-name $(KERNEL) -p no:cacheprovider notebooks; \
	else echo "no notebooks yet"; fi

kernel: $(STAMP) ## register the project kernel ("Python (cxlib)") in the venv

lab: $(STAMP) sample ## open JupyterLab on the notebooks with the project kernel
	$(BIN)/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

bench: $(STAMP) ## print performance figures (load+validate throughput, ...)
	@for b in benchmarks/bench_*.py; do $(BIN)/python $$b || exit 1; done

truth: $(STAMP) ## the truth study: recovery of planted truths over many random worlds (prints figures)
	$(BIN)/python benchmarks/truth_study.py

DEB_PACKAGES := postgresql chromium openjdk-17-jre-headless

system-deps: ## install Debian's postgresql, chromium and a Java runtime (Spark parity test; needs root)
	@missing=""; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing openjdk-17-jre-headless"; \
	if [ -z "$$missing" ]; then echo "system packages present: $(DEB_PACKAGES)"; \
	else apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; fi

clean: ## remove generated data, reports and caches (keeps .venv)
	rm -rf $(SAMPLE) reports/* .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -not -path "./$(VENV)/*" -exec rm -rf {} +
