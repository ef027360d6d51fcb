"""`agent snapshots list/show/cleanup`: the file contents saved before every change."""

from __future__ import annotations

import time
from pathlib import Path

import typer

from cicd_agent.cli import shapes
from cicd_agent.cli.context import use
from cicd_agent.cli.shapes import when
from cicd_agent.cli.table import Column, print_table
from cicd_agent.errors import AgentError

app = typer.Typer(
    help="Snapshots taken before each fix, for rollbacks.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list", help="Every snapshot: id, repository, branch, base commit, files, when taken.")
def list_(ctx: typer.Context) -> None:
    state = use(ctx)
    rows = state.read_store().snapshots()
    if state.nothing_yet():
        return
    if state.json:
        state.emit_json([shapes.snapshot(r) for r in rows])
        return
    if not rows:
        state.say("no snapshots")
        return
    columns = [
        Column("id", keep_whole=True),
        Column("repo"),
        Column("branch"),
        Column("base", keep_whole=True, short=12),
        Column("files"),
        Column("taken", time=True),
    ]
    print_table(
        state,
        columns,
        [[r.id, r.repo, r.branch, r.base_sha, str(len(r.files)), shapes.iso(r.created_at) or "-"] for r in rows],
    )


@app.command("show", help="One snapshot with the original content of every file.")
def show(ctx: typer.Context, snapshot_id: str = typer.Argument(..., help="The snapshot's id (or a prefix).")) -> None:
    state = use(ctx)
    matches = [r for r in state.read_store().snapshots() if r.id.startswith(snapshot_id)]
    if state.nothing_yet():
        return
    if state.no_state is not None:  # --json: the empty document
        state.emit_json({})
        return
    if len(matches) != 1:
        raise AgentError(f"{len(matches)} snapshots match {snapshot_id!r}", fix="see `agent snapshots list`")
    row = matches[0]
    if state.json:
        state.emit_json(shapes.snapshot(row, contents=True))
        return
    state.result(f"{row.id}: {row.repo} {row.branch} at {row.base_sha}, {when(row.created_at)}")
    for path, text in sorted(row.files.items()):
        state.result(f"--- {path} " + ("(did not exist)" if text is None else f"({len(text)} characters)"))
        if text is not None:
            state.result(text)


@app.command("cleanup", help="Delete snapshots older than the retention (state.snapshot_retention, default 7d).")
def cleanup(ctx: typer.Context) -> None:
    from cicd_agent.remediation import snapshots

    state = use(ctx)
    config = state.config()
    removed = snapshots.cleanup(
        state.effects(),
        state.store(),
        Path(config.state.snapshot_dir),
        retention=config.state.snapshot_retention,
        now=time.time(),
    )
    if state.json:
        state.emit_json({"removed": removed})
    else:
        state.result(f"removed {len(removed)} snapshot(s) older than {config.state.snapshot_retention:g}s")
