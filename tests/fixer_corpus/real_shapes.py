# ruff: noqa: E501
"""A third red team's cases, written before any rule for them, after shapes seen in real repositories: tox
configured in `[tool.tox]` with dependency groups and run through `uv run --group dev tox` (a Pallets
project), tox.ini with factor-conditional `dependency_groups` run by `tox run -f` (a logging library), PEP 735
groups built from `{include-group = ...}`, an install script taking its requirements file from a quoted
variable with `-e .[extras]` inside (an HTTP client), constraints files beside split requirements,
cookiecutter-style requirements/{base,local,production}.txt, nox and hatch environments installing extras,
a conditional backport import; npm workspaces; quoted `uses:`, docker:// steps, SHA pins with version
comments inside composite actions, split cache restore/save actions; step-level time limits and the 6-hour
default; ruff.toml and `[tool.black]` options, `ruff format --diff` in a check script, black in a tox env."""

from __future__ import annotations

from fixer_corpus import Case
from fixer_corpus.deprecated_actions import CACHE_SHA, EXIT, FAILED, UPLOAD_SHA
from fixer_corpus.missing_dependencies import collecting, traceback
from fixer_corpus.node_go import CJS, NODE_WF, NPMRC
from fixer_corpus.timeouts import exceeded

WF = ".github/workflows/ci.yml"
D, M, T, F = "deprecated-action", "missing-dependency", "timeout", "formatter"
FREEZEGUN_TEST = collecting("tests/test_clock.py", [("tests/test_clock.py", 1, "import freezegun")], "freezegun")

# -- [tool.tox] with dependency groups, run through uv's dev group (a Pallets-style project) -------------

TOX_IN_PYPROJECT = """[project]
name = "tinyweb"
version = "3.2.0.dev"
requires-python = ">=3.10"
dependencies = [
    "click>=8.1.3",
    "rich>=13",
]

[dependency-groups]
dev = [
    "ruff",
]
tests = [
    "pytest",
    "python-dotenv",
    "time-machine",
]

[build-system]
requires = ["flit_core<4"]
build-backend = "flit_core.buildapi"

[tool.tox]
env_list = ["py3.13", "py3.12", "style"]

[tool.tox.env_run_base]
description = "pytest on latest dependency versions"
runner = "uv-venv-lock-runner"
package = "wheel"
dependency_groups = ["tests"]
commands = [["pytest", "-v", "--tb=short"]]

[tool.tox.env.style]
dependency_groups = ["dev"]
skip_install = true
commands = [["ruff", "check"]]
"""
TOX_UV_WF = """name: Tests
on:
  pull_request:
  push:
    branches: [main, stable]
permissions: {}
jobs:
  tests:
    name: ${{ matrix.name || matrix.python }}
    runs-on: ${{ matrix.os || 'ubuntu-latest' }}
    strategy:
      fail-fast: false
      matrix:
        include:
          - {python: '3.13'}
          - {python: '3.12'}
    steps:
      - uses: actions/checkout@v4
        with:
          persist-credentials: false
      - uses: astral-sh/setup-uv@v6
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python }}
      - run: uv run --locked --no-default-groups --group dev tox run
        env:
          TOX_ENV: ${{ matrix.tox || format('py{0}', matrix.python) }}
"""

# -- tox.ini with factor-conditional dependency groups, `tox run -f py312-tests` ------------------------

TOX_FACTORS = """[tox]
requires =
    tox>=4.21
    tox-uv
env_list =
    py31{2,3}-{tests,mypy}
    docs

[testenv]
package = wheel
wheel_build_env = .pkg
dependency_groups =
    tests: tests
    mypy: typing
commands =
    tests: pytest {posargs}
    mypy: mypy tests/typing
"""
GROUPS_FOR_TOX = """[project]
name = "logkit"
version = "25.1.0"
requires-python = ">=3.9"
dependencies = []

[dependency-groups]
tests = [
    "pytest>=6.0",
    "pytest-cov",
]
typing = ["mypy>=1.4", "rich"]
"""
TOX_FACTOR_WF = """name: CI
on: [push, pull_request]
jobs:
  tests:
    name: Tests on ${{ matrix.python-version }}
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python-version: ["3.12", "3.13"]
    env:
      PYTHON: ${{ matrix.python-version }}
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - name: Run tests
        run: >
          uvx --with tox-uv tox run
          -f py${PYTHON//./}-tests
"""

