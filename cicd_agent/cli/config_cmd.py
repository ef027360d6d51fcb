"""`agent init`, `agent config check` and `agent config schema`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from cicd_agent.cli.context import AppState, use
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from cicd_agent.config.settings import Config

INIT_EXAMPLES = """\b
Examples:
  agent init                       cicd-agent.toml in this directory
  agent --config ops/agent.toml init --force"""
CHECK_EXAMPLES = """\b
Examples:
  agent config check
  agent config check --json
      {"file": ..., "valid": false, "problems": [{"key", "line", ...}]}"""


def init(ctx: typer.Context, force: bool = typer.Option(False, "--force", help="Overwrite an existing file.")) -> None:
    from cicd_agent.config.starter import starter_config

    state = use(ctx)
    path = state.config_path
    if path.exists() and not force:
        raise AgentError(f"{path} already exists", fix="pass --force to overwrite it, or --config another path")
    if state.recorder is not None:
        from cicd_agent.effects.dryrun import Action
        from cicd_agent.effects.gateway import file_diff

        state.recorder.skip(
            Action("file.write", str(path), "starter configuration", file_diff(str(path), None, starter_config()))
        )
    else:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(starter_config(), encoding="utf-8")
        except OSError as exc:
            raise AgentError(f"cannot write {path}: {exc}") from None
    if state.json:
        state.emit_json({"file": str(path), "written": state.recorder is None})
    elif state.recorder is None:
        state.say(f"wrote {path}: edit the [[repos]] table, then run `agent config check`")


def check(ctx: typer.Context) -> None:
    from cicd_agent.config.parse import parse_config
    from cicd_agent.config.repos import describe, is_glob

    state = use(ctx)
    path: Path = state.config_path
    if not path.exists():
        raise AgentError(f"config file {path} not found", fix="create one with `agent init`, or pass --config PATH")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentError(f"cannot read config file {path}: {exc}") from None
    config, problems = parse_config(text, source=str(path))
    globs = describe(config.repos, config.github.discover)
    if state.json:
        state.emit_json(
            {
                "file": str(path),
                "valid": not problems,
                "problems": [{"key": p.key, "line": p.line, "message": p.message} for p in problems],
                "globs": globs,
            }
        )
    elif problems:
        for problem in problems:
            state.console(stderr=True).print(f"error: {path}: {problem}", markup=False)
    else:
        exact = sum(1 for r in config.repos if not is_glob(r.name))
        repos = f"{exact} {'repository' if exact == 1 else 'repositories'}"
        if len(config.repos) > exact:
            repos += f" and {len(config.repos) - exact} glob(s)"
        state.result(f"{path}: OK ({repos}, {len(config.rules)} rule(s))")
        for line in globs:
            state.result(f"  {line}")
    if problems:
        raise typer.Exit(1)
    _warn_without_token(state, config)


def _warn_without_token(state: AppState, config: Config) -> None:
    """A valid file with no credentials in this environment: said, not an error (CI checks files without them)."""
    from cicd_agent.cli.context import NO_TOKEN
    from cicd_agent.config.settings import token_for

    if config.github.app_id or token_for(config) is not None:
        return
    state.warn(f"{NO_TOKEN}: ${config.github.token_env} (and $GH_TOKEN) are empty and no GitHub App is configured")


def schema(ctx: typer.Context) -> None:
    from cicd_agent.config.schema import config_schema

    use(ctx)
    print(json.dumps(config_schema(), indent=2))
