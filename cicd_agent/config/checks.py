"""What a well-typed config can still get wrong: names, relations between settings, URLs, pasted secrets.

Pure: a `Config` and a way to find a key's line in, the problems out. A value that looks like a secret is
never repeated in a message.
"""

from __future__ import annotations

import dataclasses
import math
import re
import urllib.parse
from collections.abc import Callable

from cicd_agent.config.repos import DISCOVERY_SOURCES, REPO_GLOB, is_glob, shadowing, unmatchable
from cicd_agent.config.settings import (
    EVENTS,
    FORK_FAILURES,
    REPO_NAME,
    STRATEGIES,
    Config,
    Duration,
    Problem,
    ScheduleConfig,
)
from cicd_agent.config.urls import NOT_A_URL, url_problem
from cicd_agent.model import FIXER_NAMES
from cicd_agent.text import shown_url

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# token shapes: GitHub (ghp_, gho_, ghu_, ghs_, ghr_, github_pat_), Slack (xoxb- ...), a PEM, a URL
SECRET_SHAPES = re.compile(r"^(gh[pousr]_|github_pat_|xox[abposr]-)|-----BEGIN|://|^[0-9a-f]{40}$")

Lines = Callable[[str], int | None]


def looks_like_secret(value: str) -> bool:
    """A token rather than the name of the variable holding one (names are short words, usually UPPER_SNAKE)."""
    if SECRET_SHAPES.search(value):
        return True
    mixed = bool(re.search(r"[a-z]", value) and re.search(r"[A-Z]", value) and re.search(r"\d", value))
    return len(value) >= 30 and mixed and "_" not in value


def env_keys(config: Config) -> list[tuple[str, str]]:
    """(dotted key, value) of every setting that names an environment variable."""
    keys = [
        ("github.token_env", config.github.token_env),
        ("github.app_private_key_env", config.github.app_private_key_env),
        ("notifications.slack_webhook_env", config.notifications.slack_webhook_env),
        ("notifications.telegram_token_env", config.notifications.telegram_token_env),
        ("notifications.webhook_url_env", config.notifications.webhook_url_env),
        ("webhook.secret_env", config.webhook.secret_env),
    ]
    keys += [(f"repos[{i}].token_env", repo.token_env) for i, repo in enumerate(config.repos)]
    return [(key, value) for key, value in keys if value]


def check_semantics(config: Config, line_of: Lines) -> list[Problem]:
    problems: list[Problem] = []

    def add(key: str, message: str) -> None:
        problems.append(Problem(key, message, line_of(key)))

    _check_repos(config, add)
    _check_rules(config, add)
    _check_forks(config, add)
    _check_env_names(config, add)
    _check_urls(config, add)
    _check_durations(config, add)
    for index, event in enumerate(config.notifications.events):
        if event not in EVENTS:
            add(f"notifications.events[{index}]", f"unknown event {event!r} (known: {', '.join(EVENTS)})")
    if config.schedule.cleanup_cron != ScheduleConfig().cleanup_cron:  # APScheduler loads only for a cron of one's own
        try:
            from apscheduler.triggers.cron import CronTrigger

            CronTrigger.from_crontab(config.schedule.cleanup_cron)
        except ValueError as exc:
            add("schedule.cleanup_cron", f"invalid cron expression: {exc}")
    gh = config.github
    if gh.app_id and (not gh.app_private_key_env or not gh.installation_id):
        add("github.app_id", "a GitHub App also needs app_private_key_env and installation_id")
    if config.breaker.failure_threshold < 1:
        add("breaker.failure_threshold", "must be at least 1")
    if config.storm.min_repos == 1:
        add("storm.min_repos", "must be 0 (off) or at least 2: one repository is not a storm")
    if config.storm.issue_repo and not REPO_NAME.match(config.storm.issue_repo):
        add("storm.issue_repo", f"expected OWNER/NAME, got {config.storm.issue_repo!r}")
    if not config.webhook.path.startswith("/"):
        add("webhook.path", f"must start with /, got {config.webhook.path!r}")
    _check_numbers(config, "", add)
    _check_state_url(config.state.url, add)
    return problems