# -- PEP 735 groups that include each other -----------------------------------------------------------

INCLUDES = """[project]
name = "relay"
version = "0.4.0"
requires-python = ">=3.10"
dependencies = [
    "httpx>=0.27",
]

[dependency-groups]
tests = [
    "pytest>=8",
    "pytest-cov",
]
lint = ["ruff"]
dev = [
    {include-group = "tests"},
    {include-group = "lint"},
]
"""
INCLUDES_WF = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: astral-sh/setup-uv@v6
      - run: uv sync --locked --group dev
      - run: uv run pytest
"""

# -- an install script reading the requirements file from a variable; `-e .[extras]` inside it -------

INSTALL_SCRIPT = """#!/bin/sh -e

# Use the Python executable provided from the `-p` option, or a default.
[ "$1" = "-p" ] && PYTHON=$2 || PYTHON="python3"

REQUIREMENTS="requirements.txt"
VENV="venv"

set -x

if [ -z "$GITHUB_ACTIONS" ]; then
    "$PYTHON" -m venv "$VENV"
    PIP="$VENV/bin/pip"
else
    PIP="pip"
fi

"$PIP" install -U pip
"$PIP" install -r "$REQUIREMENTS"
"""
CLIENT_REQS = """# Tooling pinned; package dependencies are not (tests run against their latest versions).
-e .[http2,socks]

# Documentation
mkdocs==1.6.1

# Tests & Linting
coverage[toml]==7.6.4
pytest==8.3.3
pytest-cov==5.0.0
"""
CLIENT_PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "netclient"
requires-python = ">=3.9"
dependencies = [
    "idna",
    "rich",
]
dynamic = ["version"]

[project.optional-dependencies]
http2 = [
    "h2>=3,<5",
]
socks = [
    "socksio==1.*",
]
"""
CLIENT_WF = """---
name: Test Suite

on:
  push:
    branches: ["master"]
  pull_request:

jobs:
  tests:
    name: "Python ${{ matrix.python-version }}"
    runs-on: "ubuntu-latest"
    strategy:
      matrix:
        python-version: ["3.12", "3.13"]
    steps:
      - uses: "actions/checkout@v4"
      - uses: "actions/setup-python@v5"
        with:
          python-version: "${{ matrix.python-version }}"
      - name: "Install dependencies"
        run: "scripts/install"
      - name: "Run tests"
        run: "scripts/test"
"""
CLIENT_FILES = {
    "scripts/install": INSTALL_SCRIPT,
    "scripts/test": '#!/bin/sh\n\nexport PREFIX=""\nif [ -d \'venv\' ] ; then\n    export PREFIX="venv/bin/"\nfi\n\nset -ex\n\n${PREFIX}coverage run -m pytest "$@"\n',
    "requirements.txt": CLIENT_REQS,
    "pyproject.toml": CLIENT_PYPROJECT,
    "netclient/__init__.py": "",
    "netclient/_models.py": "import idna\n",
    WF: CLIENT_WF,
}

# -- a constraints file beside split requirements -----------------------------------------------------

CONSTRAINED_WF = """name: tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: python -m pip install -r requirements/test.txt -c requirements/constraints.txt -e .
      - run: pytest
"""
CONSTRAINED_FILES = {
    "pyproject.toml": '[project]\nname = "shelf"\nversion = "1.0"\ndependencies = ["click"]\n',
    "requirements/test.txt": "pytest\npytest-cov\n",
    "requirements/constraints.txt": "click==8.1.7\nfreezegun==1.5.1\npytest==8.3.3\npytest-cov==5.0.0\n",
    "shelf/__init__.py": "",
    "tests/test_clock.py": "import freezegun\n",
    WF: CONSTRAINED_WF,
}

