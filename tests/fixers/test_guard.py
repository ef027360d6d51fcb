"""The guard refuses plans that weaken checks, naming the line; real fixes pass it. Cases are written after
real patterns (a CI step made to pass with `|| true`, a coverage floor lowered in pyproject.toml, a flaky
test skipped, an ESLint warning budget raised...)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cicd_agent.fixers import FIXERS, guarded
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, FixPlan
from cicd_agent.fixers.guard import weakening

WORKFLOW = """name: CI
on:
  push:
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e .[test]
      - name: Tests
        run: pytest --cov=app --cov-fail-under=90
      - name: Lint
        run: npx eslint . --max-warnings 0
  docs:
    runs-on: ubuntu-latest
    steps:
      - run: make docs
"""
PYPROJECT = """[project]
name = "app"
dependencies = [
    "requests>=2",
]

[tool.coverage.report]
fail_under = 95
show_missing = true

[tool.ruff.lint]
select = ["E", "F", "B"]
ignore = ["E501"]
"""
TESTS = """import pytest

from app import parse


def test_parse_empty():
    assert parse("") == []


def test_parse_one():
    assert parse("a") == ["a"]  # noqa: E501
"""
JEST = """{
  "name": "web",
  "scripts": {
    "test": "jest --coverage",
    "lint": "eslint src"
  },
  "jest": {
    "coverageThreshold": {
      "global": {
        "lines": 80,
        "branches": 70
      }
    }
  }
}
"""
SPEC = """describe('cart', () => {
  it('adds an item', () => {
    expect(add([], 1)).toEqual([1]);
  });
});
"""
GO_TEST = """package cache

import "testing"

