"""`agent signature LOGFILE` and `agent explain --repo R RUN_ID`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cicd_agent.analysis import DEFAULT_MAX_LINES
from cicd_agent.cli import shapes
from cicd_agent.cli.context import AppState, use
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.analysis import Analysis

SIGNATURE_EXAMPLES = """\b
Examples:
  agent signature job.log --baseline last-green.log
  gh run view 123456 --log-failed > job.log && agent signature job.log --json"""
EXPLAIN_EXAMPLES = """\b
Examples:
  agent explain --repo octo-org/app 123456789
  agent explain --repo octo-org/app 123456789 --json"""


def _log_file(path: Path, what: str) -> Path:
    from cicd_agent.analysis.logtext import is_binary

    if not path.exists():
        raise AgentError(f"{what} {path} not found", fix="check the path")
    if path.is_dir():
        raise AgentError(f"{what} {path} is a directory, not a log file")
    try:
        with path.open("rb") as handle:
            head = handle.read(8192)
    except OSError as exc:
        raise AgentError(f"cannot read {what} {path}: {exc}") from None
    if is_binary(head):
        raise AgentError(
            f"{what} {path} looks binary (it has NUL bytes), not like a job log",
            fix="pass the text log of a job, e.g. from `gh run view --log`",
        )
    return path


def render(state: AppState, analysis: Analysis, *, source: str) -> None:
    if state.json:
        state.emit_json(shapes.analysis(analysis))
        return
    say = state.result
    if not analysis.failed:
        say(f"{source}: no failure found ({analysis.lines} lines); category none")
        return
    say(f"failing step: {analysis.failing_step or '(unknown)'}")
    tool = f" ({analysis.tool})" if analysis.tool else ""
    say(f"category:     {analysis.category}{tool}")
    say(f"summary:      {analysis.summary}")
    if analysis.failed_tests:
        say(f"failing tests ({len(analysis.failed_tests)}): {', '.join(analysis.failed_tests[:10])}")
    if analysis.rate_limited:
        wait = f"{analysis.retry_after:g}s, as the log states" if analysis.retry_after is not None else "not stated"
        say(f"rate limited: re-run after a wait ({wait})")
    say(f"signature:    {analysis.signature}")
    say(f"excerpt ({len(analysis.excerpt)} of {analysis.lines} lines):")
    previous = None
    for item in analysis.excerpt:
        if previous is not None and item.line != previous + 1:
            say("   ...")
        say(f"{item.line:>7} | {item.text}")
        previous = item.line
    if state.verbosity > 0:
        say("template:")
        say(analysis.template)


def signature(
    ctx: typer.Context,
    logfile: Path = typer.Argument(..., help="A job log: GitHub API text, `gh run view --log` output, or plain."),
    baseline: Path | None = typer.Option(
        None, "--baseline", metavar="LOGFILE", help="The log of the last green run of the same job."
    ),
    max_lines: int = typer.Option(DEFAULT_MAX_LINES, "--max-lines", metavar="N", min=1, help="Excerpt size limit."),
) -> None:
    from cicd_agent.analysis import analyze

    state = use(ctx)
    log = _log_file(logfile, "log file")
    base = _log_file(baseline, "baseline") if baseline is not None else None
    render(state, analyze(log, base, max_lines=max_lines), source=str(logfile))


def explain(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="The workflow run's id (the number in its URL)."),
    repo: str = typer.Option(..., "--repo", metavar="OWNER/NAME", help="The repository."),
    max_lines: int = typer.Option(DEFAULT_MAX_LINES, "--max-lines", metavar="N", min=1, help="Excerpt size limit."),
) -> None:
    from cicd_agent.remediation.explain import explain_run

    state = use(ctx)
    if repo.count("/") != 1:
        raise AgentError(f"--repo must be OWNER/NAME, got {repo!r}")
    github = state.github(repo=repo)
    explained = explain_run(github, github.workflow_run(repo, run_id), max_lines=max_lines)
    note = f", baseline run {explained.baseline_run}" if explained.baseline_run else ", no green baseline"
    missing = (
        f" (log unavailable: {explained.log_note}; explained from the check run and step names)"
        if explained.log_missing
        else ""
    )
    state.result(f"{repo} run {run_id} ({explained.run.html_url}){note}{missing}")
    render(state, explained.analysis, source=f"{repo} run {run_id}")
