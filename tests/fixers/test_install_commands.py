"""The install commands of a job, parsed (never run)."""

from __future__ import annotations

from cicd_agent.fixers.install_commands import Install, commands_in_log, installs


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
