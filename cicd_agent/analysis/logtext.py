"""Reading job logs: decoding, line splitting, and the per-line prefixes GitHub and `gh` add.

Line numbers are 1-based after splitting on CRLF, CR or LF, so a lone CR ends a line too (progress bars).
Three shapes are read: the API's (`2024-05-01T12:00:00.1234567Z text`), `gh run view --log`'s
(`job<TAB>step<TAB>timestamp text`), and plain logs (Jenkins and others).

Logs can be huge, so they are read in chunks of whole lines (`iter_chunks`), and whole-chunk regular
expressions find the few lines worth a closer look: no Python loop runs over every line.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

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


def strip_prefix(line: str) -> str:
    return clean(line)[:MAX_LINE]


def is_binary(data: bytes) -> bool:
    """A NUL byte in the first 8 KiB, as git decides it."""
    return b"\x00" in data[:8192]


def iter_chunks(source: str | bytes | Path, chunk: int = CHUNK) -> Iterator[str]:
    """The input as text chunks of whole lines (LF-terminated, newlines unified), overlong lines cut."""
    pieces: Iterable[str]
    if isinstance(source, Path):
        pieces = _read_file(source, chunk)
    elif isinstance(source, bytes):
        pieces = _decode_pieces([source[i : i + chunk] for i in range(0, len(source), chunk)] or [b""])
    else:
        pieces = (source[i : i + chunk] for i in range(0, len(source), chunk))
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


@dataclass
class Scan:
    """What a pass over a log keeps: its size, the interesting lines (and a few around them), steps."""

    total: int = 0
    text: dict[int, str] = field(default_factory=dict)  # 0-based line index -> cleaned text
    hits: list[int] = field(default_factory=list)  # indexes of lines a marker pattern matched
    groups: list[tuple[int, str]] = field(default_factory=list)  # `##[group]` headers: (index, title)
    step_of: dict[int, str] = field(default_factory=dict)  # `gh run view --log`: index -> step column
    stamped: bool = False  # lines carry GitHub's timestamp prefix: an Actions job log


@dataclass(frozen=True)
class Prefilter:
    """Cheap tests that every interesting line passes: one fast regex, plus rarer literals found with
    `str.find` (one long alternation is several times slower than both together)."""

    pattern: re.Pattern[str]
    literals: tuple[str, ...]

    def line_starts(self, text: str) -> list[int]:
        """Offsets of the starts of the lines of `text` that pass, sorted, each once."""
        starts = set(_starts_matching(self.pattern, text))
        for literal in self.literals:
            skip = 1 if literal.startswith("\n") else 0  # "\nE  " marks the line after the LF
            if skip and text.startswith(literal[1:]):
                starts.add(0)
            at = text.find(literal)
            while at >= 0:
                starts.add(text.rfind("\n", 0, at + skip) + 1)
                end = text.find("\n", at + skip)
                at = text.find(literal, end + 1 - skip) if end >= 0 else -1
        return sorted(starts)

    def lines(self, text: str) -> list[int]:
        """0-based indexes of the lines that pass."""
        return _indexes(text, self.line_starts(text))


def _starts_matching(pattern: re.Pattern[str], text: str) -> list[int]:
    starts: list[int] = []
    pos = 0
    while (match := pattern.search(text, pos)) is not None:
        starts.append(text.rfind("\n", 0, match.start()) + 1)
        end = text.find("\n", match.end())
        if end < 0:
            break
        pos = end + 1
    return starts


def _indexes(text: str, starts: list[int]) -> list[int]:
    """Line indexes of sorted line-start offsets, counting newlines only between them."""
    indexes: list[int] = []
    index = last = 0
    for start in starts:
        index += text.count("\n", last, start)
        last = start
        indexes.append(index)
    return indexes


def _line_at(text: str, start: int) -> tuple[str, int]:
    """The line starting at `start` and the offset of the next one."""
    end = text.find("\n", start)
    end = len(text) if end < 0 else end
    return text[start : min(end, start + MAX_LINE)], end + 1


def scan(
    source: str | bytes | Path,
    prefilter: Prefilter,
    *,
    keep: Callable[[str], bool] = lambda text: True,
    window: int = 4,
    chunk: int = CHUNK,
) -> Scan:
    """One pass: the lines the prefilter passes and `keep` accepts (with `window` lines after each),
    and the step structure. Lines are sliced out of each chunk, never split all at once."""
    result = Scan()
    for raw in iter_chunks(source, chunk):
        base = result.total
        result.stamped = result.stamped or PREFIX.match(raw) is not None
        starts = prefilter.line_starts(raw)
        spans = [_line_at(raw, start) for start in starts]
        # one clean() over all the chunk's candidate lines at once: far cheaper than one call per line
        texts = clean("\n".join(line for line, _ in spans)).split("\n") if spans else []
        for index, (line, after), text in zip(_indexes(raw, starts), spans, texts, strict=True):
            text = text[:MAX_LINE]
            if not keep(text):
                continue
            result.hits.append(base + index)
            result.text[base + index] = text
            if "\t" in line and (step := GH_CLI_STEP.match(line)):
                result.step_of[base + index] = step.group(1)
            for offset in range(1, window + 1):
                if after >= len(raw):
                    break
                following, after = _line_at(raw, after)
                result.text.setdefault(base + index + offset, strip_prefix(following))
        if "##[group]" in raw:
            group_starts = _starts_matching(_GROUP_RAW, raw)
            for start, index in zip(group_starts, _indexes(raw, group_starts), strict=True):
                title = strip_prefix(_line_at(raw, start)[0])
                if title.startswith("##[group]"):
                    result.groups.append((base + index, title[len("##[group]") :].strip()))
        result.total += raw.count("\n")
    return result


_GROUP_RAW = re.compile(r"##\[group\]")
