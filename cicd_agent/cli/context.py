"""What every command shares: the global options, the output channels, and the config, store, GitHub and
effects built from them, each on first use (so `agent --help` imports none of the heavy parts).

Output: people read stderr (progress, warnings, errors: one line per event) and a command's result on
stdout (a table, a status); with `--json` stdout carries exactly one JSON document (JSON Lines for a
stream) and nothing else.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cicd_agent.config.settings import DEFAULT_CONFIG
from cicd_agent.errors import AgentError

if TYPE_CHECKING:
    from rich.console import Console

    from cicd_agent.config.settings import Config
    from cicd_agent.effects.dryrun import DryRunRecorder
    from cicd_agent.effects.gateway import Effects
    from cicd_agent.github.auth import Credentials
    from cicd_agent.github.client import GitHubClient
    from cicd_agent.store import Store

REASON_OPT = typer.Option(..., "--reason", metavar="TEXT", help="Why (recorded in the history).")
BY_OPT = typer.Option(
    None, "--by", metavar="NAME", help="Who (default: the GitHub actor in Actions, else the OS user)."
)
NOTIFY_DRAIN_SECONDS = 10.0  # at exit, queued notifications get this long to go out
NO_TOKEN = "no token: reading anonymously (60 requests/hour), writes will fail"


@dataclass
class AppState:
    """The global options (set before or after the subcommand) and what the command builds from them."""

    config_path: Path = Path(DEFAULT_CONFIG)
    state_dir_option: Path | None = None
    state_url_option: str | None = None  # --state-url, else $CICD_AGENT_STATE_URL
    local_state: bool = False  # the Action's throw-away store: the config's state.url does not apply
    dry_run: bool = False
    report: Path | None = None
    json: bool = False
    verbose: int = 0
    quiet: bool = False
    _consoles: dict[bool, Console] = field(default_factory=dict)
    _config: Config | None = None
    _store: Store | None = None
    _effects: Effects | None = None
    _recorder: DryRunRecorder | None = None
    _credentials: Credentials | None = None
    _cleanup: contextlib.ExitStack = field(default_factory=contextlib.ExitStack)
    started: bool = False
    no_state: str | None = None  # the state database a read command found missing (its file, or its URL)
    line_filter: Callable[[str], None] | None = None  # where stderr lines go instead (a watcher's `Collapse`)

    def set_global(self, name: str, value: Any) -> None:
        """A global option given after the subcommand (`agent run --dry-run`): it adds to what came before."""
        attr = {
            "config": "config_path",
            "state_dir": "state_dir_option",
            "state_url": "state_url_option",
            "json_output": "json",
        }.get(name, name)
        if attr == "verbose":
            self.verbose += int(value)
        elif attr == "state_url_option":
            self.state_url_option = str(value)
        elif isinstance(value, bool):
            setattr(self, attr, getattr(self, attr) or value)
        else:  # a path (some Typer versions hand the callback the raw string)
            setattr(self, attr, Path(value))

    def begin(self) -> AppState:
        """Called by every command once all options are parsed: check them, set up library logging."""
        if not self.started:
            self.started = True
            if self.report is not None and not self.dry_run:
                raise AgentError("--report only applies to a dry run", fix="add --dry-run, or drop --report")
            if self.report is not None and self.report.suffix.lower() not in (".md", ".json"):
                raise AgentError(
                    f"--report {self.report}: a report is Markdown or JSON",
                    fix="name the file *.md or *.json",
                )
            from cicd_agent.cli.logs import configure_logging

            configure_logging(self.verbosity)
        return self

    @property
    def verbosity(self) -> int:
        return -1 if self.quiet else self.verbose

    # -- output -------------------------------------------------------------------------------------

    def console(self, *, stderr: bool) -> Console:
        """Rich, with no markup, emoji or highlighting read into strangers' text, and every string it renders
        made safe for a terminal (`text.terminal`: no escape sequences or control characters)."""
        if stderr not in self._consoles:
            from rich.console import Console
            from rich.text import Text

            from cicd_agent.text import redact, terminal

            class SafeConsole(Console):
                def render_str(self, text: str, *args: Any, **kwargs: Any) -> Text:
                    return super().render_str(terminal(redact(text)), *args, **kwargs)

            self._consoles[stderr] = SafeConsole(stderr=stderr, highlight=False, soft_wrap=True, emoji=False)
        return self._consoles[stderr]

    def _line(self, message: str) -> None:
        """One line for people on stderr: it starts with the agent's own words and has no newline inside, so on
        an Actions runner no text in it can begin a workflow command; no secret either (`redact`). A watcher passes
        it through its `line_filter` (`modes.quiet`: what it said last time is not said again)."""
        from cicd_agent.text import redact, terminal

        line = terminal(redact(message), newlines=False)
        if self.line_filter is not None:
            self.line_filter(line)
        else:
            self.print_line(line)

    def print_line(self, line: str) -> None:
        self.console(stderr=True).print(line, markup=False)

    def say(self, message: str) -> None:
        """Progress for people (stderr); not with -q or --json."""
        if self.verbosity >= 0 and not self.json:
            self._line(message)

    def detail(self, message: str) -> None:
        """More detail (stderr), with -v."""
        if self.verbosity > 0 and not self.json:
            self._line(message)

    def notice(self, message: str) -> None:
        """What a person waiting must know, such as a long wait (stderr); not with -q."""
        if self.verbosity >= 0:
            self._line(message)

    def alert(self, message: str) -> None:
        """A cycle's error (stderr, even with -q); with --json it is in the document instead."""
        if not self.json:
            self._line(message)

    def warn(self, message: str) -> None:
        """Always on stderr."""
        self._line(f"warning: {message}")

    def result(self, message: str) -> None:
        """A command's result for people (stdout); never with --json."""
        if not self.json:
            self.console(stderr=False).print(message, markup=False)

    def emit_json(self, value: Any) -> None:
        """The one JSON document of a command, on stdout (strangers' invisible characters escaped)."""
        from cicd_agent.text import json_for_people

        sys.stdout.write(json_for_people(value, indent=2) + "\n")
        sys.stdout.flush()

    def emit_json_line(self, value: Any) -> None:
        """One line of a JSON Lines stream (`run --watch --json`)."""
        from cicd_agent.text import json_for_people

        sys.stdout.write(json_for_people(value, separators=(",", ":")) + "\n")
        sys.stdout.flush()

    # -- shared objects -----------------------------------------------------------------------------

    @property
    def recorder(self) -> DryRunRecorder | None:
        if self.dry_run and self._recorder is None:
            from cicd_agent.effects.dryrun import DryRunRecorder

            self._recorder = DryRunRecorder(echo=self.notice, echo_store=self.detail)
        return self._recorder

    def config(self, *, required: bool = False) -> Config:
        if self._config is None:
            from cicd_agent.config.parse import load_config

            self._config = load_config(self.config_path, required=required)
            _remember_secrets(self._config)
        return self._config

    @property
    def state_dir(self) -> Path:
        return self.state_dir_option or Path(self.config().state.dir)

    @property
    def state_url(self) -> str:
        """The shared state database's URL ("" for the SQLite file in the state dir): --state-url, else
        $CICD_AGENT_STATE_URL, else the config's `state.url`."""
        from cicd_agent.store import check_url

        if self.state_url_option:
            return check_url(self.state_url_option, where="--state-url (or $CICD_AGENT_STATE_URL)")
        url = "" if self.local_state else self.config().state.url
        return check_url(url, where=f"state.url in {self.config_path}") if url else ""

    @property
    def state_where(self) -> str:
        """The state database as messages name it: its file, or its URL without credentials."""
        from cicd_agent.store import STATE_FILE
        from cicd_agent.text import redact

        return redact(self.state_url) if self.state_url else str(self.state_dir / STATE_FILE)

    def state_exists(self) -> bool:
        """Whether the state database is there already (creates nothing)."""
        from cicd_agent.store import state_exists

        return state_exists(self.state_dir, url=self.state_url)

    def store(self) -> Store:
        """The store for a command that writes (a dry run: an in-memory copy)."""
        if self._store is None:
            from cicd_agent.store import open_store

            recorder = self.recorder
            on_write = recorder.skip_store_write if recorder else None
            self._store = open_store(self.state_dir, dry_run=self.dry_run, on_write=on_write, url=self.state_url)
        return self._store

    def read_store(self) -> Store:
        """The store for a command that only reads: never creates a database. Without one (nothing has run here
        yet) it is an empty one in memory, so the command's answer is the empty one (zeros, empty lists), and
        `no_state` names the database that does not exist."""
        if self._store is None:
            from cicd_agent.store import NoState, open_store, read_store

            try:
                self._store = read_store(self.state_dir, url=self.state_url)
            except NoState:
                self.no_state = self.state_where
                self._store = open_store(self.state_dir, dry_run=True)
        return self._store

    def nothing_yet(self) -> bool:
        """After `read_store`: with no state yet, say so (stderr) and answer True, so a command for people prints
        nothing more; with --json the command prints its empty document instead (False)."""
        if self.no_state is None:
            return False
        self.notice(f"no state yet: {self.no_state} does not exist (nothing has run with this state directory)")
        return not self.json

    def on_finish(self, stop: Callable[[], None]) -> None:
        """Call `stop` when the command ends (background work of the command's own)."""
        self._cleanup.callback(stop)

    def scratch_dir(self, prefix: str) -> Path:
        """A temporary directory removed when the command ends."""
        return Path(self._cleanup.enter_context(tempfile.TemporaryDirectory(prefix=prefix)))

    def github(self, api_url: str | None = None, repo: str | None = None) -> GitHubClient:
        from cicd_agent.github.client import GitHubClient

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
            on_wait=self.notice,
        )

    def credentials(self, repo: str | None = None) -> Credentials:
        """One set per process: an App's installation token is minted by the client that uses it."""
        if self._credentials is None:
            from cicd_agent.github.auth import credentials_for

            self._credentials = credentials_for(self.config(), repo)
            if self._credentials.kind == "none":  # said once: the credentials are made once per process
                self.warn(f"{NO_TOKEN} (set ${self.config().github.token_env}, or a GitHub App in [github])")
        return self._credentials

    def effects(self, github: GitHubClient | None = None) -> Effects:
        if self._effects is None:
            from cicd_agent.effects.gateway import Effects
            from cicd_agent.effects.notify import Notifier, channels_from

            settings = self.config().notifications
            notifier = Notifier(
                channels_from(settings), events=tuple(settings.events), echo=self.detail, warn=self.warn
            )
            self._effects = Effects(github, notifier=notifier, recorder=self.recorder)
        return self._effects

    def finish(self) -> None:
        """Deliver queued notifications, close the store, remove temporary directories; after a dry run,
        print the summary and write the report."""
        try:
            if self._effects is not None:
                self._effects.notifier.close(NOTIFY_DRAIN_SECONDS)
            if self._store is not None:
                self._store.close()
        finally:
            self._cleanup.close()
        recorder = self._recorder
        if recorder is None:
            return
        if self.report is not None:
            recorder.write_report(self.report)
        where = f"; report: {self.report}" if self.report else ""
        self.notice(f"[DRY-RUN] {recorder.summary()}, nothing changed{where}")


def checked_port(port: int, option: str) -> int:
    """A TCP port from the command line (0: any free one); anything else is a clear error, before any is opened."""
    if not 0 <= port <= 65535:
        shown = str(port) if len(str(port)) <= 12 else f"{str(port)[:12]}..."
        raise AgentError(f"{option} {shown} is not a port", fix="pass a port from 1 to 65535 (0: any free port)")
    return port


def _remember_secrets(config: Config) -> None:
    """Every secret the config points at (the variables it names, a webhook URL written in it), so that `redact`
    removes them from every line, log record, report and crash file, whatever the variables are called."""
    import os

    from cicd_agent.config.checks import env_keys
    from cicd_agent.text import remember_secrets

    remember_secrets(config.notifications.webhook_url, *(os.environ.get(name) for _, name in env_keys(config)))


def use(ctx: typer.Context) -> AppState:
    """The command's state, with every global option parsed."""
    state = ctx.find_object(AppState)
    if state is None:  # a command invoked on its own (not through `agent`)
        state = AppState()
        ctx.obj = state
    return state.begin()
