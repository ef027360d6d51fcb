# ruff: noqa: E501
"""Deprecated-action cases, after real workflows (cibuildwheel-style wheel builds, Pages deploys, SHA-pinned
hardened workflows, composite actions) and GitHub's real messages. Targets come from the shipped table."""

from __future__ import annotations

from fixer_corpus import Case

FAILED = "##[error]This request has been automatically failed because it uses a deprecated version of `{}`."
NODE16 = (
    "##[warning]Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: {}. For "
    "more information see: https://github.blog/changelog/2023-09-22-github-actions-transitioning-from-node-16-to-node-20/."
)
NODE20 = (
    "##[warning]Node.js 20 actions are deprecated. The following actions are running on Node.js 20 and may not work "
    "as expected: {}. Actions will be forced to run with Node.js 24 by default starting June 2nd, 2026. Please check "
    "if updated versions of these actions are available that support Node.js 24."
)
SET_OUTPUT = (
    "##[warning]The `set-output` command is deprecated and will be disabled soon. Please upgrade to using "
    "Environment Files. For more information see: "
    "https://github.blog/changelog/2022-10-11-github-actions-deprecating-save-state-and-set-output-commands/"
)
SAVE_STATE = SET_OUTPUT.replace("set-output", "save-state")
EXIT = "\n##[error]Process completed with exit code 1."
UPLOAD_SHA = "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a"
DOWNLOAD_SHA = "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c"
CACHE_SHA = "55cc8345863c7cc4c66a329aec7e433d2d1c52a9"
CHECKOUT_SHA = "3d3c42e5aac5ba805825da76410c181273ba90b1"
N = "deprecated-action"

WHEELS_SDIST = """name: Build

on:
  push:
    tags: ["v*"]

jobs:
  build_wheels:
    name: Build wheels on ${{ matrix.os }}
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-22.04, windows-2022, macos-13]
    steps:
      - uses: actions/checkout@v4
      - uses: pypa/cibuildwheel@v2.16.2
      - uses: actions/upload-artifact@v3
        with:
          name: wheels
          path: ./wheelhouse/*.whl

  build_sdist:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: pipx run build --sdist
      - uses: actions/upload-artifact@v3
        with:
          name: wheels
          path: dist/*.tar.gz

  upload_pypi:
    needs: [build_wheels, build_sdist]
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v3
        with:
          name: wheels
          path: dist
      - uses: pypa/gh-action-pypi-publish@release/v1
"""

DEFAULT_NAME = """name: Wheels
on: [push, pull_request]
jobs:
  build_wheels:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest, macos-latest]
    steps:
      - uses: actions/checkout@v4
      - uses: pypa/cibuildwheel@v2.16.2
      - uses: actions/upload-artifact@v3
        with:
          path: ./wheelhouse/*.whl

  publish:
    needs: [build_wheels]
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v3
        with:
          path: dist
"""

SINGLE = """name: docs
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: make html
      # the built site, for the deploy job
      - uses: actions/upload-artifact@v3
        with:
          name: site
          path: _build/html
  deploy:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v3
        with:
          name: site
          path: site
      - run: ls site
"""

PINNED = """name: release
on:
  push:
    tags: ['v*']
permissions: {}
jobs:
  dist:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@b4ffde65f46336ab88eb53be808477a3936bae11 # v4.1.1
        with:
          persist-credentials: false
      - run: python -m build
      - uses: actions/upload-artifact@a8a3f3ad30e3422c9c7b888a15615d19a852ae32 # v3.1.3
        with:
          name: dist
          path: dist/
  publish:
    needs: dist
    runs-on: ubuntu-latest
    permissions:
      id-token: write
    steps:
      - uses: actions/download-artifact@9bc31d5ccc31df68ecc42ccf4149144866c47d8a # v3.0.2
        with:
          name: dist
          path: dist/
"""

CACHE_PINNED = """name: test
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9  # v3.3.1
        with:
          path: ~/.cache/pip
          key: pip-${{ hashFiles('requirements.txt') }}
      - run: pip install -r requirements.txt
"""

