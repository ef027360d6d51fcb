"""`agent signature LOGFILE` and `agent explain --repo R RUN_ID`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.markup import escape

from cicd_agent.analysis import DEFAULT_MAX_LINES
from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.analysis import Analysis


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
        state.emit_json(analysis.to_json())
        return
    out = state.out
    if not analysis.failed:
        out.print(f"{escape(source)}: no failure found ({analysis.lines} lines); category none")
        return
    out.print(f"[bold]failing step[/]: {escape(analysis.failing_step or '(unknown)')}")
    tool = f" ({escape(analysis.tool)})" if analysis.tool else ""
    out.print(f"[bold]category[/]:     {analysis.category}{tool}")
    out.print(f"[bold]signature[/]:    {analysis.signature}")
    out.print(f"[bold]excerpt[/] ({len(analysis.excerpt)} of {analysis.lines} lines):")
    previous = None
    for item in analysis.excerpt:
        if previous is not None and item.line != previous + 1:
            out.print("   ...")
        out.print(f"{item.line:>7} | {escape(item.text)}", soft_wrap=True)
        previous = item.line
    if state.verbosity > 0:
        out.print("[bold]template[/]:")
        out.print(escape(analysis.template))


def signature(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    logfile: Path = typer.Argument(..., help="A job log: GitHub API text, `gh run view --log` output, or plain."),
    baseline: Path | None = typer.Option(None, "--baseline", help="The log of the last green run of the same job."),
    max_lines: int = typer.Option(DEFAULT_MAX_LINES, "--max-lines", min=1, help="Excerpt size limit."),
) -> None:
    from cicd_agent.analysis import analyze

    state: AppState = ctx.obj.command(json_flag)
    log = _log_file(logfile, "log file")
    base = _log_file(baseline, "baseline") if baseline is not None else None
    render(state, analyze(log, base, max_lines=max_lines), source=str(logfile))


def explain(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    run_id: int = typer.Argument(..., help="The workflow run's id (the number in its URL)."),
    repo: str = typer.Option(..., "--repo", help="OWNER/NAME."),
    max_lines: int = typer.Option(DEFAULT_MAX_LINES, "--max-lines", min=1, help="Excerpt size limit."),
) -> None:
    from cicd_agent.failures import explain_run  # PyGithub: only for the command that talks to GitHub

    state: AppState = ctx.obj.command(json_flag)
    if repo.count("/") != 1:
        raise AgentError(f"--repo must be OWNER/NAME, got {repo!r}")
    github = state.github(repo=repo)
    explained = explain_run(github, github.workflow_run(repo, run_id), max_lines=max_lines)
    if not state.json:
        note = f", baseline run {explained.baseline_run}" if explained.baseline_run else ", no green baseline"
        missing = (
            f" (log unavailable: {escape(explained.log_note)}; explained from the check run and step names)"
            if explained.log_missing
            else ""
        )
        state.out.print(f"{escape(repo)} run {run_id} ({escape(explained.run.html_url)}){note}{missing}")
    render(state, explained.analysis, source=f"{repo} run {run_id}")
