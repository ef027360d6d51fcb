"""`agent init` and `agent config check`."""

from __future__ import annotations

from pathlib import Path

import typer

from cicd_agent.cli.context import JSON_OPTION, AppState
from cicd_agent.config import STARTER_CONFIG, ConfigError, parse_config
from cicd_agent.errors import AgentError


def init(
    ctx: typer.Context,
    json_flag: bool = JSON_OPTION,
    force: bool = typer.Option(False, "--force", help="Overwrite an existing file."),
) -> None:
    state: AppState = ctx.obj.command(json_flag)
    path = state.config_path
    if path.exists() and not force:
        raise AgentError(f"{path} already exists", fix="pass --force to overwrite it, or --config another path")
    if state.dry_run:
        from cicd_agent.effects import Action, file_diff

        assert state.recorder is not None
        state.recorder.skip(
            Action("file.write", str(path), "starter configuration", file_diff(str(path), None, STARTER_CONFIG))
        )
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(STARTER_CONFIG, encoding="utf-8")
    except OSError as exc:
        raise AgentError(f"cannot write {path}: {exc}") from None
    state.info(f"wrote {path}: edit the [[repos]] table, then run `agent config check`")


def check(ctx: typer.Context, json_flag: bool = JSON_OPTION) -> None:
    state: AppState = ctx.obj.command(json_flag)
    path: Path = state.config_path
    if not path.exists():
        raise AgentError(f"config file {path} not found", fix="create one with `agent init`, or pass --config PATH")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentError(f"cannot read config file {path}: {exc}") from None
    config, problems = parse_config(text, source=str(path))
    if state.json:
        state.emit_json(
            {
                "file": str(path),
                "valid": not problems,
                "problems": [{"key": p.key, "line": p.line, "message": p.message} for p in problems],
            }
        )
        if problems:
            raise typer.Exit(1)
        return
    if problems:
        for problem in problems:
            state.err.print(f"{path}: {problem}", markup=False)
        raise ConfigError(str(path), problems)
    state.out.print(f"{path}: OK ({len(config.repos)} repositories, {len(config.rules)} rules)", markup=False)