NODE16_WF = """name: CI

on:
  push:
    branches: [ main ]
  pull_request:

jobs:
  build:
    runs-on: ubuntu-latest
    steps:
    - uses: actions/checkout@v3
    - name: Set up Python 3.10
      uses: actions/setup-python@v3
      with:
        python-version: "3.10"
    - name: Build
      run: python setup.py bdist_wheel
    - uses: actions/upload-artifact@v3
      with:
        name: wheel
        path: dist/*.whl
"""

GO_WF = """name: Go
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/setup-go@v5
        with:
          go-version-file: go.mod
      - run: go test ./...
"""

BRANCH_REF = """name: retro
on: [push]
jobs:
  retro:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: appthrust/moon-ci-retrospect@main
"""

UNKNOWN = """name: release
on: [push]
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - uses: tubone24/update_release@v1.3.1
        with:
          release_name: nightly
"""

CODECOV = """name: coverage
on: [push]
jobs:
  cov:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v7
      - run: pytest --cov --cov-report=xml
      - uses: codecov/codecov-action@v5
        with:
          files: coverage.xml
"""

SET_OUTPUT_WF = """name: version
on: [push]
jobs:
  version:
    runs-on: ubuntu-latest
    outputs:
      version: ${{ steps.v.outputs.version }}
    steps:
      - uses: actions/checkout@v2
      - id: v
        run: |
          VERSION=$(git describe --tags --always)
          echo "::set-output name=version::${VERSION}"
"""

PIP_CACHE_WF = """name: tests
on: [push, pull_request]
jobs:
  tests:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Get pip cache dir
        id: pip-cache
        run: echo ::set-output name=dir::$(pip cache dir)
      - uses: actions/cache@v4
        with:
          path: ${{ steps.pip-cache.outputs.dir }}
          key: pip-${{ runner.os }}
"""

SET_OUTPUT_FROM_ACTION = """name: tag
on: [push]
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - id: tag
        uses: olegtarasov/get-tag@v2.1
      - run: echo "${{ steps.tag.outputs.tag }}"
"""

SAVE_STATE_WF = """name: server
on: [push]
jobs:
  e2e:
    runs-on: ubuntu-latest
    steps:
      - run: |
          ./server &
          echo "::save-state name=pid::$!"
"""

WINDOWS_WF = """name: win
on: [push]
jobs:
  build:
    runs-on: windows-latest
    steps:
      - id: ver
        run: echo "::set-output name=sha::${{ github.sha }}"
"""

MATRIX_SHELL_WF = """name: matrix
on: [push]
jobs:
  build:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, windows-latest]
    steps:
      - id: ver
        run: echo "::set-output name=sha::${{ github.sha }}"
"""

COMPOSITE = """name: Setup
description: Install the toolchain with a warm cache
runs:
  using: composite
  steps:
    - uses: actions/cache@v2
      with:
        path: ~/.cargo
        key: cargo-${{ hashFiles('Cargo.lock') }}
    - run: cargo fetch
      shell: bash
"""

COMPOSITE_CALLER = """name: CI
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./.github/actions/setup
      - run: cargo test
"""

ROOT_ACTION = """name: 'Build site'
description: 'Builds the site with node'
inputs:
  node-version:
    description: 'Node version'
    default: '16'
runs:
  using: 'composite'
  steps:
    - uses: 'actions/setup-node@v3'
      with:
        node-version: ${{ inputs.node-version }}
    - run: npm ci && npm run build
      shell: bash
"""

COVERED = """name: tests
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        python-version: ["3.10", "3.11", "3.12"]
    steps:
      - uses: actions/checkout@v4
      - run: pytest --cov --cov-report=xml
      - uses: actions/upload-artifact@v3
        with:
          name: coverage-${{ matrix.python-version }}
          path: coverage.xml
  report:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v3
        with:
          path: reports
"""

ONE_LEG = """name: tests
on: [push]
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      matrix:
        os: [ubuntu-latest, macos-latest, windows-latest]
    steps:
      - uses: actions/checkout@v4
      - run: pytest --junitxml=junit.xml
      - uses: actions/upload-artifact@v3
        if: matrix.os == 'ubuntu-latest'
        with:
          name: junit
          path: junit.xml
"""

