"""End-to-end fixtures: the real CLI against the sandbox, driven through `harness.Loop`."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from harness import Agent, Loop

from cicd_agent.sandbox import Sandbox


@pytest.fixture
def loop(sandbox: Sandbox, agent: Agent, monkeypatch: pytest.MonkeyPatch) -> Iterator[Loop]:
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    monkeypatch.setenv("CICD_AGENT_PACKAGE_INDEX", str(sandbox.root / "wheelhouse"))
    yield Loop(sandbox, agent)
