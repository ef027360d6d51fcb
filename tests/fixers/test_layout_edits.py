"""Edits that keep a file's own layout: TOML arrays (and Python lists) and package.json sections. Layouts
written after real files: pyproject-fmt's 2-space sorted arrays with trailing commas, 4-space arrays without
one, one-line arrays, dotted keys, inline include-group tables, comments, setup.py lists."""

from __future__ import annotations

import tomllib

import pytest

from cicd_agent.fixers.package_json import add_entry
from cicd_agent.fixers.toml_arrays import add_item, add_key, insert_at

TWO_SPACE = '[project]\ndependencies = [\n  "cachetools>=5",\n  "filelock>=3",\n  "platformdirs>=4",\n]\n'
CASES = [
    (
        "sorted, two spaces",
        TWO_SPACE,
        ["project", "dependencies"],
        '  "filelock>=3",\n',
        '  "filelock>=3",\n  "packaging",\n',
    ),
    (
        "at the end, no trailing comma",
        '[project]\ndependencies = [\n    "b",\n    "a"\n]\n',
        ["project", "dependencies"],
        '    "a"\n',
        '    "a",\n    "packaging"\n',
    ),
    ("one line", '[project]\ndependencies = ["b", "a"]\n', ["project", "dependencies"], '"a"]', '"a", "packaging"]'),
    (
        "one line with pyproject-fmt spaces",
        '[project]\ndependencies = [ "a" ]\n',
        ["project", "dependencies"],
        '"a" ]',
        '"a", "packaging" ]',
    ),
    ("empty", "[project]\ndependencies = []\n", ["project", "dependencies"], "[]", '["packaging"]'),
    (
        "dotted key",
        '[project]\noptional-dependencies.test = [\n  "pytest",\n  "pytest-mock",\n  "responses",\n]\n',
        ["project", "optional-dependencies", "test"],
        '  "pytest",\n',
        '  "packaging",\n  "pytest",\n',
    ),
    (
        "strings before include-group tables",
        '[dependency-groups]\ndev = [\n  "tox",\n  { include-group = "test" },\n]\n',
        ["dependency-groups", "dev"],
        '  "tox",\n',
        '  "tox",\n  "packaging",\n',
    ),
    (
        "a comment after the last item",
        '[project]\ndependencies = [\n    "a",  # first\n    "c"  # last\n]\n',
        ["project", "dependencies"],
        '"c"  # last\n',
        '"c",  # last\n    "packaging"\n',
    ),
    (
        "single quotes",
        "[project]\ndependencies = ['a', 'b']\n",
        ["project", "dependencies"],
        "'b']",
        "'b', 'packaging']",
    ),
]


@pytest.mark.parametrize(("what", "text", "path", "old", "new"), CASES, ids=[c[0] for c in CASES])
def test_an_item_is_added_in_the_arrays_own_layout(what: str, text: str, path: list[str], old: str, new: str) -> None:
    after = add_item(text, path, "packaging")
    assert text.count(old) == 1 and after == text.replace(old, new)
    assert tomllib.loads(after)  # still TOML


def test_layouts_it_does_not_edit_are_left_alone() -> None:
    assert (
        add_item(
            "[project.optional-dependencies]\ntest = ['pytest',\n        'mock']\n",
            ["project", "optional-dependencies", "test"],
            "x",
        )
        is None
    )
    assert add_item("[project]\nname = 'x'\n", ["project", "dependencies"], "x") is None


def test_a_missing_runtime_list_is_created_at_the_end_of_project() -> None:
    text = '[project]\nname = "x"\nclassifiers = [\n  "A",\n]\n\n[tool.ruff]\nline-length = 100\n'
    assert add_key(text, ["project"], "dependencies", "PyYAML") == text.replace(
        '  "A",\n]\n', '  "A",\n]\ndependencies = [\n  "PyYAML",\n]\n'
    )


def test_a_python_list_in_setup_py() -> None:
    text = "setup(\n    install_requires=[\n        'numpy',\n        'requests',\n    ],\n)\n"
    assert insert_at(text, text.index("["), "PyYAML") == text.replace(
        "'requests',\n", "'requests',\n        'PyYAML',\n"
    )


def test_package_json_sections() -> None:
    text = '{\n  "name": "web",\n  "dependencies": {\n    "axios": "^1.7.0",\n    "zod": "^3.23.8"\n  }\n}\n'
    assert add_entry(text, "dependencies", "dayjs", "^1.11.13") == text.replace(
        '    "zod"', '    "dayjs": "^1.11.13",\n    "zod"'
    )
    assert add_entry(text, "devDependencies", "vitest", "^2.1.0") == text.replace(
        "  }\n}\n", '  },\n  "devDependencies": {\n    "vitest": "^2.1.0"\n  }\n}\n'
    )
    assert add_entry('{\n  "dependencies": {"a": "1", "b": "2"}\n}\n', "dependencies", "c", "3") is None
