"""Library logging (APScheduler, PyGithub, urllib3, GitPython) only under the agent's -v, and crash logs per
user in the cache directory."""

from __future__ import annotations

import logging
import os
import sys
import traceback
from datetime import UTC, datetime
from pathlib import Path

from cicd_agent.text import redact

LIBRARIES = ("apscheduler", "github", "urllib3", "git", "waitress")


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg,unused-ignore]
    """Writes to whatever sys.stderr is at the time (a test may have swapped it)."""

    def __init__(self) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter("%(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


class Redacting(logging.Filter):
    """Every record's text (message, arguments, traceback, stack) through `text.redact`, so no library's debug
    line can print a token, a password in a URL, a webhook URL's secret or a bot token, at any verbosity."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a library's malformed format string: show what there is
            message = f"{record.msg} {record.args}"
        record.msg, record.args = redact(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


REDACTING = Redacting()
_HANDLER = _Stderr()
_HANDLER.addFilter(REDACTING)
_SILENT = logging.NullHandler()


def configure_logging(verbosity: int) -> None:
    """Quiet libraries by default (not even their warnings reach the terminal: the agent says what matters
    in its own words); -v shows their INFO lines, -vv their DEBUG lines. Every record goes through the root
    logger's handler, which redacts it: the filter sits on the handler too, since a logger's own filters
    never see the records its children pass up."""
    handler: logging.Handler = _HANDLER if verbosity >= 1 else _SILENT
    level = logging.DEBUG if verbosity >= 2 else logging.INFO if verbosity == 1 else logging.CRITICAL
    root = logging.getLogger()
    for old in (_HANDLER, _SILENT):
        root.removeHandler(old)
    root.addHandler(handler)
    if REDACTING not in root.filters:
        root.addFilter(REDACTING)
    root.setLevel(logging.WARNING if verbosity >= 1 else logging.CRITICAL)
    for name in LIBRARIES:
        logger = logging.getLogger(name)
        for old in (_HANDLER, _SILENT):
            logger.removeHandler(old)
        logger.propagate = True
        logger.setLevel(level)


def crash_dir() -> Path:
    """$XDG_CACHE_HOME/cicd-agent (else ~/.cache/cicd-agent): one user's, never a shared temp file."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cicd-agent"


def write_crash_log() -> Path | None:
    """The current exception's traceback in a new file of the user's crash dir; None when it cannot be written."""
    now = datetime.now(UTC)
    directory = crash_dir()
    path = directory / f"crash-{now:%Y%m%dT%H%M%S}Z-{os.getpid()}.log"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        with open(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as handle:
            handle.write(f"cicd-agent crash at {now:%Y-%m-%dT%H:%M:%SZ}\nargv: {redact(str(sys.argv))}\n\n")
            handle.write(redact(traceback.format_exc()))
    except OSError:
        return None
    return path
