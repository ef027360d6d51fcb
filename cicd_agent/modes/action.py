"""The GitHub Action mode: exactly the run in a `workflow_run` event is handled, with the state rebuilt from
GitHub (the runner's disk is thrown away), and the results go to step outputs, the job summary and
annotations, log text wrapped so it cannot issue workflow commands."""

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

from cicd_agent.errors import AgentError
from cicd_agent.github import WorkflowRun, run_from_json
from cicd_agent.model import Decided, HealthCheck, RemState, is_fix_branch
from cicd_agent.modes.action_state import hydrate
from cicd_agent.remediation.check import judge
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.remediation.decide import handle_failure
from cicd_agent.remediation.poll import branch_watched
from cicd_agent.text import break_mentions, fenced

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
    repository = payload.get("repository")
    if state_from_github and isinstance(repository, dict) and repository.get("full_name"):
        hydrate(p, str(repository["full_name"]))
    report = Report()
    run = handle_event(p, payload, report)
    result = ActionResult(report, run, outputs(report, run.id), warnings)
    if os.environ.get("GITHUB_OUTPUT"):
        write_outputs(Path(os.environ["GITHUB_OUTPUT"]), result.outputs)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        with Path(os.environ["GITHUB_STEP_SUMMARY"]).open("a", encoding="utf-8") as handle:
            handle.write(summary(report, run.id, warnings))
    return result


def handle_event(p: Ports, payload: dict[str, Any], report: Report) -> WorkflowRun:
    """Exactly the run in a `workflow_run` event: a failure on a watched branch is handled; a completed run
    on the agent's own fix branch decides that fix's health (the Action mode's health check)."""
    run_data, repo_data = payload.get("workflow_run"), payload.get("repository")
    if not isinstance(run_data, dict) or not isinstance(repo_data, dict) or "full_name" not in repo_data:
        raise AgentError(
            "the event is not a workflow_run event (no workflow_run/repository in it)",
            fix="trigger the agent with `on: workflow_run`, or pass a saved workflow_run payload",
        )
    try:
        run = run_from_json(str(repo_data["full_name"]), run_data)
    except (KeyError, TypeError, ValueError) as exc:
        raise AgentError(f"the workflow_run in the event is malformed: {exc}") from None
    if run.status != "completed":
        return run
    if is_fix_branch(run.branch):
        for rem in p.store.remediations(repo=run.repo, states=(RemState.PR_OPEN,)):
            if rem.fix_branch == run.branch:
                check = p.store.health_check(rem.id) or HealthCheck(rem.id, p.now(), p.now() + p.config.health.max_wait)
                judge(p, report, rem, check)
        return run
    configured = any(r.name.lower() == run.repo.lower() for r in p.config.repos)
    # without a config for this repository, the Action watches its default branch
    patterns = p.config.repo(run.repo).branches if configured else [str(repo_data.get("default_branch") or "main")]
    watched = branch_watched(patterns, run.branch)
    if run.conclusion == "failure" and watched and not handle_failure(p, run, report):
        record(p, report, run.ref, Decided.DUPLICATE, "this run was already handled (found on GitHub)")
    return run


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
    values = outputs(report, run_id)
    lines = ["## cicd-agent", ""]
    lines += [f"> **Warning:** {w}" for w in warnings]
    lines += ["", "| | |", "|---|---|"]
    for name in ("decision", "category", "signature", "pr-url"):
        lines.append(f"| {name} | `{values[name] or '-'}` |")
    for d in report.decisions:
        lines.append(f"\n- {d.decision}: {break_mentions(d.reason)}")
    explained = report.explained.get(run_id)
    if explained is not None and explained.analysis.excerpt:
        lines += ["", f"### Error excerpt (failing step: {break_mentions(explained.analysis.failing_step or '?')})", ""]
        lines.append(fenced(break_mentions("\n".join(f"{e.line:>6} | {e.text}" for e in explained.analysis.excerpt))))
    for error in report.errors:
        lines.append(f"\n**Error:** {break_mentions(error)}")
    return "\n".join(lines) + "\n"


def escape_command(text: str) -> str:
    """Data in a workflow command (`::notice::...`): GitHub's escaping of %, CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def annotation(level: str, text: str) -> str:
    return f"::{level} title=cicd-agent::{escape_command(text)}"


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


def stop_commands(text: str) -> str:
    """Untrusted text (log lines) between `::stop-commands::` and its token: the runner ignores any
    `::set-output::`, `::add-mask::` ... hidden in it."""
    token = secrets.token_hex(16)
    return f"::stop-commands::{token}\n{text}\n::{token}::"
