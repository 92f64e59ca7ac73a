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
	$(BIN)/python -m spkit.demo --state $(STATE) --parameters parameters --out out/demo

test: install
	$(BIN)/python -m pytest -n $(JOBS) -q

lint: install
	$(BIN)/ruff check spkit tests bench
	$(BIN)/ruff format --check spkit tests bench

sandbox-start: install
	$(BIN)/spkit sandbox start --detach --state $(STATE)

sandbox-stop: install
	$(BIN)/spkit sandbox stop --state $(STATE)

sandbox-status: install
	$(BIN)/spkit sandbox status --state $(STATE)

bench: install
	$(BIN)/python bench/bench_site_enumeration.py

clean:
	-$(BIN)/spkit sandbox stop --state $(STATE)
	rm -rf $(VENV) out $(STATE) *.egg-info
