"""Deprecated workflow commands in `run:` steps, rewritten to environment files.

`echo "::set-output name=x::v"` becomes `echo "x=v" >> "$GITHUB_OUTPUT"` (bash/sh; `$env:GITHUB_OUTPUT`
in pwsh); likewise save-state ($GITHUB_STATE), set-env ($GITHUB_ENV) and add-path ($GITHUB_PATH). The
echo's own quoting is kept. Anything else (printf, another shell, an escaped multi-line value, a command
that continues after the echo) is reported as not rewritable, and the fixer refuses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yaml.nodes import Node, ScalarNode

from cicd_agent.fixers.line_edits import LineEdits
from cicd_agent.fixers.workflow_yaml import Step, get, jobs, scalar, steps

FILES = {
    "set-output": "GITHUB_OUTPUT",
    "save-state": "GITHUB_STATE",
    "set-env": "GITHUB_ENV",
    "add-path": "GITHUB_PATH",
}
_ECHO = re.compile(
    r"""(?P<echo>\becho\s+)(?P<q>["']?)::(?P<cmd>set-output|save-state|set-env|add-path)(?:\s+name=(?P<name>[A-Za-z0-9_.-]+))?::"""
    r"""(?P<value>.*)"""
)
_ANY = re.compile(r"::(set-output|save-state|set-env|add-path)\b")


@dataclass(frozen=True)
class Rewrite:
    edits: LineEdits
    rewritten: int
    problems: list[str]


def shell_of(root: Node | None, step: Step) -> str | None:
    """The shell a `run:` step runs in: its own, the job's or workflow's default, else the runner's default."""
    job = dict(jobs(root)).get(step.job) if step.job else None
    for node in (step.node, get(get(job, "defaults"), "run"), get(get(root, "defaults"), "run")):
        chosen = scalar(get(node, "shell"))
        if chosen:
            return chosen.split()[0]
    if job is None:
        return None  # a composite action's step must name its shell
    runs_on = scalar(get(job, "runs-on"))
    if runs_on is None or "${{" in runs_on:
        return None  # a matrix or a list of labels: the default shell depends on the runner
    return "pwsh" if "windows" in runs_on.lower() else "bash"


def _target(shell: str | None, variable: str) -> str | None:
    if shell in ("bash", "sh"):
        return f'"${variable}"'
    if shell == "pwsh":
        return f"$env:{variable}"
    return None


def rewrite(path: str, text: str, root: Node | None, commands: set[str]) -> Rewrite:
    lines = text.splitlines()
    edits = LineEdits(text)
    problems: list[str] = []
    count = 0
    for step in steps(path, root):
        run = get(step.node, "run")
        if not isinstance(run, ScalarNode):
            continue
        shell = shell_of(root, step)
        first = run.start_mark.line
        for number in range(first, min(run.end_mark.line + 1, len(lines))):
            line = lines[number]
            offset = run.start_mark.column if number == first else 0
            for found in _ANY.finditer(line, offset):
                if found.group(1) not in commands:
                    continue
                where = f"{path}:{number + 1}"
                new = _rewritten(line, found.start(), shell)
                if new is None:
                    problems.append(where)
                    continue
                start, end, replacement = new
                edits.replace(number, start, end, replacement)
                count += 1
    return Rewrite(edits, count, problems)


def _rewritten(line: str, at: int, shell: str | None) -> tuple[int, int, str] | None:
    """(start, end, replacement) for the echo command around column `at`; None when it is not a plain echo."""
    echo = None
    for match in _ECHO.finditer(line):
        if match.start("q") <= at <= match.start("cmd"):
            echo = match
    if echo is None:
        return None
    command, name, quote = echo.group("cmd"), echo.group("name"), echo.group("q")
    target = _target(shell, FILES[command])
    if target is None or (command != "add-path") != bool(name):
        return None
    value = echo.group("value")
    if quote:
        close = value.find(quote)
        if close < 0 or (quote == '"' and "\\" in value[:close]):
            return None
        rest, value = value[close + 1 :], value[:close]
    else:
        value, rest = value.rstrip(), ""
        if not _one_word(value):
            return None
    if re.search(r"%0[AaDd]|%25", value) or not re.fullmatch(r"\s*(?:(?:;|&&|\|\|).*)?", rest):
        return None
    payload = value if command == "add-path" else f"{name}={value}"
    end = len(line) - len(rest)
    return echo.start("q"), end, f"{quote}{payload}{quote} >> {target}"


def _one_word(value: str) -> bool:
    """An unquoted value that is one shell word ($VAR, ${VAR}, $(cmd args) or plain text without spaces)."""
    return re.fullmatch(r"(?:[^\s;&|#<>`$]|\$\{?\w+\}?|\$\([^()]*\))+", value) is not None
