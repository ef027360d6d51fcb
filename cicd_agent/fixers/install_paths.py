"""Where a CI command leads before it installs anything: a `make` target's recipe, a repository script, a tox
environment, a nox session, a hatch environment. Each is read from the checkout (never run) and turned into
the install commands or Install entries it amounts to, so "what CI installs" is known however it is reached.

- make [target] / make -C dir target: the target's recipe lines and its prerequisites' (the first target
  when none is named); `$(MAKE) x` and `make x` inside recipes followed;
- a script the step runs (`scripts/install`, `./ci/setup.sh`, `bash tools/deps.sh`): its lines, with plain
  `NAME=value` assignments substituted;
- tox [-e env] (tox.ini, tox.toml, `[tool.tox]`): `deps` (`-r` files and names), `extras`,
  `dependency_groups`, the project unless `skip_install`;
- nox [-s session] (noxfile.py, read with ast): `session.install(...)` arguments and
  `nox.project.dependency_groups(..., "g")`;
- hatch test / hatch run [env:]script: the environment's `dependencies`, `extra-dependencies`, `features`,
  `dependency-groups` (hatch.toml or `[tool.hatch.envs]`).
"""

from __future__ import annotations

import ast
import configparser
import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

DEPTH = 3


def _words(line: str) -> list[str]:
    try:
        return shlex.split(line, comments=True)
    except ValueError:
        return []


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
    except OSError:
        return None


def expand(workspace: Path, script: str, depth: int = 0) -> list[str]:
    """`script` with every make target and repository script it runs replaced by their own lines."""
    lines = [script]
    if depth >= DEPTH:
        return lines
    for line in re.split(r"\n|&&|;", re.sub(r"\\\r?\n", " ", script)):
        words = _words(line)
        if not words:
            continue
        lines += _make(workspace, words, depth) + _script(workspace, words, depth)
    return lines


def _make(workspace: Path, words: list[str], depth: int) -> list[str]:
    at = next((i for i, w in enumerate(words) if Path(w).name in ("make", "gmake") or w == "$(MAKE)"), None)
    if at is None:
        return []
    rest, directory = words[at + 1 :], workspace
    if rest[:1] == ["-C"] and len(rest) > 1:
        directory, rest = workspace / rest[1], rest[2:]
    targets = [w for w in rest if not w.startswith("-") and "=" not in w]
    text = _read(directory / "Makefile") or _read(directory / "makefile") or _read(directory / "GNUmakefile")
    if text is None:
        return []
    recipes = make_targets(text)
    wanted = targets or [next(iter(recipes), "")]
    found: list[str] = []
    seen: set[str] = set()
    while wanted:
        target = wanted.pop(0)
        if target in seen or target not in recipes:
            continue
        seen.add(target)
        prerequisites, lines = recipes[target]
        wanted += prerequisites
        for line in lines:
            found += expand(workspace, line.lstrip("@-+ "), depth + 1)
    return found


