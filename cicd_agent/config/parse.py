"""Reading `cicd-agent.toml`: TOML into the typed sections of `settings`, every problem kept with its dotted
key and, where the key can be found in the text, its line; then the checks across settings (`checks`)."""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import typing
from pathlib import Path
from typing import Any

from cicd_agent.config.checks import check_semantics
from cicd_agent.config.settings import Config, Duration, IdText, NumericId, Problem, parse_duration
from cicd_agent.errors import AgentError
from cicd_agent.text import depth_problem

MAX_CONFIG_DEPTH = 8  # [[rules]] tables with lists inside are 3 deep


class ConfigError(AgentError):
    """Every problem found in one configuration file."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more: run `agent config check`)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", where=path, fix="see `agent init` for a commented example")
        self.path = path
        self.problems = problems


def load_config(path: str | Path, *, required: bool = True) -> Config:
    """Read and validate a config file; a missing file is an error only when `required`."""
    path = Path(path)
    if not path.exists():
        if required:
            raise AgentError(
                f"config file {path} not found",
                fix="create one with `agent init`, or pass --config PATH",
            )
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentError(f"cannot read config file {path}: {exc}") from None
    config, problems = parse_config(text, source=str(path))
    if problems:
        raise ConfigError(str(path), problems)
    return config


def parse_config(text: str, *, source: str = "<string>") -> tuple[Config, list[Problem]]:
    """Parse TOML text into a Config and the list of every problem (empty when valid)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_decode_error(str(exc))
        return Config(), [Problem("(syntax)", f"invalid TOML: {exc}", line)]
    except RecursionError:
        return Config(), [Problem("(syntax)", "invalid TOML: it nests deeper than the TOML parser reads", None)]
    if problem := depth_problem(raw, MAX_CONFIG_DEPTH):
        return Config(), [Problem("(syntax)", f"not a cicd-agent config: {problem}", None)]
    problems: list[Problem] = []
    values = _build(Config, raw, "", problems, text)
    config = dataclasses.replace(values, source=source) if isinstance(values, Config) else Config()
    problems.extend(check_semantics(config, lambda key: find_line(text, key)))
    return config, problems


def _line_of_decode_error(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def find_line(text: str, dotted: str) -> int | None:
    """Best-effort line of a dotted key (`policy.max_files`, `repos[1].name`) in TOML text."""
    parts = [p for p in re.split(r"\.|\[\d+\]", dotted) if p]
    if not parts:
        return None
    if len(parts) == 1:  # a top-level key, or a whole section (`[polcy]`)
        top = re.compile(r"^\s*(?:\[\[?\s*" + re.escape(parts[0]) + r"\s*\]\]?\s*$|" + re.escape(parts[0]) + r"\s*=)")
        return next((n + 1 for n, line in enumerate(text.splitlines()) if top.match(line)), None)
    indexes = [int(i) for i in re.findall(r"\[(\d+)\]", dotted)]
    lines = text.splitlines()
    start = 0
    if len(parts) > 1:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(parts[0]) + r"\s*\]\]?\s*$")
        seen = -1
        wanted = indexes[0] if indexes else 0
        for number, line in enumerate(lines):
            if header.match(line):
                seen += 1
                if seen == wanted:
                    start = number + 1
                    break
        else:
            return None
    key = re.compile(r"^\s*" + re.escape(parts[-1]) + r"\s*=")
    for number in range(start, len(lines)):
        if number > start and len(parts) > 1 and lines[number].lstrip().startswith("["):
            break
        if key.match(lines[number]):
            return number + 1
    return None


def _build(cls: type, table: object, prefix: str, problems: list[Problem], text: str) -> Any:
    if not isinstance(table, dict):
        problems.append(Problem(prefix or "(top)", "expected a table", find_line(text, prefix)))
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in fields:
            what = "section" if isinstance(value, dict | list) and not prefix else "key"
            guess = difflib.get_close_matches(key, sorted(fields), n=1, cutoff=0.6)
            hint = f"did you mean `{guess[0]}`? " if guess else ""
            known = ", ".join(sorted(fields))
            message = f"unknown {what}; {hint}(known {what}s here: {known})"
            problems.append(Problem(dotted, message, find_line(text, dotted)))
            continue
        try:
            kwargs[key] = _convert(hints[key], value, dotted, problems, text)
        except ValueError as exc:
            problems.append(Problem(dotted, str(exc), find_line(text, dotted)))
    return cls(**kwargs)


def _convert(hint: Any, value: object, dotted: str, problems: list[Problem], text: str) -> Any:
    origin = typing.get_origin(hint)
    if hint is Duration:
        return parse_duration(value)
    if hint is NumericId:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ValueError(f'expected a numeric id (123456 or "123456"), got {_kind(value)}')
        return NumericId(str(value))
    if hint is IdText:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"expected a number or a string, got {_kind(value)}")
        return IdText(str(value))
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), value, dotted, problems, text)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {_kind(value)}")
        return [_convert(item, v, f"{dotted}[{i}]", problems, text) for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_kind(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_kind(value)}")
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_kind(value)}")
        return value
    raise ValueError(f"unsupported type {hint}")


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)
