"""The real CLI against the sandbox: a config for the chosen scenarios, and helpers to drive cycles."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from cicd_agent.demo import DEMO_SETTINGS, demo_index
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.sandbox.server import Sandbox
from cicd_agent.store import Store

# the demo's settings (no waiting, workflow edits allowed), failing fast on outages; `extra` lands in [policy]
SETTINGS = DEMO_SETTINGS.replace("write_interval = 0\n", "write_interval = 0\nmax_retries = 1\n") + "{extra}\n"


class Loop:
    def __init__(self, sandbox: Sandbox, agent: Any) -> None:
        self.sandbox = sandbox
        self.agent = agent
        self.repos: list[str] = []

    def setup(self, *names: str, extra: str = "") -> None:
        install_scenarios(self.sandbox, list(names))
        demo_index(self.sandbox)  # the wheelhouse, with the demo's broken distribution, is the package index
        self.repos = [s.repo for s in SCENARIOS if s.name in names]
        repos = "".join(f'[[repos]]\nname = "{r}"\nbranches = ["main"]\n' for r in self.repos)
        Path("cicd-agent.toml").write_text(SETTINGS.format(extra=extra) + repos)
        self.sandbox.settle()

    def cycle(self, *args: str) -> dict[str, Any]:
        result = self.agent("run", "--json", *args)
        assert result.code in (0, 1), result.err
        data: dict[str, Any] = json.loads(result.out)
        return data

    def decisions(self, *args: str) -> list[str]:
        return [d["decision"] for d in self.cycle(*args)["decisions"]]

    def api(self, method: str, path: str, body: Any = None) -> Any:
        response = requests.request(
            method,
            self.sandbox.base_url + path,
            json=body,
            timeout=10,
            headers={"Authorization": f"token {self.sandbox.token}"},
        )
        assert response.status_code < 400, response.text
        return response.json() if response.content else None

    def store(self) -> Store:
        return Store(Path(".cicd-agent") / "state.db")

    def pulls(self, repo: str, state: str = "all") -> list[dict[str, Any]]:
        return list(self.api("GET", f"/repos/{repo}/pulls?state={state}"))


@pytest.fixture
def loop(sandbox: Sandbox, agent: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Loop]:
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    monkeypatch.setenv("CICD_AGENT_PACKAGE_INDEX", str(sandbox.root / "wheelhouse"))
    yield Loop(sandbox, agent)
