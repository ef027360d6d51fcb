# make demo | make test | make lint -- each creates .venv and installs the project when missing or stale.
# make test-floor: the tests again, with every runtime dependency at the lowest version pyproject declares.
# make lock: regenerate requirements.lock (the GitHub Action's pinned, hashed dependencies).
# make test and test-floor install Debian's postgresql package when it is missing (the store's tests run on
# SQLite and on a real PostgreSQL they start themselves); without root they say how, and those tests skip.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLOOR := .venv-floor
FLOOR_STAMP := $(FLOOR)/.installed-stamp
WORKFLOWS := action.yml .github/workflows/*.yml docs/examples/*.yml

.PHONY: demo test test-floor lint lock bench clean postgres

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cicd-agent needs Python 3.11 or newer: set PYTHON=python3.11 (or newer)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

$(FLOOR_STAMP): pyproject.toml tools/floors.py
	@test -x $(FLOOR)/bin/python || $(PYTHON) -m venv $(FLOOR)
	$(PYTHON) tools/floors.py > $(FLOOR)/floors.txt
	$(FLOOR)/bin/python -m pip install --quiet --disable-pip-version-check -c $(FLOOR)/floors.txt -e '.[dev]'
	@touch $(FLOOR_STAMP)

demo: $(STAMP)
	$(BIN)/agent demo

postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	{ if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	else echo "PostgreSQL is not installed: sudo apt-get install postgresql (its tests skip without it)"; fi; }

test: $(STAMP) postgres
	$(BIN)/python -m pytest

test-floor: $(FLOOR_STAMP) postgres
	@echo "dependencies at their declared floors:" $$(cat $(FLOOR)/floors.txt)
	$(FLOOR)/bin/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/zizmor --offline --quiet --persona auditor $(WORKFLOWS)
	$(BIN)/actionlint .github/workflows/*.yml docs/examples/*.yml

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip compile pyproject.toml --universal --generate-hashes --python-version 3.11 \
		--no-emit-package pip --custom-compile-command "make lock" --quiet -o requirements.lock

bench: $(STAMP)
	$(BIN)/python benchmarks/analysis_speed.py
	$(BIN)/python benchmarks/cli_startup.py

clean:
	rm -rf $(VENV) $(FLOOR) .pytest_cache .mypy_cache .ruff_cache *.egg-info
