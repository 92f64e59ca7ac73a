# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
STATE  := .sandbox
JOBS   ?= 2

.PHONY: install demo test lint sandbox-start sandbox-stop sandbox-status bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	rm -f $(VENV)/.installed-*; touch $@

demo: install
	@.ci/system-deps --optional directory
	$(BIN)/python -m spkit.demo --state $(STATE) --parameters parameters --out out/demo

# The Debian packages the tests need (slapd, ldap-utils, chromium): installs what is missing with
# apt-get (as root, else sudo), else prints the one command to run; does nothing when all is there.
.PHONY: system-deps
system-deps:
	@.ci/system-deps

test: system-deps install
	$(BIN)/python -m pytest -n $(JOBS) -q

lint: install
	$(BIN)/ruff check spkit tests bench
	$(BIN)/ruff format --check spkit tests bench
	$(BIN)/lint-imports

sandbox-start: install
	$(BIN)/spkit sandbox start --detach --state $(STATE)

sandbox-stop: install
	$(BIN)/spkit sandbox stop --state $(STATE)

sandbox-status: install
	$(BIN)/spkit sandbox status --state $(STATE)

.PHONY: lab
# JupyterLab on notebooks/ (127.0.0.1), the sandbox started first when it is not running.
lab: install
	@.ci/system-deps --optional directory
	@$(BIN)/spkit sandbox status --state $(STATE) >/dev/null 2>&1 || $(BIN)/spkit sandbox start --detach --state $(STATE)
	SPKIT_SANDBOX_CARD=$(abspath $(STATE))/sandbox.json $(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=notebooks \
		$(if $(filter 0,$(shell id -u)),--allow-root)

# Each script starts its own sandboxes on temporary state directories (docs/benchmarks.md has the numbers).
bench: install
	$(BIN)/python bench/enumerate.py
	$(BIN)/python bench/throttle.py
	$(BIN)/python bench/bench_site_enumeration.py

.PHONY: docs
# docs/troubleshooting.md from the diagnosis catalog (spkit/diagnosis); a test fails when it is stale.
docs: install
	$(BIN)/python -m spkit.diagnosis.docs --out docs/troubleshooting.md

clean:
	-$(BIN)/spkit sandbox stop --state $(STATE)
	rm -rf $(VENV) out $(STATE) *.egg-info
