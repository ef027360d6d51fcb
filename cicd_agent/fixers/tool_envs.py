"""Exactly the pinned version of a formatter, in an isolated environment cached per tool and version.

Python tools: the agent's own environment when it already has that exact version, else a virtualenv under
the cache (`<cache>/<tool>-<version>`) made once with `pip install <tool>==<version>` from the package
index. Prettier: `npx --yes prettier@<version>`, with npm's cache under the same directory.
"""

from __future__ import annotations

import importlib.metadata
import os
import shutil
import subprocess
import venv
from pathlib import Path

from cicd_agent.fixers.base import tool

READY = ".cicd-agent-ready"


class ToolUnavailable(Exception):
    """The pinned tool cannot be had here; the message says why."""


def default_cache() -> Path:
    base = os.environ.get("CICD_AGENT_TOOL_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root if os.environ.get("CICD_AGENT_TOOL_CACHE") else root / "cicd-agent" / "tools"


def own_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def python_tool(
    name: str, version: str | None, cache: Path, *, timeout: float, pip_args: tuple[str, ...] = ()
) -> tuple[list[str], str]:
    """(argv prefix, version) running `name` at `version` (None: the agent's own, when not pinned)."""
    mine = own_version(name)
    if (version is None or version == mine) and mine is not None and tool(name):
        return [str(tool(name))], mine
    if version is None:
        raise ToolUnavailable(f"the project pins no {name} version and the agent has none installed")
    home = cache / f"{name}-{version}"
    binary = home / ("Scripts" if os.name == "nt" else "bin") / name
    if not (home / READY).is_file():
        shutil.rmtree(home, ignore_errors=True)
        cache.mkdir(parents=True, exist_ok=True)
        venv.EnvBuilder(with_pip=True, clear=True).create(home)
        python = home / ("Scripts" if os.name == "nt" else "bin") / "python"
        argv = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *pip_args]
        try:
            done = subprocess.run(
                [*argv, f"{name}=={version}"], capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise ToolUnavailable(f"installing {name}=={version} took longer than {timeout:g}s") from None
        if done.returncode != 0 or not binary.exists():
            shutil.rmtree(home, ignore_errors=True)
            last = (done.stderr.strip().splitlines() or ["no output"])[-1][:300]
            raise ToolUnavailable(f"cannot install {name}=={version}: {last}")
        (home / READY).write_text(version, encoding="utf-8")
    return [str(binary)], version


def prettier(version: str | None, cache: Path) -> tuple[list[str], dict[str, str]]:
    """(argv prefix, extra environment) for the pinned prettier through npx."""
    npx = shutil.which("npx")
    if npx is None:
        raise ToolUnavailable("node (npx) is not installed where the agent runs")
    if version is None:
        raise ToolUnavailable("the project pins no prettier version")
    return [npx, "--yes", f"prettier@{version}"], {"npm_config_cache": str(cache / "npm"), "NO_UPDATE_NOTIFIER": "1"}