func TestEvict(t *testing.T) {
	c := New(1)
	c.Put("a", 1)
}
"""

WEAKENING = [
    ("continue-on-error", WORKFLOW, "        run: pytest", "        continue-on-error: true\n        run: pytest", 15),
    ("|| true", WORKFLOW, "npx eslint . --max-warnings 0", "npx eslint . --max-warnings 0 || true", 17),
    ("cov-fail-under", WORKFLOW, "--cov-fail-under=90", "--cov-fail-under=75", 15),
    ("max-warnings", WORKFLOW, "--max-warnings 0", "--max-warnings 25", 17),
    ("the threshold `cov-fail-under`", WORKFLOW, " --cov-fail-under=90", "", 15),
    (
        "removes the job `docs`",
        WORKFLOW,
        "  docs:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make docs\n",
        "",
        0,
    ),
    ("deletes a step", WORKFLOW, "      - name: Lint\n        run: npx eslint . --max-warnings 0\n", "", 0),
    ("empties a step", WORKFLOW, "run: pytest --cov=app --cov-fail-under=90", "run: echo skipped", 15),
    ("pull_request", WORKFLOW, "  pull_request:\n", "", 0),
    ("if: false", WORKFLOW, "  docs:\n", "  docs:\n    if: false\n", 19),
    ("lowers `fail-under` from 95 to 80", PYPROJECT, "fail_under = 95", "fail_under = 80", 8),
    ("ignores more", PYPROJECT, 'ignore = ["E501"]', 'ignore = ["E501", "F401"]', 13),
    ("skip or xfail", TESTS, "def test_parse_empty", "@pytest.mark.skip(reason='flaky')\ndef test_parse_empty", 6),
    ("suppression comment", TESTS, 'parse("") == []', 'parse("") == []  # type: ignore', 7),
    ("removes 1 test", TESTS, '\n\ndef test_parse_one():\n    assert parse("a") == ["a"]  # noqa: E501\n', "\n", 0),
    ("lowers `lines` from 80 to 60", JEST, '"lines": 80', '"lines": 60', 10),
    ("the script `test`", JEST, '"jest --coverage"', '"echo no tests"', 4),
    ("skip or xfail", SPEC, "  it('adds", "  it.skip('adds", 2),
    ("suppression comment", SPEC, "    expect", "    // eslint-disable-next-line\n    expect", 3),
    ("skip or xfail", GO_TEST, "\tc := New(1)", '\tt.Skip("flaky on CI")\n\tc := New(1)', 6),
]
PATHS = {WORKFLOW: ".github/workflows/ci.yml", PYPROJECT: "pyproject.toml", TESTS: "tests/test_parse.py"}
PATHS |= {JEST: "package.json", SPEC: "src/cart.test.js", GO_TEST: "cache/cache_test.go"}


@pytest.mark.parametrize(("what", "before", "old", "new", "line"), WEAKENING, ids=[w[0] for w in WEAKENING])
def test_a_weakening_is_refused_with_its_line(what: str, before: str, old: str, new: str, line: int) -> None:
    assert before.count(old) == 1
    change = FileChange(PATHS[before], before, before.replace(old, new))
    found = weakening([change])
    assert found is not None
    assert what in str(found)
    assert found.path == PATHS[before]
    assert found.line == line


def test_a_deleted_test_file_is_refused() -> None:
    found = weakening([FileChange("tests/test_parse.py", TESTS, None)])
    assert found is not None and "deletes or empties a test file" in found.what


def test_a_no_verify_commit_in_a_makefile_is_refused() -> None:
    before = "release:\n\tgit commit -m release\n"
    found = weakening([FileChange("Makefile", before, before.replace("-m release", "--no-verify -m release"))])
    assert found is not None and found.line == 2 and "--no-verify" in found.what


FIXES = [
    ("action bump", WORKFLOW, "actions/setup-python@v5", "actions/setup-python@v7"),
    ("dependency added", PYPROJECT, '    "requests>=2",\n', '    "requests>=2",\n    "pyyaml",\n'),
    (
        "formatter rewraps a line keeping its noqa",
        TESTS,
        'assert parse("a") == ["a"]  # noqa: E501',
        'assert parse(\n        "a"\n    ) == ["a"]  # noqa: E501',
    ),
    (
        "timeout raised",
        WORKFLOW,
        "    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4",
        "    timeout-minutes: 60\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4",
    ),
    ("threshold raised", PYPROJECT, "fail_under = 95", "fail_under = 97"),
    (
        "set-output rewritten",
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo "::set-output name=v::1"\n',
        'echo "::set-output name=v::1"',
        'echo "v=1" >> "$GITHUB_OUTPUT"',
    ),
]


@pytest.mark.parametrize(("what", "before", "old", "new"), FIXES, ids=[f[0] for f in FIXES])
def test_a_real_fix_passes(what: str, before: str, old: str, new: str) -> None:
    path = PATHS.get(before, ".github/workflows/release.yml")
    assert weakening([FileChange(path, before, before.replace(old, new))]) is None


def test_lock_files_are_not_read() -> None:
    assert weakening([FileChange("uv.lock", "a\n", "a\n# noqa || true\n")]) is None


def test_every_fixer_is_guarded_including_a_configured_command(tmp_path: Path) -> None:
    plan = FixPlan("command", "Run `make fix`", "ran it", [FileChange("tests/test_parse.py", TESTS, None)])
    result = guarded(lambda ctx: plan)(FixContext(tmp_path, None, trusted=True))  # type: ignore[arg-type]
    assert isinstance(result, CannotFix)
    assert result.why == "the plan would weaken a check: tests/test_parse.py deletes or empties a test file"
    assert all(fixer.__name__ == "run" for fixer in FIXERS.values())


# Weakenings seen in real "make CI green" commits, and legitimate fixes that must pass beside them.
CI = """name: CI
on:
  push:
    branches: [main]
  pull_request:
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      fail-fast: true
      matrix:
        python-version: ["3.11", "3.12", "3.13"]
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: ${{ matrix.python-version }}
      - run: uv sync --locked
      - name: Tests
        run: uv run pytest -x --strict-markers
      - name: Lint
        run: uv run ruff check . && uv run ruff format --check .
      - name: Upload coverage
        uses: codecov/codecov-action@v5
        with:
          fail_ci_if_error: true
          token: ${{ secrets.CODECOV_TOKEN }}
  docs:
    runs-on: ubuntu-latest
    steps:
      - run: npm ci && npx mkdocs build --strict
"""
MYPY = """[tool.mypy]
strict = true
warn_unused_ignores = true

