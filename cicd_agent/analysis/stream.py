"""The one pass over a job log: its evidence blocks, the step that failed and that step's last output lines.

Linear time and flat memory on any log. The lines of each chunk (bytes) that hold a prefilter literal are
found in one pass (`PREFILTER.spans`); only they are looked at in Python, and a line in the run of a block
whose score cannot grow only moves its end (blocks.py keeps the blocks, a bounded number of them). A line
seen three times already (by `key`) is not evidence again, and a line that can change nothing any more is
remembered (`inert`, by its text after the timestamp) and goes by undecoded. `##[group]` lines are taken in
only where the step is read, walking back from there (`_sync_groups`). The baseline's evidence keys are a
set of at most `MAX_KNOWN` entries.

The failing step's region ends at the runner's first `##[error]` line for the step (its exit-code line, a
timeout, a rejected action); its blocks and the output lines just before that line are "the final
failure", which outranks what the job survived earlier.
"""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from cicd_agent.analysis.blocks import GAP, Block, Builder
from cicd_agent.analysis.evidence import PREFILTER, line_weight
from cicd_agent.analysis.failing import FailingTests
from cicd_agent.analysis.logtext import (
    CHUNK,
    GH_CLI_STEP,
    PREFIX,
    Kept,
    Lines,
    Source,
    cleaned,
    decode,
    iter_byte_chunks,
    strip_prefix,
)
from cicd_agent.analysis.normalize import key

TAIL = 16  # the failing step's last output lines kept (shown whole when they decided the category)
TAIL_CLASSIFIED = 10  # ...of which the last ones are the final failure's first part
REPEATS = 3  # a line (by key) is evidence at most this many times
MAX_KEYS = 50_000  # keys counted for REPEATS before the count starts again
MAX_KNOWN = 100_000  # baseline keys kept
MAX_INERT = 20_000  # inert lines remembered
MAX_WARNINGS = 8
FOLLOW = 3  # `##[error]` lines right after the one that ended the step, kept with it
_BACK = 200  # lines looked at backwards for the tail

RUNNER_ERROR = re.compile(
    r"##\[error\](?:Process completed with exit code \d+|The process '[^']*' failed with exit code \d+|"
    r"The operation was canceled|The job running on runner .* has exceeded|The runner has received a shutdown|"
    r"The action '.*' has timed out|This request has been automatically failed|The hosted runner|"
    r"The self-hosted runner)"
)
STATUS = re.compile(
    r"^(?:Finished: (SUCCESS|FAILURE|UNSTABLE|ABORTED|NOT_BUILT)|\[INFO\] (BUILD SUCCESS)|"
    r"(BUILD SUCCESSFUL)|(BUILD FAILURE)|\[INFO\] (BUILD FAILURE))"
)
_GROUP = re.compile(r"##\[(group|endgroup)\](.*)")
# a line in a saturated block's run holding one of these is looked at all the same: a runner's line, a build
# status, a failing test's (failing.py), or one that may explain (evidence.PREFILTER.marks)
_LOOKED_AT = re.compile(
    b"|".join(re.escape(word.encode()) for word in ("##[", "BUILD", "Finished:", "FAIL", *PREFILTER.marks))
)
_STAMP = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z ?")  # logtext._STAMP, as bytes
_STAMPED = re.compile(r"(?:^|\t)(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) ")
_AFTER_STEPS = ("Post job cleanup.", "Cleaning up orphan processes")


