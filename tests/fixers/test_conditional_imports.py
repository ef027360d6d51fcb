"""An import that runs only under a condition on the Python version or platform, or as an ImportError's
fallback, is told apart from one that always runs (the fixer refuses the first: its marker is a person's call)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cicd_agent.fixers.conditional_imports import condition, failing_import

MODULE = """\
import sys

if sys.version_info < (3, 11):
    import tomli as tomllib
else:
    import tomllib

try:
    import orjson as json
except ImportError:
    import json

if DEBUG:
    import rich

import requests
"""


@pytest.mark.parametrize(
    ("line", "said"),
    [
        (4, "runs only when `sys.version_info < (3, 11)` is true"),
        (6, "runs only when `sys.version_info < (3, 11)` is false"),
        (11, "the fallback of an `except ImportError` handler"),
        (9, None),  # tried first: it runs every time
        (14, None),  # a condition that is not the environment's
        (16, None),
    ],
)
def test_what_an_import_depends_on(tmp_path: Path, line: int, said: str | None) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "compat.py").write_text(MODULE)
    found = condition(tmp_path, "pkg/compat.py", line)
    assert found == said if said is None else (found is not None and said in found), found


def test_the_failing_import_is_the_last_frame_inside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "compat.py").write_text(MODULE)
    log = (
        "Traceback (most recent call last):\n"
        f'  File "{tmp_path}/pkg/compat.py", line 4, in <module>\n'
        "    import tomli as tomllib\n"
        "ModuleNotFoundError: No module named 'tomli'\n"
    )
    assert failing_import(tmp_path, log) == ("pkg/compat.py", 4)
    assert failing_import(tmp_path, "ModuleNotFoundError: No module named 'x'\n") is None
