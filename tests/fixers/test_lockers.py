"""Lockers run with the user's network settings (an allow-list), and a failure names the command and its last
lines with every credential masked."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from fixer_corpus import TS, checkout

from cicd_agent.analysis import analyze
from cicd_agent.fixers import lockers
from cicd_agent.fixers.base import CannotFix, FileChange, FixContext, network_env

SCRIPT = """import os, sys
names = ["SSL_CERT_FILE", "HTTPS_PROXY", "NO_PROXY", "PIP_INDEX_URL", "npm_config_registry", "GOPROXY",
         "AWS_SECRET_ACCESS_KEY", "CICD_AGENT_STATE_URL", "UV_INDEX_CORP_PASSWORD", "UV_INDEX_URL"]
for name in names:
    print(f"{name}={os.environ.get(name, '-')}")
open("uv.lock", "a").write("# relocked\\n")
sys.exit(int(os.environ.get("FAIL", "0")))
"""
SETTINGS = {
    "SSL_CERT_FILE": "/etc/corp/ca.pem",
    "HTTPS_PROXY": "http://proxy.corp.example:3128",
    "NO_PROXY": "localhost,.corp.example",
    "UV_INDEX_URL": "https://ci:s3cret-index-pass@pypi.corp.example/simple",
    "PIP_INDEX_URL": "https://pypi.corp.example/simple",
    "UV_INDEX_CORP_PASSWORD": "another-secret-value",
    "npm_config_registry": "https://npm.corp.example",
    "GOPROXY": "https://goproxy.corp.example",
    "AWS_SECRET_ACCESS_KEY": "not-for-lockers",
    "CICD_AGENT_STATE_URL": "postgresql://agent:pw@db/agent",
}


def _ctx(root: Path) -> FixContext:
    return FixContext(root, analyze(f"{TS}x\n"), trusted=True, tool_timeout=60)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name, value in SETTINGS.items():
        monkeypatch.setenv(name, value)
    root = checkout(tmp_path / "repo", {"pyproject.toml": "[project]\nname='x'\n", "uv.lock": "version = 1\n"})
    (tmp_path / "locker.py").write_text(SCRIPT)
    return root


def test_only_the_allow_listed_network_settings_reach_a_locker(project: Path) -> None:
    env = network_env()
    assert {k for k in SETTINGS if k in env} == set(SETTINGS) - {"AWS_SECRET_ACCESS_KEY", "CICD_AGENT_STATE_URL"}
    locker = lockers.Locker("uv.lock", [sys.executable, str(project.parent / "locker.py")])
    change = FileChange("pyproject.toml", "[project]\nname='x'\n", "[project]\nname='x'\ndependencies=['a']\n")
    result = lockers.relock(_ctx(project), "missing-dependency", [change], locker)
    assert not isinstance(result, CannotFix), result
    assert [c.path for c in result] == ["uv.lock"] and result[0].after == "version = 1\n# relocked\n"
    assert (project / "uv.lock").read_text() == "version = 1\n"  # the checkout is restored
    assert (project / "pyproject.toml").read_text() == "[project]\nname='x'\n"


def test_a_failure_names_the_command_and_its_last_lines_without_credentials(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    locker = lockers.Locker("uv.lock", [sys.executable, str(project.parent / "locker.py")], env={"FAIL": "2"})
    result = lockers.relock(_ctx(project), "missing-dependency", [], locker)
    assert isinstance(result, CannotFix)
    assert result.why.startswith("`python")
    assert "failed with exit code 2:" in result.why and "the lock is not regenerated" in result.why
    assert "GOPROXY=https://goproxy.corp.example" in result.why  # the last lines are shown
    assert "AWS_SECRET_ACCESS_KEY=-" in result.why  # not passed to the locker at all
    assert "UV_INDEX_URL=https://***@pypi.corp.example/simple" in result.why
    assert "UV_INDEX_CORP_PASSWORD=***" in result.why
    assert "s3cret-index-pass" not in result.why and "another-secret-value" not in result.why