@dataclass
class Scan:
    """What one pass keeps of a log: bounded whatever the log's size."""

    total: int  # lines
    blocks: list[Block]  # evidence blocks for the excerpt (lines seen in the baseline left out)
    raw_blocks: list[Block]  # the same, baseline ignored
    region: list[Block]  # the final failure's blocks (baseline ignored), in log order
    tail: list[tuple[int, str]]  # the failing step's last output lines (index, text)
    error: tuple[int, str] | None  # the runner's line that ended the failing step
    follow: list[tuple[int, str]]  # the `##[error]` lines right after it (the runner saying why)
    step: str | None  # the failing step's title
    stamped: bool  # lines carry GitHub's timestamps: an Actions job log
    grouped: bool  # the log has `##[group]` sections
    status: str | None  # the last build status word printed (SUCCESS, FAILURE, ...)
    saw_error: bool  # a `##[error]` line was printed
    strongest: int  # the strongest evidence weight seen
    warnings: list[tuple[int, str]]  # deprecation lines (index, text), for when nothing else explains a failure
    error_at: float | None = None  # when the line that ended the failing step was printed (epoch seconds)
    failed_tests: list[str] = field(default_factory=list)  # the failing step's failing tests, sorted
    tests_overflowed: bool = False  # more distinct failing tests than failing.MAX_NAMES

    def succeeded(self) -> bool:
        """Did the job pass? GitHub marks a failed step with `##[error]`; other CI print a final status.
        An Actions log without `##[error]` passed unless strong evidence says otherwise (a truncated log)."""
        if self.saw_error:
            return False
        if self.status is not None:
            return self.status.startswith("SUCCESS") or self.status.startswith("BUILD SUCCESS")
        return self.grouped and self.strongest < 3