PINNED_LEG = """name: tests
on: [push]
jobs:
  test:
    runs-on: ${{ matrix.os }}
    strategy:
      fail-fast: false
      matrix:
        os: [ubuntu-latest, macos-latest]
        python: ['3.11', '3.12']
    steps:
      - uses: actions/checkout@v4
      - run: python -m build
      - uses: actions/upload-artifact@v3
        if: ${{ matrix.python == '3.12' }}
        with:
          name: dist
          path: dist
  check:
    needs: test
    runs-on: ubuntu-latest
    steps:
      - uses: actions/download-artifact@v3
        with:
          name: dist
          path: dist
      - run: twine check dist/*
"""

FROM_JSON = """name: build
on: [push]
jobs:
  plan:
    runs-on: ubuntu-latest
    outputs:
      targets: ${{ steps.t.outputs.targets }}
    steps:
      - id: t
        run: echo 'targets=["a","b"]' >> "$GITHUB_OUTPUT"
  build:
    needs: plan
    runs-on: ubuntu-latest
    strategy:
      matrix:
        target: ${{ fromJSON(needs.plan.outputs.targets) }}
    steps:
      - run: make ${{ matrix.target }}
      - uses: actions/upload-artifact@v3
        with:
          name: binaries
          path: out/
"""

TWICE = """name: logs
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - run: make test
      - uses: actions/upload-artifact@v3
        with:
          name: logs
          path: build/test.log
      - uses: actions/upload-artifact@v3
        with:
          name: logs
          path: build/coverage.log
"""

PAGES = """name: Deploy Pages
on:
  push:
    branches: [main]
permissions:
  contents: read
  pages: write
  id-token: write
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/configure-pages@v3
      - run: npm ci && npm run build
      - uses: actions/upload-pages-artifact@v1
        with:
          path: ./public
  deploy:
    needs: build
    environment:
      name: github-pages
      url: ${{ steps.deployment.outputs.page_url }}
    runs-on: ubuntu-latest
    steps:
      - id: deployment
        uses: actions/deploy-pages@v1
"""

PAGES_V2 = """name: pages
on:
  push:
    branches: [main]
permissions:
  pages: write
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment:
      name: github-pages
    steps:
      - uses: actions/checkout@v4
      - uses: actions/upload-pages-artifact@v2
        with:
          path: site
      - uses: actions/deploy-pages@v2
"""

CACHE_PRECISE = """name: rust
on: [push]
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: actions/cache@v2.1.6
        with:
          path: target
          key: ${{ runner.os }}-cargo-${{ hashFiles('**/Cargo.lock') }}
      - run: cargo test
"""

CROSS_WORKFLOW = """name: nightly
on:
  workflow_run:
    workflows: [Build]
    types: [completed]
jobs:
  fetch:
    runs-on: ubuntu-latest
    steps:
      - uses: dawidd6/action-download-artifact@v6
        with:
          name: bundle
          workflow: build.yml
"""

MATRIX_BUNDLE = """name: Build
on: [push]
jobs:
  bundle:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        arch: [x64, arm64]
    steps:
      - run: make ARCH=${{ matrix.arch }}
      - uses: actions/upload-artifact@v3
        with:
          name: bundle
          path: out/
"""

BOTH_WARNINGS = """name: release
on: [push]
jobs:
  tag:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v3
        with:
          fetch-depth: 0
      - id: next
        run: |
          echo "::set-output name=tag::$(git describe --tags --abbrev=0)"
"""

