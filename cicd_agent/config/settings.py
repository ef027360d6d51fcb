"""The configuration file `cicd-agent.toml`: typed sections, validated at load.

Every problem is reported with its dotted key and, where the key can be found in the text, its line.
Tokens are never stored in the file: a repository names the environment variable that holds one.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import tomllib
import typing
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cicd_agent.errors import AgentError
from cicd_agent.model import Strategy

DEFAULT_CONFIG = "cicd-agent.toml"
DEFAULT_API_URL = "https://api.github.com"
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(s|m|h|d)?\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, None: 1}
REPO_NAME = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")


class Duration(float):
    """Seconds; written in the file as a number of seconds or a string like "5m", "24h", "7d"."""


class NumericId(str):
    """A numeric id (a GitHub App's, an installation's): written as a number or a string of digits."""


class IdText(str):
    """An id written as a number or a string (a Telegram chat: `-100123` or `"@channel"`)."""


def parse_duration(value: object) -> Duration:
    if isinstance(value, bool):
        raise ValueError('expected a duration such as 300, "5m", "24h" or "7d"')
    if isinstance(value, int | float):
        if value < 0:
            raise ValueError("a duration cannot be negative")
        return Duration(value)
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return Duration(float(match.group(1)) * _UNITS[match.group(2)])
    raise ValueError('expected a duration such as 300, "5m", "24h" or "7d"')


@dataclass(frozen=True)
class GitHubConfig:
    api_url: str = ""
    token_env: str = "GITHUB_TOKEN"
    timeout: Duration = Duration(30)
    max_retries: int = 3
    max_rate_limit_wait: Duration = Duration(120)
    write_interval: Duration = Duration(1)  # seconds between mutating requests, as GitHub asks
    poll_concurrency: int = 4  # repositories polled at once (halved while GitHub asks to slow down; 1: serial)
    app_id: NumericId = NumericId("")  # a GitHub App instead of a token: its id,
    app_private_key_env: str = ""  # the variable holding its private key (PEM),
    installation_id: NumericId = NumericId("")  # and the installation on the repositories


@dataclass(frozen=True)
class RepoConfig:
    name: str = ""
    branches: list[str] = field(default_factory=lambda: ["main"])
    token_env: str = ""
    failure_threshold: int = 0
    reset_after: Duration = Duration(0)


@dataclass(frozen=True)
class StateConfig:
    dir: str = ".cicd-agent"
    snapshot_dir: str = "snapshots"
    snapshot_retention: Duration = Duration(7 * 86400)
    dedup_ttl: Duration = Duration(7 * 86400)
    lease: Duration = Duration(600)  # a claim on a failure or a remediation: after it, another cycle takes over


@dataclass(frozen=True)
class BreakerConfig:
    failure_threshold: int = 3
    reset_after: Duration = Duration(24 * 3600)


@dataclass(frozen=True)
class HealthConfig:
    delay: Duration = Duration(300)
    interval: Duration = Duration(120)
    max_wait: Duration = Duration(3600)
    inconclusive_counts_as_failure: bool = False
    # as Argo Rollouts' analysis: measurements tolerated before the verdict (a failed one re-runs the failed jobs)
    failure_limit: int = 0
    inconclusive_limit: int = 0
    consecutive_error_limit: int = 4


@dataclass(frozen=True)
class PolicyConfig:
    allowed_paths: list[str] = field(default_factory=lambda: ["**"])
    max_files: int = 10
    max_changed_lines: int = 200
    allow_workflow_changes: bool = False
    needs_approval: bool = False
    max_open_prs: int = 5  # per repository
    max_new_prs_per_hour: int = 2
    fleet_max_open_prs: int = 50  # across every repository the agent watches (0: no bound)
    fleet_max_new_prs_per_hour: int = 20
    auto_merge: bool = False
    max_failures_per_cycle: int = 20


@dataclass(frozen=True)
class StormConfig:
    """One signature failing in `min_repos` or more repositories within `window` is one incident (0: off)."""

    min_repos: int = 5
    window: Duration = Duration(3600)  # also how long without a new sighting ends the incident
    issue_repo: str = ""  # OWNER/NAME where the incident's issue is opened ("": no issue, only the notification)


@dataclass(frozen=True)
class WebhookConfig:
    """`agent serve`: where GitHub (a GitHub App's webhook) delivers events, and the secret that signs them."""

    secret_env: str = "CICD_AGENT_WEBHOOK_SECRET"  # the NAME of the variable holding the webhook secret
    host: str = "127.0.0.1"
    port: int = 8787
    path: str = "/webhook"


@dataclass(frozen=True)
class RuleConfig:
    name: str = ""
    strategy: str = "report"
    priority: int = 100
    category: str = ""
    signature: str = ""
    excerpt_regex: str = ""
    repos: list[str] = field(default_factory=lambda: ["*"])
    branches: list[str] = field(default_factory=lambda: ["*"])
    fixer: str = ""
    command: list[str] = field(default_factory=list)
    max_reruns: int = 1
    cooldown: Duration = Duration(0)
    enabled: bool = True


@dataclass(frozen=True)
class NotificationsConfig:
    slack_webhook_env: str = ""
    telegram_token_env: str = ""
    telegram_chat_id: IdText = IdText("")
    telegram_api_url: str = "https://api.telegram.org"
    webhook_url: str = ""
    webhook_url_env: str = ""
    events: list[str] = field(
        default_factory=lambda: ["breaker_opened", "rollback", "rollback_partial", "storm", "gave_up"]
    )


@dataclass(frozen=True)
class ScheduleConfig:
    poll_interval: Duration = Duration(300)
    health_interval: Duration = Duration(60)
    cleanup_cron: str = "0 2 * * *"


@dataclass(frozen=True)
class MetricsConfig:
    address: str = "127.0.0.1"  # where `run --watch` serves /metrics and /healthz ("0.0.0.0": every interface)
    port: int = 0  # 0: not served unless --metrics-port says so
    unhealthy_after: int = 3  # /healthz answers 503 after this many failed cycles in a row


@dataclass(frozen=True)
class Config:
    github: GitHubConfig = field(default_factory=GitHubConfig)
    repos: list[RepoConfig] = field(default_factory=list)
    state: StateConfig = field(default_factory=StateConfig)
    breaker: BreakerConfig = field(default_factory=BreakerConfig)
    health: HealthConfig = field(default_factory=HealthConfig)
    policy: PolicyConfig = field(default_factory=PolicyConfig)
    rules: list[RuleConfig] = field(default_factory=list)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    metrics: MetricsConfig = field(default_factory=MetricsConfig)
    storm: StormConfig = field(default_factory=StormConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    source: str = ""

    def api_url(self) -> str:
        """The API base URL: the file wins, then `GITHUB_API_URL`, then github.com."""
        if self.github.api_url:
            return check_api_url(self.github.api_url, where=f"github.api_url in {self.source or DEFAULT_CONFIG}")
        return check_api_url(os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL, where="$GITHUB_API_URL")

    def repo(self, name: str) -> RepoConfig:
        for repo in self.repos:
            if repo.name.lower() == name.lower():
                return repo
        return RepoConfig(name=name)


def check_api_url(url: str, *, where: str) -> str:
    """An http(s) URL with a host, without its trailing slash; anything else is a clear error."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0
    except ValueError:  # a bad port or IPv6 literal
        valid = False
    if not valid:
        raise AgentError(
            f"the GitHub API URL {url!r} is not an http(s) URL",
            where=where,
            fix="use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
        )
    return url.strip().rstrip("/")


STRATEGIES = tuple(str(s) for s in Strategy)
EVENTS = (
    "breaker_opened",
    "rollback",
    "rollback_partial",
    "fix_healthy",
    "storm",
    "gave_up",
)  # what [notifications] can send


@dataclass(frozen=True)
class Problem:
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.key}: {self.message}"


class ConfigError(AgentError):
    """Every problem found in one configuration file."""

    def __init__(self, path: str, problems: list[Problem]) -> None:
        first = problems[0]
        more = f" (and {len(problems) - 1} more: run `agent config check`)" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}", where=path, fix="see `agent init` for a commented example")
        self.path = path
        self.problems = problems


def load_config(path: str | Path, *, required: bool = True) -> Config:
    """Read and validate a config file; a missing file is an error only when `required`."""
    path = Path(path)
    if not path.exists():
        if required:
            raise AgentError(
                f"config file {path} not found",
                fix="create one with `agent init`, or pass --config PATH",
            )
        return Config()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise AgentError(f"cannot read config file {path}: {exc}") from None
    config, problems = parse_config(text, source=str(path))
    if problems:
        raise ConfigError(str(path), problems)
    return config


def parse_config(text: str, *, source: str = "<string>") -> tuple[Config, list[Problem]]:
    """Parse TOML text into a Config and the list of every problem (empty when valid)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = _line_of_decode_error(str(exc))
        return Config(), [Problem("(syntax)", f"invalid TOML: {exc}", line)]
    problems: list[Problem] = []
    values = _build(Config, raw, "", problems, text)
    config = dataclasses.replace(values, source=source) if isinstance(values, Config) else Config()
    from cicd_agent.config.checks import check_semantics

    problems.extend(check_semantics(config, lambda key: find_line(text, key)))
    return config, problems


def _line_of_decode_error(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def find_line(text: str, dotted: str) -> int | None:
    """Best-effort line of a dotted key (`policy.max_files`, `repos[1].name`) in TOML text."""
    parts = [p for p in re.split(r"\.|\[\d+\]", dotted) if p]
    if not parts:
        return None
    if len(parts) == 1:  # a top-level key, or a whole section (`[polcy]`)
        top = re.compile(r"^\s*(?:\[\[?\s*" + re.escape(parts[0]) + r"\s*\]\]?\s*$|" + re.escape(parts[0]) + r"\s*=)")
        return next((n + 1 for n, line in enumerate(text.splitlines()) if top.match(line)), None)
    indexes = [int(i) for i in re.findall(r"\[(\d+)\]", dotted)]
    lines = text.splitlines()
    start = 0
    if len(parts) > 1:
        header = re.compile(r"^\s*\[\[?\s*" + re.escape(parts[0]) + r"\s*\]\]?\s*$")
        seen = -1
        wanted = indexes[0] if indexes else 0
        for number, line in enumerate(lines):
            if header.match(line):
                seen += 1
                if seen == wanted:
                    start = number + 1
                    break
        else:
            return None
    key = re.compile(r"^\s*" + re.escape(parts[-1]) + r"\s*=")
    for number in range(start, len(lines)):
        if number > start and len(parts) > 1 and lines[number].lstrip().startswith("["):
            break
        if key.match(lines[number]):
            return number + 1
    return None


def _build(cls: type, table: object, prefix: str, problems: list[Problem], text: str) -> Any:
    if not isinstance(table, dict):
        problems.append(Problem(prefix or "(top)", "expected a table", find_line(text, prefix)))
        return cls()
    hints = typing.get_type_hints(cls)
    fields = {f.name for f in dataclasses.fields(cls) if f.name != "source"}
    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else key
        if key not in fields:
            what = "section" if isinstance(value, dict | list) and not prefix else "key"
            guess = difflib.get_close_matches(key, sorted(fields), n=1, cutoff=0.6)
            hint = f"did you mean `{guess[0]}`? " if guess else ""
            known = ", ".join(sorted(fields))
            message = f"unknown {what}; {hint}(known {what}s here: {known})"
            problems.append(Problem(dotted, message, find_line(text, dotted)))
            continue
        try:
            kwargs[key] = _convert(hints[key], value, dotted, problems, text)
        except ValueError as exc:
            problems.append(Problem(dotted, str(exc), find_line(text, dotted)))
    return cls(**kwargs)


def _convert(hint: Any, value: object, dotted: str, problems: list[Problem], text: str) -> Any:
    origin = typing.get_origin(hint)
    if hint is Duration:
        return parse_duration(value)
    if hint is NumericId:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).isdigit():
            raise ValueError(f'expected a numeric id (123456 or "123456"), got {_kind(value)}')
        return NumericId(str(value))
    if hint is IdText:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise ValueError(f"expected a number or a string, got {_kind(value)}")
        return IdText(str(value))
    if dataclasses.is_dataclass(hint):
        return _build(typing.cast(type, hint), value, dotted, problems, text)
    if origin is list:
        (item,) = typing.get_args(hint)
        if not isinstance(value, list):
            raise ValueError(f"expected a list, got {_kind(value)}")
        return [_convert(item, v, f"{dotted}[{i}]", problems, text) for i, v in enumerate(value)]
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {_kind(value)}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"expected an integer, got {_kind(value)}")
        if value < 0:
            raise ValueError("must not be negative")
        return value
    if hint is str:
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {_kind(value)}")
        return value
    raise ValueError(f"unsupported type {hint}")


def _kind(value: object) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", list: "a list"}
    return names.get(type(value), "a table" if isinstance(value, dict) else type(value).__name__)


def toml_value(value: object) -> str:
    """A value as TOML writes it (for the settings the agent suggests)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return json.dumps(value) if isinstance(value, str | list) else str(value)


def token_for(config: Config, repo: str | None = None) -> str | None:
    """The token from the environment variable the config names (then GH_TOKEN), trimmed: one read from a
    secret file ends in a newline. Never logged, never echoed, not even in the error about it."""
    names = [config.repo(repo).token_env] if repo else []
    names += [config.github.token_env, "GITHUB_TOKEN", "GH_TOKEN"]
    for name in names:
        value = os.environ.get(name, "").strip() if name else ""
        if value:
            if any(c.isspace() or not c.isprintable() for c in value):
                raise AgentError(
                    "the token has spaces, line breaks or control characters inside it",
                    where=f"${name}",
                    fix='export the token alone (for example: export GITHUB_TOKEN="$(cat token-file)")',
                )
            return value
    return None


# what `agent init` writes: every section, commented (a test checks it is valid)
STARTER_CONFIG = Path(__file__).with_name("starter.toml").read_text(encoding="utf-8")
