# ruff: noqa: E501
"""Missing-dependency cases about how CI reaches its installs and how the edit keeps the file's layout,
written after real projects' shapes: a tox project with pyproject-fmt's 2-space, sorted arrays and
tox.toml's dependency groups; a Makefile `init` target installing requirements-dev.txt; a `scripts/install`
that installs a requirements file named in a variable; nox sessions; hatch's test environment; `pdm install
-dG test`; Pipfile dev packages; setup.py extras; distutils on CI's Python 3.12; a project with no
dependencies yet; a dependency declared in an extra CI does not install."""

from __future__ import annotations

from fixer_corpus import Case
from fixer_corpus.missing_dependencies import WF, collecting, traceback, workflow

N = "missing-dependency"
PY312 = "============================= test session starts ==============================\nplatform linux -- Python 3.12.8, pytest-8.3.4, pluggy-1.5.0\n"


def test_import(test: str, module: str) -> str:
    return collecting(test, [(test, 2, f"import {module}")], module)


TOX_PYPROJECT = """[build-system]
build-backend = "hatchling.build"
requires = [
  "hatch-vcs>=0.4",
  "hatchling>=1.25",
]

[project]
name = "envrunner"
description = "run commands in isolated environments"
requires-python = ">=3.9"
dynamic = [
  "version",
]
dependencies = [
  "cachetools>=5.5",
  "colorama>=0.4.6",
  "filelock>=3.16",
  "packaging>=24.2",
  "platformdirs>=4.3.6",
]
optional-dependencies.completion = [
  "argcomplete>=3.5",
]

[dependency-groups]
dev = [
  { include-group = "test" },
]
test = [
  "covdefaults>=2.3",
  "coverage>=7.6",
  "pytest>=8.3",
  "pytest-mock>=3.14",
  "re-assert>=1.1",
]
"""
TOX_TOML = """requires = [ "tox>=4.23" ]
env_list = [ "3.13", "3.12", "type" ]

[env_run_base]
description = "run the tests with pytest under {env_name}"
dependency_groups = [ "test" ]
commands = [ [ "pytest", { replace = "posargs", extend = true } ] ]
"""
FMT_PYPROJECT = """[build-system]
build-backend = "hatchling.build"
requires = [ "hatchling" ]

[project]
name = "weather-cli"
version = "0.4.0"
requires-python = ">=3.10"
classifiers = [
  "Programming Language :: Python :: 3 :: Only",
  "Programming Language :: Python :: 3.10",
  "Programming Language :: Python :: 3.11",
  "Programming Language :: Python :: 3.12",
  "Programming Language :: Python :: 3.13",
  "Programming Language :: Python :: 3.14",
  "Programming Language :: Python :: 3.15",
]
dependencies = [ "httpx>=0.27", "rich>=13" ]
optional-dependencies.test = [ "pytest>=8", "pytest-mock>=3.14" ]
"""
FMT_HOOK = """repos:
  - repo: https://github.com/tox-dev/pyproject-fmt
    rev: "v{pyproject-fmt}"
    hooks:
      - id: pyproject-fmt
"""
MAKEFILE = """.PHONY: docs
init:
\tpython -m pip install -r requirements-dev.txt
test:
\tpython -m pytest tests

ci:
\tpython -m pytest tests --junitxml=report.xml
"""
REQ_DEV = "-e .[socks]\npytest>=2.8.0,<10\npytest-cov\nhttpbin~=0.10.0\nwheel\n"
SETUP_SOCKS = "from setuptools import setup\n\nsetup(\n    name='fetcher',\n    install_requires=['idna', 'urllib3'],\n    extras_require={'socks': ['PySocks>=1.5.6']},\n)\n"
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
PINNED_REQS = """# Pinned tooling: the environment CI controls.
-e .[cli]

# Tests & linting
coverage[toml]==7.6.1
mypy==1.11.2
pytest==8.3.3
ruff==0.6.4
"""
ASYNC_PYPROJECT = '[project]\nname = "asyncweb"\nversion = "1.0"\ndependencies = ["anyio>=4"]\n\n[project.optional-dependencies]\ncli = ["click>=8"]\n'
NOXFILE = """import nox

nox.options.sessions = ["tests", "lint"]


@nox.session(python=["3.11", "3.12"])
def tests(session: nox.Session) -> None:
    session.install("-r", "requirements/test.txt")
    session.install("-e", ".")
    session.run("pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
"""
HATCH_TOML = """[envs.default]
installer = "uv"

[envs.hatch-test]
extra-dependencies = [
  "filelock",
  "trustme",
]

[envs.docs]
dependencies = [
  "mkdocs~=1.6.0",
]
"""
HATCH_PYPROJECT = '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n\n[project]\nname = "packer"\nversion = "2.0.0"\ndependencies = ["click>=8"]\n'
PDM_PYPROJECT = """[project]
name = "resolver"
version = "2.20.0"
dependencies = [
    "packaging>=20.9",
    "rich>=12.3.0",
]

[dependency-groups]
test = [
    "pytest",
    "pytest-cov",
]
"""
PIPFILE = """[[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
flask = "*"
requests = "*"

[dev-packages]
pytest = "*"
pytest-cov = "*"

[requires]
python_version = "3.12"
"""
SETUP_EXTRAS = """from setuptools import find_packages, setup

setup(
    name="geodata",
    version="0.9.1",
    packages=find_packages(exclude=["tests"]),
    install_requires=[
        "numpy>=1.24",
        "requests>=2.28",
    ],
    extras_require={
        "test": [
            "pytest>=7",
            "pytest-mock",
        ],
        "docs": ["sphinx"],
    },
)
"""
BARE_PROJECT = '[build-system]\nrequires = ["setuptools>=68"]\nbuild-backend = "setuptools.build_meta"\n\n[project]\nname = "notes"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n\n[tool.ruff]\nline-length = 100\n'
DOCS_EXTRA = '[project]\nname = "mailer"\nversion = "1.2.0"\ndependencies = ["jinja2>=3"]\n\n[project.optional-dependencies]\ndocs = ["sphinx", "responses"]\ntest = ["pytest"]\n'