CASES = [
    Case(
        "artifact-matrix-and-sdist-share-a-name",
        N,
        "cibuildwheel's wheels + sdist jobs uploading one artifact name, one download by that name",
        {".github/workflows/ci.yml": WHEELS_SDIST},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                (
                    "      - uses: actions/upload-artifact@v3\n        with:\n          name: wheels\n          path: ./wheelhouse",
                    "      - uses: actions/upload-artifact@v7\n        with:\n          name: wheels-build_wheels-${{ matrix.os }}\n          path: ./wheelhouse",
                ),
                (
                    "      - uses: actions/upload-artifact@v3\n        with:\n          name: wheels\n          path: dist",
                    "      - uses: actions/upload-artifact@v7\n        with:\n          name: wheels-build_sdist\n          path: dist",
                ),
                (
                    "      - uses: actions/download-artifact@v3\n        with:\n          name: wheels\n",
                    "      - uses: actions/download-artifact@v8\n        with:\n          pattern: wheels-*\n          merge-multiple: true\n",
                ),
            ]
        },
    ),
    Case(
        "artifact-default-name-download-all",
        N,
        "cibuildwheel example: matrix upload without a name, publish job downloading every artifact",
        {".github/workflows/ci.yml": DEFAULT_NAME},
        FAILED.format("actions/upload-artifact: v3"),
        refusal="downloads every artifact into folders named after them",
    ),
    Case(
        "artifact-single-upload-and-download-move-together",
        N,
        "docs build uploading the site for a deploy job",
        {".github/workflows/ci.yml": SINGLE},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/upload-artifact@v3", "actions/upload-artifact@v7"),
                ("actions/download-artifact@v3", "actions/download-artifact@v8"),
            ]
        },
    ),
    Case(
        "artifact-download-named-first",
        N,
        "the download step fails first at set-up; the upload must move with it",
        {".github/workflows/ci.yml": SINGLE},
        FAILED.format("actions/download-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/upload-artifact@v3", "actions/upload-artifact@v7"),
                ("actions/download-artifact@v3", "actions/download-artifact@v8"),
            ]
        },
    ),
    Case(
        "sha-pins-repinned-with-comments",
        N,
        "hardened release workflow (zizmor/scorecard style): SHA pins with `# vX.Y.Z` comments",
        {".github/workflows/ci.yml": PINNED},
        FAILED.format("actions/upload-artifact: a8a3f3ad30e3422c9c7b888a15615d19a852ae32"),
        edits={
            ".github/workflows/ci.yml": [
                (
                    "actions/upload-artifact@a8a3f3ad30e3422c9c7b888a15615d19a852ae32 # v3.1.3",
                    f"actions/upload-artifact@{UPLOAD_SHA} # v7.0.1",
                ),
                (
                    "actions/download-artifact@9bc31d5ccc31df68ecc42ccf4149144866c47d8a # v3.0.2",
                    f"actions/download-artifact@{DOWNLOAD_SHA} # v8.0.1",
                ),
            ]
        },
    ),
    Case(
        "cache-sha-named-by-github",
        N,
        "GitHub names a SHA-pinned actions/cache by its SHA (actions/cache#1562, carbon-lang#4890)",
        {".github/workflows/ci.yml": CACHE_PINNED},
        FAILED.format("actions/cache: 0c45773b623bea8c8e75f6c82b208c3cf94ea4f9"),
        edits={
            ".github/workflows/ci.yml": [
                (
                    "actions/cache@0c45773b623bea8c8e75f6c82b208c3cf94ea4f9  # v3.3.1",
                    f"actions/cache@{CACHE_SHA}  # v6.1.0",
                )
            ]
        },
    ),
    Case(
        "node16-warning-names-three",
        N,
        "python_ics#170: Node 16 warning naming checkout@v3, setup-python@v3, upload-artifact@v3",
        {".github/workflows/ci.yml": NODE16_WF},
        NODE16.format("actions/checkout@v3, actions/setup-python@v3, actions/upload-artifact@v3") + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ("actions/checkout@v3", "actions/checkout@v7"),
                ("actions/setup-python@v3", "actions/setup-python@v7"),
                ("actions/upload-artifact@v3", "actions/upload-artifact@v7"),
            ]
        },
    ),
    Case(
        "node20-warning",
        N,
        "defang#1981: Node 20 warning naming checkout@v4 and setup-go@v5",
        {".github/workflows/ci.yml": GO_WF},
        NODE20.format("actions/checkout@v4, actions/setup-go@v5") + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ("actions/checkout@v4", "actions/checkout@v7"),
                ("actions/setup-go@v5", "actions/setup-go@v7"),
            ]
        },
    ),
    Case(
        "node20-warning-with-a-branch-ref",
        N,
        "moon-ci-retrospect#16: an action followed at @main next to checkout@v4",
        {".github/workflows/ci.yml": BRANCH_REF},
        NODE20.format("actions/checkout@v4, appthrust/moon-ci-retrospect@main") + EXIT,
        # bumping checkout alone would leave the job warning about the other: all or nothing (issue 23)
        refusal="appthrust/moon-ci-retrospect@main follows a branch",
    ),
    Case(
        "node20-third-party-unknown",
        N,
        "homebridge-apt-pkg#502: a third-party action the table does not know (the API would)",
        {".github/workflows/ci.yml": UNKNOWN},
        NODE20.format("tubone24/update_release@v1.3.1") + EXIT,
        refusal="cannot find the latest release of tubone24/update_release",
    ),
    Case(
        "node20-already-on-latest-major",
        N,
        "codecov-action@v5 is its newest major: nothing to move to",
        {".github/workflows/ci.yml": CODECOV},
        NODE20.format("codecov/codecov-action@v5") + EXIT,
        refusal="already follows the latest major",
        fix_exists=False,
    ),
    Case(
        "set-output-rewritten-nothing-bumped",
        N,
        'femiwiki#316 / BigWigsMods#138: `echo "::set-output name=..."` in a run block',
        {".github/workflows/ci.yml": SET_OUTPUT_WF},
        SET_OUTPUT + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ('echo "::set-output name=version::${VERSION}"', 'echo "version=${VERSION}" >> "$GITHUB_OUTPUT"')
            ]
        },
    ),
    Case(
        "set-output-unquoted-pip-cache",
        N,
        "the old setup-python caching recipe: `echo ::set-output name=dir::$(pip cache dir)`",
        {".github/workflows/ci.yml": PIP_CACHE_WF},
        SET_OUTPUT + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ("echo ::set-output name=dir::$(pip cache dir)", 'echo dir=$(pip cache dir) >> "$GITHUB_OUTPUT"')
            ]
        },
    ),
    Case(
        "set-output-from-an-action",
        N,
        "olegtarasov/get-tag#302: the warning comes from inside an action, not from the workflow",
        {".github/workflows/ci.yml": SET_OUTPUT_FROM_ACTION},
        SET_OUTPUT + EXIT,
        refusal="the warning comes from an action's own code",
        fix_exists=False,
    ),
    Case(
        "save-state-rewritten",
        N,
        "a background server's pid kept with save-state",
        {".github/workflows/ci.yml": SAVE_STATE_WF},
        SAVE_STATE + EXIT,
        edits={".github/workflows/ci.yml": [('echo "::save-state name=pid::$!"', 'echo "pid=$!" >> "$GITHUB_STATE"')]},
    ),
    Case(
        "set-output-on-windows-pwsh",
        N,
        "a windows-latest job: the default shell is pwsh",
        {".github/workflows/ci.yml": WINDOWS_WF},
        SET_OUTPUT + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                (
                    'echo "::set-output name=sha::${{ github.sha }}"',
                    'echo "sha=${{ github.sha }}" >> $env:GITHUB_OUTPUT',
                )
            ]
        },
    ),
    Case(
        "set-output-shell-depends-on-matrix",
        N,
        "runs-on from the matrix, no shell: bash on one leg, pwsh on the other",
        {".github/workflows/ci.yml": MATRIX_SHELL_WF},
        SET_OUTPUT + EXIT,
        refusal="cannot rewrite the workflow command(s) safely",
        fix_exists=False,
    ),
    Case(
        "composite-action-cache",
        N,
        "a repository's own composite action under .github/actions/setup",
        {".github/workflows/ci.yml": COMPOSITE_CALLER, ".github/actions/setup/action.yml": COMPOSITE},
        FAILED.format("actions/cache: v2")
        + " Please update your workflow to use v3/v4 of actions/cache to avoid interruptions.",
        edits={".github/actions/setup/action.yml": [("actions/cache@v2", "actions/cache@v6")]},
    ),
    Case(
        "root-action-yml",
        N,
        "an action repository's own action.yml (composite, quoted scalars)",
        {"action.yml": ROOT_ACTION},
        NODE16.format("actions/setup-node@v3") + EXIT,
        edits={"action.yml": [("'actions/setup-node@v3'", "'actions/setup-node@v7'")]},
        workflow="",
    ),
    Case(
        "artifact-name-already-per-leg",
        N,
        "coverage per Python version, a report job downloading all of them",
        {".github/workflows/ci.yml": COVERED},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/upload-artifact@v3", "actions/upload-artifact@v7"),
                ("actions/download-artifact@v3", "actions/download-artifact@v8"),
            ]
        },
    ),
    Case(
        "artifact-uploaded-by-one-leg",
        N,
        "test report uploaded only from the ubuntu leg",
        {".github/workflows/ci.yml": ONE_LEG},
        FAILED.format("actions/upload-artifact: v3"),
        edits={".github/workflows/ci.yml": [("actions/upload-artifact@v3", "actions/upload-artifact@v7")]},
    ),
    Case(
        "artifact-if-pins-one-key-of-two",
        N,
        "dist built on two OSes for one Python: the OS must go into the name",
        {".github/workflows/ci.yml": PINNED_LEG},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                (
                    "      - uses: actions/upload-artifact@v3\n        if: ${{ matrix.python == '3.12' }}\n        with:\n          name: dist\n",
                    "      - uses: actions/upload-artifact@v7\n        if: ${{ matrix.python == '3.12' }}\n        with:\n          name: dist-${{ matrix.os }}\n",
                ),
                (
                    "      - uses: actions/download-artifact@v3\n        with:\n          name: dist\n",
                    "      - uses: actions/download-artifact@v8\n        with:\n          pattern: dist-*\n          merge-multiple: true\n",
                ),
            ]
        },
    ),
    Case(
        "artifact-matrix-from-json",
        N,
        "a matrix computed by a planning job",
        {".github/workflows/ci.yml": FROM_JSON},
        FAILED.format("actions/upload-artifact: v3"),
        refusal="matrix.target comes from an expression",
        fix_exists=False,
    ),
    Case(
        "artifact-one-job-uploads-a-name-twice",
        N,
        "two log files appended to one artifact by two steps",
        {".github/workflows/ci.yml": TWICE},
        FAILED.format("actions/upload-artifact: v3"),
        refusal="one job uploads `logs` twice",
        fix_exists=False,
    ),
    Case(
        "artifact-name-used-by-another-workflow",
        N,
        "a workflow_run workflow fetching the artifact with dawidd6/action-download-artifact",
        {".github/workflows/build.yml": MATRIX_BUNDLE, ".github/workflows/nightly.yml": CROSS_WORKFLOW},
        FAILED.format("actions/upload-artifact: v3"),
        refusal="another workflow refers to the artifact `bundle`",
        fix_exists=False,
        workflow=".github/workflows/build.yml",
    ),
    Case(
        "pages-pair-moves-together",
        N,
        "the starter Pages workflow at v1/v3: deploy-pages v4+ needs upload-pages-artifact v3+",
        {".github/workflows/ci.yml": PAGES},
        NODE16.format("actions/configure-pages@v3, actions/deploy-pages@v1") + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ("actions/configure-pages@v3", "actions/configure-pages@v5"),
                ("actions/upload-pages-artifact@v1", "actions/upload-pages-artifact@v5"),
                ("actions/deploy-pages@v1", "actions/deploy-pages@v5"),
            ]
        },
    ),
    Case(
        "pages-artifact-named-through-upload-artifact",
        N,
        "upload-pages-artifact@v2 fails as `actions/upload-artifact: v3`, which it runs itself (its action.yml at "
        "v2): it moves to a release that runs v4, and deploy-pages with it",
        {".github/workflows/ci.yml": PAGES_V2},
        FAILED.format("actions/upload-artifact: v3"),
        edits={
            ".github/workflows/ci.yml": [
                ("actions/upload-pages-artifact@v2", "actions/upload-pages-artifact@v5"),
                ("actions/deploy-pages@v2", "actions/deploy-pages@v5"),
            ]
        },
    ),
    Case(
        "node16-and-set-output-warnings-together",
        N,
        "2023-era logs carry both warnings: each names its own fix, nothing else moves",
        {".github/workflows/ci.yml": BOTH_WARNINGS},
        NODE16.format("actions/checkout@v3") + "\n" + SET_OUTPUT + EXIT,
        edits={
            ".github/workflows/ci.yml": [
                ("actions/checkout@v3", "actions/checkout@v7"),
                (
                    'echo "::set-output name=tag::$(git describe --tags --abbrev=0)"',
                    'echo "tag=$(git describe --tags --abbrev=0)" >> "$GITHUB_OUTPUT"',
                ),
            ]
        },
    ),
    Case(
        "cache-full-version-keeps-precision",
        N,
        "a full version tag (`@v2.1.6`) stays a full version",
        {".github/workflows/ci.yml": CACHE_PRECISE},
        FAILED.format("actions/cache: v2.1.6"),
        edits={".github/workflows/ci.yml": [("actions/cache@v2.1.6", "actions/cache@v6.1.0")]},
    ),
]