class _Scanner:
    def __init__(self, known: set[bytes] | None) -> None:
        self.known = known
        self.raw = Builder()
        self.filtered = Builder() if known is not None else self.raw
        self.builders = (self.raw,) if known is None else (self.raw, self.filtered)
        self.total = 0
        self.seen: dict[bytes, int] = {}
        self.inert: set[bytes] = set()  # lines (after their timestamp) that change nothing (`_line`)
        self.stamped = False
        self.grouped = False
        self.status: str | None = None
        self.strongest = 0
        self.warnings: list[tuple[int, str]] = []
        self.run_title: str | None = None  # the current step (`##[group]Run ...`)
        self.group_title: str | None = None
        self.step_start = -1  # its `##[group]` line
        self.header_end = -1  # the `##[endgroup]` that closes its header
        self.column: str | None = None  # `gh run view --log`: the step column of the last line looked at
        self.previous: deque[Kept] = deque(maxlen=_BACK)  # the last lines before the current chunk
        self.error: tuple[int, str] | None = None
        self.error_at: float | None = None  # when the runner printed it (its timestamp), if it says
        self.follow: list[tuple[int, str]] = []  # `##[error]` lines right after it
        self.runner_error = False
        self.tail: list[tuple[int, str]] = []
        self.step: str | None = None
        self.region_start = -1
        self.region_blocks: list[Block] | None = None
        self.tests = FailingTests()
        self.lines = Lines(b"")  # the chunk being read, whose first line is line `base`
        self.base = 0
        self.at = (0, 0, 0)  # the line being looked at: its index in the chunk, where it starts and ends
        self.synced = 0  # the chunk's group lines before this offset are taken in

    def feed(self, data: bytes) -> None:
        """One chunk of whole lines (`iter_byte_chunks`)."""
        lines = self.lines = Lines(data)
        base = self.base = self.total
        if base == 0:
            self.stamped = PREFIX.match(lines[0]) is not None
        self.synced = 0
        self.tests.feed(data, base)
        for builder in self.builders:
            builder.fill(lines, base)
        raw, filtered, inert = self.raw, self.filtered, self.inert
        local = last = 0
        for start, end in zip(*PREFILTER.spans(data), strict=True):
            block = raw.open
            rest = b""
            if block is None or not block.saturated:  # no saturated run to extend: a line known inert goes by
                stamp = _STAMP.match(data, start, end)  # `_rest`, inline: this runs for most lines of some logs
                rest = data[stamp.end() : end] if stamp is not None else b"\n" + data[start:end]
                if rest in inert:
                    continue
            local += data.count(b"\n", last, start)
            last = start
            index = base + local
            if (
                block is not None
                and block.saturated
                and index - block.end <= GAP
                and (filtered is raw or (filtered.open is not None and filtered.open.saturated))
                and _LOOKED_AT.search(data, start, end) is None  # always looked at: see _LOOKED_AT
            ):
                raw.extend(index)
                if filtered is not raw:
                    filtered.extend(index)
                continue
            lines.seek(local, start)
            self.at = (local, start, end)
            if self._line(index, decode(data[start:end]), lines, base) and len(inert) < MAX_INERT:
                inert.add(rest or _rest(data, start, end))
        self.at = (lines.count, len(data), len(data))
        self._sync_groups()
        self.previous.extend(lines.last(_BACK))
        self.total += lines.count

    def _line(self, index: int, line: str, lines: Lines, base: int) -> bool:
        """Look at one line; True when it changed nothing and never will, as long as `seen` is not cleared (the
        same line after its timestamp is then `inert`): a line no test, step, error, status or warning is read
        from, that is no evidence or has been seen REPEATS times."""
        text = strip_prefix(line)
        plain = True
        if "FAIL" in text or "Failed " in text or "ERROR " in text:  # failing.LINE_MARKERS
            self.tests.add(index, text)
            plain = False
        if "\t" in line:
            plain = False
            if column := GH_CLI_STEP.match(line):
                self.column = column.group(1)
        if text.startswith("##[error]"):
            self._error(index, text, line, lines, base)
            plain = False
        elif "BUILD" in text or "Finished:" in text:
            plain = False
            if (status := STATUS.match(text)) is not None:
                self.status = next(g for g in status.groups() if g)
        if "deprecated" in text:
            plain = False
            if len(self.warnings) < MAX_WARNINGS:
                self.warnings.append((index, text))
        weight = line_weight(text)
        if not weight:
            return plain
        if weight > self.strongest:
            self.strongest = weight
        line_key = key(text)
        seen = self.seen.get(line_key, 0)
        if seen >= REPEATS:
            return plain
        if len(self.seen) >= MAX_KEYS:
            self.seen.clear()
            self.inert.clear()
        self.seen[line_key] = seen + 1
        step = self.current_step()
        self.raw.add(index, weight, text, step, lines, base)
        if self.filtered is not self.raw and line_key not in (self.known or ()):
            self.filtered.add(index, weight, text, step, lines, base)
        return False

    def _error(self, index: int, text: str, line: str, lines: Lines, base: int) -> None:
        runner = RUNNER_ERROR.match(text) is not None
        if self.error is not None and (self.runner_error or not runner):
            last = self.follow[-1][0] if self.follow else self.error[0]
            if index - last <= 2 and len(self.follow) < FOLLOW:  # the runner's next words on the same failure
                self.follow.append((index, text))
            return
        self.follow = []
        # the first runner error line ends the failing step; until one is seen, the first `##[error]`
        self.error, self.runner_error = (index, text), runner
        self.error_at = stamped_at(line)
        self.step = self.current_step()
        self.region_start = max(self.step_start, self.header_end)
        self.region_blocks = self.raw.newest(self.step_start)
        self.tail = self._tail(index, lines, base, list(self.previous))

    def _tail(self, index: int, lines: Lines | list[Kept], base: int, previous: list[Kept]) -> list[tuple[int, str]]:
        """The output lines just before line `index` (in `lines`, which start at line `base`, or in the
        `previous` lines before them), within the current step, newest last."""
        found: list[tuple[int, str]] = []
        local = index - base - 1
        looked = 0
        while len(found) < TAIL and looked < _BACK and index - 1 - looked > self.region_start:
            at = index - 1 - looked
            raw = lines[local - looked] if local - looked >= 0 else _at(previous, local - looked)
            if raw is None:
                break
            text = cleaned(raw)
            if text.startswith(_AFTER_STEPS):
                found.clear()  # what follows is the runner cleaning up, not the step's output
            elif text.strip() and not text.startswith(("##[group]", "##[endgroup]", "##[debug]")):
                found.append((at, text))
            looked += 1
        return found[::-1]

    def _sync_groups(self) -> None:
        """Take in the `##[group]`/`##[endgroup]` lines of the chunk up to the end of the line being looked at
        (`at`): walking back from it, the last group and the last step's (`Run ...`), and the first endgroup
        after that step, are all the state they leave. Free where there are none (`bytes.find`)."""
        data, lo = self.lines.data, self.synced
        local, start, hi = self.at
        self.synced = hi
        at = hi
        titled = False
        first_end: int | None = None  # the first endgroup after the step's group, walking back
        while (marker := data.rfind(b"##[", lo, at)) >= 0:
            begin = at = data.rfind(b"\n", 0, marker) + 1
            event = _GROUP.match(strip_prefix(decode(data[begin : data.index(b"\n", marker)])))
            if event is None:
                continue
            self.grouped = True
            index = self.base + local - data.count(b"\n", begin, start)
            if event.group(1) == "endgroup":
                first_end = index
                continue
            title = event.group(2).strip()
            if not titled:
                self.group_title, titled = title, True
            if title.startswith("Run "):
                self.run_title, self.step_start = title, index
                if first_end is not None:
                    self.header_end = first_end
                return
        if first_end is not None and self.header_end < self.step_start:
            self.header_end = first_end

    def current_step(self) -> str | None:
        self._sync_groups()
        if self.column is not None:
            return self.column
        if self.run_title or self.group_title:
            return self.run_title or self.group_title
        return "Set up job" if self.stamped else None  # no group yet: set-up failed (e.g. a rejected action)

    def finish(self) -> Scan:
        region = [b.settle() for b in (self.region_blocks if self.region_blocks is not None else self.raw.newest(-1))]
        if self.error is None:
            self.region_start = max(self.step_start, self.header_end)
            previous = list(self.previous)
            self.tail = self._tail(self.total, previous, self.total - len(previous), [])
        tail = self.tail
        step = self.step if self.error is not None else (region[-1].step if region else None)
        last = self.error[0] if self.error is not None else self.total
        return Scan(
            total=self.total,
            blocks=self.filtered.blocks(),
            raw_blocks=self.raw.blocks(),
            region=region,
            tail=tail,
            error=self.error,
            follow=self.follow,
            step=step,
            stamped=self.stamped,
            grouped=self.grouped,
            status=self.status,
            saw_error=self.error is not None,
            strongest=self.strongest,
            warnings=self.warnings,
            error_at=self.error_at,
            failed_tests=self.tests.between(self.region_start, last),
            tests_overflowed=self.tests.overflowed,
        )


