from __future__ import annotations

from pathlib import Path

import pytest
from harness import Agent


def test_init_writes_a_config_that_checks_clean(agent: Agent) -> None:
    assert agent("init").code == 0
    assert Path("cicd-agent.toml").exists()
    result = agent("config", "check")
    assert result.code == 0, result.err
    assert "OK" in result.out


def test_init_refuses_to_overwrite(agent: Agent) -> None:
    Path("cicd-agent.toml").write_text("# mine\n")
    result = agent("init")
    assert result.code == 1
    assert "already exists" in result.err and "--force" in result.err
    assert Path("cicd-agent.toml").read_text() == "# mine\n"


def test_init_dry_run_writes_nothing(agent: Agent) -> None:
    result = agent("--dry-run", "init")
    assert result.code == 0
    assert not Path("cicd-agent.toml").exists()
    assert "[DRY-RUN] file.write cicd-agent.toml" in result.err and result.out == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[policy]\nmax_filez = 1\n", "line 2, policy.max_filez: unknown key"),
        ('[breaker]\nfailure_threshold = "3"\n', "line 2, breaker.failure_threshold: expected an integer"),
        ("[policy\n", "line 1, (syntax): invalid TOML"),
    ],
)
def test_bad_config_is_one_clear_line_and_exit_1(agent: Agent, text: str, expected: str) -> None:
    Path("cicd-agent.toml").write_text(text)
    result = agent("config", "check")
    assert result.code == 1
    assert expected in result.err and result.err.count(expected) == 1  # each problem once
    assert "Traceback" not in result.err + result.out


def test_missing_config_file(agent: Agent) -> None:
    result = agent("--config", "nope.toml", "config", "check")
    assert result.code == 1
    assert "nope.toml not found" in result.err and "agent init" in result.err


def test_config_check_json_lists_problems(agent: Agent) -> None:
    Path("c.toml").write_text("[policy]\nmax_files = -1\nzzz = 2\n")
    result = agent("--json", "--config", "c.toml", "config", "check")
    assert result.code == 1
    data = result.json()
    assert data["valid"] is False
    assert [(p["key"], p["line"]) for p in data["problems"]] == [("policy.max_files", 2), ("policy.zzz", 3)]


def test_config_env_var_names_the_file(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    Path("elsewhere.toml").write_text("[policy]\nmax_files = 2\n")
    monkeypatch.setenv("CICD_AGENT_CONFIG", "elsewhere.toml")
    result = agent("config", "check")
    assert result.code == 0
    assert "elsewhere.toml: OK" in result.out


def test_config_check_warns_when_no_token_is_set(agent: Agent, monkeypatch: pytest.MonkeyPatch) -> None:
    assert agent("init").code == 0
    result = agent("config", "check")
    assert result.code == 0 and "OK" in result.out
    assert result.err.count("no token: reading anonymously (60 requests/hour), writes will fail") == 1
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_" + "x" * 36)
    assert "no token" not in agent("config", "check").err
