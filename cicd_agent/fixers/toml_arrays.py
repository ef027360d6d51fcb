"""Add one string to a TOML array (or create the array) by editing text, so the file keeps its own layout.

The array is found under its table header (`[project]`, `[project.optional-dependencies]`,
`[dependency-groups]`) or as a dotted key (`optional-dependencies.test = [`); the new item is written with
the array's own indentation, quote character and trailing-comma habit, at its sorted place when the array
is kept sorted, else at the end. Nothing else in the file changes; the caller re-parses the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.requirements import InvalidRequirement, Requirement

_HEADER = re.compile(r"^[ \t]*\[(?!\[)([^\]]+)\][ \t]*(?:#.*)?$")
_BARE = re.compile(r"[A-Za-z0-9_-]+")


@dataclass(frozen=True)
class Item:
    start: int
    end: int
    text: str
    comma: int  # offset of the comma after it, -1 when none


@dataclass(frozen=True)
class Array:
    open: int  # offset of `[`
    close: int  # offset of `]`
    items: list[Item]


def _split_key(key: str) -> list[str]:
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)', key)
    return [a or b or c for a, b, c in parts]


def _key_pattern(parts: list[str]) -> str:
    quoted = [rf"""(?:{re.escape(p)}|"{re.escape(p)}"|'{re.escape(p)}')""" for p in parts]
    return r"\s*\.\s*".join(quoted)


def find_array(text: str, path: list[str]) -> Array | None:
    """The array at `path` (table parts then key parts), wherever the file puts the table boundary."""
    table: list[str] = []
    offset = 0
    for line in text.splitlines(keepends=True):
        header = _HEADER.match(line)
        if header:
            table = _split_key(header.group(1))
        elif path[: len(table)] == table and len(path) > len(table):
            rest = path[len(table) :]
            match = re.match(rf"[ \t]*{_key_pattern(rest)}[ \t]*=[ \t]*\[", line)
            if match:
                return _scan(text, offset + match.end() - 1)
        offset += len(line)
    return None


def _scan(text: str, start: int) -> Array | None:
    """Item spans of the array whose `[` is at `start`."""
    items: list[Item] = []
    depth, i, item_start = 0, start + 1, -1
    while i < len(text):
        char = text[i]
        if char in "\"'":
            triple = text[i : i + 3] in ('"""', "'''")
            quote = text[i : i + 3] if triple else char
            end = i + len(quote)
            while end < len(text) and text[end : end + len(quote)] != quote:
                end += 2 if quote == '"' and text[end] == "\\" else 1
            if item_start < 0:
                item_start = i
            i = end + len(quote)
            continue
        if char == "#":
            i = text.find("\n", i)
            i = len(text) if i < 0 else i
            continue
        if char in "[{":
            depth += 1
            item_start = i if item_start < 0 else item_start
        elif char in "]}" and depth:
            depth -= 1
        elif char == "]":
            if item_start >= 0:
                items.append(Item(item_start, _end(text, i), text[item_start : _end(text, i)], -1))
            return Array(start, i, items)
        elif char == "," and not depth:
            if item_start < 0:
                return None
            end = _end(text, i)
            items.append(Item(item_start, end, text[item_start:end], i))
            item_start = -1
        elif not char.isspace() and item_start < 0:
            item_start = i
        i += 1
    return None


def _end(text: str, stop: int) -> int:
    """The end of the value before `stop` (a comma or `]`), without trailing blanks or comments."""
    while True:
        while stop > 0 and text[stop - 1].isspace():
            stop -= 1
        line_start = text.rfind("\n", 0, stop) + 1
        comment = _comment_at(text[line_start:stop])
        if comment < 0:
            return stop
        stop = line_start + comment


def _comment_at(line: str) -> int:
    """Where a `#` comment starts in `line` (outside strings), -1 when it has none."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#":
            return index
    return -1


def sort_key(item: str) -> str:
    value = item.strip().strip("\"'")
    try:
        return re.sub(r"[-_.]+", "-", Requirement(value).name).lower()
    except InvalidRequirement:
        return value.lower()


def _strings(array: Array) -> list[Item]:
    return [i for i in array.items if i.text[:1] in "\"'"]


def kept_sorted(array: Array) -> bool:
    """The array's strings are in order and there are enough of them for that to be a habit, not chance."""
    keys = [sort_key(i.text) for i in _strings(array)]
    return len(keys) >= 3 and keys == sorted(keys)


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1


