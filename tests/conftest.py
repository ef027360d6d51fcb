"""Shared fixtures: an isolated home and working directory, a sandbox GitHub on loopback, and the state store
on either backend: `backend` is "sqlite" (a file in the test's directory) or "postgresql" (a schema of its own
on the session's real server); `new_store()` opens one more connection to the same database, as another host
would."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import postgres
import pytest
from harness import Agent, OpenStore, Result

from cicd_agent.cli.main import invoke
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios
from cicd_agent.store import Store
from cicd_agent.store.postgres import PostgresBackend


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test runs in its own directory with its own HOME, no tokens, and a pinned git author."""
    home = tmp_path / "home"
    home.mkdir()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for name in list(os.environ):
        if name in ("GITHUB_TOKEN", "GH_TOKEN", "GITHUB_API_URL", "GITHUB_ACTOR", "GITHUB_ACTIONS") or name.startswith(
            "CICD_AGENT_"
        ):
            monkeypatch.delenv(name)
    for key, value in {
        "GIT_AUTHOR_NAME": "Test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "Test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_CONFIG_NOSYSTEM": "1",
        "NO_COLOR": "1",
        "COLUMNS": "200",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(work)
    return work


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    """An empty sandbox on a free loopback port; CI runs only when a test calls settle()."""
    sb = Sandbox(tmp_path / "sandbox")
    sb.serve(auto_ci=False)
    yield sb
    sb.close()


@pytest.fixture(scope="session")
def demo_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    """All scenarios, their first CI settled. Shared: tests using it must only read."""
    sb = Sandbox(tmp_path_factory.mktemp("demo-sandbox"))
    install_scenarios(sb)
    sb.serve(auto_ci=False)
    sb.settle()
    yield sb
    sb.close()


@pytest.fixture
def agent(capsys: pytest.CaptureFixture[str]) -> Agent:
    """Run the real CLI in-process (same entry point as the console script); returns code, stdout, stderr."""

    def run(*args: str) -> Result:
        capsys.readouterr()
        code = invoke(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[postgres.Server]:
    """One real PostgreSQL server for the session, in a temporary directory of its own (the postgres user must
    reach it), removed at the end; skipped, with the reason, only where none can be installed."""
    why = postgres.unavailable()
    if why and os.environ.get("CICD_AGENT_REQUIRE_POSTGRES") == "1":  # CI installed it: missing is a failure
        pytest.fail(why)
    if why:
        pytest.skip(why)
    server = postgres.start()
    yield server
    server.stop()


@pytest.fixture
def postgres_url(postgres_server: postgres.Server) -> str:
    """A fresh schema of its own on the session's server: the URL an agent is given."""
    return postgres_server.schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def new_store(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[OpenStore]:
    opened: list[Store] = []
    url = request.getfixturevalue("postgres_url") if backend == "postgresql" else ""

    def make() -> Store:
        opened.append(Store(PostgresBackend(url)) if url else Store(tmp_path / "state.db"))
        return opened[-1]

    yield make
    for store in opened:
        store.close()


@pytest.fixture
def store(new_store: OpenStore) -> Store:
    return new_store()
