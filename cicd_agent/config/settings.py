"""The configuration file `cicd-agent.toml`: typed sections, validated at load.

Every problem is reported with its dotted key and, where the key can be found in the text, its line.
Tokens are never stored in the file: a repository names the environment variable that holds one.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

from cicd_agent.config.repos import entry_for
from cicd_agent.config.urls import check_url
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
    # where the repositories a [[repos]] glob selects come from: "orgs" (each glob's owner, GET /orgs/{owner}/repos)
    # or "installation" (every repository the App installation can see; all of them with no [[repos]] at all)
    discover: str = "orgs"


@dataclass(frozen=True)
class BudgetConfig:
    """The fleet's request budget, paced before each request is sent, shared by every host through the store.
    The defaults sit under GitHub's secondary limits (its figures in the comments); 0 leaves one unpaced."""

    in_flight: int = 50  # requests at once across the fleet (GitHub: 100)
    points_per_minute: int = 720  # a read costs 1 point, a write 5 (GitHub: 900)
    creations_per_minute: int = 60  # content-creating requests, every write counted (GitHub: 80)
    creations_per_hour: int = 400  # (GitHub: 500)
    requests_per_hour: int = 4000  # one token's primary limit; a 304 is free (GitHub: 5,000 for a token)


@dataclass(frozen=True)
class RepoConfig:
    name: str = ""  # OWNER/NAME, or a glob over discovered repositories (config/repos.py has the rule)
    branches: list[str] = field(default_factory=lambda: ["main"])
    token_env: str = ""
    failure_threshold: int = 0
    reset_after: Duration = Duration(0)
    include_archived: bool = False  # a glob: also watch the archived repositories it matches
    include_forks: bool = False  # a glob: also watch the forks it matches


@dataclass(frozen=True)
class StateConfig:
    dir: str = ".cicd-agent"
    url: str = ""  # a PostgreSQL database shared by several hosts (empty: the SQLite file in `dir`)
    snapshot_dir: str = "snapshots"
    snapshot_retention: Duration = Duration(7 * 86400)
    dedup_ttl: Duration = Duration(7 * 86400)
    # a claim on a failure or a remediation, renewed while the work runs: a dead host's work is taken over after it
    lease: Duration = Duration(30)


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
    fork_failures: str = "skip"  # a fork's failed run: "skip" (recorded) or "comment" on the fork's pull request


@dataclass(frozen=True)
class RerunConfig:
    """Re-runs that wait (a rate limit) or are budgeted (known flaky tests)."""

    rate_limit_backoff: Duration = Duration(300)  # the wait before re-running a rate limit whose log states none
    flaky_budget: int = 5  # re-runs of known flaky tests per repository per `flaky_window` (0: never re-run them)
    flaky_window: Duration = Duration(86400)
    flaky_report_after: int = 3  # flakes of one test before its issue is opened (then updated, never duplicated)


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
    # on start and at each sweep, deliveries that failed within this window are redelivered (GitHub keeps 3 days;
    # 0: never); needs the App's credentials
    redeliver_window: Duration = Duration(3 * 86400)


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
    discover_interval: Duration = Duration(3600)  # the discovered repository list is read again this often


@dataclass(frozen=True)
class MetricsConfig:
    address: str = "127.0.0.1"  # where `run --watch` serves /metrics and /healthz ("0.0.0.0": every interface)
    port: int = 0  # 0: not served unless --metrics-port says so
    unhealthy_after: int = 3  # /healthz answers 503 after this many failed cycles in a row


@dataclass(frozen=True)
class DashboardConfig:
    """The dashboard issue: one per watched repository, updated in place (as Renovate's Dependency Dashboard)."""

    issue: bool = False  # opt in: the agent opens and keeps one issue per repository
    title: str = "cicd-agent dashboard"
    refresh: Duration = Duration(600)  # an unchanged dashboard is read again (for ticked boxes) this often


@dataclass(frozen=True)
class Config:
    github: GitHubConfig = field(default_factory=GitHubConfig)
    budget: BudgetConfig = field(default_factory=BudgetConfig)
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
    reruns: RerunConfig = field(default_factory=RerunConfig)
    webhook: WebhookConfig = field(default_factory=WebhookConfig)
    dashboard: DashboardConfig = field(default_factory=DashboardConfig)
    source: str = ""

    def api_url(self) -> str:
        """The API base URL: the file wins, then `GITHUB_API_URL`, then github.com."""
        if self.github.api_url:
            return check_api_url(self.github.api_url, where=f"github.api_url in {self.source or DEFAULT_CONFIG}")
        return check_api_url(os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL, where="$GITHUB_API_URL")

    def entry(self, name: str) -> RepoConfig | None:
        """The `[[repos]]` entry whose settings apply to a repository: its exact name, else the first glob."""
        return entry_for(self.repos, name)

    def repo(self, name: str) -> RepoConfig:
        return self.entry(name) or RepoConfig(name=name)


def check_api_url(url: str, *, where: str) -> str:
    """The API base URL held to the rule for every URL that carries the token (`config/urls.py`)."""
    return check_url(
        url,
        what="the GitHub API URL",
        where=where,
        fix="use https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise Server",
    )


STRATEGIES = tuple(str(s) for s in Strategy)
FORK_FAILURES = ("skip", "comment")
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