def _line_end(text: str, offset: int) -> int:
    end = text.find("\n", offset)
    return len(text) if end < 0 else end + 1


def add_item(text: str, path: list[str], value: str, default_indent: str = "    ") -> str | None:
    """`text` with `value` added to the array at `path`; None when there is no such array or its layout is
    not one item per line or all on one line."""
    array = find_array(text, path)
    return insert(text, array, value, default_indent) if array is not None else None


def insert_at(text: str, bracket: int, value: str, default_indent: str = "    ") -> str | None:
    """`value` added to the list whose `[` is at offset `bracket` (a TOML array or a Python list of strings)."""
    array = _scan(text, bracket)
    return insert(text, array, value, default_indent) if array is not None else None


def insert(text: str, array: Array, value: str, default_indent: str = "    ") -> str | None:
    """`value` added to `array` of `text`, in the array's own layout."""
    strings = _strings(array)
    quote = strings[0].text[0] if strings else '"'
    if quote == "'" and "'" in value:
        quote = '"'
    new = f"{quote}{value}{quote}"
    items = array.items
    position = items.index(strings[-1]) + 1 if strings else len(items)  # strings before inline tables
    if kept_sorted(array):
        after = [i for i in strings if sort_key(i.text) > sort_key(value)]
        position = items.index(after[0]) if after else items.index(strings[-1]) + 1
    multiline = "\n" in text[array.open : array.close]
    if not multiline:
        if not items:
            return text[: array.open + 1] + new + text[array.open + 1 :]
        if position < len(items):
            at = items[position].start
            return text[:at] + f"{new}, " + text[at:]
        at = items[-1].end
        return text[:at] + f", {new}" + text[at:]
    for item in items:
        if text[_line_start(text, item.start) : item.start].strip():
            return None  # several items on one line of a multi-line array
    if not items:
        at = _line_start(text, array.close)
        prefix = text[at : array.close]
        if prefix.strip():
            return None
        return text[:at] + f"{prefix}{default_indent}{new},\n" + text[at:]
    indent = text[_line_start(text, items[0].start) : items[0].start]
    if position < len(items):
        at = _line_start(text, items[position].start)
        return text[:at] + f"{indent}{new},\n" + text[at:]
    last = items[-1]
    if _line_start(text, array.close) <= last.end:  # `"b"]`: the bracket closes on the last item's line
        return text[: last.end] + f",\n{indent}{new}" + text[last.end :]
    if last.comma >= 0:
        at = _line_end(text, last.comma)
        return text[:at] + f"{indent}{new},\n" + text[at:]
    at = _line_end(text, last.end)
    return text[: last.end] + "," + text[last.end : at] + f"{indent}{new}\n" + text[at:]


def array_indent(text: str) -> str:
    """The indentation the file uses for items of multi-line arrays (4 spaces when it has none)."""
    found = re.search(r"=\s*\[[ \t]*\n([ \t]+)[\"'{]", text)
    return found.group(1) if found else "    "


def add_key(text: str, table: list[str], key: str, value: str) -> str | None:
    """`text` with `key = ["value"]` written at the end of `[table]` (which must exist, without `key`)."""
    lines = text.splitlines(keepends=True)
    inside, last = False, -1
    for number, line in enumerate(lines):
        header = _HEADER.match(line)
        if header or line.lstrip().startswith("[["):
            if inside:
                break
            inside = bool(header) and _split_key(header.group(1)) == table if header else False
            last = number if inside else last
            continue
        if inside and line.strip() and not line.lstrip().startswith("#"):
            last = number
    if last < 0:
        return None
    indent = array_indent(text)
    block = f'{key} = [\n{indent}"{value}",\n]\n'
    if not lines[last].endswith("\n"):
        lines[last] += "\n"
    lines.insert(last + 1, block)
    return "".join(lines)


def is_bare_key(key: str) -> bool:
    return bool(_BARE.fullmatch(key))
