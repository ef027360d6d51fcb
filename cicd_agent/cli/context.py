"""What every command shares: global options, and the config, store, GitHub and effects built from them."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

from cicd_agent.config import Config, load_config
from cicd_agent.errors import AgentError
from cicd_agent.text import terminal

if TYPE_CHECKING:  # imported where used: `agent --help` must not pay for PyGithub, GitPython, sqlite-utils
    from cicd_agent.auth import Credentials
    from cicd_agent.effects import DryRunRecorder, Effects
    from cicd_agent.github import GitHubClient
    from cicd_agent.store import Store

JSON_OPTION = typer.Option(False, "--json", help="Machine-readable output on stdout (same as the global --json).")
REASON_OPT = typer.Option(..., "--reason", help="Why (recorded in the history).")
BY_OPT = typer.Option(None, "--by", help="Who (default: the GitHub actor in Actions, else the OS user).")


def when(ts: float | None) -> str:
    """A time for people and for --json: UTC, to the second."""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ") if ts else "-"


class SafeConsole(Console):
    """A console that drops escape sequences and control characters from every string it renders (prints and
    table cells alike), so no log line, branch or workflow name can drive the terminal. Its own styles are
    added after, so they still work."""

    def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
        return super().render_str(terminal(text), *args, **kwargs)


@dataclass
class AppState:
    config_path: Path
    state_dir_option: Path | None
    dry_run: bool
    report: Path | None
    json: bool
    verbosity: int
    out: Console = field(default_factory=lambda: SafeConsole(highlight=False, soft_wrap=True))
    err: Console = field(default_factory=lambda: SafeConsole(stderr=True, highlight=False, soft_wrap=True))
    _config: Config | None = None
    _store: Store | None = None
    _effects: Effects | None = None
    recorder: DryRunRecorder | None = None
    _credentials: Credentials | None = None

    def __post_init__(self) -> None:
        if self.report is not None and not self.dry_run:
            raise AgentError("--report only applies to a dry run", fix="add --dry-run, or drop --report")
        if self.dry_run:
            from cicd_agent.effects import DryRunRecorder

            self.recorder = DryRunRecorder(echo=self.say_dry_run)

    def command(self, json_flag: bool = False) -> AppState:
        """The state for a command; its own --json adds to the global one."""
        self.json = self.json or json_flag
        return self

    # -- output -------------------------------------------------------------------------------------

    def say_dry_run(self, line: str) -> None:
        (self.err if self.json else self.out).print(terminal(line, newlines=False), markup=False)

    def info(self, message: str) -> None:
        """A progress line: always one line that starts with the agent's own words (so on an Actions runner no
        text inside it can begin a workflow command)."""
        if self.verbosity >= 0 and not self.json:
            self.err.print(terminal(message, newlines=False), markup=False)

    def emit_json(self, value: Any, *, one_line: bool = False) -> None:
        sys.stdout.write(json.dumps(value, indent=None if one_line else 2, default=str) + "\n")
        sys.stdout.flush()

    # -- shared objects -----------------------------------------------------------------------------

    def config(self, *, required: bool = False) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, required=required)
        return self._config

    @property
    def state_dir(self) -> Path:
        return self.state_dir_option or Path(self.config().state.dir)

    def store(self) -> Store:
        from cicd_agent.store import open_store

        if self._store is None:
            on_write = self.recorder.skip_store_write if self.recorder else None
            self._store = open_store(self.state_dir, dry_run=self.dry_run, on_write=on_write)
        return self._store

    def github(self, api_url: str | None = None, repo: str | None = None) -> GitHubClient:
        from cicd_agent.github import GitHubClient

        config = self.config()
        credentials = self.credentials(repo)
        gh = config.github
        return GitHubClient(
            api_url or config.api_url(),
            None,
            auth=credentials.auth,
            timeout=gh.timeout,
            retries=gh.max_retries,
            max_rate_limit_wait=gh.max_rate_limit_wait,
            seconds_between_writes=gh.write_interval,
        )

    def credentials(self, repo: str | None = None) -> Credentials:
        """One set per process: an App's installation token is minted by the client that uses it."""
        from cicd_agent.auth import credentials_for

        if self._credentials is None:
            self._credentials = credentials_for(self.config(), repo)
        return self._credentials

    def effects(self, github: GitHubClient | None = None) -> Effects:
        from cicd_agent.effects import Effects
        from cicd_agent.notify import Notifier, channels_from

        if self._effects is None:
            settings = self.config().notifications
            notifier = Notifier(channels_from(settings), events=tuple(settings.events), echo=self.info)
            self._effects = Effects(github, notifier=notifier, recorder=self.recorder)
        return self._effects

    def finish(self) -> None:
        """Close the store; after a dry run, print the summary and write the report."""
        if self._store is not None:
            self._store.close()
        if self.recorder is None:
            return
        if self.report is not None:
            self.recorder.write_report(self.report)
        count = len(self.recorder.actions)
        where = f"; report: {self.report}" if self.report else ""
        self.err.print(f"[DRY-RUN] {count} write(s) skipped, nothing changed{where}", markup=False)