CASES: list[Case] = [
    Case(
        "tox-toml-dependency-group-two-space-sorted",
        N,
        "a tox project (pyproject-fmt layout: 2-space indent, sorted, trailing commas) whose CI runs `tox run -e 3.12`; tox.toml installs the `test` group",
        {
            "pyproject.toml": TOX_PYPROJECT,
            "tox.toml": TOX_TOML,
            "src/envrunner/__init__.py": "",
            "tests/test_session.py": "import pytest\nimport time_machine\n",
            WF: workflow("python -m pip install tox", test="tox run -e 3.12"),
        },
        test_import("tests/test_session.py", "time_machine"),
        edits={"pyproject.toml": [('  "re-assert>=1.1",\n]', '  "re-assert>=1.1",\n  "time-machine",\n]')]},
    ),
    Case(
        "pyproject-fmt-hook-runs-on-the-edit",
        N,
        "a project whose pre-commit pins pyproject-fmt: the pinned formatter runs on the edited file and its result (sorted, normalised) is the fix",
        {
            "pyproject.toml": FMT_PYPROJECT,
            ".pre-commit-config.yaml": FMT_HOOK,
            "weather/__init__.py": "import yaml\n",
            "tests/test_cli.py": "",
            WF: workflow('pip install -e ".[test]"'),
        },
        collecting(
            "tests/test_cli.py",
            [("tests/test_cli.py", 1, "import weather"), ("weather/__init__.py", 1, "import yaml")],
            "yaml",
        ),
        edits={
            "pyproject.toml": [
                (
                    'dependencies = [ "httpx>=0.27", "rich>=13" ]',
                    'dependencies = [ "httpx>=0.27", "pyyaml", "rich>=13" ]',
                )
            ]
        },
    ),
    Case(
        "make-init-installs-requirements-dev",
        N,
        "CI runs `make` (the first target, `init`: pip install -r requirements-dev.txt), then `make ci`",
        {
            "setup.py": SETUP_SOCKS,
            "requirements-dev.txt": REQ_DEV,
            "src/fetcher/__init__.py": "",
            "tests/test_tls.py": "import trustme\n",
            WF: workflow("make", test="make ci"),
        },
        collecting("tests/test_tls.py", [("tests/test_tls.py", 1, "import trustme")], "trustme"),
        edits={"requirements-dev.txt": [("wheel\n", "wheel\ntrustme\n")]},
    ),
    Case(
        "script-installs-a-requirements-variable",
        N,
        'CI runs `scripts/install`, which installs "$REQUIREMENTS" (requirements.txt, pinned tools with ==)',
        {
            "pyproject.toml": ASYNC_PYPROJECT,
            "scripts/install": INSTALL_SCRIPT,
            "requirements.txt": PINNED_REQS,
            "asyncweb/__init__.py": "",
            "tests/test_clock.py": "import freezegun\n",
            WF: workflow("scripts/install", test="scripts/test"),
        },
        test_import("tests/test_clock.py", "freezegun"),
        edits={"requirements.txt": [("ruff==0.6.4\n", "ruff==0.6.4\nfreezegun==1.5.1\n")]},
    ),
    Case(
        "nox-session-installs-a-requirements-file",
        N,
        "CI runs `nox -s tests`; the session installs requirements/test.txt and the project",
        {
            "pyproject.toml": ASYNC_PYPROJECT,
            "noxfile.py": NOXFILE,
            "requirements/test.txt": "pytest>=8\ncoverage\n",
            "asyncweb/__init__.py": "",
            "tests/test_api.py": "import responses\n",
            WF: workflow("pip install nox", test="nox -s tests"),
        },
        test_import("tests/test_api.py", "responses"),
        edits={"requirements/test.txt": [("coverage\n", "coverage\nresponses\n")]},
    ),
    Case(
        "hatch-test-extra-dependencies",
        N,
        "CI runs `hatch test`; hatch.toml's hatch-test environment lists extra-dependencies (2-space indent)",
        {
            "pyproject.toml": HATCH_PYPROJECT,
            "hatch.toml": HATCH_TOML,
            "packer/__init__.py": "",
            "tests/test_pack.py": "import hypothesis\n",
            WF: workflow("pip install hatch", test="hatch test --python 3.12 --cover"),
        },
        test_import("tests/test_pack.py", "hypothesis"),
        edits={"hatch.toml": [('  "trustme",\n]', '  "trustme",\n  "hypothesis",\n]')]},
    ),
    Case(
        "pdm-install-dG-test-with-lock",
        N,
        "CI runs `pdm install -v -Gtest`: the test group is the place, and pdm.lock must be regenerated by PDM",
        {
            "pyproject.toml": PDM_PYPROJECT,
            "pdm.lock": '# This file is @generated by PDM.\n[metadata]\ngroups = ["default", "test"]\n',
            "src/resolver/__init__.py": "",
            "tests/test_http.py": "import responses\n",
            WF: workflow("pdm install -v -Gtest", test="pdm run pytest"),
        },
        test_import("tests/test_http.py", "responses"),
        refusal="pdm.lock must be regenerated with `pdm lock --update-reuse`",
    ),
    Case(
        "pipfile-dev-packages-with-lock",
        N,
        "CI runs `pipenv install --dev`: [dev-packages] is the place, and Pipfile.lock must be regenerated by pipenv",
        {
            "Pipfile": PIPFILE,
            "Pipfile.lock": '{"_meta": {"hash": {"sha256": "0"}}, "default": {}, "develop": {}}\n',
            "app/__init__.py": "",
            "tests/test_app.py": "import responses\n",
            WF: workflow("pip install pipenv", "pipenv install --dev", test="pipenv run pytest"),
        },
        test_import("tests/test_app.py", "responses"),
        refusal="Pipfile.lock must be regenerated with `pipenv lock`",
    ),
    Case(
        "pipfile-dev-packages-without-lock",
        N,
        "the same Pipfile project without a committed lock: one line in [dev-packages]",
        {
            "Pipfile": PIPFILE,
            "app/__init__.py": "",
            "tests/test_app.py": "import responses\n",
            WF: workflow("pip install pipenv", "pipenv install --dev --skip-lock", test="pipenv run pytest"),
        },
        test_import("tests/test_app.py", "responses"),
        edits={"Pipfile": [('pytest-cov = "*"\n', 'pytest-cov = "*"\nresponses = "*"\n')]},
    ),
    Case(
        "setup-py-extras-require-test",
        N,
        "setup.py with a multi-line extras_require['test'] list; CI installs `.[test]`",
        {
            "setup.py": SETUP_EXTRAS,
            "geodata/__init__.py": "",
            "tests/test_io.py": "import responses\n",
            WF: workflow('pip install -e ".[test]"'),
        },
        test_import("tests/test_io.py", "responses"),
        edits={
            "setup.py": [('            "pytest-mock",\n', '            "pytest-mock",\n            "responses",\n')]
        },
    ),
    Case(
        "distutils-on-python-3-12",
        N,
        "`import distutils` fails on CI's Python 3.12 (removed there; the agent runs 3.11): setuptools provides it",
        {
            "requirements.txt": "numpy>=1.26\n",
            "build_ext/__init__.py": "from distutils.version import LooseVersion\n",
            "tests/test_build.py": "",
            WF: workflow("pip install -r requirements.txt"),
        },
        PY312
        + collecting(
            "tests/test_build.py",
            [
                ("tests/test_build.py", 1, "import build_ext"),
                ("build_ext/__init__.py", 1, "from distutils.version import LooseVersion"),
            ],
            "distutils",
        ),
        edits={"requirements.txt": [("numpy>=1.26\n", "numpy>=1.26\nsetuptools\n")]},
    ),
    Case(
        "runtime-list-created-in-project",
        N,
        "a [project] with no dependencies yet; CI runs `pip install .`: the list is created in the file's style",
        {
            "pyproject.toml": BARE_PROJECT,
            "notes/__init__.py": "import yaml\n",
            "tests/test_notes.py": "",
            WF: workflow("pip install ."),
        },
        collecting(
            "tests/test_notes.py",
            [("tests/test_notes.py", 1, "import notes"), ("notes/__init__.py", 1, "import yaml")],
            "yaml",
        ),
        edits={
            "pyproject.toml": [
                ('requires-python = ">=3.10"\n', 'requires-python = ">=3.10"\ndependencies = [\n    "PyYAML",\n]\n')
            ]
        },
    ),
    Case(
        "declared-only-in-an-extra-ci-does-not-install",
        N,
        "responses is listed in the docs extra; CI installs `.[test]`: it goes to the test extra, the docs pin noted",
        {
            "pyproject.toml": DOCS_EXTRA,
            "mailer/__init__.py": "",
            "tests/test_send.py": "import responses\n",
            WF: workflow('pip install ".[test]"'),
        },
        test_import("tests/test_send.py", "responses"),
        edits={"pyproject.toml": [('test = ["pytest"]', 'test = ["pytest", "responses"]')]},
    ),
    Case(
        "stdlib-module-on-cis-python",
        N,
        "a script importing tomllib on CI's Python 3.12: the standard library there, nothing to declare",
        {
            "requirements.txt": "rich\n",
            "tools/check.py": "import tomllib\n",
            WF: workflow("pip install -r requirements.txt", test="python tools/check.py"),
        },
        "Python 3.12.8\n"
        + traceback([("tools/check.py", 1, "import tomllib")], "tomllib").replace(
            "/home/runner/work/proj/proj",
            "/opt/hostedtoolcache/Python/3.12.8/x64/lib/python3.12/../../../../home/runner/work/proj/proj",
        ),
        refusal="in the standard library of Python 3.12",
        fix_exists=False,
    ),
]
