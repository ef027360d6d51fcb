"""Reading job logs: decoding, line splitting, and the per-line prefixes GitHub and `gh` add.

Line numbers are 1-based after splitting on CRLF, CR or LF, so a lone CR ends a line too (progress bars).
Three shapes are read: the API's (`2024-05-01T12:00:00.1234567Z text`), `gh run view --log`'s
(`job<TAB>step<TAB>timestamp text`), and plain logs (Jenkins and others).

Logs can be huge, so they are read as bytes in chunks of whole lines (`iter_byte_chunks`) from text, bytes, a
path or an open binary file; the lines that hold a literal of interest are found in each chunk at once
(`Prefilter.starts`), and only those are decoded (`Lines`): no Python runs over every line, and no chunk is
split into lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from ahocorasick_rs import BytesAhoCorasick, MatchKind

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\n]*\x07")
# colour codes whose ESC was lost (`[1;31mERROR[m]`): a bare code has a digit; a bare reset `[m` only counts
# after a bare code on its line, so `error: [mypy] x [misc]` keeps its brackets
BARE_PAIR = re.compile(r"\[\d[0-9;]*m([^\n]*?)\[m")
BARE_CODE = re.compile(r"\[\d[0-9;]*m")
PREFIX = re.compile(r"^(?:[^\t\n]*\t[^\t\n]*\t)?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?", re.MULTILINE)
GH_CLI_STEP = re.compile(r"^[^\t\n]*\t([^\t\n]*)\t\d{4}-\d\d-\d\dT", re.MULTILINE)
MAX_LINE = 2000  # longer lines are cut for analysis: a 50 MB single line must not blow up
CHUNK = 1024 * 1024  # bytes read at a time; a line that spans a whole chunk keeps its head and its end


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
LONG_LINE = 8192  # a line longer than this (in bytes) is kept cleaned (`strip_prefix`), never whole


class Cleaned(str):
    """A line kept already cleaned by `strip_prefix` (a long one: its raw text is not kept)."""


Kept = bytes | Cleaned  # a line kept for later (`Lines.kept`): as read when short, else cleaned


def cleaned(line: str | Kept) -> str:
    """`strip_prefix` of a line, decoded or as `Lines.kept` keeps it."""
    if isinstance(line, bytes):
        return strip_prefix(decode(line))
    return str(line) if isinstance(line, Cleaned) else strip_prefix(line)


def iter_byte_chunks(source: Source, chunk: int = CHUNK) -> Iterator[bytes]:
    """The input as UTF-8 chunks of whole lines, each ending with LF (CRLF and lone CR made LF), a line longer
    than a chunk cut to its first MAX_LINE bytes. An open file is read from where it stands and left open.
    Splitting bytes on LF and CR and decoding each line gives what decoding the whole text would: both are
    ASCII, never part of a multi-byte character nor of an invalid sequence's replacement."""
    pieces: Iterable[bytes]
    if isinstance(source, Path):
        pieces = _read_file(source, chunk)
    elif isinstance(source, str):
        pieces = (source[i : i + chunk].encode("utf-8", "surrogatepass") for i in range(0, len(source), chunk))
    elif isinstance(source, bytes):
        pieces = (source[i : i + chunk] for i in range(0, len(source), chunk))
    else:
        pieces = iter(lambda: source.read(chunk), b"")
    pending = b""
    cr = False  # the previous piece ended in CR: a following LF belongs to it
    for piece in pieces:
        if cr and piece.startswith(b"\n"):
            piece = piece[1:]
        cr = piece.endswith(b"\r")
        if b"\r" in piece:
            piece = piece.replace(b"\r\n", b"\n")
            if b"\r" in piece:
                piece = piece.replace(b"\r", b"\n")
        cut = piece.rfind(b"\n")
        if cut < 0:
            pending += piece
            if len(pending) > MAX_LINE * 2:  # one enormous line: keep its head, drop the rest until its end
                pending = pending[:MAX_LINE]
            continue
        yield pending + piece[: cut + 1]
        pending = piece[cut + 1 :]
    if pending:
        yield pending + b"\n"