def _check_state_url(url: str, add: Callable[[str, str], None]) -> None:
    """A PostgreSQL URL, without a password in it (the file is no place for secrets)."""
    if not url:
        return
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("postgresql", "postgres"):
        add("state.url", "expected postgresql://USER@HOST:PORT/DATABASE (empty: the SQLite file in state.dir)")
    elif parts.password or "password=" in parts.query:
        add(
            "state.url",
            "the URL holds a password (not shown): put it in PGPASSWORD or ~/.pgpass, or pass the whole URL in "
            "CICD_AGENT_STATE_URL, and change the password, since it was written in a file",
        )


DAY = 86400.0
# (lowest, highest) of each number; a number not named here gets the default of its kind, so none is unbounded
BOUNDS: dict[str, tuple[float, float]] = {
    "github.timeout": (0, 600),
    "github.max_retries": (0, 20),
    "github.max_rate_limit_wait": (0, DAY),
    "github.write_interval": (0, 60),
    "github.poll_concurrency": (1, 100),  # GitHub allows at most 100 concurrent requests
    "budget.in_flight": (0, 100),  # the same, across the fleet (0: not paced)
    "state.dedup_ttl": (0, 400 * DAY),  # logs are kept at most 400 days
    "state.lease": (0, DAY),
    "breaker.failure_threshold": (1, 1000),
    "health.interval": (0, DAY),
    "policy.max_failures_per_cycle": (1, 10_000),
    "webhook.port": (1, 65535),
    "metrics.port": (0, 65535),
    "metrics.unhealthy_after": (1, 1000),
    "rules.priority": (-1_000_000, 1_000_000),
    "rules.max_reruns": (0, 100),
    "schedule.poll_interval": (0, 7 * DAY),
    "schedule.health_interval": (0, 7 * DAY),
}
DEFAULT_BOUNDS = {"duration": (0, 3650 * DAY), "count": (0, 1_000_000)}


def _check_numbers(value: object, key: str, add: Callable[[str, str], None]) -> None:
    """Every number in the config within its bounds (`BOUNDS`, else the default for a duration or a count), so
    no absurd value (`max_retries = 10**30`, `inf`, `nan`) reaches the code that uses it."""
    if dataclasses.is_dataclass(value):
        for item in dataclasses.fields(value):
            _check_numbers(getattr(value, item.name), f"{key}.{item.name}".lstrip("."), add)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_numbers(item, f"{key}[{index}]", add)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        generic = re.sub(r"\[\d+\]", "", key)
        low, high = BOUNDS.get(generic) or DEFAULT_BOUNDS["duration" if isinstance(value, Duration) else "count"]
        if not (math.isfinite(value) and low <= value <= high):
            shown = f"{value:.3g}" if abs(value) >= 1e12 or not math.isfinite(value) else f"{value:g}"
            unit = " seconds" if isinstance(value, Duration) else ""
            add(key, f"{shown} is out of range: expected {low:g} to {high:g}{unit}")


