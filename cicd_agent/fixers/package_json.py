"""Add one entry to a section of package.json by editing text: the file's indentation kept, the entry at its
sorted place (npm keeps these objects sorted) or at the end, commas as JSON needs them, nothing else moved.
The caller re-parses the result."""

from __future__ import annotations

import json
import re


def _section(text: str, key: str) -> tuple[int, int] | None:
    """(offset of `{`, offset of its `}`) of a top-level `"key": {` object."""
    depth = 0
    i = 0
    while i < len(text):
        char = text[i]
        if char == '"':
            end = i + 1
            while end < len(text) and text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if depth == 1 and text[i + 1 : end] == key:
                match = re.match(r'"\s*:\s*\{', text[end:])
                if match:
                    open_at = end + match.end() - 1
                    return open_at, _close(text, open_at)
            i = end + 1
            continue
        depth += char in "{["
        depth -= char in "}]"
        i += 1
    return None


def _close(text: str, open_at: int) -> int:
    depth, i = 0, open_at
    while i < len(text):
        char = text[i]
        if char == '"':
            i += 1
            while i < len(text) and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif char in "{[":
            depth += 1
        elif char in "}]":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def indent_unit(text: str) -> str:
    found = re.search(r"\n([ \t]+)\"", text)
    return found.group(1) if found else "  "


def add_entry(text: str, section: str, name: str, spec: str) -> str | None:
    """`text` with `"name": "spec"` in `section` (created at the end when absent); None for layouts this
    does not edit (entries sharing a line)."""
    unit = indent_unit(text)
    entry = f"{json.dumps(name)}: {json.dumps(spec)}"
    found = _section(text, section)
    if found is None:
        last = text.rstrip().rfind("}")
        body = text[:last].rstrip()
        block = f",\n{unit}{json.dumps(section)}: {{\n{unit * 2}{entry}\n{unit}}}\n"
        return body + block + text[last:]
    open_at, close_at = found
    inner = text[open_at + 1 : close_at]
    lines = [(m.start() + open_at + 1, m.group(0)) for m in re.finditer(r"[^\n]*\S[^\n]*", inner)]
    keys = []
    for start, line in lines:
        key = re.match(r'\s*"((?:[^"\\]|\\.)*)"\s*:', line)
        if key is None:
            return None
        if line.count('":') > 1:
            return None
        keys.append((start, key.group(1), line))
    if not keys:
        outer = re.search(r"([ \t]*)[^\n]*$", text[:open_at]).group(1)  # type: ignore[union-attr]
        return text[: open_at + 1] + f"\n{outer}{unit}{entry}\n{outer}" + text[close_at:]
    indent = re.match(r"\s*", keys[0][2]).group(0)  # type: ignore[union-attr]
    names = [k for _, k, _ in keys]
    if names == sorted(names):
        later = [(s, k) for s, k, _ in keys if k > name]
        if later:
            at = later[0][0]
            return text[:at] + f"{indent}{entry},\n" + text[at:]
    start, _, line = keys[-1]
    end = start + len(line.rstrip())
    return text[:end] + f",\n{indent}{entry}" + text[end:]
