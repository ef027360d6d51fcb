"""What GitHub's own messages say about deprecated actions and workflow commands (pure text parsing).

Wordings handled (as GitHub prints them in job logs and annotations):
- "This request has been automatically failed because it uses a deprecated version of `actions/cache: v2`."
  (the ref may be a tag or a SHA)
- "Node.js 12 actions are deprecated. Please update the following actions to use Node.js 16: a/b@v1, c/d@v2."
  and the older "... For more information see: URL. Please update the following actions to use Node.js 16: a/b"
- "Node.js 16 actions are deprecated. Please update the following actions to use Node.js 20: a/b@v3, ..."
- "Node.js 20 actions are deprecated. The following actions are running on Node.js 20 and may not work as
  expected: a/b@v4, c/d@v5. Actions will be forced to run with Node.js 24 ..."
- "The `set-output` command is deprecated and will be disabled soon." (also save-state; set-env and
  add-path "is disabled")
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DEPRECATED_VERSION = re.compile(r"deprecated version of `(?P<action>[A-Za-z0-9_.-]+/[^`:\s]+):\s*(?P<ref>[^`\s]+)`")
_NODE_LIST = re.compile(
    r"(?:Please update the following actions to use Node\.js \d+"
    r"|The following actions are running on Node\.js \d+ and may not work as expected)\s*:\s*(?P<list>[^\n]+)"
)
_ITEM = re.compile(r"(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[A-Za-z0-9_./-]+?)?)(?:@(?P<ref>[^\s,]+?))?")
_COMMAND = re.compile(r"The `?(?P<command>set-output|save-state|set-env|add-path)`? command is (?:deprecated|disabled)")


@dataclass(frozen=True)
class Named:
    action: str  # owner/repo or owner/repo/sub/path, as printed
    ref: str | None  # the ref GitHub printed (v3, v3.1.0, a SHA); None when the message names no ref
    fatal: bool = False  # GitHub failed the job for it (not only a warning): it must be fixed, or nothing is


def named_actions(text: str) -> list[Named]:
    """The actions a log names as deprecated, in order, without duplicates."""
    found: list[Named] = []
    for match in _DEPRECATED_VERSION.finditer(text):
        found.append(Named(match.group("action"), match.group("ref").rstrip("."), fatal=True))
    for match in _NODE_LIST.finditer(text):
        listed = re.split(r"\.\s+(?:For more|Actions will|Please)|\.\s*$", match.group("list"))[0]
        for raw in listed.split(","):
            item = _ITEM.fullmatch(raw.strip().rstrip("."))
            if item:
                found.append(Named(item.group("action"), item.group("ref")))
    unique: list[Named] = []
    for named in found:
        if named not in unique:
            unique.append(named)
    return unique


def deprecated_commands(text: str) -> set[str]:
    """Workflow commands the log says are deprecated or disabled: set-output, save-state, set-env, add-path."""
    return {match.group("command") for match in _COMMAND.finditer(text)}