# -- cookiecutter-style requirements: base, local (-r base), production (-r base) -------------------

COOKIE_WF = """name: CI
on:
  pull_request:
    branches: ["master", "main"]
concurrency:
  group: ${{ github.head_ref || github.run_id }}
  cancel-in-progress: true
jobs:
  pytest:
    runs-on: ubuntu-latest
    steps:
      - name: Checkout Code Repository
        uses: actions/checkout@v4
      - name: Set up Python
        uses: actions/setup-python@v5
        with:
          python-version: "3.12"
          cache: pip
          cache-dependency-path: |
            requirements/base.txt
            requirements/local.txt
      - name: Install Requirements
        run: pip install -r requirements/local.txt
      - name: Test with pytest
        run: pytest
"""
COOKIE_FILES = {
    "requirements/base.txt": "python-slugify==8.0.4  # https://github.com/un33k/python-slugify\nrich==13.9.4  # https://github.com/Textualize/rich\n",
    "requirements/local.txt": "-r base.txt\n\npytest==8.3.3  # https://github.com/pytest-dev/pytest\n",
    "requirements/production.txt": "# PRECAUTION: avoid production dependencies that aren't in development\n\n-r base.txt\n\ngunicorn==23.0.0  # https://github.com/benoitc/gunicorn\n",
    "shop/__init__.py": "",
    "shop/users/__init__.py": "",
    "shop/users/views.py": "import jwt\n",
    "shop/users/tests/__init__.py": "",
    "shop/users/tests/test_views.py": "from shop.users.views import login\n",
    WF: COOKIE_WF,
}
COOKIE_LOG = collecting(
    "shop/users/tests/test_views.py",
    [
        ("shop/users/tests/test_views.py", 1, "from shop.users.views import login"),
        ("shop/users/views.py", 1, "import jwt"),
    ],
    "jwt",
)

# -- nox installing the project's test extra --------------------------------------------------------

NOX_EXTRAS = '''import nox

nox.options.sessions = ["tests"]


@nox.session(python=["3.12", "3.13"])
def tests(session: nox.Session) -> None:
    """Run the test suite."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)
'''
NOX_PYPROJECT = """[project]
name = "parsekit"
version = "0.9.0"
requires-python = ">=3.10"
dependencies = ["click>=8"]

[project.optional-dependencies]
test = [
    "pytest>=8",
    "pytest-cov",
]
"""
NOX_WF = """name: CI
on: [push]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: wntrblm/nox@2024.10.09
        with:
          python-versions: "3.12, 3.13"
      - run: nox -s tests-3.12
"""

# -- hatch: a named environment with its own dependencies and features ------------------------------

HATCH_PYPROJECT = """[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "gridkit"
version = "2.0.0"
dependencies = ["numpy"]

[project.optional-dependencies]
cli = ["click"]

[tool.hatch.envs.test]
features = ["cli"]
dependencies = [
  "pytest",
  "pytest-cov",
]

[tool.hatch.envs.test.scripts]
run = "pytest {args:tests}"
"""
HATCH_WF = """name: test
on: [push, pull_request]
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install --upgrade hatch
      - run: hatch run test:run
"""

# -- a backport imported only on older Pythons ------------------------------------------------------

BACKPORT_WF = """name: tests
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ["3.10", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python }}
      - run: pip install -e .
      - run: python -m confread.check
"""
BACKPORT_PYPROJECT = """[project]
name = "confread"
version = "1.1.0"
requires-python = ">=3.10"
dependencies = [
    "click>=8",
]
"""

# -- npm workspaces: the package in packages/api, the root only lists workspaces ------------------------