_REF_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:\\\[]|\.\.|@\{|//|/\.|\.lock(?:/|$)|^[/.]|[/.]$")


def glob_problem(pattern: str) -> str | None:
    """Why a branch glob can never match a branch (git's rules for branch names), or None. Its wildcards and
    character classes are set aside (each as one allowed character); what is left must be possible in a name."""
    if not pattern.strip():
        return "an empty glob matches no branch"
    fixed = re.sub(r"\[!?\]?[^\]]*\]|[*?]", "x", pattern)  # an unclosed `[` stays a literal `[`, as in fnmatch
    if bad := _REF_FORBIDDEN.search(fixed):
        return f"git allows no {bad.group(0)!r} there in a branch name"
    return None


def _check_globs(patterns: list[str], key: str, add: Callable[[str, str], None]) -> None:
    for index, pattern in enumerate(patterns):
        if problem := glob_problem(pattern):
            add(f"{key}[{index}]", f"the glob {pattern!r} can never match a branch: {problem}")


def _check_repos(config: Config, add: Callable[[str, str], None]) -> None:
    discover = config.github.discover
    if discover not in DISCOVERY_SOURCES:
        add("github.discover", f"expected one of {', '.join(DISCOVERY_SOURCES)}, got {discover!r}")
    seen: set[str] = set()
    for index, repo in enumerate(config.repos):
        key = f"repos[{index}].name"
        glob = is_glob(repo.name)
        if not (REPO_GLOB if glob else REPO_NAME).match(repo.name):
            add(key, f"expected OWNER/NAME or a glob such as OWNER/*, got {repo.name!r}")
        elif repo.name.lower() in seen:
            add(key, f"repository {repo.name} is listed twice")
        elif glob and (problem := unmatchable(repo.name)):
            add(key, f"the glob {repo.name!r} can match no repository: {problem} (write [abc] or drop the [)")
        elif glob and discover == "orgs" and is_glob(repo.name.split("/")[0]):
            add(
                key,
                f'{repo.name!r}: with github.discover = "orgs" the owner must be a name (its repositories are '
                'listed); set github.discover = "installation" to match owners by a glob',
            )
        elif glob and (earlier := shadowing(config.repos, index)) is not None:
            add(
                key,
                f"never applies: repos[{earlier}] ({config.repos[earlier].name}) comes first and matches every "
                "repository this matches (the first matching glob wins): put the narrower glob first",
            )
        seen.add(repo.name.lower())
        if not glob:
            for flag in ("include_archived", "include_forks"):
                if getattr(repo, flag):
                    add(f"repos[{index}].{flag}", "applies to a glob only: an exact name is always watched")
        if not repo.branches:
            add(f"repos[{index}].branches", "list at least one branch or glob")
        _check_globs(repo.branches, f"repos[{index}].branches", add)


def _check_forks(config: Config, add: Callable[[str, str], None]) -> None:
    if config.policy.fork_failures not in FORK_FAILURES:
        expected = " or ".join(repr(v) for v in FORK_FAILURES)
        add("policy.fork_failures", f"expected {expected}, got {config.policy.fork_failures!r}")


def _check_rules(config: Config, add: Callable[[str, str], None]) -> None:
    known_fixers = sorted(FIXER_NAMES)
    for index, rule in enumerate(config.rules):
        if rule.strategy not in STRATEGIES:
            add(f"rules[{index}].strategy", f"expected one of {', '.join(STRATEGIES)}, got {rule.strategy!r}")
        if rule.strategy == "fix" and not (rule.fixer or rule.command):
            add(f"rules[{index}].fixer", "a `fix` rule needs a fixer name or a command")
        if rule.fixer and rule.fixer not in known_fixers:
            add(f"rules[{index}].fixer", f"unknown fixer {rule.fixer!r} (known: {', '.join(known_fixers)})")
        _check_globs(rule.branches, f"rules[{index}].branches", add)
        if rule.excerpt_regex:
            try:
                re.compile(rule.excerpt_regex)
            except re.error as exc:
                add(f"rules[{index}].excerpt_regex", f"invalid regular expression: {exc}")


def _check_env_names(config: Config, add: Callable[[str, str], None]) -> None:
    for key, value in env_keys(config):
        if looks_like_secret(value):
            add(
                key,
                "this looks like a secret itself (its value is not shown): put it in an environment variable, "
                "name the variable here, and revoke the secret, since it was written in a file",
            )
        elif not ENV_NAME.match(value):
            add(key, "must be the NAME of an environment variable (letters, digits and _), not a token")


def _check_urls(config: Config, add: Callable[[str, str], None]) -> None:
    checks = [
        ("github.api_url", config.github.api_url, "the token"),
        ("notifications.telegram_api_url", config.notifications.telegram_api_url, "the bot's token"),
        ("notifications.webhook_url", config.notifications.webhook_url, "what it sends"),
    ]
    for key, url, carries in checks:
        problem = url_problem(url, carries=carries) if url else None
        if problem == NOT_A_URL:
            problem += ": use https://HOST/..., or http://127.0.0.1:PORT for a local test server"
        if problem:
            add(key, f"{shown_url(url)!r} {problem}")


def _check_durations(config: Config, add: Callable[[str, str], None]) -> None:
    health, schedule = config.health, config.schedule
    if health.max_wait < health.delay:
        add(
            "health.max_wait",
            f"{health.max_wait:g}s is shorter than health.delay ({health.delay:g}s): the deadline would pass "
            "before the first look at the fix's CI",
        )
    if schedule.poll_interval <= 0:
        add("schedule.poll_interval", "must be positive")
    if schedule.health_interval <= 0:
        add("schedule.health_interval", "must be positive")
    if schedule.discover_interval <= 0:
        add("schedule.discover_interval", "must be positive")
    if config.github.timeout <= 0:
        add("github.timeout", "must be positive")
