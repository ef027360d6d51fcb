"""Workflow and action files as YAML nodes with their positions, so fixers edit single lines in place.

PyYAML's composer keeps each node's start and end (line, column): an edit replaces exactly the text of one
scalar, so comments, quoting and layout stay as they were; the result is re-parsed by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

_LOCAL = re.compile(r"""^\s*-?\s*uses:\s*["']?\./([^\s"'#]+)""", re.MULTILINE)
_USES = re.compile(r"(?P<action>[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+(?:/[^@\s]+)?)@(?P<ref>[^\s@]+)")


def action_files(workspace: Path) -> list[str]:
    """Workflows, composite actions under .github/actions/, and a root action.yml: what may use actions."""
    found: list[Path] = []
    workflows = workspace / ".github" / "workflows"
    if workflows.is_dir():
        found += [p for p in workflows.iterdir() if p.is_file() and p.suffix in (".yml", ".yaml")]
    actions = workspace / ".github" / "actions"
    if actions.is_dir():
        found += [p for p in actions.rglob("action.y*ml") if p.name in ("action.yml", "action.yaml")]
    found += [p for p in (workspace / "action.yml", workspace / "action.yaml") if p.is_file()]
    pending = list(found)
    while pending:  # local actions kept elsewhere (`uses: ./tools/ci/setup`), as the files using them name them
        try:
            text = pending.pop().read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for match in _LOCAL.finditer(text):
            target = (workspace / match.group(1)).resolve()
            if not target.is_relative_to(workspace.resolve()):
                continue
            for candidate in (target / "action.yml", target / "action.yaml", target):
                if candidate.is_file() and candidate.suffix in (".yml", ".yaml") and candidate not in found:
                    found.append(candidate)
                    pending.append(candidate)
                    break
    return sorted(
        {p.relative_to(workspace).as_posix() for p in found if p.resolve().is_relative_to(workspace.resolve())}
    )


def compose(text: str) -> Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None


def get(node: Node | None, key: str) -> Node | None:
    if not isinstance(node, MappingNode):
        return None
    for k, v in node.value:
        if isinstance(k, ScalarNode) and k.value == key:
            return v
    return None


def items(node: Node | None) -> list[tuple[str, Node]]:
    if not isinstance(node, MappingNode):
        return []
    return [(k.value, v) for k, v in node.value if isinstance(k, ScalarNode)]


def scalar(node: Node | None) -> str | None:
    return node.value if isinstance(node, ScalarNode) else None


def sequence(node: Node | None) -> list[Node]:
    return list(node.value) if isinstance(node, SequenceNode) else []


@dataclass(frozen=True)
class Step:
    path: str
    job: str | None  # the job id in a workflow; None for an action's own steps
    index: int
    node: MappingNode


@dataclass(frozen=True)
class Uses:
    step: Step
    line: int  # 0-based
    start: int  # column span of the value, quotes included
    end: int
    action: str  # owner/repo or owner/repo/sub/path
    ref: str
    comment: str  # a trailing comment's text ("v3.1.0"), "" when none

    @property
    def repo(self) -> str:
        return "/".join(self.action.split("/")[:2]).lower()


def jobs(root: Node | None) -> list[tuple[str, MappingNode]]:
    return [(name, node) for name, node in items(get(root, "jobs")) if isinstance(node, MappingNode)]


def steps(path: str, root: Node | None) -> list[Step]:
    """Every step of every job (a workflow) or of `runs` (a composite action)."""
    found = []
    owners: list[tuple[str | None, Node | None]] = [(name, get(job, "steps")) for name, job in jobs(root)]
    owners.append((None, get(get(root, "runs"), "steps")))
    for job, seq in owners:
        for index, node in enumerate(sequence(seq)):
            if isinstance(node, MappingNode):
                found.append(Step(path, job, index, node))
    return found


def uses_in(path: str, text: str, root: Node | None) -> list[Uses]:
    """Every remote `uses:` of a workflow or action file: its steps', and its jobs' calls of reusable
    workflows (a Step with index -1 whose node is the job)."""
    lines = text.splitlines()
    found = []
    callers = [Step(path, name, -1, job) for name, job in jobs(root) if get(job, "uses") is not None]
    for step in [*callers, *steps(path, root)]:
        value = get(step.node, "uses")
        if not isinstance(value, ScalarNode) or value.start_mark.line != value.end_mark.line:
            continue
        match = _USES.fullmatch(value.value.strip())
        if not match:
            continue  # ./local, docker://...
        line = value.start_mark.line
        rest = lines[line][value.end_mark.column :]
        comment = re.match(r"\s*#\s*(.*?)\s*$", rest)
        found.append(
            Uses(
                step,
                line,
                value.start_mark.column,
                value.end_mark.column,
                match.group("action"),
                match.group("ref"),
                comment.group(1) if comment else "",
            )
        )
    return found


def replace_span(lines: list[str], line: int, start: int, end: int, new: str) -> None:
    """Replace columns start:end of one line (keeping its line ending)."""
    text = lines[line]
    lines[line] = text[:start] + new + text[end:]


def quoted_like(node: ScalarNode, value: str) -> str:
    """`value` written with the node's quoting style."""
    if node.style == '"':
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if node.style == "'":
        return "'" + value.replace("'", "''") + "'"
    return value