def stamped_at(line: str) -> float | None:
    """The time GitHub stamped on a raw log line, in epoch seconds (None: the line carries no stamp)."""
    found = _STAMPED.search(line[:80])
    try:
        return datetime.fromisoformat(found.group(1)).timestamp() if found else None
    except ValueError:
        return None


def _rest(data: bytes, start: int, end: int) -> bytes:
    """What tells a line from another in `inert`: the line after its timestamp (no other line with that rest is
    cleaned otherwise), or with a LF before it when it has none."""
    stamp = _STAMP.match(data, start, end)
    return data[stamp.end() : end] if stamp is not None else b"\n" + data[start:end]


def _at(previous: list[Kept], offset: int) -> Kept | None:
    """Line `offset` (negative) counted back from the end of the previous chunk's kept lines."""
    return previous[offset] if -len(previous) <= offset < 0 else None


def scan(source: Source, known: set[bytes] | None = None) -> Scan:
    """One pass over a log; `known` holds the keys of lines a green run of the same job printed too."""
    scanner = _Scanner(known)
    for data in iter_byte_chunks(source, CHUNK):
        scanner.feed(data)
    return scanner.finish()


def baseline_keys(source: Source) -> set[bytes]:
    """The keys of a green log's evidence lines (at most MAX_KNOWN of them): what it prints anyway."""
    keys: set[bytes] = set()
    for data in iter_byte_chunks(source, CHUNK):
        for start in PREFILTER.starts(data):
            if len(keys) >= MAX_KNOWN:
                return keys
            text = strip_prefix(decode(data[start : data.index(b"\n", start)]))
            line_key = key(text)
            if line_key not in keys and line_weight(text):
                keys.add(line_key)
    return keys
