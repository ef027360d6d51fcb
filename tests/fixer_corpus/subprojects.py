# ruff: noqa: E501
"""Cases from an adversarial review (issue 23's fixers on shapes they had not seen), written after real
repositories: a FastAPI template's uv workspace (a virtual root, the app in backend/, the tests run with
`working-directory: backend`), monorepos whose packages each keep a pyproject (exporters, libs/*), a
service whose install is `cd service && pip install -r requirements.txt` beside a docs requirements file
at the root, Go repositories of many modules (one go.mod per exporter, jobs in a module's directory) and
a vendored Go module; coverage data (`.coverage.*`, hidden files) uploaded through the retired artifact
actions, a composite action that uploads under a fixed name from a matrix job, a local action kept
outside .github/actions, steps shared with YAML anchors; a time limit hit in a called workflow whose job
shares its name with a job of the caller."""

from __future__ import annotations

from fixer_corpus import Case
from fixer_corpus.deprecated_actions import EXIT, FAILED
from fixer_corpus.missing_dependencies import collecting, traceback
from fixer_corpus.node_go import MAIN, NO_MODULE
from fixer_corpus.timeouts import exceeded

WF = ".github/workflows/ci.yml"
D, M, T = "deprecated-action", "missing-dependency", "timeout"

# -- a uv workspace: a virtual root holding the tooling groups, the application in backend/ ------------

UV_ROOT = """[dependency-groups]
dev = [
    "ruff",
]

[tool.uv.workspace]
members = ["backend"]
"""
UV_BACKEND = """[project]
name = "app"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "httpx",
]

[dependency-groups]
dev = [
    "pytest",
    "pytest-cov",
]

[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"
"""
UV_WF = """name: Test Backend
on:
  push:
    branches: [master]
  pull_request:
jobs:
  test-backend:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: astral-sh/setup-uv@v6
      - name: Run tests
        run: uv run bash scripts/tests-start.sh
        working-directory: backend
"""
UV_FILES = {
    "pyproject.toml": UV_ROOT,
    "uv.lock": 'version = 1\nrequires-python = ">=3.10"\n',
    "backend/pyproject.toml": UV_BACKEND,
    "backend/app/__init__.py": "",
    "backend/app/main.py": "import httpx\n",
    "backend/scripts/tests-start.sh": "#!/usr/bin/env bash\nset -e\ncoverage run -m pytest tests\n",
    WF: UV_WF,
}

# -- a monorepo of packages, each with its own pyproject; a tooling pyproject at the root ---------------

TOOLS_ROOT = """[project]
name = "monorepo-tools"
version = "0"
requires-python = ">=3.10"

[tool.ruff]
line-length = 100
"""
CORE = """[project]
name = "acme-core"
version = "1.2.0"
requires-python = ">=3.10"
dependencies = [
    "httpx>=0.27",
]

[project.optional-dependencies]
test = [
    "pytest>=8",
]

[build-system]
requires = ["setuptools>=69"]
build-backend = "setuptools.build_meta"
"""
LIBS_WF = """name: core
on: [push, pull_request]
defaults:
  run:
    working-directory: libs/core
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e ".[test]"
      - run: pytest
"""
LIBS_FILES = {
    "pyproject.toml": TOOLS_ROOT,
    "libs/core/pyproject.toml": CORE,
    "libs/core/acme_core/__init__.py": "",
    "libs/core/acme_core/render.py": "import yaml\n",
    "libs/core/tests/test_render.py": "from acme_core.render import x\n",
    WF: LIBS_WF,
}
LIBS_LOG = collecting(
    "tests/test_render.py",
    [("tests/test_render.py", 1, "from acme_core.render import x"), ("acme_core/render.py", 1, "import yaml")],
    "yaml",
).replace("/home/runner/work/proj/proj/tests", "/home/runner/work/proj/proj/libs/core/tests")

# -- a service installed with `cd service && ...`, beside the docs' requirements at the root ----------

