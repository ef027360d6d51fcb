"""The GitHub Action mode: exactly the run in a `workflow_run` event is handled, with the state rebuilt from
GitHub (the runner's disk is thrown away), and the results go to step outputs, the job summary and
annotations; strangers' text is escaped for each (`cicd_agent.text`) and log text wrapped so it cannot issue
workflow commands."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cicd_agent.config import REPO_NAME
from cicd_agent.errors import AgentError
from cicd_agent.github import WorkflowRun, run_from_json
from cicd_agent.model import Decided, HealthCheck, RemState, is_fix_branch
from cicd_agent.modes.action_state import hydrate
from cicd_agent.remediation.check import judge
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.decide import handle_failure
from cicd_agent.remediation.escalate import announce_openings
from cicd_agent.remediation.poll import branch_watched
from cicd_agent.text import code_span, command_data, command_property, fenced, inline, prose
from cicd_agent.text import stop_commands as stop_commands

WORKFLOW_TOKEN_WARNING = (
    "the token is the workflow's own GITHUB_TOKEN: pull requests it opens start no workflows, so the fix's CI "
    "never runs (health checks end inconclusive), and it cannot change .github/workflows/. Use a GitHub App "
    "installation token or a personal token with the `workflow` scope."
)


@dataclass
class ActionResult:
    report: Report
    run: WorkflowRun
    outputs: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def read_event(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgentError(f"event file {path} not found", fix="pass $GITHUB_EVENT_PATH, or a saved payload") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise AgentError(f"cannot read the event payload {path}: {exc}") from None
    if not isinstance(data, dict):
        raise AgentError(f"the event payload {path} is not a JSON object")
    return data


def run_action(
    p: Ports,
    payload: dict[str, Any],
    *,
    state_from_github: bool,
    token: str | None,
    warnings: list[str] | None = None,
) -> ActionResult:
    """Handle the event's run; with `state_from_github`, first rebuild the state from the agent's labelled PRs
    and issues. Writes the step outputs and the job summary (with `warnings` first) when the runner provides
    their files."""
    warnings = list(warnings or [])
    if token and token == os.environ.get("CICD_AGENT_WORKFLOW_TOKEN"):
        warnings.append(WORKFLOW_TOKEN_WARNING)
    run, default_branch = event_run(payload)
    if state_from_github:
        hydrate(p, run.repo)
    report = Report()
    handle_event(p, run, default_branch, report)
    announce_openings(p, report)
    result = ActionResult(report, run, outputs(report, run.id), warnings)
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(Path(os.environ["GITHUB_OUTPUT"]), result.outputs)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with Path(os.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
            handle.write(summary(report, run.id, warnings))
    return result


def event_run(payload: dict[str, Any]) -> tuple[WorkflowRun, str]:
    """The event's run and its repository's default branch; anything else is a clear error, checked before
    anything is asked of GitHub."""
    run_data, repo_data = payload.get("workflow_run"), payload.get("repository")
    if not isinstance(run_data, dict) or not isinstance(repo_data, dict) or "full_name" not in repo_data:
        raise AgentError(
            "the event is not a workflow_run event (no workflow_run/repository in it)",
            fix="trigger the agent with `on: workflow_run`, or pass a saved workflow_run payload",
        )
    fix = "pass the workflow_run event GitHub sent ($GITHUB_EVENT_PATH) unchanged"
    name, default = repo_data.get("full_name"), repo_data.get("default_branch") or "main"
    if not isinstance(name, str) or not REPO_NAME.fullmatch(name):
        raise AgentError(f"the event's repository.full_name is not OWNER/NAME: {name!r}"[:200], fix=fix)
    if not isinstance(default, str):
        raise AgentError("the event's repository.default_branch is not a string", fix=fix)
    try:
        return run_from_json(name, run_data), default
    except ValueError as exc:
        raise AgentError(f"the event's workflow_run is malformed: {exc}", fix=fix) from None


def handle_event(p: Ports, run: WorkflowRun, default_branch: str, report: Report) -> None:
    """Exactly the run in a `workflow_run` event: a failure on a watched branch is handled; a completed run
    on the agent's own fix branch decides that fix's health (the Action mode's health check)."""
    if run.status != "completed":
        return
    if is_fix_branch(run.branch):
        for rem in p.store.remediations(repo=run.repo, states=(RemState.PR_OPEN,)):
            if rem.fix_branch == run.branch:
                check = p.store.health_check(rem.id) or HealthCheck(rem.id, p.now(), p.now() + p.config.health.max_wait)
                judge(p, report, rem, check)
        return
    configured = any(r.name.lower() == run.repo.lower() for r in p.config.repos)
    # without a config for this repository, the Action watches its default branch
    patterns = p.config.repo(run.repo).branches if configured else [default_branch]
    watched = branch_watched(patterns, run.branch)
    if run.conclusion == "failure" and watched and not handle_failure(p, run, report):
        record(p, report, run.ref, Decided.DUPLICATE, "this run was already handled (found on GitHub)")


def outputs(report: Report, run_id: int) -> dict[str, str]:
    """signature, category, decision, pr-url of the event's run ("" where there is none)."""
    mine = [d for d in report.decisions if d.run_id == run_id]
    last = mine[-1] if mine else None
    detail = last.detail if last else {}
    explained = report.explained.get(run_id)
    return {
        "signature": str((last.signature if last else "") or (explained.analysis.signature if explained else "")),
        "category": str(detail.get("category") or (explained.analysis.category if explained else "")),
        "decision": str(last.decision if last else "none"),
        "pr-url": str(detail.get("pr") or detail.get("issue") or ""),
    }


def write_outputs(path: Path, values: dict[str, str]) -> None:
    """`$GITHUB_OUTPUT` entries; a random delimiter so no value can end one early or add another."""
    with path.open("a", encoding="utf-8") as handle:
        for name, value in values.items():
            delimiter = f"EOF_{secrets.token_hex(8)}"
            handle.write(f"{name}<<{delimiter}\n{value}\n{delimiter}\n")


def summary(report: Report, run_id: int, warnings: list[str]) -> str:
    """The job summary (Markdown): every value from a log, a name or a reason goes through `cicd_agent.text`."""
    values = outputs(report, run_id)
    lines = ["## cicd-agent", ""]
    lines += [f"> **Warning:** {prose(w)}" for w in warnings]
    lines += ["", "| | |", "|---|---|"]
    for name in ("decision", "category", "signature", "pr-url"):
        cell = code_span(values[name] or "-").replace("|", "\\|")  # GFM: a pipe ends a cell even in code
        lines.append(f"| {name} | {cell} |")
    for d in report.decisions:
        lines.append(f"\n- {inline(str(d.decision))}: {prose(d.reason)}")
    explained = report.explained.get(run_id)
    if explained is not None and explained.analysis.excerpt:
        step = code_span(explained.analysis.failing_step or "?")
        lines += ["", f"### Error excerpt (failing step: {step})", ""]
        lines.append(fenced("\n".join(f"{e.line:>6} | {e.text}" for e in explained.analysis.excerpt)))
    for error in report.errors:
        lines.append(f"\n**Error:** {prose(error)}")
    return "\n".join(lines) + "\n"


def annotation(level: str, text: str) -> str:
    """A workflow command the agent means (`::notice ...::`), its text escaped so it stays one command."""
    return f"::{level} title={command_property('cicd-agent')}::{command_data(text)}"


@contextlib.contextmanager
def commands_stopped(enabled: bool) -> Iterator[None]:
    """While the agent runs on a runner, everything it prints (log text among it) is data: the runner
    ignores workflow commands between `::stop-commands::<token>` and `::<token>::` (on stderr, where every
    message for people goes, so they stay in order; with --json, stdout holds one indented JSON document,
    whose lines cannot start a command)."""
    if not enabled:
        yield
        return
    token = secrets.token_hex(16)
    print(f"::stop-commands::{token}", file=sys.stderr, flush=True)  # stderr: where people's output goes
    try:
        yield
    finally:
        print(f"::{token}::", file=sys.stderr, flush=True)
