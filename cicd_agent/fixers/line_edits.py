"""Edits to a text as (line, column) replacements and whole-line insertions, applied without shifting."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LineEdits:
    text: str
    replacements: list[tuple[int, int, int, str]] = field(default_factory=list)  # line, start, end, new
    inserts: list[tuple[int, str]] = field(default_factory=list)  # after line, new line (no newline)

    def replace(self, line: int, start: int, end: int, new: str) -> None:
        self.replacements.append((line, start, end, new))

    def insert_after(self, line: int, new_line: str) -> None:
        self.inserts.append((line, new_line))

    def __bool__(self) -> bool:
        return bool(self.replacements or self.inserts)

    def apply(self) -> str:
        lines = self.text.splitlines(keepends=True)
        for line, start, end, new in sorted(self.replacements, key=lambda r: (r[0], -r[1])):
            body = lines[line].rstrip("\r\n")
            ending = lines[line][len(body) :]
            lines[line] = body[:start] + new + body[end:] + ending
        ordered = sorted(enumerate(self.inserts), key=lambda e: (-e[1][0], -e[0]))  # same line: keep their order
        for after, new in (insert for _, insert in ordered):
            ending = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
            if after < len(lines) and not lines[after].endswith(("\n", "\r")):
                lines[after] += ending
            lines.insert(after + 1, new + ending)
        return "".join(lines)


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
