"""The guard's look at configuration: thresholds lowered or removed, lint rules newly ignored or turned off.

Thresholds are read from any file as `key = number`, `key: number` or `--key=number` (coverage's
`fail_under`, `--cov-fail-under`, Jest/Vitest coverage thresholds; lint maxima such as `--max-warnings`,
`max-line-length`, `max-complexity`). Ignore lists are read from the structured files that hold lint
configuration (TOML, INI, JSON, YAML): an item added under a key such as `ignore`, `extend-ignore`,
`per-file-ignores`, `disable`, `exclude` or `omit`, or an ESLint rule set to "off".
"""

from __future__ import annotations

import configparser
import contextlib
import json
import re
import tomllib
from pathlib import PurePosixPath
from typing import Any

import yaml

_MIN = r"[\w-]*(?:fail[_-]?under|min(?:imum)?[_-]?coverage|coverage[_-]?threshold|min[_-]?confidence)"
_MAX = (
    r"max[_-]?(?:warnings|line[_-]?length|complexity|errors|violations|issues|args|statements|branches)|line[_-]?length"
)
_JEST = r"branches|functions|lines|statements"
_PAIR = re.compile(
    rf"""(?P<key>{_MIN}|{_MAX}|\b(?:{_JEST})\b)["']?\s*(?:=|:|\s)\s*["']?(?P<value>\d+(?:\.\d+)?)""", re.IGNORECASE
)
IGNORE_KEYS = {
    "ignore",
    "extend-ignore",
    "extend_ignore",
    "per-file-ignores",
    "extend-per-file-ignores",
    "per_file_ignores",
    "disable",
    "disabled",
    "exclude",
    "extend-exclude",
    "omit",
    "skip",
    "ignore_errors",
    "ignore-paths",
    "ignore-patterns",
    "exclude-rules",
    "ignores",
    "ignorepatterns",
}
_CONFIG_NAMES = {
    "pyproject.toml",
    "ruff.toml",
    ".ruff.toml",
    "setup.cfg",
    "tox.ini",
    ".flake8",
    ".pylintrc",
    "pylintrc",
    ".coveragerc",
    "mypy.ini",
    ".mypy.ini",
    "pytest.ini",
    "package.json",
    ".golangci.yml",
    ".golangci.yaml",
    ".golangci.toml",
    "biome.json",
    ".markdownlint.json",
}

Found = tuple[str, int, str, str]


def config_weakening(path: str, before: str | None, after: str | None) -> Found | None:
    if before is None or after is None:
        return None
    return _threshold(path, before, after) or _ignores(path, before, after) or _switches(path, before, after)


def _kind(key: str) -> str:
    if re.fullmatch(_MAX, key, re.IGNORECASE):
        return "max"
    return "min"


def _pairs(text: str) -> dict[str, list[tuple[float, int, str]]]:
    jest = "coverageThreshold" in text or "thresholds" in text
    found: dict[str, list[tuple[float, int, str]]] = {}
    for number, line in enumerate(text.splitlines(), 1):
        for match in _PAIR.finditer(line):
            key = match.group("key").lower().replace("_", "-").lstrip("-")
            if re.fullmatch(_JEST, key) and not jest:
                continue
            found.setdefault(key, []).append((float(match.group("value")), number, line))
    return found


def _threshold(path: str, before: str, after: str) -> Found | None:
    old, new = _pairs(before), _pairs(after)
    for key, values in old.items():
        if key not in new:
            return path, values[0][1], f"removes the threshold `{key}` (was {values[0][0]:g})", values[0][2]
        if _kind(key) == "min" and min(v for v, _, _ in new[key]) < min(v for v, _, _ in values):
            low = min(new[key])
            return path, low[1], f"lowers `{key}` from {min(values)[0]:g} to {low[0]:g}", low[2]
        if _kind(key) == "max" and max(v for v, _, _ in new[key]) > max(v for v, _, _ in values):
            high = max(new[key])
            return path, high[1], f"raises `{key}` from {max(values)[0]:g} to {high[0]:g}", high[2]
    return None


def _load(path: str, text: str) -> Any:
    name = PurePosixPath(path).name
    with contextlib.suppress(Exception):
        if name.endswith(".toml"):
            return tomllib.loads(text)
        if name.endswith(".json") or (name.startswith(".eslintrc") and not name.endswith((".yml", ".yaml", ".js"))):
            return json.loads(text)
        if name.endswith((".yml", ".yaml")):
            return yaml.safe_load(text)
        if name.endswith((".cfg", ".ini")) or name in (".flake8", ".pylintrc", "pylintrc", ".coveragerc"):
            parser = configparser.ConfigParser(interpolation=None)
            parser.read_string(text)
            return {section: dict(parser.items(section)) for section in parser.sections()}
    return None


def _is_config(path: str) -> bool:
    name = PurePosixPath(path).name
    return name in _CONFIG_NAMES or name.startswith((".eslintrc", "eslint.config"))


