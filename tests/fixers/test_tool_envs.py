"""Pinned formatters in isolated environments, cached per tool and version (offline: a local wheelhouse)."""

from __future__ import annotations

import importlib.metadata
import io
import subprocess
import zipfile
from pathlib import Path

import pytest

from cicd_agent.fixers import tool_envs


def stub_wheel(directory: Path, version: str) -> None:
    """A tiny distribution with a console script, as a formatter ships one."""
    info = f"fmtstub-{version}.dist-info"
    files = {
        "fmtstub/__init__.py": f"def main():\n    print('fmtstub {version}')\n",
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: fmtstub\nVersion: {version}\n",
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
        f"{info}/entry_points.txt": "[console_scripts]\nfmtstub = fmtstub:main\n",
        f"{info}/RECORD": "",
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"fmtstub-{version}-py3-none-any.whl").write_bytes(buffer.getvalue())


def test_a_pinned_version_is_installed_once_into_its_own_environment(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    stub_wheel(wheels, "1.0")
    stub_wheel(wheels, "2.0")
    offline = ("--no-index", "--find-links", str(wheels))
    cache = tmp_path / "cache"
    argv, version = tool_envs.python_tool("fmtstub", "1.0", cache, timeout=120, pip_args=offline)
    assert version == "1.0" and Path(argv[0]).is_relative_to(cache / "fmtstub-1.0")
    assert subprocess.run(argv, capture_output=True, text=True, check=True).stdout == "fmtstub 1.0\n"
    ready = cache / "fmtstub-1.0" / tool_envs.READY
    stamp = ready.stat().st_mtime_ns
    assert tool_envs.python_tool("fmtstub", "1.0", cache, timeout=120, pip_args=offline)[0] == argv
    assert ready.stat().st_mtime_ns == stamp  # cached: not installed again
    with pytest.raises(tool_envs.ToolUnavailable, match=r"cannot install fmtstub==3\.0"):
        tool_envs.python_tool("fmtstub", "3.0", cache, timeout=120, pip_args=offline)
    assert not (cache / "fmtstub-3.0").exists()


def test_the_agents_own_version_is_used_when_it_is_the_pinned_one(tmp_path: Path) -> None:
    mine = importlib.metadata.version("ruff")
    cache = tmp_path / "cache"
    _, version = tool_envs.python_tool("ruff", mine, cache, timeout=10)
    assert version == mine and not cache.exists()
    assert tool_envs.python_tool("ruff", None, cache, timeout=10)[1] == mine  # not pinned: the agent's own
    with pytest.raises(tool_envs.ToolUnavailable, match="pins no"):
        tool_envs.python_tool("definitely-not-installed", None, cache, timeout=10)
