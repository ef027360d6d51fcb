# ruff: noqa: E501
"""Deprecated-action cases about what a workflow reaches and what a bump must carry, written after real
shapes: projects calling a shared tox workflow pinned at a tag whose own steps run retired actions (the
astronomy projects' shared CI), a hooks action that runs actions/cache inside, codecov-action's `file`
input gone in v5, setup-node v1's documented `version` -> `node-version`, setup-java's required
`distribution` from v2, an archived release action, CodeQL v2. The called files live in actions.py."""

from __future__ import annotations

from fixer_corpus import Case
from fixer_corpus.actions import sha_of
from fixer_corpus.deprecated_actions import EXIT, FAILED, NODE16

N = "deprecated-action"
NODE12 = (
    "##[warning]Node.js 12 actions are deprecated. For more information see: "
    "https://github.blog/changelog/2022-09-22-github-actions-all-actions-will-begin-running-on-node16-instead-of-node12/. "
    "Please update the following actions to use Node.js 16: {}"
)
NODE20 = (
    "##[warning]Node.js 20 actions are deprecated. The following actions are running on Node.js 20 and may not work "
    "as expected: {}. Actions will be forced to run with Node.js 24 by default starting June 2nd, 2026."
)

CALLER = """name: CI

on:
  push:
    branches: [main]
  pull_request:

jobs:
  tests:
    uses: astro-ci/workflows/.github/workflows/tox.yml@v1.8.0
    with:
      envs: |
        - linux: py311
        - macos: py312
      toxdeps: tox-pypi-filter
      coverage: codecov
    secrets:
      CODECOV_TOKEN: ${{ secrets.CODECOV_TOKEN }}

  docs:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run tox -e build_docs
"""
CALLER_SHA = CALLER.replace("tox.yml@v1.8.0", f"tox.yml@{sha_of('astro-ci/workflows', 'v1.8.0')}  # v1.8.0")
SHARED = """name: tests
on: [push, pull_request]
jobs:
  test:
    uses: shared-ci/workflows/.github/workflows/tox.yml@v2.1.0
    with:
      envs: py312
      coverage: codecov
"""
UNKNOWN_CALLED = """name: tests
on: [push]
jobs:
  test:
    uses: some-org/private-workflows/.github/workflows/python.yml@v1
    with:
      python-version: "3.12"
"""
HOOKS = """name: pre-commit

on:
  pull_request:
  push:
    branches: [main]

jobs:
  pre-commit:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - uses: hooks-ci/run@v1.0.2
"""
ARTIFACT_AND_CACHE = """name: build
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v2.1.6
        with:
          path: ~/.cargo
          key: cargo-${{ hashFiles('Cargo.lock') }}
      - run: cargo build --release
      - uses: actions/upload-artifact@v3
        with:
          name: binary
          path: target/release/app
"""
SETUP_NODE_V1 = """name: Node CI
on: [push, pull_request]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v2
      - uses: actions/setup-node@v1
        with:
          version: 12.x
      - run: npm ci
      - run: npm test
"""
CODECOV = """name: tests
on: [push, pull_request]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-python@v5
        with:
          python-version: "3.12"
      - run: pip install -e .[test] && pytest --cov --cov-report=xml
      - uses: codecov/codecov-action@v4
        with:
          file: ./coverage.xml
          fail_ci_if_error: true
          token: ${{ secrets.CODECOV_TOKEN }}
"""
JAVA = """name: Java CI
on: [push]
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v2
      - name: Set up JDK 11
        uses: actions/setup-java@v1
        with:
          java-version: 11
      - run: ./gradlew build
"""
RELEASE = """name: release
on:
  push:
    tags: ["v*"]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v2
      - uses: actions/create-release@v1
        env:
          GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }}
        with:
          tag_name: ${{ github.ref }}
          release_name: Release ${{ github.ref }}
"""
CODEQL = """name: "CodeQL"
on:
  push:
    branches: [main]
  schedule:
    - cron: '30 1 * * 0'
jobs:
  analyze:
    runs-on: ubuntu-latest
    permissions:
      security-events: write
    strategy:
      matrix:
        language: ['python']
    steps:
      - uses: actions/checkout@v4
      - uses: github/codeql-action/init@v2
        with:
          languages: ${{ matrix.language }}
      - uses: github/codeql-action/analyze@v2
        with:
          category: "/language:${{matrix.language}}"
"""