SERVICE_WF = """name: service
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: cd service && pip install -r requirements.txt
      - run: cd service && python -m app.worker
"""
SERVICE_FILES = {
    "requirements.txt": "mkdocs-material==9.5.39\n",
    "service/requirements.txt": "httpx==0.28.1\nrich==13.9.4\n",
    "service/app/__init__.py": "",
    "service/app/worker.py": "import dateutil.parser\n",
    WF: SERVICE_WF,
}

# -- Go: a repository of many modules, a job in one module's directory --------------------------------

GO_MULTI_WF = """name: zipkin
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version-file: exporters/zipkin/go.mod
      - run: go test ./...
        working-directory: exporters/zipkin
"""
GO_MULTI_FILES = {
    "go.mod": "module example.com/otel\n\ngo 1.22\n",
    "trace.go": "package otel\n",
    "exporters/zipkin/go.mod": "module example.com/otel/exporters/zipkin\n\ngo 1.22\n",
    "exporters/zipkin/zipkin.go": MAIN.format(pkg="example.org/slug").replace("package main", "package zipkin"),
    WF: GO_MULTI_WF,
}
GO_MULTI_LOG = NO_MODULE.format(pkg="example.org/slug").replace("cmd/shop/main.go", "zipkin.go")

GO_VENDOR_WF = """name: Go
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version-file: go.mod
      - run: go build -mod=vendor ./...
"""

# -- the retired artifact actions carrying coverage data (hidden files) ------------------------------

COVERAGE = """name: CI
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python-version: ["3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - run: python -m pip install tox
      - run: python -m tox -e py
      - name: Upload coverage data
        uses: actions/upload-artifact@v3
        with:
          name: coverage-data-${{ matrix.python-version }}
          path: .coverage.*
          if-no-files-found: ignore

  coverage:
    needs: tests
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - name: Download coverage data
        uses: actions/download-artifact@v3
        with:
          name: coverage-data-3.12
      - run: python -m pip install coverage && coverage combine && coverage report --fail-under=95
"""
TOX_DIR = """name: CI
on: [push]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run tox -e py312
      - uses: actions/upload-artifact@v3
        with: {name: tox-logs, path: .tox/py312/log}
"""

# -- a composite action uploading a fixed name, run by a matrix job -----------------------------------

REPORT_ACTION = """name: Test report
description: Upload the JUnit report
runs:
  using: composite
  steps:
    - uses: actions/upload-artifact@v3
      with:
        name: test-report
        path: reports/junit.xml
"""
REPORT_WF = """name: CI
on: [push]
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    steps:
      - uses: actions/checkout@v4
      - run: make test
      - uses: ./.github/actions/test-report
"""

# -- a local action kept outside .github/actions -------------------------------------------------------

SETUP_ACTION = """name: Set up the toolchain
description: Python and a pip cache
runs:
  using: composite
  steps:
    - uses: actions/setup-python@v5
      with:
        python-version: "3.12"
    - uses: actions/cache@v2
      with:
        path: ~/.cache/pip
        key: pip-${{ hashFiles('requirements/*.txt') }}
"""
SETUP_WF = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./tools/ci/setup
      - run: make test
"""

# -- steps shared between jobs with YAML anchors --------------------------------------------------------

ANCHORS = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - &checkout
        uses: actions/checkout@v4
      - &cache
        uses: actions/cache@v2 # pip's wheels
        with: {path: ~/.cache/pip, key: "pip-${{ hashFiles('requirements.txt') }}"}
      - run: make test
  lint:
    runs-on: ubuntu-latest
    steps:
      - *checkout
      - *cache
      - run: make lint
"""

# -- a time limit hit inside a called workflow --------------------------------------------------------

CALLER = """name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: make
  integration:
    needs: build
    uses: ./.github/workflows/integration.yml
"""
CALLED = """name: integration
on:
  workflow_call:
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - run: make integration
"""
REMOTE_CALLER = """name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - run: make
  release:
    uses: acme/shared-workflows/.github/workflows/build.yml@v2
"""

