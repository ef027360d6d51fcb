"""What the failing job installs, read from its `run:` steps and the `Run ...` lines of its log.

Recognised: `pip install -r X` / `--requirement X` (also `uv pip install`), `pip install .[a,b]` / `-e .`,
`pip install --group g`, `uv sync [--group g] [--extra e] [--all-extras] [--all-groups]`, `poetry install
[--with g] [--only g] [-E e]`, `pdm install [-G g]`. The text is only parsed (shlex), never executed.
"""

from __future__ import annotations

import posixpath
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

from yaml.nodes import MappingNode

from cicd_agent.fixers import install_paths
from cicd_agent.fixers.job_names import find_job
from cicd_agent.fixers.workflow_yaml import compose, get, scalar, sequence


@dataclass(frozen=True)
class Install:
    kind: str  # requirements | project | group | extra | poetry | poetry-extra
    value: str = ""  # the file, group or extra ("" for the project itself)


@dataclass(frozen=True)
class Run:
    """A piece of a `run:` script and the directory it runs in, relative to the repository ("." for the root;
    "" when the workflow computes it: an expression, `cd "$DIR"`)."""

    directory: str
    script: str


def commands_of_job(workspace: Path, workflow_path: str, job_name: str) -> list[str]:
    """The `run:` scripts of the failing job (empty when the job cannot be found)."""
    return [run.script for run in _step_runs(workspace, workflow_path, job_name)]


def job_runs(workspace: Path, workflow_path: str, job_name: str) -> list[Run]:
    """The failing job's `run:` scripts with their directories: the step's `working-directory`, else the
    job's or the workflow's `defaults.run.working-directory`, changed by plain `cd dir` inside the script."""
    steps = _step_runs(workspace, workflow_path, job_name)
    return [piece for run in steps for piece in split_cd(run.directory, run.script)]


def _step_runs(workspace: Path, workflow_path: str, job_name: str) -> list[Run]:
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
    default = _directory(get(get(get(job, "defaults"), "run"), "working-directory"), ".")
    if default is None:
        default = _directory(get(get(get(root, "defaults"), "run"), "working-directory"), ".")
    default = "." if default is None else default
    runs = []
    for step in sequence(get(job, "steps")):
        script = scalar(get(step, "run"))
        if script:
            where = _directory(get(step, "working-directory"), ".")
            runs.append(Run(default if where is None else where, script))
    return runs


def _directory(node: object, base: str) -> str | None:
    """A `working-directory:` value as a repository path; "" for one the workflow computes; None when absent."""
    value = scalar(node) if node is not None else None  # type: ignore[arg-type]
    if value is None:
        return None
    return _join(base, value)


def _join(base: str, path: str) -> str:
    if not base or "$" in path or "`" in path or path.startswith(("~", "/")):
        return ""
    joined = posixpath.normpath(posixpath.join(base, path.strip()))
    return "" if joined == ".." or joined.startswith("../") else joined


def split_cd(directory: str, script: str) -> list[Run]:
    """`script` cut where a plain `cd dir` (or `pushd dir`) changes the directory the rest runs in."""
    runs: list[Run] = []
    current, pending = directory, list[str]()
    for piece in re.split(r"\n|&&|;", re.sub(r"\\\r?\n", " ", script)):
        try:
            words = shlex.split(piece, comments=True)
        except ValueError:
            words = []
        if len(words) == 2 and words[0] in ("cd", "pushd"):
            if pending:
                runs.append(Run(current, "\n".join(pending)))
                pending = []
            current = _join(current, words[1])
            continue
        pending.append(piece)
    if pending:
        runs.append(Run(current, "\n".join(pending)))
    return runs


def commands_in_log(log: str) -> list[str]:
    """`##[group]Run python -m pip install ...` lines of a job log."""
    return [m.group(1) for m in re.finditer(r"##\[group\]Run (.+)", log)]


def installs(scripts: list[str], workspace: Path | None = None) -> list[Install]:
    """What these scripts install; with the checkout, through make targets, repository scripts, tox, nox and
    hatch environments too (install_paths)."""
    found: list[Install] = []
    for script in scripts:
        expanded = install_paths.expand(workspace, script) if workspace is not None else [script]
        for text in expanded:
            joined = re.sub(r"\\\r?\n", " ", text)
            for line in re.split(r"\n|&&|;|\|\|", joined):
                try:
                    words = shlex.split(line, comments=True)
                except ValueError:
                    continue
                found += _parse(words, workspace)
    return list(dict.fromkeys(found))


def _parse(words: list[str], workspace: Path | None = None) -> list[Install]:
    runners = {
        "tox": install_paths.tox_installs,
        "nox": install_paths.nox_installs,
        "hatch": install_paths.hatch_installs,
    }
    for i, word in enumerate(words):
        runner = runners.get(Path(word).name)
        if runner is not None and workspace is not None:
            return [Install(kind, value) for kind, value in runner(workspace, words[i:])]
    for tool, parse in (("pip", _pip), ("uv", _uv), ("poetry", _poetry), ("pdm", _pdm), ("pipenv", _pipenv)):
        for i, word in enumerate(words):
            if Path(word).name in (tool, f"{tool}3") and i + 1 < len(words):
                rest = words[i + 1 :]
                if tool == "uv" and rest[:2] == ["pip", "install"]:
                    return _pip(rest[1:])
                return parse(rest)
    return []


_UV_VALUED = {"--group", "--extra", "--with", "--python", "-p", "--only-group", "--package", "--directory"}


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
        elif not word.startswith(("-", ".", "/", "$")) and re.match(r"[A-Za-z0-9]", word):
            found.append(Install("package", word))
    return found


def _uv(words: list[str]) -> list[Install]:
    if not words or words[0] not in ("sync", "run"):
        return []
    if words[0] == "run":  # only uv's own options, before the command it runs
        command = next(
            (i for i, w in enumerate(words[1:], 1) if not w.startswith("-") and words[i - 1] not in _UV_VALUED),
            len(words),
        )
        words = words[:command]
    found = [Install("project")] + [Install("package", w) for w in _option_values(words, "--with")]
    groups = _option_values(words, "--group")
    if "--no-dev" not in words and "--only-group" not in words and "--no-default-groups" not in words:
        groups.append("dev")
        groups.append(":default-groups")
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
    """`pdm install|sync`: the project, `-G/--group g` groups (combined short flags `-dG test`), `-d` dev."""
    if not words or words[0] not in ("install", "sync"):
        return []
    found = [Install("project")]
    spread: list[str] = []
    for word in words[1:]:
        short = re.fullmatch(r"-([A-Za-z]+)(.*)", word)
        if short and "G" in short.group(1) and not word.startswith("--"):
            letters, rest = short.group(1), short.group(2)
            spread += (
                [f"-{c}" for c in letters[: letters.index("G")]]
                + ["-G"]
                + ([letters[letters.index("G") + 1 :] + rest] if letters[letters.index("G") + 1 :] + rest else [])
            )
        else:
            spread.append(word)
    for value in _option_values(spread, "-G", "--group", "--with"):
        found += [Install("group", g) for g in value.split(",") if g]
    if "--prod" not in spread and "--production" not in spread:
        found.append(Install("group", ":pdm-dev"))
    return found


def _pipenv(words: list[str]) -> list[Install]:
    if not words or words[0] not in ("install", "sync"):
        return []
    dev = "--dev" in words or "-d" in words
    return [Install("pipfile", "packages")] + ([Install("pipfile", "dev-packages")] if dev else [])
