"""The GitHub Action mode: exactly the run in a `workflow_run` event is handled, with the state rebuilt from
GitHub (the runner's disk is thrown away), and the results go to step outputs, the job summary and
annotations; strangers' text is escaped for each (`cicd_agent.text`) and log text wrapped so it cannot issue
workflow commands.

A `schedule` or `workflow_dispatch` event runs a whole cycle over the repository instead (recovery, health
checks, unfinished rollbacks, the failed runs of the polling window not already handled on GitHub): that is
how a failure deferred by the PR rate limits gets its next chance when its branch does not fail again. An
`issue_comment` (created) or `pull_request` (labeled) event looks at the one pull request it names: a draft
fix a person approved or rejected, or a rejected fix a `/cicd-agent retry` resumes (`approve.on_event`)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import secrets
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cicd_agent.config.settings import REPO_NAME, Config, RepoConfig
from cicd_agent.errors import AgentError
from cicd_agent.github.values import WorkflowRun, run_from_json
from cicd_agent.model import UNFINISHED_ROLLBACK, Decided, Handled, HealthCheck, RemState, RunRef, is_fix_branch
from cicd_agent.modes.action_state import hydrate
from cicd_agent.remediation import operations
from cicd_agent.remediation.approve import on_event
from cicd_agent.remediation.context import Ports, Report, record, record_for
from cicd_agent.remediation.cycle import run_cycle
from cicd_agent.remediation.decide import handle_failure
from cicd_agent.remediation.escalate import announce_openings
from cicd_agent.remediation.health_check import judge
from cicd_agent.remediation.held import unless_paused
from cicd_agent.remediation.poll import watched_failure
from cicd_agent.remediation.rollback import rollback
from cicd_agent.text import code_span, command_data, command_property, fenced, inline, load_json, prose
from cicd_agent.text import stop_commands as stop_commands

SWEEP_EVENTS = ("schedule", "workflow_dispatch")

WORKFLOW_TOKEN_WARNING = (
    "the token is the workflow's own GITHUB_TOKEN: the workflow runs of the pull requests it opens wait for a "
    "person's approval (`action_required`), so a fix's health check waits until someone approves them (and ends "
    "inconclusive after `health.max_wait`), and it cannot change .github/workflows/. Use a GitHub App installation "
    "token (`actions/create-github-app-token`) or a personal token with the `workflow` scope."
)


@dataclass
class ActionResult:
    report: Report
    outputs: dict[str, str]
    warnings: list[str] = field(default_factory=list)


def read_event(path: Path) -> dict[str, Any]:
    try:
        data = load_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AgentError(f"event file {path} not found", fix="pass $GITHUB_EVENT_PATH, or a saved payload") from None
    except (OSError, ValueError) as exc:  # JSONDecodeError, UnicodeDecodeError, too deep
        raise AgentError(f"cannot read the event payload {path}: {exc}", fix=FIX_EVENT) from None
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
    event_name: str = "",
) -> ActionResult:
    """Handle the event (its run, or a sweep of the repository for a scheduled run); with `state_from_github`,
    first rebuild the state from the agent's labelled PRs and issues. Writes the step outputs and the job summary
    (with `warnings` first) when the runner provides their files."""
    warnings = list(warnings or [])
    if token and token == os.environ.get("CICD_AGENT_WORKFLOW_TOKEN"):
        warnings.append(WORKFLOW_TOKEN_WARNING)
    sweep = event_name in SWEEP_EVENTS or "schedule" in payload
    said = None if sweep else said_on_pull(payload)
    run = None if sweep or said is not None else event_run(payload)
    repo, default_branch = event_repository(payload)
    p.config = watching(p.config, repo, default_branch)
    if state_from_github:
        hydrate(p, repo)
    report = Report()
    subject = None
    if said is not None:  # a person's label or comment: an approval, a rejection or a retry is acted on now
        on_event(p, report, repo, said)
    elif run is None:
        report = run_cycle(p, [repo])  # it announces the breakers it opened itself
    else:
        with unless_paused(p, report) as q:  # paused: every write held
            subject = handle_event(q, run, report)
            announce_openings(q, report)
    result = ActionResult(report, outputs(report, subject), warnings)
    pause = operations.paused(p.store)
    if pause is not None:  # what it would have done is in the summary; nothing of it was done
        result.outputs.update({"decision": str(Decided.PAUSED), "pr-url": ""})
        writes = operations.held(p.store)["writes"]
        listed = "; ".join(f"{w['kind']} {w['target']}" for w in writes[:5]) + ("; ..." if len(writes) > 5 else "")
        warnings.append(
            f"paused: {len(writes)} write(s) held{f' ({listed})' if writes else ''}; a run after the pause ends "
            "decides them again"
        )
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(Path(os.environ["GITHUB_OUTPUT"]), result.outputs)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with Path(os.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
            handle.write(summary(report, subject, warnings, result.outputs))
    return result


FIX_EVENT = "pass the event GitHub sent ($GITHUB_EVENT_PATH) unchanged"


def event_repository(payload: dict[str, Any]) -> tuple[str, str]:
    """The event's repository and its default branch; anything else is a clear error, checked before anything is
    asked of GitHub."""
    repo_data = payload.get("repository")
    if not isinstance(repo_data, dict) or "full_name" not in repo_data:
        raise AgentError(
            "the event has no repository (repository.full_name)",
            fix="trigger the agent with `on: workflow_run` (or `schedule` for a sweep), or pass a saved payload",
        )
    name, default = repo_data.get("full_name"), repo_data.get("default_branch") or "main"
    if not isinstance(name, str) or not REPO_NAME.fullmatch(name):
        raise AgentError(f"the event's repository.full_name is not OWNER/NAME: {name!r}"[:200], fix=FIX_EVENT)
    if not isinstance(default, str):
        raise AgentError("the event's repository.default_branch is not a string", fix=FIX_EVENT)
    return name, default


def said_on_pull(payload: dict[str, Any]) -> int | None:
    """The pull request a person's `issue_comment` (created) or pull request event (labeled, closed) names; None
    for any other event. Only its number is taken: what was said is read from GitHub, never from the payload."""
    item = payload.get("issue") if "comment" in payload else payload.get("pull_request")
    if not isinstance(item, dict) or payload.get("action") not in ("created", "labeled", "closed"):
        return None
    if "comment" in payload and "pull_request" not in item:
        return None  # a comment on an issue, not on a pull request
    number = item.get("number")
    if not isinstance(number, int) or isinstance(number, bool) or number <= 0:
        raise AgentError("the event's pull request number is not a positive integer", fix=FIX_EVENT)
    return number


def event_run(payload: dict[str, Any]) -> WorkflowRun:
    """The event's run; anything else is a clear error, checked before anything is asked of GitHub."""
    run_data, repo_data = payload.get("workflow_run"), payload.get("repository")
    if not isinstance(run_data, dict) or not isinstance(repo_data, dict) or "full_name" not in repo_data:
        raise AgentError(
            "the event is not a workflow_run event (no workflow_run/repository in it)",
            fix="trigger the agent with `on: workflow_run` (or `schedule` for a sweep), or pass a saved payload",
        )
    name, _ = event_repository(payload)
    try:
        return run_from_json(name, run_data)
    except ValueError as exc:
        raise AgentError(f"the event's workflow_run is malformed: {exc}", fix=FIX_EVENT) from None


