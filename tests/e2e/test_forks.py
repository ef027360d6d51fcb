"""A fork's pull request whose head branch is named `main` fails: its run is never keyed, fixed, re-run or
reported as the base repository's `main`, by polling, by a webhook delivery or in the Action; by default it is
skipped on the record, and with `[policy] fork_failures = "comment"` it is explained on the fork's own pull
request and nowhere else."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from harness import Loop

from cicd_agent.config.parse import parse_config
from cicd_agent.github.values import run_from_json
from cicd_agent.modes.webhook import Delivery, Kind, route
from cicd_agent.remediation.discovery import Fleet
from cicd_agent.remediation.forks import skip_reason
from cicd_agent.store import Store

REPO = "demo/failing-test"  # the "unfixable" scenario: its main fails


def _forked(loop: Loop, *, pull: bool = True, extra: str = "") -> tuple[int, int | None]:
    """The scenario's failed run made a run of stranger/app's pull request from a branch named main."""
    loop.setup("unfixable", extra=extra)
    run = next(r for r in loop.sandbox.repo(REPO).runs if r.conclusion == "failure")
    return run.id, loop.sandbox.from_fork(REPO, run.id, "stranger/app", "main", pull=pull)


def _nothing_written_as_main(loop: Loop, state: Path = Path(".cicd-agent")) -> None:
    issues = [i for i in loop.api("GET", f"/repos/{REPO}/issues?state=all") if "pull_request" not in i]
    assert issues == [] and [p for p in loop.pulls(REPO) if p["head"]["ref"].startswith("cicd-agent/")] == []
    store = Store(state / "state.db")
    try:
        assert store.remediations() == [] and all(b.key.branch != "main" for b in store.breakers())
    finally:
        store.close()


def test_a_polled_fork_run_named_main_is_skipped_on_the_record(loop: Loop) -> None:
    run_id, pull = _forked(loop)
    (decision,) = loop.cycle()["decisions"]
    assert decision["decision"] == "fork_skipped" and decision["branch"] == "stranger/app:main"
    assert "policy.fork_failures" in decision["reason"] and decision["run_id"] == run_id
    _nothing_written_as_main(loop)
    assert loop.api("GET", f"/repos/{REPO}/issues/{pull}/comments") == []
    assert loop.decisions() == []  # handled once


def test_with_comments_on_it_explains_the_failure_on_the_forks_pull_request_only(loop: Loop) -> None:
    _, pull = _forked(loop, extra='fork_failures = "comment"\n')
    (decision,) = loop.cycle()["decisions"]
    assert decision["decision"] == "reported" and f"pull request #{pull}" in decision["reason"]
    assert decision["branch"] == "stranger/app:main"
    (comment,) = loop.api("GET", f"/repos/{REPO}/issues/{pull}/comments")
    assert "stranger/app:main" in comment["body"] and "AssertionError" in comment["body"]
    _nothing_written_as_main(loop)


def test_with_comments_on_and_no_pull_request_open_nothing_is_written(loop: Loop) -> None:
    _forked(loop, pull=False, extra='fork_failures = "comment"\n')
    (decision,) = loop.cycle()["decisions"]
    assert (
        decision["decision"] == "fork_skipped" and "no open pull request from stranger/app:main" in decision["reason"]
    )
    _nothing_written_as_main(loop)


def test_the_action_skips_a_fork_run_it_was_triggered_by(loop: Loop, tmp_path: Path) -> None:
    run_id, _ = _forked(loop)
    event = tmp_path / "event.json"
    payload = {
        "action": "completed",
        "workflow_run": loop.api("GET", f"/repos/{REPO}/actions/runs/{run_id}"),
        "repository": loop.api("GET", f"/repos/{REPO}"),
    }
    event.write_text(json.dumps(payload))
    outputs = tmp_path / "outputs"
    os.environ["GITHUB_OUTPUT"] = str(outputs)
    try:
        result = loop.agent("--state-dir", str(tmp_path / "runner"), "run", "--event", str(event), "--json")
    finally:
        del os.environ["GITHUB_OUTPUT"]
    assert result.code == 0, result.err
    assert [d["decision"] for d in result.json()["decisions"]] == ["fork_skipped"]
    assert "fork_skipped" in outputs.read_text()
    _nothing_written_as_main(loop, tmp_path / "runner")


def _fork_run(**extra: Any) -> dict[str, Any]:
    return {
        "id": 9,
        "head_branch": "main",
        "head_sha": "b" * 40,
        "status": "completed",
        "conclusion": "failure",
        "head_repository": {"full_name": "stranger/app"},
        **extra,
    }


def test_a_delivered_fork_run_is_routed_as_the_forks_never_as_main() -> None:
    fleet = Fleet(parse_config('[[repos]]\nname = "octo/app"\nbranches = ["main"]\n')[0])
    payload = {"action": "completed", "repository": {"full_name": "octo/app"}, "workflow_run": _fork_run()}
    routed = route(fleet, Delivery("d", "workflow_run", payload))
    assert routed.kind is Kind.FAILURE and routed.run is not None
    assert (routed.run.branch, routed.run.fork, routed.run.key("s").branch) == (
        "stranger/app:main",
        True,
        "stranger/app:main",
    )
    fix_named = {**payload, "workflow_run": _fork_run(head_branch="cicd-agent/fix/abc/main")}
    assert route(fleet, Delivery("d", "workflow_run", fix_named)).kind is Kind.IGNORED  # not the agent's fix run


def test_a_fork_is_told_from_the_repository_itself() -> None:
    own = run_from_json("Octo/App", _fork_run(head_repository={"full_name": "octo/app"}))
    assert (own.branch, own.fork, own.head_repo) == ("main", False, "")
    fork = run_from_json("octo/app", _fork_run())
    assert (fork.branch, fork.head_branch, fork.head_repo) == ("stranger/app:main", "main", "stranger/app")
    assert "policy.fork_failures" in (skip_reason(fork, "skip", paused=False) or "")
    assert skip_reason(fork, "comment", paused=False) is None
    assert "paused" in (skip_reason(fork, "comment", paused=True) or "")