def _flatten(data: Any, prefix: tuple[str, ...] = (), *, steps: bool = False) -> dict[tuple[str, ...], Any]:
    """Leaves by their key path; with `steps`, lists of mappings too, each item by its name, id or uses."""
    flat: dict[tuple[str, ...], Any] = {}
    if isinstance(data, dict):
        for key, value in data.items():
            flat |= _flatten(value, (*prefix, str(key)), steps=steps)
    elif steps and isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        for index, item in enumerate(data):
            label = next((str(item[k]).split("@")[0] for k in ("id", "name", "uses") if k in item), f"#{index}")
            flat |= _flatten(item, (*prefix, label), steps=steps)
    else:
        flat[prefix] = data
    return flat


def _items(value: Any) -> set[str]:
    if isinstance(value, list):
        return {json.dumps(v, sort_keys=True) if not isinstance(v, str) else v for v in value}
    if isinstance(value, str):
        return {part.strip() for part in re.split(r"[,\n]", value) if part.strip()}
    if value is True:
        return {"true"}
    return set()


def _ignores(path: str, before: str, after: str) -> Found | None:
    if not _is_config(path):
        return None
    old, new = _load(path, before), _load(path, after)
    if old is None or new is None:
        return None
    flat_old, flat_new = _flatten(old), _flatten(new)
    for key, value in flat_new.items():
        if not key:
            continue
        inside = any(part.lower() in IGNORE_KEYS for part in key)
        if inside:
            added = _items(value) - _items(flat_old.get(key))
            if key not in flat_old and len(key) > 1 and any(p.lower() in IGNORE_KEYS for p in key[:-1]):
                added = _items(value) or {key[-1]}
            if added:
                item = sorted(added)[0]
                return path, _line_of(after, before, item), f"ignores more in `{'.'.join(key)}`: {item}", ""
        if "rules" in key[:-1] and value in ("off", 0) and flat_old.get(key, "missing") not in ("off", 0):
            return path, _line_of(after, before, key[-1]), f"turns the lint rule `{key[-1]}` off", ""
    return None


def _line_of(after: str, before: str, needle: str) -> int:
    old_lines = set(before.splitlines())
    for number, line in enumerate(after.splitlines(), 1):
        if needle in line and line not in old_lines:
            return number
    return 0


# settings that make a check stricter when on (turned off: weakened), and laxer when on (turned on: weakened);
# matched on the key without case, `_` or `-` (`fail_ci_if_error`, `disallow_untyped_defs`, `noImplicitAny`)
_STRICT_SWITCH = re.compile(
    r"\w*strict\w*|failciif\w*|failon\w*|requirecitopass|disallow\w*|warnunused\w*|warnreturnany|checkuntypeddefs"
    r"|noimplicit\w*|nounused\w*|\w*warningsaserrors|werror|erroronwarnings?|forbid\w*"
)
_LAX_SWITCH = re.compile(
    r"informational|exitzero|softfail|warnonly|ignoremissingimports|ignoreerrors|ignoredeprecations|skiplibcheck"
    r"|skipdefaultlibcheck|continueonerror|allowuntyped\w*|allowredefinition\w*|allowincompletedefs|onlywarn\w*"
)
_TRUE, _FALSE = {"true", "yes", "on"}, {"false", "no", "off"}


def _switch(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str) else ""
    return True if text in _TRUE else False if text in _FALSE else None


def _switches(path: str, before: str, after: str) -> Found | None:
    """A strictness setting turned off (`fail_ci_if_error: false`, `strict = false`), a leniency turned on
    (`informational: true`, `ignore_missing_imports = true`), or a warnings filter that now ignores more,
    in a configuration file or a workflow's `with:`."""
    name = PurePosixPath(path).name
    if not (_is_config(path) or name.endswith((".yml", ".yaml", ".json", ".toml", ".cfg", ".ini"))):
        return None
    old, new = _load(path, before), _load(path, after)
    if old is None or new is None:
        return None
    flat_old, flat_new = _flatten(old, steps=True), _flatten(new, steps=True)
    for key, value in flat_new.items():
        if not key:
            continue
        switch, was = _switch(value), _switch(flat_old.get(key))
        word = re.sub(r"[-_]", "", key[-1].lower())
        strict_off = switch is False and was is not False and _STRICT_SWITCH.fullmatch(word)
        lax_on = switch is True and was is not True and _LAX_SWITCH.fullmatch(word)
        if strict_off or lax_on:
            shown = f"{key[-1]}: {str(value).lower()}"
            return (
                path,
                _line_of(after, before, key[-1]),
                f"turns `{'.'.join(key)}` {'off' if strict_off else 'on'}",
                shown,
            )
        if word == "filterwarnings":
            added = {i for i in _items(value) - _items(flat_old.get(key)) if i.strip().startswith("ignore")}
            if added:
                item = sorted(added)[0]
                return path, _line_of(after, before, item), f"ignores more warnings in `{'.'.join(key)}`", item
    return None