CASES: list[Case] = [
    Case(
        "reusable-workflow-pinned-at-a-retired-tag",
        N,
        "a project calling a shared tox workflow at v1.8.0, whose own steps upload with upload-artifact@v3: the "
        "call moves to the newest v1 release whose steps are current (the workflow itself names no artifact action)",
        {".github/workflows/ci.yml": CALLER},
        FAILED.format("actions/upload-artifact: v3"),
        edits={".github/workflows/ci.yml": [("tox.yml@v1.8.0", "tox.yml@v1.10.0")]},
        job="tests / tox",
    ),
    Case(
        "reusable-workflow-sha-pinned",
        N,
        "the same call pinned by SHA with the version in a comment (a hardened workflow): re-pinned, comment updated",
        {".github/workflows/ci.yml": CALLER_SHA},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                (
                    f"{sha_of('astro-ci/workflows', 'v1.8.0')}  # v1.8.0",
                    f"{sha_of('astro-ci/workflows', 'v1.10.0')}  # v1.10.0",
                )
            ]
        },
        job="tests / tox",
    ),
    Case(
        "reusable-workflow-only-a-new-major-is-current",
        N,
        "every v2 release of the called workflow caches with actions/cache@v2; v3 is current but renamed the `envs` "
        "input without saying so: refused, naming the input",
        {".github/workflows/ci.yml": SHARED},
        FAILED.format("actions/cache: v2"),
        refusal="`envs` is not an input of shared-ci/workflows/.github/workflows/tox.yml@v3.0.0",
        job="test / tox",
    ),
    Case(
        "reusable-workflow-that-cannot-be-read",
        N,
        "a called workflow in a repository the agent cannot read: the named action is nowhere it can see",
        {".github/workflows/ci.yml": UNKNOWN_CALLED},
        FAILED.format("actions/upload-artifact: v3"),
        refusal="no workflow or action file uses actions/upload-artifact@v3, and no action or workflow they call does",
        fix_exists=False,
        job="test / build",
    ),
    Case(
        "composite-action-runs-a-retired-cache",
        N,
        "a hooks action whose v1.0.2 runs actions/cache@v2 inside: it moves to the first release that runs v4",
        {".github/workflows/pre-commit.yml": HOOKS},
        FAILED.format("actions/cache: v2"),
        edits={".github/workflows/pre-commit.yml": [("hooks-ci/run@v1.0.2", "hooks-ci/run@v1.1.1")]},
        workflow=".github/workflows/pre-commit.yml",
        job="pre-commit",
    ),
    Case(
        "retired-cache-beside-the-named-artifact",
        N,
        "GitHub names upload-artifact v3; the same job caches with actions/cache@v2.1.6, which fails next: both move",
        {".github/workflows/ci.yml": ARTIFACT_AND_CACHE},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/cache@v2.1.6", "actions/cache@v6.1.0"),
                ("actions/upload-artifact@v3", "actions/upload-artifact@v7"),
            ]
        },
        job="build",
    ),
    Case(
        "setup-node-v1-version-input-renamed",
        N,
        "setup-node@v1 with the `version` input its action.yml deprecates for `node-version`: renamed with the bump",
        {".github/workflows/ci.yml": SETUP_NODE_V1},
        NODE12.format("actions/checkout@v2, actions/setup-node@v1"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/checkout@v2", "actions/checkout@v7"),
                (
                    "actions/setup-node@v1\n        with:\n          version:",
                    "actions/setup-node@v7\n        with:\n          node-version:",
                ),
            ]
        },
        job="build",
    ),
    Case(
        "codecov-v5-has-no-file-input",
        N,
        "codecov-action@v4 with `file:`, which v5's action.yml no longer declares (its README alone mentions `files`)",
        {".github/workflows/ci.yml": CODECOV},
        NODE20.format("codecov/codecov-action@v4") + EXIT,
        refusal="`file` is not an input of codecov/codecov-action@v5.5.2",
        job="test",
    ),
    Case(
        "setup-java-v2-requires-a-distribution",
        N,
        "setup-java@v1 (Zulu implied) to a release that requires `distribution`: a choice for a person",
        {".github/workflows/ci.yml": JAVA},
        NODE12.format("actions/checkout@v2, actions/setup-java@v1"),
        refusal="actions/setup-java@v5.7.0 requires the input `distribution`",
        job="build",
    ),
    Case(
        "archived-release-action",
        N,
        "actions/create-release is archived: no newer release exists, the replacement is another action",
        {".github/workflows/release.yml": RELEASE},
        NODE12.format("actions/checkout@v2, actions/create-release@v1"),
        refusal="actions/create-release is archived by GitHub on 2021-03-04; its README points to softprops/action-gh-release",
        workflow=".github/workflows/release.yml",
        job="release",
    ),
    Case(
        "codeql-v2-init-and-analyze",
        N,
        "the CodeQL starter workflow at v2 (deprecated 2025-01-10): init and analyze move to the current major tag",
        {".github/workflows/codeql.yml": CODEQL},
        NODE16.format("github/codeql-action/init@v2, github/codeql-action/analyze@v2"),
        edits={
            ".github/workflows/codeql.yml": [
                ("github/codeql-action/init@v2", "github/codeql-action/init@v4"),
                ("github/codeql-action/analyze@v2", "github/codeql-action/analyze@v4"),
            ]
        },
        workflow=".github/workflows/codeql.yml",
        job="analyze (python)",
    ),
]
