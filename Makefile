# make demo | make test | make lint -- each creates .venv and installs the project when missing or stale.
# make test-floor: the tests again, with every runtime dependency at the lowest version pyproject declares.
# Both spread the tests over every core (pytest-xdist, two workers a core; TEST_JOBS=1 for one process); .ci/run
# runs them side by side, one worker a core each.
# make lock: regenerate requirements.lock (the GitHub Action's pinned, hashed dependencies).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
FLOOR := .venv-floor
FLOOR_STAMP := $(FLOOR)/.installed-stamp
# Two workers a core: the tests mostly wait on what they start (agents, git, the sandbox, PostgreSQL), so one a
# core leaves the cores half idle (measured: 6 min 6 s with 2 workers, 3 min 50 s with 4; docs/benchmarks.md).
TEST_JOBS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
PYTEST := -m pytest -n $(TEST_JOBS) --dist worksteal
WORKFLOWS := action.yml .github/workflows/*.yml docs/examples/*.yml
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: demo test test-floor lint lock bench clean chromium postgres

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "cicd-agent needs Python 3.11 or newer: set PYTHON=python3.11 (or newer)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

# after the main venv: two editable installs at once would both write the source tree's egg-info
$(FLOOR_STAMP): pyproject.toml tools/floors.py | $(STAMP)
	@test -x $(FLOOR)/bin/python || $(PYTHON) -m venv $(FLOOR)
	$(PYTHON) tools/floors.py > $(FLOOR)/floors.txt
	$(FLOOR)/bin/python -m pip install --quiet --disable-pip-version-check -c $(FLOOR)/floors.txt -e '.[dev]'
	@touch $(FLOOR_STAMP)

demo: $(STAMP)
	$(BIN)/agent demo

test: $(STAMP)
	$(BIN)/python $(PYTEST)

test-floor: $(FLOOR_STAMP)
	@echo "dependencies at their declared floors:" $$(cat $(FLOOR)/floors.txt)
	$(FLOOR)/bin/python $(PYTEST)

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

# Debian's chromium for the dashboard's end-to-end test (tests/e2e/test_dashboard.py; skipped without it
# unless CICD_AGENT_REQUIRE_BROWSER=1, as .ci/run sets). Playwright drives it; it never downloads a browser.
chromium:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update && $(SUDO) apt-get install -y chromium; }

# Debian's postgresql for the store's tests on PostgreSQL (each test session starts its own server on a free
# loopback port; skipped without it unless CICD_AGENT_REQUIRE_POSTGRES=1, as .ci/run sets).
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || \
		{ $(SUDO) apt-get update && $(SUDO) apt-get install -y postgresql; }

bench: $(STAMP)
	$(BIN)/python benchmarks/analysis_speed.py
	$(BIN)/python benchmarks/cli_startup.py

clean:
	rm -rf $(VENV) $(FLOOR) .pytest_cache .mypy_cache .ruff_cache *.egg-info
