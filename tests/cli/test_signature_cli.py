"""`agent signature` on real and bad inputs; `agent explain` through the sandbox's API."""

from __future__ import annotations

from pathlib import Path

import pytest
from breakages import case
from harness import Agent

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios

CORPUS = Path(__file__).resolve().parents[1] / "analysis" / "corpus"


def _case(name: str, tmp_path: Path) -> tuple[Path, Path]:
    found = case(name)
    return found.fail, found.passed


def test_json_is_exactly_one_object(agent: Agent, tmp_path: Path) -> None:
    fail, passed = _case("jimfs_1890", tmp_path)
    result = agent("signature", str(fail), "--baseline", str(passed), "--json")
    assert result.code == 0
    data = result.json()
    assert set(data) == {
        *("failed", "signature", "template", "category", "tool", "failing_step", "lines", "excerpt", "summary"),
        *("exit_code", "failed_tests", "rate_limited", "retry_after"),
    }
    assert data["category"] == "compile.error"
    assert all(set(e) == {"line", "text"} and isinstance(e["line"], int) for e in data["excerpt"])
    assert 1668 in [e["line"] for e in data["excerpt"]]


def test_human_output_shows_line_numbers(agent: Agent, tmp_path: Path) -> None:
    fail, _ = _case("jimfs_1890", tmp_path)
    result = agent("signature", str(fail))
    assert result.code == 0
    assert "   1668 | [ERROR] " in result.out and "category" in result.out


def test_a_corpus_log_through_the_cli_is_the_library_analysis(agent: Agent) -> None:
    from cicd_agent.analysis import analyze

    log = CORPUS / "prettier-check.log"
    data = agent("signature", str(log), "--json").json()
    expected = analyze(log)
    assert (data["category"], data["tool"], data["signature"]) == ("format.check", "prettier", expected.signature)
    human = agent("-v", "signature", str(log))
    assert "Code style issues found in 2 files" in human.out and "tool: prettier" in human.out


def test_missing_file(agent: Agent) -> None:
    result = agent("signature", "nope.log")
    assert result.code == 1 and "log file nope.log not found" in result.err


def test_binary_file(agent: Agent, tmp_path: Path) -> None:
    path = tmp_path / "x.bin"
    path.write_bytes(b"\x7fELF\x00\x00\x01" * 100)
    result = agent("signature", str(path))
    assert result.code == 1 and "looks binary" in result.err


def test_empty_file_is_no_failure(agent: Agent, tmp_path: Path) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(b"")
    result = agent("signature", str(path), "--json")
    assert result.code == 0 and result.json()["category"] == "none"


def test_successful_run_says_so(agent: Agent, tmp_path: Path) -> None:
    _, passed = _case("jimfs_1890", tmp_path)
    result = agent("signature", str(passed))
    assert result.code == 0 and "no failure found" in result.out and "category none" in result.out


def test_fifty_megabyte_single_line(agent: Agent, tmp_path: Path) -> None:
    path = tmp_path / "one-line.log"
    with path.open("wb") as handle:
        for _ in range(50):
            handle.write(b"x" * (1024 * 1024))
        handle.write(b" error: at the very end\n")
    result = agent("signature", str(path), "--json")
    assert result.code == 0
    assert result.json()["excerpt"] == [] or result.json()["excerpt"][0]["line"] == 1


def test_explain_through_the_api_with_a_green_baseline(
    agent, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import git

    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    repo = sandbox.repo("demo/format-check")
    failed_run = repo.runs[0].id
    clone = git.Repo.clone_from(repo.clone_url, tmp_path / "c")
    (tmp_path / "c" / "app.py").write_text("def add(a, b):\n    return a + b\n")
    clone.index.add(["app.py"])
    clone.index.commit("format")
    clone.remote().push("HEAD:refs/heads/main")
    sandbox.settle()
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    result = agent("explain", "--repo", "demo/format-check", str(failed_run), "--json")
    assert result.code == 0, result.err
    data = result.json()
    assert data["category"] == "format.check"
    assert data["failing_step"] == "Check formatting"
    assert any("would be reformatted" in e["text"] for e in data["excerpt"])
    human = agent("explain", "--repo", "demo/format-check", str(failed_run))
    assert f"baseline run {repo.runs[1].id}" in human.out


def test_explain_a_run_whose_log_is_gone(agent: Agent, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    from cicd_agent.sandbox import Fault

    install_scenarios(sandbox, ["format"])
    sandbox.settle()
    sandbox.inject(Fault("GET", r"/actions/jobs/\d+/logs$", status=410, times=5))
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    result = agent(
        "explain", "--repo", "demo/format-check", str(sandbox.repo("demo/format-check").runs[0].id), "--json"
    )
    assert result.code == 0, result.err
    assert result.json()["failing_step"] == "Check formatting"
    assert "job log is unavailable: GitHub no longer has it" in result.json()["excerpt"][0]["text"]


def test_explain_unknown_run(agent: Agent, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    install_scenarios(sandbox, ["format"])
    monkeypatch.setenv("GITHUB_API_URL", sandbox.base_url)
    monkeypatch.setenv("GITHUB_TOKEN", sandbox.token)
    result = agent("explain", "--repo", "demo/format-check", "424242")
    assert result.code == 1 and "not found" in result.err and "Traceback" not in result.err