WS_ROOT = """{
  "name": "shop",
  "private": true,
  "workspaces": [
    "packages/*"
  ],
  "scripts": {
    "test": "npm test --workspaces"
  },
  "devDependencies": {
    "mocha": "^10.4.0"
  }
}
"""
WS_API = """{
  "name": "@shop/api",
  "version": "1.0.0",
  "main": "src/index.js",
  "scripts": {
    "test": "node src/index.js"
  },
  "dependencies": {
    "express": "^4.19.2"
  }
}
"""
WS_FILES = {
    "package.json": WS_ROOT,
    ".npmrc": NPMRC,
    "packages/api/package.json": WS_API,
    "packages/api/src/index.js": "const dayjs = require('dayjs')\n",
    WF: NODE_WF,
}

# -- actions: quoted `uses:`, docker:// steps, SHA pins in composite actions, split cache actions -----

QUOTED_WF = """---
name: Publish

on:
  push:
    tags: ["*"]

jobs:
  build:
    name: "Build"
    runs-on: "ubuntu-latest"
    steps:
      - uses: "actions/checkout@v4"
      - uses: "actions/setup-python@v5"
        with:
          python-version: "3.12"
      - run: "scripts/build"
      - uses: "actions/upload-artifact@v3"
        with:
          name: "dist"
          path: "dist/"
"""
DOCKER_WF = """name: lint
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: docker://koalaman/shellcheck-alpine:v0.10.0
        with:
          args: shellcheck scripts/release.sh
      - uses: actions/cache@v2
        with:
          path: ~/.cache/pre-commit
          key: pre-commit-${{ hashFiles('.pre-commit-config.yaml') }}
      - run: pipx run pre-commit run --all-files
"""
PINNED_COMPOSITE = """name: Setup
description: Python with cached dependencies
inputs:
  python-version:
    description: The Python version
    default: "3.12"
runs:
  using: composite
  steps:
    - uses: actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0
      with:
        python-version: ${{ inputs.python-version }}
    - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v3.3.1
      with:
        path: ~/.cache/pip
        key: pip-${{ runner.os }}-${{ hashFiles('requirements/*.txt') }}
    - run: pip install -r requirements/test.txt
      shell: bash
"""
PINNED_COMPOSITE_WF = """name: CI
on: [push]
permissions: {}
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - uses: ./.github/actions/setup
      - run: pytest
"""
SPLIT_CACHE_WF = """name: build
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache/restore@v3.3.1
        id: cache
        with:
          path: .mypy_cache
          key: mypy-${{ github.sha }}
          restore-keys: mypy-
      - run: mypy src
      - uses: actions/cache/save@v3.3.1
        if: always()
        with:
          path: .mypy_cache
          key: mypy-${{ github.sha }}
"""
UPLOAD_AND_ANOTHER_JOB = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make test
      - uses: actions/upload-artifact@v3
        with:
          name: junit
          path: reports/
  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make docs
      - uses: actions/upload-artifact@v3
        with:
          name: html
          path: docs/_build/html
"""

# -- time limits: a step's own limit, the 6-hour default, a commented limit ---------------------------

STEP_LIMIT = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 60
    steps:
      - uses: actions/checkout@v4
      - run: pip install -e .[test]
      - name: Run tests
        run: pytest -n auto
        timeout-minutes: 20
"""
NO_LIMIT = """name: CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make all
"""
COMMENTED_LIMIT = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 15  # keep CI fast; raise with care
    steps:
      - uses: actions/checkout@v4
      - run: make test
"""

# -- formatters: options in ruff.toml and [tool.black], a --diff check in a script, black in tox ------

FMT_WF = "name: lint\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n{steps}"


def fmt_steps(*lines: str) -> str:
    return FMT_WF.replace("{steps}", "".join(f"      - run: {line}\n" for line in lines))


DOUBLE = 'def greet(name):\n    return "hi "+name\n'
SINGLE_Q = "def greet(name):\n    return 'hi ' + name\n"
SINGLE_UGLY = "def greet(name):\n    return 'hi '+name\n"
CHECK_SCRIPT = """#!/bin/sh -e

export PREFIX=""
if [ -d 'venv' ] ; then
    export PREFIX="venv/bin/"
