"""The GitHub Action entry point (`agent run --event`) with real workflow_run payloads from the sandbox.

Every invocation gets a fresh, empty state directory, as an Actions runner would: whatever the agent
knows across runs it reads back from GitHub."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from harness import FLAILING, Loop

from cicd_agent.sandbox.model import iso


def _sweep(loop: Loop, repo: str) -> dict[str, Any]:
    """A scheduled run of the Action (`on: schedule`): a whole cycle over the repository."""
    work = Path(os.urandom(4).hex())
    work.mkdir()
    event = work / "event.json"
    event.write_text(json.dumps({"schedule": "*/30 * * * *", "repository": loop.api("GET", f"/repos/{repo}")}))
    result = loop.agent("run", "--event", str(event), "--json")
    assert result.code == 0, result.err
    data: dict[str, Any] = result.json()
    return data


def _payload(loop: Loop, run_id: int) -> dict[str, Any]:
    repo = loop.sandbox.repo(next(iter(loop.sandbox.repos.values())).full_name)
    run = loop.api("GET", f"/repos/{repo.full_name}/actions/runs/{run_id}")
    return {
        "action": "completed",
        "workflow_run": run,
        "repository": loop.api("GET", f"/repos/{repo.full_name}"),
        "sender": {"login": "octocat"},
    }


def _event(loop: Loop, tmp_path: Path, run_id: int, *extra: str) -> dict[str, Any]:
    """One Action step: fresh runner files, the real CLI, returns its outputs and summary."""
    work = Path(os.urandom(4).hex())
    work.mkdir()
    event, outputs, summary = work / "event.json", work / "outputs", work / "summary.md"
    event.write_text(json.dumps(_payload(loop, run_id)))
    os.environ.update(GITHUB_OUTPUT=str(outputs), GITHUB_STEP_SUMMARY=str(summary))
    try:
        result = loop.agent(*extra, "run", "--event", str(event), "--json")
    finally:
        del os.environ["GITHUB_OUTPUT"], os.environ["GITHUB_STEP_SUMMARY"]
    assert result.code == 0, result.err
    values = {}
    lines = outputs.read_text().splitlines() if outputs.exists() else []
    for index, line in enumerate(lines):
        if "<<" in line:
            name, delimiter = line.split("<<", 1)
            end = lines.index(delimiter, index + 1)
            values[name] = "\n".join(lines[index + 1 : end])
    return {"json": result.json(), "outputs": values, "summary": summary.read_text() if summary.exists() else ""}


def _fix_branch_run(loop: Loop, repo: str) -> int:
    return next(
        r.id for r in loop.sandbox.repo(repo).runs if r.branch.startswith("cicd-agent/fix/") and r.status == "completed"
    )


def test_a_failure_event_opens_one_pr_and_the_fix_branch_event_checks_it(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    Path("cicd-agent.toml").unlink()  # the Action works without a config file
    failed = loop.sandbox.repo("demo/format-check").runs[0].id
    step = _event(loop, tmp_path, failed)
    out = step["outputs"]
    assert out["decision"] == "fix_opened" and out["category"] == "format.check" and len(out["signature"]) == 64
    assert out["pr-url"].endswith("/demo/format-check/pull/1")
    assert "## cicd-agent" in step["summary"] and "would be reformatted" in step["summary"]
    assert "| decision | `fix_opened` |" in step["summary"]
    assert "no cicd-agent.toml on the default branch: using the defaults" in step["summary"]
    again = _event(loop, tmp_path, failed)  # the same event delivered twice: known from GitHub, no new PR
    assert again["outputs"]["decision"] == "duplicate"
    assert len(loop.pulls("demo/format-check")) == 1
    loop.sandbox.settle()  # the fix branch's CI runs, and its workflow_run completes
    health = _event(loop, tmp_path, _fix_branch_run(loop, "demo/format-check"))
    assert health["json"]["decisions"][-1]["decision"] == "healthy"
    assert health["outputs"]["decision"] == "healthy" and health["outputs"]["pr-url"] == out["pr-url"]
    labels = [label["name"] for label in loop.pulls("demo/format-check")[0]["labels"]]
    assert "cicd-agent:healthy" in labels


def test_breaker_state_lives_in_github(loop: Loop, tmp_path: Path) -> None:
    """Each Action run starts from nothing, yet the failed fixes add up to the threshold (two here)."""
    loop.setup("bad-fix", extra=FLAILING)  # each fix a different one, each failing
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text() + "\n[breaker]\nfailure_threshold = 2\n")
    repo = loop.sandbox.repo("demo/bad-fix")
    for _ in range(2):
        run = repo.runs[0]
        assert _event(loop, tmp_path, run.id)["outputs"]["decision"] == "fix_opened"
        loop.sandbox.settle()
        fix_run = max(r.id for r in repo.runs if r.branch.startswith("cicd-agent/fix/"))
        assert "rolled_back" in [d["decision"] for d in _event(loop, tmp_path, fix_run)["json"]["decisions"]]
        loop.sandbox.rerun(repo, run, failed_only=True)  # the failure happens again
        loop.sandbox.settle()
    blocked = _event(loop, tmp_path, repo.runs[0].id)
    assert blocked["outputs"]["decision"] == "blocked_by_breaker"
    (announced,) = [i for i in repo.items.values() if not i.is_pull]  # one issue, not one per Action run
    assert announced.title.startswith("cicd-agent stopped trying") and not announced.comments
    last = max(i.number for i in repo.items.values() if i.is_pull)
    loop.api("POST", f"/repos/demo/bad-fix/issues/{last}/labels", {"labels": ["cicd-agent:breaker-reset"]})
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"


def test_the_reset_label_on_the_breaker_issue_resets_it(loop: Loop, tmp_path: Path) -> None:
    loop.setup("bad-fix", extra=FLAILING)  # each fix a different one, each failing
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text() + "\n[breaker]\nfailure_threshold = 1\n")
    repo = loop.sandbox.repo("demo/bad-fix")
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    fix_run = max(r.id for r in repo.runs if r.branch.startswith("cicd-agent/fix/"))
    judged = [d["decision"] for d in _event(loop, tmp_path, fix_run)["json"]["decisions"]]
    assert judged == ["rolled_back", "escalated"]
    (issue,) = [i for i in repo.items.values() if not i.is_pull]
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "blocked_by_breaker"
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api(
        "POST",
        f"/repos/demo/bad-fix/issues/{issue.number}/labels",
        {"labels": ["cicd-agent:breaker-reset"]},
        token=person,
    )
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()  # the second fix fails too: the breaker opens again, told in a new issue
    fix_run = max(r.id for r in repo.runs if r.branch.startswith("cicd-agent/fix/"))
    assert "escalated" in [d["decision"] for d in _event(loop, tmp_path, fix_run)["json"]["decisions"]]
    assert len([i for i in repo.items.values() if not i.is_pull]) == 2


def test_a_pull_request_a_person_closed_after_it_went_healthy_is_a_rejection(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    repo = loop.sandbox.repo("demo/format-check")
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    judged = _event(loop, tmp_path, _fix_branch_run(loop, "demo/format-check"))["json"]["decisions"]
    assert judged[-1]["decision"] == "healthy"
    (pull,) = loop.pulls("demo/format-check")
    person = loop.sandbox.add_person("maintainer", "write")
    loop.api("PATCH", f"/repos/demo/format-check/pulls/{pull['number']}", {"state": "closed"}, token=person)
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)  # the failure happens again
    loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "blocked_by_breaker"
    assert len(loop.pulls("demo/format-check")) == 1


def test_the_workflow_token_is_named_as_a_problem(loop: Loop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("unfixable")
    monkeypatch.setenv("CICD_AGENT_WORKFLOW_TOKEN", loop.sandbox.token)
    step = _event(loop, tmp_path, loop.sandbox.repo("demo/failing-test").runs[0].id)
    assert "wait for a person's approval" in step["summary"]
    assert step["json"]["warnings"] and step["outputs"]["decision"] == "reported"


def test_two_concurrent_action_runs_make_one_pr(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(_payload(loop, loop.sandbox.repo("demo/format-check").runs[0].id)))
    procs = []
    for n in range(2):
        state = tmp_path / f"runner-{n}"
        procs.append(
            subprocess.Popen(
                [sys.executable, "-m", "cicd_agent", "--state-dir", str(state), "run", "--event", str(event), "--json"],
                env=os.environ.copy(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    results = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [r[1] for r in results]
    decisions = sorted(json.loads(out)["decisions"][-1]["decision"] for out, _ in results)
    assert decisions[0] in ("duplicate", "fix_opened") and decisions[1] == "fix_opened"
    assert len(loop.pulls("demo/format-check")) == 1


def test_not_a_workflow_run_event(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    bad = tmp_path / "push.json"
    bad.write_text(json.dumps({"ref": "refs/heads/main", "repository": {"full_name": "demo/format-check"}}))
    result = loop.agent("run", "--event", str(bad))
    assert result.code == 1 and "not a workflow_run event" in result.err
    missing = loop.agent("run", "--event", str(tmp_path / "nope.json"))
    assert missing.code == 1 and "not found" in missing.err


def test_action_output_helpers_resist_injection() -> None:
    from cicd_agent.modes.action import annotation, stop_commands, write_outputs

    assert (
        annotation("notice", "50% done\n::set-env name=X::1")
        == "::notice title=cicd-agent::50%25 done%0A::set-env name=X::1"
    )
    wrapped = stop_commands("::add-mask::secret")
    first, body, last = wrapped.split("\n")
    token = first.removeprefix("::stop-commands::")
    assert len(token) == 32 and body == "::add-mask::secret" and last == f"::{token}::"
    path = Path("out.txt")
    write_outputs(path, {"decision": "x\nEOF\nother=1"})
    lines = path.read_text().splitlines()
    assert lines[0].startswith("decision<<EOF_") and lines[-1] == lines[0].split("<<")[1]


def test_without_a_config_the_default_branch_is_watched(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    Path("cicd-agent.toml").unlink()
    repo = loop.sandbox.repo("demo/format-check")
    repo.bare.update_branch("feature", repo.bare.branches()["main"])
    loop.sandbox.settle()
    feature_run = next(r.id for r in repo.runs if r.branch == "feature")
    assert _event(loop, tmp_path, feature_run)["outputs"]["decision"] == "none"  # not the default branch
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"


def test_a_recurring_report_is_known_from_its_comments(loop: Loop, tmp_path: Path) -> None:
    loop.setup("unfixable")
    repo = loop.sandbox.repo("demo/failing-test")
    run = repo.runs[0]
    assert _event(loop, tmp_path, run.id)["outputs"]["decision"] == "reported"
    loop.sandbox.rerun(repo, run, failed_only=True)
    loop.sandbox.settle()
    assert _event(loop, tmp_path, run.id)["outputs"]["decision"] == "reported"  # attempt 2: a comment
    assert _event(loop, tmp_path, run.id)["outputs"]["decision"] == "duplicate"  # attempt 2 delivered again
    (issue,) = [i for i in repo.items.values() if not i.is_pull]
    assert len(issue.comments) == 1


def _rollback_round(loop: Loop, tmp_path: Path, repo_name: str) -> None:
    """The failure (again): a fix PR, its CI fails, its own workflow_run event rolls it back."""
    repo = loop.sandbox.repo(repo_name)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    loop.sandbox.settle()
    fix_run = max(r.id for r in repo.runs if r.branch.startswith("cicd-agent/fix/"))
    assert "rolled_back" in [d["decision"] for d in _event(loop, tmp_path, fix_run)["json"]["decisions"]]


def test_an_open_breaker_lets_one_trial_through_after_reset_after(loop: Loop, tmp_path: Path) -> None:
    """The breaker is rebuilt with the times GitHub gives (when each fix was rolled back), so it half-opens after
    `reset_after` as a long-lived store would."""
    loop.setup("bad-fix", extra=FLAILING)  # each fix a different one, each failing
    settings = '[breaker]\nreset_after = "1h"\nfailure_threshold = 2\n'
    Path("cicd-agent.toml").write_text(Path("cicd-agent.toml").read_text() + settings)
    repo = loop.sandbox.repo("demo/bad-fix")
    for _ in range(2):
        _rollback_round(loop, tmp_path, "demo/bad-fix")
        loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)  # the failure happens again
        loop.sandbox.settle()
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "blocked_by_breaker"
    for pull in (i for i in repo.items.values() if i.is_pull):  # two hours pass
        assert pull.closed_at is not None
        pull.created_at, pull.closed_at = _earlier(pull.created_at), _earlier(pull.closed_at)
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"  # the half-open trial


def _earlier(when: str, hours: float = 2) -> str:
    return iso(datetime.fromisoformat(when.replace("Z", "+00:00")).timestamp() - hours * 3600)


def test_only_pull_requests_of_the_last_hour_count_against_the_hourly_limit(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    loop.edit_config("max_new_prs_per_hour = 50", "max_new_prs_per_hour = 1")
    repo = loop.sandbox.repo("demo/format-check")
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    release = loop.fail_on("demo/format-check", "release")  # the same failure on a second branch
    assert _event(loop, tmp_path, release)["outputs"]["decision"] == "deferred"  # one PR in the last hour
    (pull,) = [i for i in repo.items.values() if i.is_pull]
    pull.created_at = _earlier(pull.created_at)  # two hours pass
    assert _event(loop, tmp_path, release)["outputs"]["decision"] == "fix_opened"


def test_a_deferred_failure_gets_its_next_chance_from_a_scheduled_run(loop: Loop, tmp_path: Path) -> None:
    loop.setup("format")
    loop.edit_config("max_open_prs = 20", "max_open_prs = 1")
    repo = loop.sandbox.repo("demo/format-check")
    assert _event(loop, tmp_path, repo.runs[0].id)["outputs"]["decision"] == "fix_opened"
    release = loop.fail_on("demo/format-check", "release")  # also runs the first fix's CI
    assert _event(loop, tmp_path, release)["outputs"]["decision"] == "deferred"  # one agent PR is open
    swept = _sweep(loop, "demo/format-check")  # judges the open fix (healthy), then handles what waits
    decisions = [(d["branch"], d["decision"]) for d in swept["decisions"]]
    assert decisions == [("main", "healthy"), ("release", "fix_opened")]
    assert swept["outputs"]["decision"] == "fix_opened"
    assert len(loop.pulls("demo/format-check")) == 2
    assert [d["decision"] for d in _sweep(loop, "demo/format-check")["decisions"]] == []  # nothing twice


def test_the_repository_variable_pauses_the_action(loop: Loop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    loop.setup("format")
    monkeypatch.setenv("CICD_AGENT_PAUSE", "release freeze until Monday")
    step = _event(loop, tmp_path, loop.sandbox.repo("demo/format-check").runs[0].id)
    assert step["outputs"]["decision"] == "paused" and loop.pulls("demo/format-check") == []
    summary = step["summary"].replace("\\", "")  # the summary escapes Markdown (`CICD\_AGENT\_PAUSE`)
    assert "paused by the repository variable CICD_AGENT_PAUSE: release freeze until Monday" in summary
    monkeypatch.delenv("CICD_AGENT_PAUSE")
    repo = loop.sandbox.repo("demo/format-check")
    loop.sandbox.rerun(repo, repo.runs[0], failed_only=True)  # the failure happens again
    loop.sandbox.settle()
    again = _event(loop, tmp_path, loop.sandbox.repo("demo/format-check").runs[0].id)
    assert again["outputs"]["decision"] == "fix_opened"


def test_on_a_runner_the_agents_own_output_cannot_issue_workflow_commands(
    loop: Loop, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    loop.setup("unfixable")
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    event = tmp_path / "event.json"
    event.write_text(json.dumps(_payload(loop, loop.sandbox.repo("demo/failing-test").runs[0].id)))
    result = loop.agent("run", "--event", str(event))
    assert result.code == 0, result.err
    lines = result.err.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("::stop-commands::"))
    token = lines[start].split("::")[2]
    end = lines.index(f"::{token}::")
    assert any("reported" in line for line in lines[start:end])  # the decisions are inside the block
    assert all(line.startswith("::") and "title=cicd-agent" in line for line in lines[end + 1 :])  # annotations