def iter_chunks(source: Source, chunk: int = CHUNK) -> Iterator[str]:
    """`iter_byte_chunks` decoded (invalid UTF-8 replaced)."""
    return (data.decode("utf-8", "replace") for data in iter_byte_chunks(source, chunk))


def _read_file(path: Path, chunk: int) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(chunk), b"")


def decode(data: bytes) -> str:
    return data.decode("utf-8", "replace")


class Lines:
    """The lines of a chunk of whole lines, decoded one at a time when asked for (`lines[i]`, 0-based): the
    chunk is never split whole. Lines near the last one asked for are found fastest (a cursor)."""

    __slots__ = ("_local", "_start", "count", "data")

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.count = data.count(b"\n")
        self._local = self._start = 0  # a line whose start is known

    def seek(self, local: int, start: int) -> None:
        """Line `local` starts at offset `start`."""
        self._local, self._start = local, start

    def start(self, local: int) -> int:
        data, here, at = self.data, self._local, self._start
        while here < local:
            at = data.index(b"\n", at) + 1
            here += 1
        while here > local:
            at = data.rfind(b"\n", 0, at - 1) + 1
            here -= 1
        self._local, self._start = here, at
        return at

    def __getitem__(self, local: int) -> str:
        start = self.start(local)
        return decode(self.data[start : self.data.index(b"\n", start)])

    def kept(self, local: int) -> Kept:
        """Line `local` to keep for later (`cleaned` makes it text): as read when short, else cleaned, so that
        memory stays bounded whatever the line; decoded only if it is used."""
        start = self.start(local)
        end = self.data.index(b"\n", start)
        if end - start <= LONG_LINE:
            return self.data[start:end]
        return Cleaned(strip_prefix(decode(self.data[start:end])))

    def last(self, count: int) -> list[Kept]:
        """The last `count` lines (fewer when the chunk has fewer), `kept`."""
        first = max(0, self.count - count)
        self.seek(self.count, len(self.data))
        return [self.kept(local) for local in range(first, self.count)]


class Prefilter:
    """Literals every interesting line holds, found all at once: one Aho-Corasick automaton over the bytes of
    a chunk (SIMD-accelerated in Rust), so no Python runs for the lines that hold none. `marks` are the words of
    lines the scan always looks at (never passed by in a saturated block's run)."""

    def __init__(self, words: tuple[str, ...], marks: tuple[str, ...] = ()) -> None:
        self.words, self.marks = words, marks
        # leftmost-first: no overlapping matches, but a word hidden by another's match is in that match's line
        self._automaton = BytesAhoCorasick([w.encode() for w in words], matchkind=MatchKind.LeftmostFirst)

    def starts(self, data: bytes) -> list[int]:
        """The offsets where the lines of `data` (LF-separated) holding a word start, in order, once each."""
        return self.spans(data)[0]

    def spans(self, data: bytes) -> tuple[list[int], list[int]]:
        """Where the lines of `data` holding a word start, and where they end (their LF, or the end of `data`)."""
        starts: list[int] = []
        ends: list[int] = []
        end = -1
        for _, at, _ in self._automaton.find_matches_as_indexes(data):
            if at > end:
                starts.append(data.rfind(b"\n", 0, at) + 1)
                end = data.find(b"\n", at)
                if end < 0:
                    end = len(data)
                ends.append(end)
        return starts, ends

    def lines(self, chunk: str) -> list[int]:
        """0-based indexes of the lines of `chunk` that hold a word."""
        data = chunk.encode("utf-8", "surrogatepass")
        found: list[int] = []
        index = last = 0
        for start in self.starts(data):
            index += data.count(b"\n", last, start)
            last = start
            found.append(index)
        return found