def make_targets(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """target -> (prerequisites, recipe lines), in the Makefile's order (special `.X` targets left out)."""
    targets: dict[str, tuple[list[str], list[str]]] = {}
    current: list[str] = []
    for line in re.sub(r"\\\n", " ", text).splitlines():
        if line.startswith("\t") and current:
            for name in current:
                targets[name][1].append(line[1:])
            continue
        rule = re.match(r"^([A-Za-z0-9_./%-][^:=#]*?)\s*::?(?!=)\s*([^#;]*)", line)
        if rule and not line.startswith((" ", "\t")):
            names = [n for n in rule.group(1).split() if not n.startswith(".")]
            current = names
            for name in names:
                targets.setdefault(name, ([], []))[0].extend(rule.group(2).split())
        elif line.strip() and not line.startswith("\t"):
            current = []
    return targets


def _script(workspace: Path, words: list[str], depth: int) -> list[str]:
    candidates = words[1:2] if Path(words[0]).name in ("bash", "sh", "zsh", "source", ".") else words[:1]
    for word in candidates:
        path = (workspace / word).resolve()
        if not word or ".." in Path(word).parts or not str(path).startswith(str(workspace.resolve())):
            continue
        text = _read(path)
        if text is None or path.suffix in (".py", ".txt", ".toml", ".cfg", ".ini"):
            continue
        return expand(workspace, substitute(text), depth + 1)
    return []


def substitute(text: str) -> str:
    """A shell script with its plain `NAME=value` assignments substituted where `$NAME`/`${NAME}` is used."""
    values: dict[str, str] = {}
    for match in re.finditer(r"^\s*([A-Za-z_]\w*)=(\"[^\"$`]*\"|'[^']*'|[^\s;&|$`]*)\s*$", text, re.MULTILINE):
        values[match.group(1)] = match.group(2).strip("\"'")
    for name, value in sorted(values.items(), key=lambda item: -len(item[0])):
        text = re.sub(rf"\$\{{{name}\}}|\${name}\b", value.replace("\\", "\\\\"), text)
    return text


# -- tox -------------------------------------------------------------------------------------------------


def tox_installs(workspace: Path, words: list[str]) -> list[tuple[str, str]]:
    """(kind, value) of what a tox command installs: requirements, package, extra, group, project."""
    envs = [v for i, w in enumerate(words) for v in ([words[i + 1]] if w == "-e" and i + 1 < len(words) else [])]
    envs = [e for value in envs for e in value.split(",")]
    settings = _tox_settings(workspace, envs)
    found: list[tuple[str, str]] = []
    for env in settings:
        found += _tox_env(env)
    return found


def _tox_settings(workspace: Path, envs: list[str]) -> list[dict[str, Any]]:
    ini = _read(workspace / "tox.ini")
    if ini is None:
        pyproject = _toml(workspace / "pyproject.toml").get("tool", {}).get("tox", {})
        legacy = pyproject.get("legacy_tox_ini") if isinstance(pyproject, dict) else None
        ini = legacy if isinstance(legacy, str) else None
    if ini is not None:
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read_string(ini)
        except configparser.Error:
            return []
        base = dict(parser.items("testenv")) if parser.has_section("testenv") else {}
        chosen = [f"testenv:{e}" for e in envs if parser.has_section(f"testenv:{e}")]
        return [base | dict(parser.items(section)) for section in chosen] or [base]
    data = _toml(workspace / "tox.toml") or _toml(workspace / "pyproject.toml").get("tool", {}).get("tox", {})
    if not isinstance(data, dict) or not data:
        return []
    run_base: dict[str, Any] = data.get("env_run_base") or {}
    named: dict[str, Any] = data.get("env") or {}
    envs_found: list[dict[str, Any]] = [named[e] for e in envs if isinstance(named.get(e), dict)]
    return [run_base | env for env in envs_found] or [run_base]


def _tox_env(env: dict[str, Any]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    deps = env.get("deps", [])
    lines = deps.splitlines() if isinstance(deps, str) else [str(d) for d in deps]
    for line in (line.strip() for line in lines):
        match = re.match(r"(?:-r|--requirement)\s*=?\s*(\S+)", line)
        if match:
            found.append(("requirements", match.group(1).replace("{toxinidir}/", "")))
        elif line and not line.startswith(("-", "#", "{", ".")):
            found.append(("package", line))
    installs_project = str(env.get("skip_install", "false")).lower() != "true"
    for key, kind in (("extras", "extra"), ("dependency_groups", "group")):
        value = env.get(key, [])
        items = re.split(r"[\s,]+", value) if isinstance(value, str) else [str(v) for v in value]
        found += [(kind, item) for item in items if item and (installs_project or kind == "group")]
    if installs_project:
        found.append(("project", ""))
    return found


def _toml(path: Path) -> dict[str, Any]:
    text = _read(path)
    try:
        return tomllib.loads(text) if text else {}
    except tomllib.TOMLDecodeError:
        return {}


# -- nox -------------------------------------------------------------------------------------------------


def nox_installs(workspace: Path, words: list[str]) -> list[tuple[str, str]]:
    text = _read(workspace / "noxfile.py")
    if text is None:
        return []
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return []
    wanted = {words[i + 1] for i, w in enumerate(words) if w in ("-s", "--session", "-e") and i + 1 < len(words)}
    found: list[tuple[str, str]] = []
    for function in (n for n in tree.body if isinstance(n, ast.FunctionDef)):
        if not any("session" in ast.unparse(d) for d in function.decorator_list):
            continue
        name = _session_name(function)
        if wanted and name not in wanted and not any(w.split("(")[0] == name for w in wanted):
            continue
        for call in (n for n in ast.walk(function) if isinstance(n, ast.Call)):
            found += _nox_call(call)
    return found


def _session_name(function: ast.FunctionDef) -> str:
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call):
            for keyword in decorator.keywords:
                if keyword.arg == "name" and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return function.name


def _nox_call(call: ast.Call) -> list[tuple[str, str]]:
    called = ast.unparse(call.func)
    if called.endswith("dependency_groups"):
        return [("group", str(a.value)) for a in call.args[1:] if isinstance(a, ast.Constant)]
    if not called.endswith(".install"):
        return []
    args = [str(a.value) for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    found: list[tuple[str, str]] = []
    skip = False
    for i, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg in ("-r", "--requirement") and i + 1 < len(args):
            found.append(("requirements", args[i + 1]))
            skip = True
        elif arg.startswith("-r") and len(arg) > 2:
            found.append(("requirements", arg[2:]))
        elif re.fullmatch(r"\.(?:/)?(?:\[[^\]]*\])?", arg):
            found.append(("project", ""))
            inside = re.search(r"\[([^\]]*)\]", arg)
            found += [("extra", e.strip()) for e in (inside.group(1) if inside else "").split(",") if e.strip()]
        elif not arg.startswith("-"):
            found.append(("package", arg))
    return found


# -- hatch -----------------------------------------------------------------------------------------------


def hatch_envs(workspace: Path) -> tuple[str, dict[str, Any], str]:
    """(the file, its environments table, the TOML path prefix of that table)."""
    hatch = _toml(workspace / "hatch.toml")
    if hatch.get("envs"):
        return "hatch.toml", hatch["envs"], "envs"
    envs = _toml(workspace / "pyproject.toml").get("tool", {}).get("hatch", {}).get("envs", {})
    return "pyproject.toml", envs if isinstance(envs, dict) else {}, "tool.hatch.envs"


def hatch_installs(workspace: Path, words: list[str]) -> list[tuple[str, str]]:
    if len(words) < 2:
        return []
    if words[1] == "test":
        env = "hatch-test"
    elif words[1] in ("run", "shell") and len(words) > 2:
        target = next((w for w in words[2:] if not w.startswith(("-", "+"))), "")
        env = target.split(":", 1)[0] if ":" in target else "default"
    else:
        return []
    _, envs, _ = hatch_envs(workspace)
    found_spec = envs.get(env)
    spec: dict[str, Any] = found_spec if isinstance(found_spec, dict) else {}
    found: list[tuple[str, str]] = [("hatch", f"{env}:{key}") for key in ("dependencies", "extra-dependencies")]
    for key in ("dependencies", "extra-dependencies"):
        found += [("package", str(d)) for d in spec.get(key, [])]
    found += [("extra", str(f)) for f in spec.get("features", [])]
    found += [("group", str(g)) for g in spec.get("dependency-groups", [])]
    if not spec.get("skip-install") and not spec.get("detached"):
        found.append(("project", ""))
    return found
