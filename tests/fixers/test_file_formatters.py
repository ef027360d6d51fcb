"""The formatter a project pins for an edited manifest runs on the edit, unless it would change other lines."""

from __future__ import annotations

import importlib.metadata
from pathlib import Path

from fixer_corpus import TS, checkout

from cicd_agent.analysis import analyze
from cicd_agent.fixers.base import FixContext
from cicd_agent.fixers.file_formatters import formatted, hooks_for

VERSION = importlib.metadata.version("pyproject-fmt")
HOOK = (
    "repos:\n  - repo: https://github.com/tox-dev/pyproject-fmt\n"
    f'    rev: "v{VERSION}"\n    hooks:\n      - id: pyproject-fmt\n'
)
STABLE = """[project]
name = "x"
version = "1"
requires-python = ">=3.15"
classifiers = [
  "Programming Language :: Python :: 3 :: Only",
  "Programming Language :: Python :: 3.15",
]
dependencies = [ "b", "d" ]
"""


def _ctx(root: Path) -> FixContext:
    return FixContext(root, analyze(f"{TS}x\n"), trusted=True, tool_cache=root.parent / "tools")


def test_the_pinned_hook_formats_the_edit(tmp_path: Path) -> None:
    root = checkout(tmp_path / "repo", {"pyproject.toml": STABLE, ".pre-commit-config.yaml": HOOK})
    assert [h.id for h in hooks_for(root, "pyproject.toml")] == ["pyproject-fmt"]
    edited = STABLE.replace('[ "b", "d" ]', '[ "b", "d", "C" ]')
    text, note = formatted(_ctx(root), "pyproject.toml", STABLE, edited)
    assert text == STABLE.replace('[ "b", "d" ]', '[ "b", "c", "d" ]'), text
    assert note == f"ran pyproject-fmt {VERSION} (pinned in .pre-commit-config.yaml) on pyproject.toml"
    assert (root / "pyproject.toml").read_text() == STABLE


def test_a_hook_that_would_change_other_lines_is_not_applied(tmp_path: Path) -> None:
    unformatted = STABLE.replace('[ "b", "d" ]', '["b","d"]')
    root = checkout(tmp_path / "repo", {"pyproject.toml": unformatted, ".pre-commit-config.yaml": HOOK})
    edited = unformatted.replace('["b","d"]', '["b","d", "C"]')
    text, note = formatted(_ctx(root), "pyproject.toml", unformatted, edited)
    assert text == edited
    assert "would also change lines this fix does not touch: not applied" in note


def test_no_hook_for_another_file(tmp_path: Path) -> None:
    root = checkout(tmp_path / "repo", {".pre-commit-config.yaml": HOOK})
    assert hooks_for(root, "docs/pyproject.toml.md") == []
