"""`agent snapshots list/show/cleanup`: the file contents saved before every change."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from cicd_agent.cli.context import JSON_OPTION, AppState, when
from cicd_agent.errors import AgentError
from cicd_agent.model import Snapshot

app = typer.Typer(help="Snapshots taken before each fix (for rollbacks), and their retention.", no_args_is_help=True)


@app.command("list", help="Every snapshot: id, repository, branch, base commit, files, age.")
def list_(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    state: AppState = ctx.obj.command(json_flag)
    rows = state.store().snapshots()
    if state.json:
        state.emit_json([{**_json(r), "files": sorted(r.files)} for r in rows])
        return
    if not rows:
        state.out.print("no snapshots")
        return
    table = Table()
    for column in ("id", "repo", "branch", "base", "files", "taken"):
        table.add_column(column)
    for r in rows:
        table.add_row(r.id, escape(r.repo), escape(r.branch), r.base_sha[:12], str(len(r.files)), when(r.created_at))
    state.out.print(table)


@app.command("show", help="One snapshot with the original content of every file.")
def show(
    ctx: typer.Context,
    snapshot_id: str = typer.Argument(..., help="The snapshot's id (or a prefix)."),
    json_flag: bool = JSON_OPTION,
) -> None:
    state: AppState = ctx.obj.command(json_flag)
    matches = [r for r in state.store().snapshots() if r.id.startswith(snapshot_id)]
    if len(matches) != 1:
        raise AgentError(f"{len(matches)} snapshots match {snapshot_id!r}", fix="see `agent snapshots list`")
    row = matches[0]
    if state.json:
        state.emit_json(_json(row))
        return
    state.out.print(f"{row.id}: {escape(row.repo)} {escape(row.branch)} at {row.base_sha}, {when(row.created_at)}")
    for path, text in sorted(row.files.items()):
        state.out.print(f"--- {escape(path)} " + ("(did not exist)" if text is None else f"({len(text)} characters)"))
        if text is not None:
            state.out.print(escape(text), soft_wrap=True)


@app.command("cleanup", help="Delete snapshots older than the retention (state.snapshot_retention, default 7d).")
def cleanup(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    from cicd_agent import snapshots

    state: AppState = ctx.obj.command(json_flag)
    config = state.config()
    store = state.store()
    removed = snapshots.cleanup(
        state.effects(),
        store,
        Path(config.state.snapshot_dir),
        retention=config.state.snapshot_retention,
        now=time.time(),
    )
    if state.json:
        state.emit_json({"removed": removed})
    else:
        state.out.print(f"removed {len(removed)} snapshot(s) older than {config.state.snapshot_retention:g}s")


def _json(snapshot: Snapshot) -> dict[str, object]:
    return {**asdict(snapshot), "created_at": when(snapshot.created_at)}
