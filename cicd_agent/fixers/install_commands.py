"""What the failing job installs, read from its `run:` steps and the `Run ...` lines of its log.

Recognised: `pip install -r X` / `--requirement X` (also `uv pip install`), `pip install .[a,b]` / `-e .`,
`pip install --group g`, `uv sync [--group g] [--extra e] [--all-extras] [--all-groups]`, `poetry install
[--with g] [--only g] [-E e]`, `pdm install [-G g]`. The text is only parsed (shlex), never executed.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode

from cicd_agent.fixers.job_names import find_job
from cicd_agent.fixers.workflow_yaml import compose, get, scalar, sequence


@dataclass(frozen=True)
class Install:
    kind: str  # requirements | project | group | extra | poetry | poetry-extra
    value: str = ""  # the file, group or extra ("" for the project itself)


def commands_of_job(workspace: Path, workflow_path: str, job_name: str) -> list[str]:
    """The `run:` scripts of the failing job (empty when the job cannot be found)."""
    if not workflow_path or not job_name:
        return []
    file = workspace / workflow_path
    if not file.is_file():
        return []
    root = compose(file.read_text(encoding="utf-8", errors="replace"))
    found = find_job(root, job_name)
    if not isinstance(found, tuple):
        return []
    job: MappingNode = found[1]
    return [run for step in sequence(get(job, "steps")) if (run := scalar(get(step, "run")))]


def commands_in_log(log: str) -> list[str]:
    """`##[group]Run python -m pip install ...` lines of a job log."""
    return [m.group(1) for m in re.finditer(r"##\[group\]Run (.+)", log)]


def installs(scripts: list[str]) -> list[Install]:
    found: list[Install] = []
    for script in scripts:
        joined = re.sub(r"\\\r?\n", " ", script)
        for line in re.split(r"\n|&&|;|\|\|", joined):
            try:
                words = shlex.split(line, comments=True)
            except ValueError:
                continue
            found += _parse(words)
    return list(dict.fromkeys(found))


def _parse(words: list[str]) -> list[Install]:
    for tool, parse in (("pip", _pip), ("uv", _uv), ("poetry", _poetry), ("pdm", _pdm)):
        for i, word in enumerate(words):
            if Path(word).name in (tool, f"{tool}3") and i + 1 < len(words):
                rest = words[i + 1 :]
                if tool == "uv" and rest[:2] == ["pip", "install"]:
                    return _pip(rest[1:])
                return parse(rest)
    return []


def _option_values(words: list[str], *names: str) -> list[str]:
    values = []
    for i, word in enumerate(words):
        for name in names:
            if word == name and i + 1 < len(words):
                values.append(words[i + 1])
            elif word.startswith(name + "=") and name.startswith("--"):
                values.append(word[len(name) + 1 :])
            elif name.startswith("-") and not name.startswith("--") and word.startswith(name) and len(word) > 2:
                values.append(word[len(name) :])
    return values


def _pip(words: list[str]) -> list[Install]:
    if not words or words[0] != "install":
        return []
    found = [Install("requirements", v) for v in _option_values(words, "-r", "--requirement")]
    found += [Install("group", v) for v in _option_values(words, "--group")]
    skip = False
    for word in words[1:]:
        if skip:
            skip = False
            continue
        if word in ("-r", "--requirement", "-c", "--constraint", "--group", "-i", "--index-url", "--target", "-t"):
            skip = True
            continue
        match = re.fullmatch(r"\.(?:/)?(?:\[([^\]]*)\])?", word)
        if match:
            found.append(Install("project"))
            found += [Install("extra", e.strip()) for e in (match.group(1) or "").split(",") if e.strip()]
    return found


def _uv(words: list[str]) -> list[Install]:
    if not words or words[0] != "sync":
        return []
    found = [Install("project")]
    groups = _option_values(words, "--group")
    if "--no-dev" not in words and "--only-group" not in words:
        groups.append("dev")
    found += [Install("group", g) for g in groups + _option_values(words, "--only-group")]
    found += [Install("extra", e) for e in _option_values(words, "--extra")]
    if "--all-extras" in words:
        found.append(Install("extra", "*"))
    if "--all-groups" in words:
        found.append(Install("group", "*"))
    return found


def _poetry(words: list[str]) -> list[Install]:
    if not words or words[0] != "install":
        return []
    found = [] if "--only" in " ".join(words) else [Install("poetry", "main")]
    for value in _option_values(words, "--with", "--only"):
        found += [Install("poetry", g.strip()) for g in value.split(",") if g.strip()]
    for value in _option_values(words, "-E", "--extras"):
        found += [Install("poetry-extra", e) for e in value.split()]
    if "--all-extras" in words:
        found.append(Install("poetry-extra", "*"))
    return found


def _pdm(words: list[str]) -> list[Install]:
    if not words or words[0] not in ("install", "sync"):
        return []
    found = [Install("project")]
    found += [Install("group", g) for g in _option_values(words, "-G", "--group")]
    return found
