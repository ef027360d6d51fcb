"""The install commands of a job, parsed (never run)."""

from __future__ import annotations

from pathlib import Path

from cicd_agent.fixers.install_commands import Install, commands_in_log, installs, job_runs, split_cd


def test_pip_uv_poetry_pdm() -> None:
    scripts = [
        "python -m pip install --upgrade pip\npython -m pip install -r requirements/test.txt -c constraints.txt",
        'pip install -e ".[test,docs]"',
        "uv sync --group lint --extra cli",
        "poetry install --with test,docs -E postgres",
        "uv pip install --requirement=reqs.txt && pip3 install --group ci",
        "pdm install -G dev",
    ]
    found = installs(scripts)
    assert found == [
        Install("package", "pip"),
        Install("requirements", "requirements/test.txt"),
        Install("project"),
        Install("extra", "test"),
        Install("extra", "docs"),
        Install("group", "lint"),
        Install("group", "dev"),
        Install("group", ":default-groups"),
        Install("extra", "cli"),
        Install("poetry", "main"),
        Install("poetry", "test"),
        Install("poetry", "docs"),
        Install("poetry-extra", "postgres"),
        Install("requirements", "reqs.txt"),
        Install("group", "ci"),
        Install("group", ":pdm-dev"),
    ]


def test_nothing_is_read_from_other_tools_and_log_lines_are_found() -> None:
    assert installs(["tox -e py312", "make install", "echo 'pip install -r x' # a comment"]) == []
    log = "2024-05-01T12:00:00Z ##[group]Run pip install -r requirements.txt\n##[endgroup]\n"
    assert commands_in_log(log) == ["pip install -r requirements.txt"]


def test_each_run_knows_its_directory(tmp_path: Path) -> None:
    """working-directory of the step, else the job's defaults, else the workflow's; plain `cd` inside a
    script; an expression (a matrix of packages) is unknown, never the root."""
    workflow = """on: push
defaults:
  run:
    working-directory: services/api
jobs:
  test:
    runs-on: ubuntu-latest
    defaults:
      run:
        working-directory: backend
    steps:
      - run: uv sync
      - run: pip install -r requirements.txt
        working-directory: docs
      - run: |
          cd ../frontend && npm ci
          cd "$GITHUB_WORKSPACE" && make
  lint:
    runs-on: ubuntu-latest
    steps:
      - run: ruff check .
      - run: pytest
        working-directory: ${{ matrix.package }}
"""
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(workflow)
    test = job_runs(tmp_path, ".github/workflows/ci.yml", "test")
    assert [(r.directory, r.script.strip()) for r in test] == [
        ("backend", "uv sync"),
        ("docs", "pip install -r requirements.txt"),
        ("frontend", "npm ci"),
        ("", "make"),
    ]
    lint = job_runs(tmp_path, ".github/workflows/ci.yml", "lint")
    assert [r.directory for r in lint] == ["services/api", ""]


def test_cd_never_leaves_the_repository() -> None:
    assert [r.directory for r in split_cd(".", "cd .. && pip install -e .")] == [""]
    assert [r.directory for r in split_cd(".", "cd /tmp\npip install x")] == [""]
    assert [(r.directory, r.script.strip()) for r in split_cd("a", "cd b/ && pip install x")] == [
        ("a/b", "pip install x")
    ]
