# ruff: noqa: E501
"""Timeout cases: jobs as the GitHub API names them (rendered matrix names, names with expressions), after
real workflows (test matrices, wheel builds, dispatch inputs named like jobs)."""

from __future__ import annotations

from fixer_corpus import Case

N = "timeout"


def exceeded(minutes: int) -> str:
    return (
        f"##[error]The job running on runner GitHub Actions 12 has exceeded the maximum execution time of {minutes} minutes.\n"
        "##[error]The operation was canceled."
    )


MATRIX_DEFAULT = """name: CI
on: [push, pull_request]
jobs:
  lint:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: ruff check .
  build:
    runs-on: ${{ matrix.os }}
    timeout-minutes: 30
    strategy:
      matrix:
        python-version: ["3.9", "3.10", "3.11"]
        os: [ubuntu-latest, windows-latest]
    steps:
      - run: pytest
"""

NAMED = """name: Tests
on: [push]
jobs:
  tests:
    name: Test ${{ matrix.os }}
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, macos-latest]
    steps:
      - run: make test
"""

DISPATCH = """name: Release
on:
  workflow_dispatch:
    inputs:
      build:
        description: "Build first"
        type: boolean
        timeout-minutes: 5
jobs:
  build:
    runs-on: ubuntu-latest
    timeout-minutes: 15 # the docker build is slow
    steps:
      - run: docker build .
"""

NAME_WITHOUT_MATRIX = """name: CI
on: [push]
jobs:
  unit:
    name: Unit tests
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python: ['3.11', '3.12']
    steps:
      - run: pytest tests/unit
"""

UNQUOTED_FLOATS = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    timeout-minutes: 20
    strategy:
      matrix:
        python-version: [3.9, 3.10]
    steps:
      - run: pytest
"""

TWO_BUILDS = """on: [push]
jobs:
  build-linux:
    name: Build
    runs-on: ubuntu-latest
    steps:
      - run: make
  build-mac:
    name: Build
    runs-on: macos-latest
    steps:
      - run: make
"""

FROM_JSON = """on: [push]
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      targets: ${{ steps.t.outputs.targets }}
    steps:
      - id: t
        run: echo 'targets=["linux","windows"]' >> "$GITHUB_OUTPUT"
  compile:
    name: Compile ${{ matrix.target }}
    needs: plan
    runs-on: ubuntu-latest
    timeout-minutes: 45
    strategy:
      matrix:
        target: ${{ fromJSON(needs.plan.outputs.targets) }}
    steps:
      - run: make ${{ matrix.target }}
"""

INCLUDE_ONLY = """on: [push]
jobs:
  docs:
    name: ${{ matrix.name }}
    runs-on: ubuntu-latest
    strategy:
      matrix:
        include:
          - name: docs-html
            builder: html
          - name: docs-linkcheck
            builder: linkcheck
    steps:
      - run: sphinx-build -b ${{ matrix.builder }} docs out
"""

EXPRESSION_LIMIT = """on:
  workflow_call:
    inputs:
      timeout:
        type: number
        default: 30
jobs:
  e2e:
    runs-on: ubuntu-latest
    timeout-minutes: ${{ inputs.timeout }}
    steps:
      - run: npm run e2e
"""

CALLER = """name: CI
on: [push]
jobs:
  integration:
    runs-on: ubuntu-latest
    timeout-minutes: 25
    steps:
      - run: ./integration.sh
"""

OR_NAMES = """name: Tests
on: [push, pull_request]
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
          - {name: Windows, python: '3.13', os: windows-latest}
          - {name: PyPy, python: 'pypy-3.11', tox: pypy3.11}
    steps:
      - run: uv run --locked tox run
  typing:
    runs-on: ubuntu-latest
    timeout-minutes: 10
    steps:
      - run: uv run --locked tox run -e typing