[tool.pytest.ini_options]
filterwarnings = ["error"]
"""
CODECOV = "coverage:\n  status:\n    project:\n      default:\n        informational: false\n"
CONFTEST = "import pytest\n\n\n@pytest.fixture\ndef app():\n    return object()\n"
GO_FILE = 'package cache\n\nimport "testing"\n\nfunc TestPut(t *testing.T) {}\n'

MORE_WEAKENING = [
    ("-k 'not slow'", CI, "uv run pytest -x", "uv run pytest -x -k 'not slow'", "deselects or ignores tests"),
    ("-m 'not network'", CI, "uv run pytest -x", 'uv run pytest -x -m "not network"', "deselects or ignores tests"),
    ("fail_ci_if_error: false", CI, "fail_ci_if_error: true", "fail_ci_if_error: false", "turns `jobs.test.steps"),
    ("ruff --exit-zero", CI, "uv run ruff check .", "uv run ruff check . --exit-zero", "exit 0 on what it finds"),
    ("|| echo", CI, "uv run ruff check .", "uv run ruff check . || echo lint failed", "`|| echo`"),
    ("--check dropped", CI, "ruff format --check .", "ruff format .", "drops `--check`"),
    ("--strict dropped", CI, "mkdocs build --strict", "mkdocs build", "drops `--strict`"),
    ("--locked dropped", CI, "uv sync --locked", "uv sync", "drops `--locked`"),
    ("--strict-markers dropped", CI, "pytest -x --strict-markers", "pytest -x", "drops `--strict-markers`"),
    ("npm ci -> npm install", CI, "npm ci && npx", "npm install && npx", "replaces `npm ci`"),
    ("matrix entry dropped", CI, '["3.11", "3.12", "3.13"]', '["3.11", "3.12"]', "fewer matrix combinations"),
    (
        "matrix exclude added",
        CI,
        '        python-version: ["3.11", "3.12", "3.13"]\n',
        '        python-version: ["3.11", "3.12", "3.13"]\n        exclude:\n          - python-version: "3.13"\n',
        "fewer matrix combinations",
    ),
    (
        "if: on a job",
        CI,
        "  docs:\n",
        "  docs:\n    if: github.event_name == 'push'\n",
        "adds a condition to job `docs`",
    ),
    (
        "paths-ignore",
        CI,
        "  pull_request:\n",
        "  pull_request:\n    paths-ignore: ['src/legacy/**']\n",
        "fewer `pull_request`",
    ),
    ("mypy strict off", MYPY, "strict = true", "strict = false", "turns `tool.mypy.strict` off"),
    ("ignore_missing_imports", MYPY, "strict = true\n", "strict = true\nignore_missing_imports = true\n", "on"),
    ("filterwarnings ignore", MYPY, '["error"]', '["error", "ignore::DeprecationWarning"]', "ignores more warnings"),
    ("codecov informational", CODECOV, "informational: false", "informational: true", "informational"),
    (
        "importorskip",
        TESTS,
        "from app import parse",
        'yaml = pytest.importorskip("yaml")\nfrom app import parse',
        "skip",
    ),
    ("collect_ignore", CONFTEST, "import pytest\n", 'import pytest\n\ncollect_ignore = ["test_slow.py"]\n', "skip"),
    ("it.only", SPEC, "  it('adds", "  it.only('adds", "`.only`"),
    ("ruff: noqa", TESTS, "import pytest\n", "# ruff: noqa: F401\nimport pytest\n", "suppression comment"),
    ("fmt: off", TESTS, "import pytest\n", "# fmt: off\nimport pytest\n", "suppression comment"),
    ("istanbul ignore", SPEC, "  it('adds", "  /* istanbul ignore next */\n  it('adds", "suppression comment"),
    ("go:build ignore", GO_FILE, "package cache", "//go:build ignore\n\npackage cache", "leaves a file out"),
    ("reruns", CI, "uv run pytest -x", "uv run pytest -x --reruns 3", "retries failing tests"),
]
MORE_PATHS = {CI: ".github/workflows/ci.yml", MYPY: "pyproject.toml", CODECOV: "codecov.yml"}
MORE_PATHS |= {CONFTEST: "tests/conftest.py", GO_FILE: "cache/cache_test.go"}


@pytest.mark.parametrize(("what", "before", "old", "new", "said"), MORE_WEAKENING, ids=[w[0] for w in MORE_WEAKENING])
def test_more_weakenings_are_refused(what: str, before: str, old: str, new: str, said: str) -> None:
    assert before.count(old) == 1
    path = MORE_PATHS.get(before) or PATHS[before]
    found = weakening([FileChange(path, before, before.replace(old, new))])
    assert found is not None, what
    assert said in str(found)


MORE_FIXES = [
    ("a Python version added to the matrix", CI, '"3.12", "3.13"]', '"3.12", "3.13", "3.14"]'),
    ("fail-fast turned off (runs more)", CI, "fail-fast: true", "fail-fast: false"),
    ("allow-prereleases added", CI, "python-version }}\n", "python-version }}\n          allow-prereleases: true\n"),
    (
        "an upload keeps hidden files",
        CI,
        "fail_ci_if_error: true\n",
        "fail_ci_if_error: true\n          include-hidden-files: true\n",
    ),
    (
        "if: always() on a step",
        CI,
        "      - name: Upload coverage\n",
        "      - name: Upload coverage\n        if: always()\n",
    ),
    ("codecov bumped, input renamed", CI, "codecov/codecov-action@v5", "codecov/codecov-action@v6"),
    ("a branch added to a trigger", CI, "branches: [main]", "branches: [main, release]"),
    ("pytest gets more verbose", CI, "uv run pytest -x", "uv run pytest -x -vv"),
    (
        "a dependency added beside strict mypy",
        MYPY,
        "[tool.mypy]\n",
        '[project]\nname = "x"\ndependencies = ["pyyaml"]\n\n[tool.mypy]\n',
    ),
    ("a test file's import fixed", TESTS, "from app import parse", "from app.parsing import parse"),
]


@pytest.mark.parametrize(("what", "before", "old", "new"), MORE_FIXES, ids=[f[0] for f in MORE_FIXES])
def test_more_real_fixes_pass(what: str, before: str, old: str, new: str) -> None:
    assert before.count(old) == 1
    path = MORE_PATHS.get(before) or PATHS[before]
    assert weakening([FileChange(path, before, before.replace(old, new))]) is None