MATRIX_DIR_WF = """name: packages
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        package: [libs/core, libs/cli]
    defaults:
      run:
        working-directory: ${{ matrix.package }}
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e ".[test]"
      - run: pytest
"""
ROOT_INSTALL_WF = """name: core
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e . -e "./libs/core[test]"
      - run: pytest libs/core/tests
"""

CASES: list[Case] = [
    Case(
        "uv-workspace-member-test-import",
        M,
        "a FastAPI template: a virtual uv workspace root (tooling group dev), the app in backend/ with its own dev group, tests run with working-directory: backend, uv.lock at the root",
        {**UV_FILES, "backend/tests/test_api.py": "import freezegun\n"},
        collecting("tests/test_api.py", [("tests/test_api.py", 1, "import freezegun")], "freezegun").replace(
            "/proj/proj/tests", "/proj/proj/backend/tests"
        ),
        edits={"backend/pyproject.toml": [('    "pytest-cov",\n]', '    "pytest-cov",\n    "freezegun",\n]')]},
        generated={"uv.lock": 'name = "freezegun"'},
        job="test-backend",
    ),
    Case(
        "uv-workspace-member-runtime-import",
        M,
        "the same workspace: the app itself imports a module nobody declared",
        {
            **UV_FILES,
            "backend/app/main.py": "import httpx\nimport yaml\n",
            "backend/tests/test_api.py": "from app.main import x\n",
        },
        collecting(
            "tests/test_api.py",
            [("tests/test_api.py", 1, "from app.main import x"), ("app/main.py", 2, "import yaml")],
            "yaml",
        )
        .replace("/proj/proj/tests", "/proj/proj/backend/tests")
        .replace("/proj/proj/app", "/proj/proj/backend/app"),
        edits={"backend/pyproject.toml": [('    "httpx",\n]', '    "httpx",\n    "PyYAML",\n]')]},
        generated={"uv.lock": 'name = "pyyaml"'},
        job="test-backend",
    ),
    Case(
        "package-of-a-monorepo-under-defaults-working-directory",
        M,
        "libs/core has its own pyproject and CI runs there (defaults.run.working-directory); the root pyproject only configures tools",
        LIBS_FILES,
        LIBS_LOG,
        edits={"libs/core/pyproject.toml": [('    "httpx>=0.27",\n]', '    "httpx>=0.27",\n    "PyYAML",\n]')]},
    ),
    Case(
        "service-installed-after-cd",
        M,
        "`cd service && pip install -r requirements.txt`; the root requirements.txt is the docs'",
        SERVICE_FILES,
        traceback([("service/app/worker.py", 1, "import dateutil.parser")], "dateutil"),
        edits={"service/requirements.txt": [("rich==13.9.4\n", "rich==13.9.4\npython-dateutil==2.9.0.post0\n")]},
    ),
    Case(
        "go-module-of-a-multi-module-repository",
        M,
        "one go.mod per exporter; the job runs `go test ./...` in exporters/zipkin, whose file the error names relative to it",
        GO_MULTI_FILES,
        GO_MULTI_LOG,
        edits={"exporters/zipkin/go.mod": [("go 1.22\n", "go 1.22\n\nrequire example.org/slug v1.1.0\n")]},
        generated={"exporters/zipkin/go.sum": "example.org/slug v1.1.0 h1:"},
    ),
    Case(
        "go-vendored-module",
        M,
        "a module that vendors its dependencies and builds with -mod=vendor: go.mod alone cannot go green",
        {
            "go.mod": "module example.com/shop\n\ngo 1.22\n",
            "vendor/modules.txt": "# explicit; go 1.22\n",
            "cmd/shop/main.go": MAIN.format(pkg="example.org/slug"),
            WF: GO_VENDOR_WF,
        },
        NO_MODULE.format(pkg="example.org/slug"),
        refusal="vendor",
        fix_exists=False,
        job="build",
    ),
    Case(
        "artifact-coverage-data-is-hidden",
        D,
        "coverage data files (.coverage.*) uploaded per matrix leg: v4.4+ leaves hidden files out unless include-hidden-files is set, as maintainers did when they moved",
        {WF: COVERAGE},
        FAILED.format("actions/upload-artifact: v3") + EXIT,
        edits={
            WF: [
                (
                    "        uses: actions/upload-artifact@v3\n        with:\n          name: coverage-data-${{ matrix.python-version }}\n          path: .coverage.*\n          if-no-files-found: ignore\n",
                    "        uses: actions/upload-artifact@v7\n        with:\n          name: coverage-data-${{ matrix.python-version }}\n          path: .coverage.*\n          if-no-files-found: ignore\n          include-hidden-files: true\n",
                ),
                ("actions/download-artifact@v3", "actions/download-artifact@v8"),
            ]
        },
        job="tests (3.12)",
    ),
    Case(
        "artifact-hidden-folder-in-a-flow-mapping",
        D,
        "tox's logs under .tox/ uploaded with a one-line `with:`: no line to add the input to",
        {WF: TOX_DIR},
        FAILED.format("actions/upload-artifact: v3") + EXIT,
        refusal="include-hidden-files",
        job="tests",
    ),
    Case(
        "composite-action-uploads-a-fixed-name-from-a-matrix",
        D,
        "a local composite action uploads `test-report`; the matrix job runs it once per leg: v4 refuses the second upload",
        {WF: REPORT_WF, ".github/actions/test-report/action.yml": REPORT_ACTION},
        FAILED.format("actions/upload-artifact: v3") + EXIT,
        refusal="test-report",
        fix_exists=False,
        job="test (ubuntu-latest)",
    ),
    Case(
        "local-action-outside-github-actions",
        D,
        "the repository keeps its composite set-up action in tools/ci/setup, which runs a retired cache",
        {WF: SETUP_WF, "tools/ci/setup/action.yml": SETUP_ACTION},
        FAILED.format("actions/cache: v2") + EXIT,
        edits={"tools/ci/setup/action.yml": [("actions/cache@v2", "actions/cache@v6")]},
    ),
    Case(
        "anchored-step-shared-by-two-jobs",
        D,
        "steps shared with YAML anchors (GitHub Actions reads them since 2025): one edit moves both jobs",
        {WF: ANCHORS},
        FAILED.format("actions/cache: v2") + EXIT,
        edits={WF: [("actions/cache@v2", "actions/cache@v6")]},
    ),
    Case(
        "time-limit-inside-a-called-workflow",
        T,
        "the job `integration / build` is the called workflow's `build`; the caller has a `build` job of its own",
        {WF: CALLER, ".github/workflows/integration.yml": CALLED},
        exceeded(30),
        edits={".github/workflows/integration.yml": [("timeout-minutes: 30", "timeout-minutes: 60")]},
        job="integration / build",
    ),
    Case(
        "time-limit-inside-a-remote-called-workflow",
        T,
        "the job `release / build` runs in another repository's workflow; the caller's own `build` has the same limit",
        {WF: REMOTE_CALLER},
        exceeded(30),
        refusal="acme/shared-workflows",
        fix_exists=False,
        job="release / build",
    ),
    Case(
        "package-directory-from-the-matrix",
        M,
        "a monorepo matrix over packages: the working directory is `${{ matrix.package }}`",
        {**LIBS_FILES, WF: MATRIX_DIR_WF},
        LIBS_LOG,
        refusal="a directory its workflow computes",
        job="test (libs/core)",
    ),
    Case(
        "package-installed-from-the-root",
        M,
        "the root project and libs/core installed together from the root: the import is libs/core's",
        {**LIBS_FILES, WF: ROOT_INSTALL_WF},
        LIBS_LOG.replace("tests/test_render.py:1", "libs/core/tests/test_render.py:1").replace(
            "acme_core/render.py:1", "libs/core/acme_core/render.py:1"
        ),
        refusal="belongs to the project in libs/core",
    ),
]
