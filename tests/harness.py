"""What tests drive the agent with: the CLI runner's result, and the end-to-end loop over the sandbox."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from cicd_agent.modes.demo import DEMO_SETTINGS, demo_index, host_actions
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.store import Store


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Agent = Callable[..., Result]  # agent("run", "--json") -> Result


# the demo's settings (no waiting, workflow edits allowed), failing fast on outages; `extra` lands in [policy]
SETTINGS = DEMO_SETTINGS.replace("write_interval = 0\n", "write_interval = 0\nmax_retries = 1\n") + "{extra}\n"


class Loop:
    def __init__(self, sandbox: Sandbox, agent: Agent) -> None:
        self.sandbox = sandbox
        self.agent = agent
        self.repos: list[str] = []

    def setup(self, *names: str, extra: str = "") -> None:
        install_scenarios(self.sandbox, list(names))
        demo_index(self.sandbox)  # the wheelhouse, with the demo's broken distribution, is the package index
        host_actions(self.sandbox, list(names))
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
