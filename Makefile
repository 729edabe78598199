# Two commands a user needs: `make demo` and `make test` (ruff lint, then pytest). Both create .venv on first use and
# reinstall into it whenever setup.cfg changes or a top-level package appears (the editable install
# maps the packages that exist when it runs); the stamp file tracks both.
PYTHON ?= python3
VENV := .venv
export TF_CPP_MIN_LOG_LEVEL ?= 2
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint format bench clean

$(STAMP): setup.cfg pyproject.toml $(wildcard */__init__.py)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --quiet -e '.[cpu,dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/keras-spp demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python benchmarks/spp_layer.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