"""

CASES = [
    Case(
        "matrix-default-rendered-name",
        N,
        "a python-version x os test matrix, job shown as `build (3.10, windows-latest)`",
        {".github/workflows/ci.yml": MATRIX_DEFAULT},
        exceeded(30),
        edits={".github/workflows/ci.yml": [("    timeout-minutes: 30\n", "    timeout-minutes: 60\n")]},
        job="build (3.10, windows-latest)",
    ),
    Case(
        "name-with-matrix-expression",
        N,
        "`name: Test ${{ matrix.os }}`, shown as `Test macos-latest`; no limit set (GitHub's default 360)",
        {".github/workflows/ci.yml": NAMED},
        exceeded(170),
        edits={
            ".github/workflows/ci.yml": [
                ("    name: Test ${{ matrix.os }}\n", "    timeout-minutes: 340\n    name: Test ${{ matrix.os }}\n")
            ]
        },
        job="Test macos-latest",
    ),
    Case(
        "dispatch-input-named-like-the-job",
        N,
        "a workflow_dispatch input called `build` above the job `build`: only the job changes",
        {".github/workflows/ci.yml": DISPATCH},
        exceeded(15),
        edits={
            ".github/workflows/ci.yml": [
                ("timeout-minutes: 15 # the docker build is slow", "timeout-minutes: 30 # the docker build is slow")
            ]
        },
        job="build",
    ),
    Case(
        "name-without-matrix-gets-values",
        N,
        "`name: Unit tests` in a matrix job is shown as `Unit tests (3.12)`",
        {".github/workflows/ci.yml": NAME_WITHOUT_MATRIX},
        exceeded(60),
        edits={
            ".github/workflows/ci.yml": [("    name: Unit tests\n", "    timeout-minutes: 120\n    name: Unit tests\n")]
        },
        job="Unit tests (3.12)",
    ),
    Case(
        "unquoted-float-matrix-value",
        N,
        "python-version: [3.9, 3.10] unquoted: GitHub shows 3.10 as 3.1",
        {".github/workflows/ci.yml": UNQUOTED_FLOATS},
        exceeded(20),
        edits={".github/workflows/ci.yml": [("timeout-minutes: 20", "timeout-minutes: 40")]},
        job="test (3.1)",
    ),
    Case(
        "two-jobs-share-a-name",
        N,
        "two jobs both named `Build`: which one timed out cannot be told",
        {".github/workflows/ci.yml": TWO_BUILDS},
        exceeded(360),
        refusal="cap",
        fix_exists=False,
        job="Build",
    ),
    Case(
        "two-jobs-share-a-name-under-the-cap",
        N,
        "two jobs both named `Build`, 60-minute limit",
        {".github/workflows/ci.yml": TWO_BUILDS},
        exceeded(60),
        refusal="2 jobs could be shown as 'Build'",
        fix_exists=False,
        job="Build",
    ),
    Case(
        "matrix-from-json-with-name",
        N,
        "a computed matrix: `Compile ${{ matrix.target }}` matches `Compile windows`",
        {".github/workflows/ci.yml": FROM_JSON},
        exceeded(45),
        edits={".github/workflows/ci.yml": [("timeout-minutes: 45", "timeout-minutes: 90")]},
        job="Compile windows",
    ),
    Case(
        "include-only-matrix",
        N,
        "an include-only matrix whose legs carry their own names",
        {".github/workflows/ci.yml": INCLUDE_ONLY},
        exceeded(30),
        edits={
            ".github/workflows/ci.yml": [
                ("    name: ${{ matrix.name }}\n", "    timeout-minutes: 60\n    name: ${{ matrix.name }}\n")
            ]
        },
        job="docs-linkcheck",
    ),
    Case(
        "limit-from-an-expression",
        N,
        "a reusable workflow whose limit is an input",
        {".github/workflows/ci.yml": EXPRESSION_LIMIT},
        exceeded(30),
        refusal="sets its time limit in a way this fixer does not edit",
        fix_exists=False,
        job="e2e",
    ),
    Case(
        "called-workflow-job",
        N,
        "a job shown as `ci / integration` (the caller's job / this workflow's job)",
        {".github/workflows/ci.yml": CALLER},
        exceeded(25),
        edits={".github/workflows/ci.yml": [("timeout-minutes: 25", "timeout-minutes: 50")]},
        job="ci / integration",
    ),
    Case(
        "job-not-in-this-workflow",
        N,
        "the API names a job this workflow does not have",
        {".github/workflows/ci.yml": CALLER},
        exceeded(25),
        refusal="no job under `jobs:`",
        fix_exists=False,
        job="deploy",
    ),
    Case(
        "include-only-with-or-names",
        N,
        "pallets' test matrix: `name: ${{ matrix.name || matrix.python }}` over include-only legs, next to `typing`",
        {".github/workflows/ci.yml": OR_NAMES},
        exceeded(90),
        edits={
            ".github/workflows/ci.yml": [
                (
                    "    name: ${{ matrix.name || matrix.python }}\n",
                    "    timeout-minutes: 180\n    name: ${{ matrix.name || matrix.python }}\n",
                )
            ]
        },
        job="3.12",
    ),
    Case(
        "plain-job-beside-a-job-named-by-expression",
        N,
        "the `typing` job of the same workflow: its own name wins over the expression that could be anything",
        {".github/workflows/ci.yml": OR_NAMES},
        exceeded(10),
        edits={".github/workflows/ci.yml": [("    timeout-minutes: 10\n", "    timeout-minutes: 20\n")]},
        job="typing",
    ),
]