def watching(config: Config, repo: str, default_branch: str) -> Config:
    """The config as the Action uses it: a repository no table (no name, no glob) covers is watched on its default
    branch."""
    if config.entry(repo) is not None:
        return config
    return dataclasses.replace(config, repos=[*config.repos, RepoConfig(name=repo, branches=[default_branch])])


def handle_event(p: Ports, run: WorkflowRun, report: Report) -> RunRef:
    """Exactly the run in a `workflow_run` event: a failure on a watched branch is handled; a completed run
    on the agent's own fix branch decides that fix's health (the Action mode's health check). Returns the run
    whose decisions answer the event (a fix's own failed run, for a health check)."""
    if run.status != "completed":
        return run.ref
    if is_fix_branch(run.branch):
        return check_fix(p, report, run)
    watched = watched_failure(p.config.repo(run.repo), run, p.config.policy.fork_failures)
    if watched and handle_failure(p, run, report) is Handled.DUPLICATE:
        record(p, report, run.ref, Decided.DUPLICATE, "this run was already handled (found on GitHub)")
    return run.ref


def check_fix(p: Ports, report: Report, run: WorkflowRun) -> RunRef:
    """A run of the agent's fix branch completed: judge that fix (or finish its rollback), and say what came of it
    even when its CI has no verdict yet (another of its workflows still runs)."""
    waiting = (RemState.PR_OPEN, *UNFINISHED_ROLLBACK)
    for rem in p.store.remediations(repo=run.repo, states=waiting):
        if rem.fix_branch != run.branch:
            continue
        before = len(report.decisions)
        if rem.state in UNFINISHED_ROLLBACK:
            rollback(p, report, rem, rem.rollback_reason or "finishing an unfinished rollback")
        else:
            check = p.store.health_check(rem.id) or HealthCheck(rem.id, p.now(), p.now() + p.config.health.max_wait)
            judge(p, report, rem, check)
        if len(report.decisions) == before:
            record_for(p, report, rem, Decided.HEALTH_PENDING, f"{rem.pr_url}: its CI has no verdict yet")
        return rem.run
    record(p, report, run.ref, Decided.NO_ACTION, "no fix of the agent waits for this branch's CI")
    return run.ref


def outputs(report: Report, subject: RunRef | None) -> dict[str, str]:
    """signature, category, decision, pr-url of the run the event is about (of the last decision for a sweep;
    "" where there is none)."""
    mine = [d for d in report.decisions if subject is None or d.run_id == subject.run_id]
    last = mine[-1] if mine else None
    detail = last.detail if last else {}
    explained = report.explained.get(subject.run_id if subject else last.run_id if last else 0)
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


def summary(report: Report, subject: RunRef | None, warnings: list[str], values: dict[str, str]) -> str:
    """The job summary (Markdown) with the step's outputs (`values`): every value from a log, a name or a reason
    goes through `cicd_agent.text`."""
    lines = ["## cicd-agent", ""]
    lines += [f"> **Warning:** {prose(w)}" for w in warnings]
    lines += ["", "| | |", "|---|---|"]
    for name in ("decision", "category", "signature", "pr-url"):
        cell = code_span(values[name] or "-").replace("|", "\\|")  # GFM: a pipe ends a cell even in code
        lines.append(f"| {name} | {cell} |")
    for d in report.decisions:
        lines.append(f"\n- {inline(str(d.decision))}: {prose(d.reason)}")
    explained = report.explained.get(subject.run_id) if subject else None
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
