"""The state on PostgreSQL, chosen by a URL (`--state-url` over `CICD_AGENT_STATE_URL` over `[state] url`), and
every way it can be wrong: one line (what, where, how to fix), exit 1, the password never printed."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import postgres
import pytest
from harness import Agent, Loop, Result

from cicd_agent.store import MIGRATIONS, Store
from cicd_agent.store.postgres import PostgresBackend


def _one_line(result: Result, *needles: str) -> str:
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err and "unexpected error" not in result.err
    lines = [line for line in result.err.strip().splitlines() if not line.startswith("[DRY-RUN]")]
    (line,) = lines
    for needle in needles:
        assert needle in line, line
    assert postgres.PASSWORD not in result.err + result.out
    return line


def _paused(url: str) -> str | None:
    store = Store(PostgresBackend(url))
    try:
        return store.get_meta("paused")
    finally:
        store.close()


def test_the_option_wins_over_the_environment_which_wins_over_the_file(
    agent: Agent, postgres_server: postgres.Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    in_file, in_env, in_option = (postgres_server.schema() for _ in range(3))
    monkeypatch.setenv("PGPASSWORD", postgres.PASSWORD)  # the file's URL holds no password
    without_password = in_file.replace(f":{postgres.PASSWORD}@", "@")
    Path("cicd-agent.toml").write_text(f'[state]\nurl = "{without_password}"\n')
    assert agent("config", "check").code == 0
    assert agent("pause", "--reason", "file").code == 0
    monkeypatch.setenv("CICD_AGENT_STATE_URL", in_env)
    assert agent("pause", "--reason", "env").code == 0
    assert agent("--state-url", in_option, "pause", "--reason", "option").code == 0
    assert agent("status", "--state-url", in_option, "--json").json()["paused"]["reason"] == "option"
    assert [_paused(url) is not None for url in (in_file, in_env, in_option)] == [True, True, True]
    status = agent("status", "--json")
    assert status.json()["paused"]["reason"] == "env"
    assert postgres.PASSWORD not in status.out and "***" in status.json()["state_db"]
    assert not Path(".cicd-agent").exists()  # no SQLite file beside it


def test_a_password_in_the_config_file_is_refused_without_repeating_it(
    agent: Agent, postgres_server: postgres.Server
) -> None:
    Path("cicd-agent.toml").write_text(f'[state]\nurl = "{postgres_server.schema()}"\n')
    check = agent("config", "check")
    assert check.code == 1 and "state.url" in check.err and "PGPASSWORD" in check.err
    assert postgres.PASSWORD not in check.err + check.out


def test_credentials_refused(agent: Agent, postgres_server: postgres.Server) -> None:
    url = postgres_server.url(password="not-the-Pw-42")
    line = _one_line(agent("--state-url", url, "status"), "refused the credentials", "check the user and password")
    assert "not-the-Pw-42" not in line and "postgresql://***@127.0.0.1" in line


def test_an_unreachable_server(agent: Agent) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://agent:{postgres.PASSWORD}@127.0.0.1:{port}/cicd"
    _one_line(agent("--state-url", url, "pause", "--reason", "x"), "cannot reach the state database", "PostgreSQL runs")


@pytest.mark.parametrize("password", ["se/cretPw99", "ab#cdPw99x", "Pw?x=1abcd", "Pa@ss-w0rd-xx", "Sp ace-Pw99"])
def test_a_password_the_url_cannot_hold_as_written_is_refused_without_a_fragment_of_it(
    agent: Agent, password: str
) -> None:
    """libpq would read it as a host, a port or a database (and say so): refused before anything reads it."""
    for url in (f"postgresql://agent:{password}@127.0.0.1:1/cicd", f"mysql://agent:{password}@db/x"):
        result = agent("-vv", "--state-url", url, "status")
        line = _one_line(result, "--state-url")
        fragments = [part for part in re.split(r"[/#?@ ]", password) if len(part) > 2]
        assert not any(part in result.out + result.err for part in fragments), line
    assert "percent-encode" in line


def test_not_a_postgresql_url(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CICD_AGENT_STATE_URL", f"mysql://agent:{postgres.PASSWORD}@db/x")
    _one_line(agent("status"), "$CICD_AGENT_STATE_URL", "is not a PostgreSQL URL", "postgresql://")


def test_a_read_of_an_empty_database_creates_nothing(agent: Agent, postgres_url: str) -> None:
    read = agent("--state-url", postgres_url, "status")
    assert read.code == 0 and "no state yet" in read.err and postgres.PASSWORD not in read.err + read.out
    server = PostgresBackend(postgres_url)
    assert server.tables() == []
    server.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_schema_written_by_a_newer_release_is_refused_and_left_as_it_was(
    agent: Agent, backend: str, request: pytest.FixtureRequest
) -> None:
    if backend == "postgresql":
        url = request.getfixturevalue("postgres_url")
        store = Store(PostgresBackend(url))
        args = ["--state-url", url]
    else:
        Path(".cicd-agent").mkdir()
        store, args = Store(Path(".cicd-agent") / "state.db"), []
    store.sql.insert("_migrations", {"name": "0042_from_the_future", "applied_at": "later"})
    store.set_meta("paused", '{"reason": "kept"}')
    for command in (["status"], ["pause", "--reason", "x"], ["--dry-run", "resume"], ["history"], ["breaker", "list"]):
        line = _one_line(agent(*args, *command), "written by a newer cicd-agent (schema 42", "upgrade")
        assert ("--state-url" if backend == "postgresql" else "--state-dir") in line
    assert store.get_meta("paused") == '{"reason": "kept"}'
    assert store.schema_version() == sorted([*(name for name, _ in MIGRATIONS), "0042_from_the_future"])
    store.close()


def test_status_shows_what_the_fleet_spent_of_its_budget(loop: Loop, postgres_url: str) -> None:
    loop.setup("unfixable")
    assert loop.agent("--state-url", postgres_url, "run").code == 0
    status = loop.agent("--state-url", postgres_url, "status", "--json").json()
    budget = {b["name"]: b for b in status["budget"]}
    assert set(budget) == {"points", "creations_minute", "creations_hour", "primary"}
    assert budget["points"]["spent"] >= 5  # reads of the cycle, and its report (a write: 5 points)
    assert budget["creations_minute"]["spent"] >= 1 and budget["points"]["limit"] == 60000  # the tests' [budget]
    assert status["hosts"] == []  # the one-shot run left when it ended
    text = loop.agent("--state-url", postgres_url, "status").out
    assert "budget points:" in text and "of 60000 a minute spent" in text


def test_status_with_no_state_yet_names_the_database_it_was_pointed_at(
    agent: Agent, postgres_server: postgres.Server
) -> None:
    status = agent("--state-url", postgres_server.schema(), "status", "--json")
    assert status.code == 0 and status.json()["state_db"].startswith("postgresql://***@127.0.0.1")
    assert postgres.PASSWORD not in status.out + status.err and not Path(".cicd-agent").exists()
