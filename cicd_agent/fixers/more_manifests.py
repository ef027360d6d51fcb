"""The other places a Python project lists dependencies: setup.py (`install_requires`, `extras_require`, read
with ast), Pipfile (`[packages]`, `[dev-packages]`), hatch environments (`dependencies`,
`extra-dependencies`) and PDM's `[tool.pdm.dev-dependencies]`. Each is read into Places and edited in the
file's own layout (a line or a list item added, nothing else changed).
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path
from typing import Any

from cicd_agent.fixers import toml_arrays
from cicd_agent.fixers.dependency_files import Place


def _read(workspace: Path, name: str) -> str | None:
    file = workspace / name
    return file.read_text(encoding="utf-8", errors="replace") if file.is_file() else None


# -- setup.py --------------------------------------------------------------------------------------------


def _setup_lists(text: str) -> dict[tuple[str, str], ast.List]:
    """(kind, name) -> the list literal of `setup(install_requires=[...], extras_require={"x": [...]})`,
    following a module-level name the call refers to."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    names = {
        t.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for t in node.targets
        if isinstance(t, ast.Name)
    }

    def resolve(value: ast.expr) -> ast.expr:
        return names.get(value.id, value) if isinstance(value, ast.Name) else value

    found: dict[tuple[str, str], ast.List] = {}
    for call in (n for n in ast.walk(tree) if isinstance(n, ast.Call) and ast.unparse(n.func).endswith("setup")):
        for keyword in call.keywords:
            value = resolve(keyword.value)
            if keyword.arg == "install_requires" and isinstance(value, ast.List):
                found[("setup.py", "")] = value
            elif keyword.arg == "extras_require" and isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    item = resolve(item)
                    if isinstance(key, ast.Constant) and isinstance(item, ast.List):
                        found[("setup.py-extra", str(key.value))] = item
    return found


def setup_py_places(text: str | None) -> dict[Place, list[str]]:
    if text is None:
        return {}
    return {
        Place(kind, "setup.py", name): [str(e.value) for e in node.elts if isinstance(e, ast.Constant)]
        for (kind, name), node in _setup_lists(text).items()
    }


def add_to_setup_py(text: str, place: Place, requirement: str) -> str | None:
    node = _setup_lists(text).get((place.kind, place.name))
    if node is None or not all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in node.elts):
        return None
    lines = text.splitlines(keepends=True)
    offset = sum(len(line) for line in lines[: node.lineno - 1]) + len(
        lines[node.lineno - 1].encode()[: node.col_offset].decode()
    )
    return toml_arrays.insert_at(text, offset, requirement)


# -- Pipfile ---------------------------------------------------------------------------------------------


def pipfile_places(text: str | None) -> dict[Place, list[str]]:
    try:
        data = tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError:
        return {}
    return {
        Place("pipfile", "Pipfile", section): list(data[section])
        for section in ("packages", "dev-packages")
        if isinstance(data.get(section), dict)
    }


def add_to_pipfile(text: str, place: Place, name: str) -> str | None:
    """A `name = "*"` line at the end of the section (its sorted place when the section is kept sorted)."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == f"[{place.name}]"), None)
    if start is None:
        return None
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    entries = [i for i in range(start + 1, end) if re.match(r"\s*[\w.\"'-]+\s*=", lines[i])]
    keys = [lines[i].split("=")[0].strip().strip("\"'").lower() for i in entries]
    at = entries[-1] + 1 if entries else start + 1
    if len(keys) >= 3 and keys == sorted(keys):
        after = [i for i, key in zip(entries, keys, strict=True) if key > name.lower()]
        at = after[0] if after else at
    if at > 0 and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    lines.insert(at, f'{name} = "*"\n')
    return "".join(lines)


# -- hatch environments and PDM dev groups ---------------------------------------------------------------


def _toml(text: str | None) -> dict[str, Any]:
    try:
        return tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError:
        return {}


def hatch_places(file: str, text: str | None) -> dict[Place, list[str]]:
    data = _toml(text)
    envs = data.get("envs", {}) if file == "hatch.toml" else data.get("tool", {}).get("hatch", {}).get("envs", {})
    places: dict[Place, list[str]] = {}
    for env, spec in (envs or {}).items():
        for key in ("dependencies", "extra-dependencies"):
            if isinstance(spec, dict) and isinstance(spec.get(key), list):
                places[Place("hatch", file, f"{env}:{key}")] = [str(d) for d in spec[key]]
    return places


def pdm_dev_places(text: str | None) -> dict[Place, list[str]]:
    dev = _toml(text).get("tool", {}).get("pdm", {}).get("dev-dependencies", {})
    return {
        Place("pdm-dev", "pyproject.toml", g): [str(d) for d in v]
        for g, v in (dev or {}).items()
        if isinstance(v, list)
    }


def toml_path(place: Place) -> list[str]:
    """Where a hatch or PDM place's array is in its TOML file."""
    if place.kind == "pdm-dev":
        return ["tool", "pdm", "dev-dependencies", place.name]
    env, key = place.name.split(":", 1)
    prefix = ["envs"] if place.file == "hatch.toml" else ["tool", "hatch", "envs"]
    return [*prefix, env, key]


def places_of(file: str, text: str | None) -> dict[Place, list[str]]:
    """The places this module knows in one file's text."""
    if file == "setup.py":
        return setup_py_places(text)
    if file == "Pipfile":
        return pipfile_places(text)
    if file == "hatch.toml":
        return hatch_places(file, text)
    if file == "pyproject.toml":
        return hatch_places(file, text) | pdm_dev_places(text)
    return {}


def places_in(workspace: Path) -> dict[Place, list[str]]:
    found: dict[Place, list[str]] = {}
    for file in ("setup.py", "Pipfile", "hatch.toml", "pyproject.toml"):
        found |= places_of(file, _read(workspace, file))
    return found


def add(text: str, place: Place, requirement: str, name: str) -> str | None:
    """`text` (the place's file) with the requirement added to that place, in the file's layout."""
    if place.kind in ("setup.py", "setup.py-extra"):
        return add_to_setup_py(text, place, requirement)
    if place.kind == "pipfile":
        return add_to_pipfile(text, place, name)
    return toml_arrays.add_item(text, toml_path(place), requirement, toml_arrays.array_indent(text))
