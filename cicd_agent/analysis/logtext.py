"""Reading job logs: decoding, line splitting, and the per-line prefixes GitHub and `gh` add.

Line numbers are 1-based after splitting on CRLF, CR or LF, so a lone CR ends a line too (progress bars).
Three shapes are read: the API's (`2024-05-01T12:00:00.1234567Z text`), `gh run view --log`'s
(`job<TAB>step<TAB>timestamp text`), and plain logs (Jenkins and others).

Logs can be huge, so they are read in chunks of whole lines (`iter_chunks`) from text, bytes, a path or
an open binary file, and each chunk's lines are tested in C (`Prefilter.lines`): no Python loop runs over
every line.
"""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\n]*\x07")
# colour codes whose ESC was lost (`[1;31mERROR[m]`): a bare code has a digit; a bare reset `[m` only counts
# after a bare code on its line, so `error: [mypy] x [misc]` keeps its brackets
BARE_PAIR = re.compile(r"\[\d[0-9;]*m([^\n]*?)\[m")
BARE_CODE = re.compile(r"\[\d[0-9;]*m")
PREFIX = re.compile(r"^(?:[^\t\n]*\t[^\t\n]*\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?", re.MULTILINE)
GH_CLI_STEP = re.compile(r"^[^\t\n]*\t([^\t\n]*)\t\d{4}-\d\d-\d\dT", re.MULTILINE)
MAX_LINE = 2000  # longer lines are cut for analysis: a 50 MB single line must not blow up
CHUNK = 4 * 1024 * 1024


def unify_newlines(text: str) -> str:
    """CRLF and lone CR become LF, so counting LF gives line numbers the way the input is split."""
    if "\r" not in text:
        return text
    return text.replace("\r\n", "\n").replace("\r", "\n")


def clean(text: str) -> str:
    """Drop the `gh` columns, timestamps and colour codes of every line; line count is unchanged."""
    text = PREFIX.sub("", text)
    if "\x1b" in text:
        text = ANSI.sub("", text)
    if "[" in text:
        text = BARE_CODE.sub("", BARE_PAIR.sub(r"\1", text))
    return text


_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")
# BuildKit's progress prefix inside `docker build` output (`#6 2.708 E: Unable to locate package x`): the step
# number and its elapsed seconds, which hide the tool's own line (and its start) from every pattern
_BUILDKIT = re.compile(r"#\d+ \d+\.\d+ ")


def strip_prefix(line: str) -> str:
    """`clean` for one line, cut to MAX_LINE; faster than `clean` when the line has no `gh` columns."""
    if "\t" in line:
        line = PREFIX.sub("", line, count=1)
    elif (stamp := _STAMP.match(line)) is not None:
        line = line[stamp.end() :]
    if line[:1] == "#" and (step := _BUILDKIT.match(line)) is not None:
        line = line[step.end() :]
    if "\x1b" in line:
        line = ANSI.sub("", line)
    if "[" in line:
        line = BARE_CODE.sub("", BARE_PAIR.sub(r"\1", line))
    return line[:MAX_LINE]


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB, as git decides it."""
    return b"\x00" in data[:8192]


Source = str | bytes | Path | BinaryIO


def iter_chunks(source: Source, chunk: int = CHUNK) -> Iterator[str]:
    """The input as text chunks of whole lines (LF-terminated, newlines unified), overlong lines cut.
    An open file is read from where it stands and left open."""
    pieces: Iterable[str]
    if isinstance(source, Path):
        pieces = _read_file(source, chunk)
    elif isinstance(source, str):
        pieces = (source[i : i + chunk] for i in range(0, len(source), chunk))
    elif not isinstance(source, bytes):
        pieces = _decode_pieces(iter(lambda: source.read(chunk), b""))
    else:
        pieces = _decode_pieces([source[i : i + chunk] for i in range(0, len(source), chunk)] or [b""])
    pending = ""
    cr = False  # the previous piece ended in CR: a following LF belongs to it
    for piece in pieces:
        if cr and piece.startswith("\n"):
            piece = piece[1:]
        cr = piece.endswith("\r")
        pending += unify_newlines(piece)
        cut = pending.rfind("\n")
        if cut < 0:
            if len(pending) > MAX_LINE * 2:  # one enormous line: keep its head, drop the rest until its end
                pending = pending[:MAX_LINE]
            continue
        complete, pending = pending[: cut + 1], pending[cut + 1 :]
        yield complete
    if pending:
        yield pending + "\n"


def _read_file(path: Path, chunk: int) -> Iterator[str]:
    with path.open("rb") as handle:
        yield from _decode_pieces(iter(lambda: handle.read(chunk), b""))


def _decode_pieces(pieces: Iterable[bytes]) -> Iterator[str]:
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    for piece in pieces:
        yield decoder.decode(piece)
    yield decoder.decode(b"", final=True)


@dataclass(frozen=True)
class Prefilter:
    """Cheap tests that every interesting line passes: one fast regex, plus rarer literals found with
    `str.find` over the whole chunk (one long alternation would be several times slower than both).

    Where the regex matches few lines it is searched over the whole chunk, jumping to the next line after
    each hit; where it matches many (a log of nothing but errors) it is tried on each line through `map`,
    which costs no Python per line."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...]
    marks: tuple[str, ...] = ()  # literals whose lines `lines` also reports apart (`marked`)

    def lines(self, chunk: str, lines: list[str] | None = None, marked: set[int] | None = None) -> list[int]:
        """0-based indexes of the lines of `chunk` (split on LF, or given as `lines`) that pass, sorted; the
        lines holding one of `marks` are also added to `marked` when it is given."""
        lines = chunk.split("\n") if lines is None else lines
        starts = _sparse_starts(self.pattern, chunk, limit=len(lines) // 8)
        hits: set[int] = set()
        if starts is None:
            hits.update(itertools.compress(itertools.count(), map(self.pattern.search, lines)))
            starts = []
        marked_starts: set[int] = set()
        for literal in self.literals:
            skip = 1 if literal.startswith("\n") else 0  # "\nE  " marks the line after the LF
            if skip and chunk.startswith(literal[1:]):
                starts.append(0)
            found = len(starts)
            at = chunk.find(literal)
            while at >= 0:
                starts.append(chunk.rfind("\n", 0, at + skip) + 1)
                end = chunk.find("\n", at + skip)
                at = chunk.find(literal, end + 1 - skip) if end >= 0 else -1
            if marked is not None and literal in self.marks:
                marked_starts.update(starts[found:])
        if starts:
            starts.sort()
            index = last = 0
            for start in starts:
                index += chunk.count("\n", last, start)
                last = start
                hits.add(index)
                if start in marked_starts:
                    assert marked is not None
                    marked.add(index)
        return sorted(hits)


def _sparse_starts(pattern: re.Pattern[str], chunk: str, *, limit: int) -> list[int] | None:
    """Offsets of the starts of the lines `pattern` matches, or None past `limit` of them."""
    starts: list[int] = []
    position = 0
    while (match := pattern.search(chunk, position)) is not None:
        if len(starts) >= limit:
            return None
        starts.append(chunk.rfind("\n", 0, match.start()) + 1)
        end = chunk.find("\n", match.end())
        if end < 0:
            break
        position = end + 1
    return starts