fi
export SOURCE_FILES="webkit tests"

set -x

${PREFIX}ruff format $SOURCE_FILES --diff
${PREFIX}ruff check $SOURCE_FILES
"""
DIFF_LOG = (
    """+ ruff format webkit tests --diff
--- webkit/_urls.py
+++ webkit/_urls.py
@@ -1,2 +1,2 @@
 def greet(name):
-    return "hi "+name
+    return "hi " + name

1 file would be reformatted, 7 files already formatted"""
    + EXIT
)
BLACK_TOX = """[tox]
env_list = py312, lint

[testenv]
deps = pytest
commands = pytest

[testenv:lint]
skip_install = true
deps =
    black=={black}
commands = black --check --diff src tests
"""

CASES: list[Case] = [
    # -- missing dependencies
    Case(
        "tox-in-pyproject-groups-run-through-uv-dev",
        M,
        "a Pallets-style project: `uv run --group dev tox run`; [tool.tox.env_run_base] installs the `tests` group, which is where a test import goes (uv.lock regenerated)",
        {
            "pyproject.toml": TOX_IN_PYPROJECT,
            "uv.lock": 'version = 1\nrequires-python = ">=3.10"\n',
            "src/tinyweb/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: TOX_UV_WF,
        },
        FREEZEGUN_TEST,
        edits={"pyproject.toml": [('tests = [\n    "pytest",\n', 'tests = [\n    "freezegun",\n    "pytest",\n')]},
        generated={"uv.lock": 'name = "freezegun"'},
        job="3.12",
    ),
    Case(
        "tox-ini-factor-conditional-groups",
        M,
        "tox.ini `dependency_groups =` with `tests: tests` / `mypy: typing` factor conditions, run by `tox run -f py312-tests`",
        {
            "tox.ini": TOX_FACTORS,
            "pyproject.toml": GROUPS_FOR_TOX,
            "src/logkit/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: TOX_FACTOR_WF,
        },
        FREEZEGUN_TEST,
        edits={"pyproject.toml": [('    "pytest-cov",\n]', '    "pytest-cov",\n    "freezegun",\n]')]},
        job="Tests on 3.12",
    ),
    Case(
        "dependency-group-made-of-included-groups",
        M,
        "`uv sync --group dev` where dev is only `{include-group = ...}` tables: a test import goes to the included `tests` group",
        {
            "pyproject.toml": INCLUDES,
            "uv.lock": 'version = 1\nrequires-python = ">=3.10"\n',
            "relay/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: INCLUDES_WF,
        },
        FREEZEGUN_TEST,
        edits={"pyproject.toml": [('    "pytest-cov",\n]\nlint', '    "pytest-cov",\n    "freezegun",\n]\nlint')]},
        generated={"uv.lock": 'name = "freezegun"'},
    ),
    Case(
        "install-script-requirements-variable-runtime-import",
        M,
        'an HTTP client: scripts/install runs `"$PIP" install -r "$REQUIREMENTS"`; requirements.txt installs `-e .[http2,socks]` and pins tooling: a runtime import goes to [project].dependencies (two entries are no sorted order to keep)',
        {
            **CLIENT_FILES,
            "netclient/_models.py": "import idna\nimport dateutil.parser\n",
            "tests/test_models.py": "import netclient._models\n",
        },
        collecting(
            "tests/test_models.py",
            [
                ("tests/test_models.py", 1, "import netclient._models"),
                ("netclient/_models.py", 2, "import dateutil.parser"),
            ],
            "dateutil",
        ),
        edits={
            "pyproject.toml": [('    "idna",\n    "rich",\n]', '    "idna",\n    "rich",\n    "python-dateutil",\n]')]
        },
        job="Python 3.12",
    ),
    Case(
        "install-script-requirements-variable-test-import",
        M,
        "the same client: a test-only import joins the pinned tooling in requirements.txt, pinned like its neighbours",
        {**CLIENT_FILES, "tests/test_models.py": "import responses\n"},
        collecting("tests/test_models.py", [("tests/test_models.py", 1, "import responses")], "responses"),
        edits={"requirements.txt": [("pytest-cov==5.0.0\n", "pytest-cov==5.0.0\nresponses==0.25.3\n")]},
        job="Python 3.12",
    ),
    Case(
        "constraints-file-is-not-a-declaration",
        M,
        "`pip install -r requirements/test.txt -c requirements/constraints.txt`: the constraints pin freezegun but install nothing; the test list is unpinned",
        CONSTRAINED_FILES,
        FREEZEGUN_TEST,
        edits={"requirements/test.txt": [("pytest-cov\n", "pytest-cov\nfreezegun\n")]},
    ),
    Case(
        "cookiecutter-requirements-runtime-import-goes-to-base",
        M,
        "requirements/local.txt (`-r base.txt`) is what CI installs; production.txt also includes base.txt: a runtime import goes to base.txt, pinned with its URL habit left alone",
        COOKIE_FILES,
        COOKIE_LOG,
        edits={
            "requirements/base.txt": [
                (
                    "rich==13.9.4  # https://github.com/Textualize/rich\n",
                    "rich==13.9.4  # https://github.com/Textualize/rich\nPyJWT==2.9.0\n",
                )
            ]
        },
        job="pytest",
    ),
    Case(
        "nox-session-installs-the-test-extra",
        M,
        'a nox session runs `session.install("-e", ".[test]")`: a test import goes to the `test` extra',
        {
            "noxfile.py": NOX_EXTRAS,
            "pyproject.toml": NOX_PYPROJECT,
            "parsekit/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: NOX_WF,
        },
        FREEZEGUN_TEST,
        edits={"pyproject.toml": [('    "pytest-cov",\n]', '    "pytest-cov",\n    "freezegun",\n]')]},
        job="tests",
    ),
    Case(
        "hatch-named-env-dependencies",
        M,
        "`hatch run test:run`: [tool.hatch.envs.test] dependencies (two-space indented) take the test import",
        {
            "pyproject.toml": HATCH_PYPROJECT,
            "src/gridkit/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: HATCH_WF,
        },
        FREEZEGUN_TEST,
        edits={"pyproject.toml": [('  "pytest-cov",\n]', '  "pytest-cov",\n  "freezegun",\n]')]},
        job="run",
    ),
    Case(
        "backport-imported-only-on-older-pythons",
        M,
        "`if sys.version_info < (3, 11): import tomli` fails on the 3.10 leg: the right declaration carries a python_version marker",
        {
            "pyproject.toml": BACKPORT_PYPROJECT,
            "confread/__init__.py": "",
            "confread/check.py": "import sys\n\nif sys.version_info >= (3, 11):\n    import tomllib\nelse:\n    import tomli as tomllib\n",
            WF: BACKPORT_WF,
        },
        traceback([("confread/check.py", 6, "import tomli as tomllib")], "tomli").replace(
            "Traceback", "##[group]Run python -m confread.check\n##[endgroup]\nTraceback"
        ),
        refusal="is conditional",  # the right declaration needs a marker a person chooses
        job="test (3.10)",
    ),
    Case(
        "npm-workspace-package-declares-its-import",
        M,
        "npm workspaces: packages/api requires dayjs; the root package.json only lists the workspaces",
        WS_FILES,
        CJS.format(name="dayjs", file="packages/api/src/index.js"),
        edits={
            "packages/api/package.json": [
                ('"dependencies": {\n    "express"', '"dependencies": {\n    "dayjs": "^1.11.13",\n    "express"')
            ]
        },
    ),
    # -- deprecated actions
    Case(
        "quoted-uses-keep-their-quotes",
        D,
        "an HTTP client's workflows quote every `uses:`; the retired upload keeps its quotes",
        {WF: QUOTED_WF},
        FAILED.format("actions/upload-artifact: v3") + EXIT,
        edits={WF: [('"actions/upload-artifact@v3"', '"actions/upload-artifact@v7"')]},
        job="Build",
    ),
    Case(
        "docker-step-beside-a-retired-cache",
        D,
        "a `uses: docker://...` step in the failing job is not an action to bump",
        {WF: DOCKER_WF},
        FAILED.format("actions/cache: v2") + EXIT,
        edits={WF: [("actions/cache@v2", "actions/cache@v6")]},
    ),
    Case(
        "sha-pinned-cache-inside-a-composite-action",
        D,
        "a hardened repository's composite setup action pins actions/cache by SHA with a `# v3.3.1` comment",
        {WF: PINNED_COMPOSITE_WF, ".github/actions/setup/action.yml": PINNED_COMPOSITE},
        FAILED.format("actions/cache: 0c45773b623bea8c8e75f6c82b208c3cf94ea4f9") + EXIT,
        edits={
            ".github/actions/setup/action.yml": [
                (
                    "actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9 # v3.3.1",
                    f"actions/cache@{CACHE_SHA} # v6.1.0",
                )
            ]
        },
    ),
    Case(
        "split-cache-restore-and-save",
        D,
        "actions/cache/restore and actions/cache/save at a retired full version: both sub-actions move together",
        {WF: SPLIT_CACHE_WF},
        FAILED.format("actions/cache: v3.3.1") + EXIT,
        refusal="no workflow or action file uses actions/cache@v3.3.1",  # a miss: sub-path actions are not matched yet
    ),
    Case(
        "retired-upload-in-the-failing-job-and-another",
        D,
        "two jobs upload with v3 under distinct names; the failing one is `test`",
        {WF: UPLOAD_AND_ANOTHER_JOB},
        FAILED.format("actions/upload-artifact: v3") + EXIT,
        edits={
            WF: [
                (
                    "uses: actions/upload-artifact@v3\n        with:\n          name: junit",
                    "uses: actions/upload-artifact@v7\n        with:\n          name: junit",
                ),
                (
                    "uses: actions/upload-artifact@v3\n        with:\n          name: html",
                    "uses: actions/upload-artifact@v7\n        with:\n          name: html",
                ),
            ]
        },
    ),
    Case(
        "sha-pinned-upload-with-two-space-comment",
        D,
        "`@<sha>  # v3.1.3` with two spaces before the comment (pinact's output)",
        {
            WF: "name: r\non: [push]\njobs:\n  dist:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make dist\n      - uses: actions/upload-artifact@a8a3f3ad30e3422c9c7b888a15615d19a852ae32  # v3.1.3\n        with:\n          name: dist\n          path: dist/\n"
        },
        FAILED.format("actions/upload-artifact: a8a3f3ad30e3422c9c7b888a15615d19a852ae32") + EXIT,
        edits={WF: [("a8a3f3ad30e3422c9c7b888a15615d19a852ae32  # v3.1.3", f"{UPLOAD_SHA}  # v7.0.1")]},
        job="dist",
    ),
    # -- time limits
    Case(
        "step-level-time-limit",
        T,
        "`The action 'Run tests' has timed out after 20 minutes`: the step's own limit, not the job's 60",
        {WF: STEP_LIMIT},
        "##[error]The action 'Run tests' has timed out after 20 minutes.",
        edits={WF: [("        timeout-minutes: 20\n", "        timeout-minutes: 40\n")]},
    ),
    Case(
        "step-limit-already-at-the-job-limit",
        T,
        "the step's limit equals the job's: raising the step alone cannot help",
        {WF: STEP_LIMIT.replace("timeout-minutes: 60", "timeout-minutes: 20")},
        "##[error]The action 'Run tests' has timed out after 20 minutes.",
        refusal="allows 20",
        fix_exists=False,
    ),
    Case(
        "six-hour-default-exceeded",
        T,
        "no timeout-minutes: the job ran into GitHub's 360-minute default, which cannot be raised on hosted runners",
        {WF: NO_LIMIT},
        exceeded(360),
        refusal="360",
        fix_exists=False,
        job="build",
    ),
    Case(
        "commented-job-limit",
        T,
        "`timeout-minutes: 15  # keep CI fast; raise with care`: the value changes, the comment stays",
        {WF: COMMENTED_LIMIT},
        exceeded(15),
        edits={WF: [("timeout-minutes: 15  #", "timeout-minutes: 30  #")]},
    ),
    # -- formatters
    Case(
        "ruff-toml-single-quotes",
        F,
        'ruff.toml sets `[format] quote-style = "single"`; the fix must keep the project\'s quotes',
        {
            "ruff.toml": 'line-length = 100\n\n[format]\nquote-style = "single"\n',
            "requirements-dev.txt": "ruff=={ruff}\n",
            "src/app/__init__.py": "",
            "src/app/greet.py": DOUBLE,
            ".github/workflows/ci.yml": fmt_steps("pip install -r requirements-dev.txt", "ruff format --check ."),
        },
        "Would reformat: src/app/greet.py\n1 file would be reformatted, 1 file already formatted" + EXIT,
        edits={"src/app/greet.py": [(DOUBLE, SINGLE_Q)]},
    ),
    Case(
        "black-skip-string-normalization",
        F,
        "[tool.black] skip-string-normalization = true: single quotes stay",
        {
            "pyproject.toml": '[project]\nname = "x"\nversion = "1"\n\n[tool.black]\nskip-string-normalization = true\n',
            "requirements-dev.txt": "black=={black}\n",
            "x/__init__.py": "",
            "x/greet.py": SINGLE_UGLY,
            ".github/workflows/ci.yml": fmt_steps("pip install -r requirements-dev.txt", "black --check x"),
        },
        "would reformat x/greet.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 1 file would be left unchanged."
        + EXIT,
        edits={"x/greet.py": [(SINGLE_UGLY, SINGLE_Q)]},
    ),
    Case(
        "ruff-format-diff-in-a-check-script",
        F,
        "an HTTP client's scripts/check runs `ruff format $SOURCE_FILES --diff`; ruff pinned in requirements.txt; the log is the diff",
        {
            "scripts/check": CHECK_SCRIPT,
            "requirements.txt": "-e .\n\nruff=={ruff}\npytest==8.3.3\n",
            "pyproject.toml": '[project]\nname = "webkit"\nversion = "1"\n',
            "webkit/__init__.py": "",
            "webkit/_urls.py": 'def greet(name):\n    return "hi "+name\n',
            "tests/test_urls.py": "x = 1\n",
            ".github/workflows/ci.yml": fmt_steps("scripts/install", "scripts/check"),
            "scripts/install": "#!/bin/sh -e\npip install -r requirements.txt\n",
        },
        DIFF_LOG,
        edits={"webkit/_urls.py": [('return "hi "+name', 'return "hi " + name')]},
    ),
    Case(
        "black-in-a-tox-lint-env",
        F,
        "`tox -e lint` whose env pins black and runs `black --check --diff src tests`",
        {
            "tox.ini": BLACK_TOX,
            "src/pkg/__init__.py": "",
            "src/pkg/mod.py": 'def greet(name):\n    return "hi "+name\n',
            "tests/test_mod.py": "x=1\n",
            ".github/workflows/ci.yml": fmt_steps("pip install tox", "tox -e lint"),
        },
        'lint: commands[0]> black --check --diff src tests\n--- /home/runner/work/pkg/pkg/src/pkg/mod.py\t2024-05-01 12:00:00+00:00\n+++ /home/runner/work/pkg/pkg/src/pkg/mod.py\t2024-05-01 12:00:01+00:00\n@@ -1,2 +1,2 @@\n def greet(name):\n-    return "hi "+name\n+    return "hi " + name\nwould reformat /home/runner/work/pkg/pkg/src/pkg/mod.py\n\nOh no! 💥 💔 💥\n1 file would be reformatted, 1 file would be left unchanged.\nlint: exit 1 (0.31 seconds)'
        + EXIT,
        edits={"src/pkg/mod.py": [('return "hi "+name', 'return "hi " + name')]},
    ),
]
