"""The JSON schema of `cicd-agent.toml`, generated from the config's dataclasses (so it cannot drift from
them: `docs/config.schema.json` is this, and a test keeps it so). Editors that read TOML schemas (Taplo,
Even Better TOML) use it with a `#:schema ./docs/config.schema.json` first line."""

from __future__ import annotations

import dataclasses
import typing
from typing import Any

from cicd_agent.config.repos import DISCOVERY_SOURCES
from cicd_agent.config.settings import EVENTS, FORK_FAILURES, STRATEGIES, Config, Duration, IdText, NumericId
from cicd_agent.model import FIXER_NAMES

DESCRIPTIONS = {
    "github": "The GitHub API and the credentials (named by environment variable, never written here).",
    "github.api_url": "API base URL: GitHub Enterprise Server (https://HOST/api/v3); default $GITHUB_API_URL or "
    "https://api.github.com.",
    "github.token_env": "The NAME of the environment variable holding a token (GH_TOKEN also works).",
    "github.write_interval": "Seconds between mutating requests (GitHub asks for about one a second).",
    "github.app_id": "A GitHub App instead of a token: its id (with app_private_key_env and installation_id).",
    "github.app_private_key_env": "The NAME of the environment variable holding the App's private key (PEM).",
    "github.discover": "Where the repositories a [[repos]] glob selects come from: orgs (GET /orgs/{owner}/repos "
    "for each glob's owner) or installation (every repository the GitHub App installation can see; all of them "
    "when there is no [[repos]] entry).",
    "budget": "The fleet's request budget: every request waits for its share before it is sent, every host counts "
    "in the same windows through the state. The defaults sit under GitHub's secondary limits; 0 leaves one unpaced.",
    "budget.in_flight": "Requests at once across the fleet, shared among the hosts alive (GitHub: at most 100).",
    "budget.points_per_minute": "A read costs 1 point, a write 5 (GitHub: 900 a minute for the REST API).",
    "budget.creations_per_minute": "Content-creating requests (every write is counted) a minute (GitHub: 80).",
    "budget.creations_per_hour": "Content-creating requests an hour (GitHub: 500).",
    "budget.requests_per_hour": "The token's primary rate limit, charged after each answer; a 304 costs nothing.",
    "repos": "One table per repository, or per glob over the discovered ones, to watch.",
    "repos.name": "OWNER/NAME, or a glob (OWNER/*, OWNER/api-*): an exact name wins over globs, then the first glob.",
    "repos.include_archived": "A glob: also watch the archived repositories it matches.",
    "repos.include_forks": "A glob: also watch the forks it matches.",
    "repos.branches": "Branch globs; failures on other branches are ignored.",
    "repos.token_env": "A token variable for this repository only.",
    "state": "Where the state lives.",
    "state.dir": "The SQLite state database is <dir>/state.db (clones go to <dir>/workspaces either way).",
    "state.url": "A PostgreSQL database shared by several hosts: postgresql://USER@HOST:PORT/DATABASE (the password "
    "in PGPASSWORD or ~/.pgpass, not here). Empty: the SQLite file in state.dir. $CICD_AGENT_STATE_URL and "
    "--state-url win over it.",
    "state.snapshot_retention": "How long the file contents saved before each change are kept.",
    "state.dedup_ttl": "How far back failed runs are listed; each is handled once.",
    "state.lease": "How long a claim on a failure or a remediation holds without its host renewing it (a "
    "heartbeat renews it every third of it while the work runs): a dead host's work is taken over after it.",
    "breaker.failure_threshold": "Failed remediations of one failure before its breaker opens.",
    "breaker.reset_after": "Then one trial is allowed (half-open).",
    "health.delay": "First look at the fix's CI.",
    "health.max_wait": "No verdict by then: inconclusive. At least health.delay.",
    "policy.allow_workflow_changes": "Fixes may edit .github/workflows/ (needs a token with the workflow scope).",
    "policy.needs_approval": "Open fix PRs as drafts labelled cicd-agent:needs-approval.",
    "policy.fork_failures": "A failed run from a fork's pull request: skip it (recorded), or comment on that pull "
    "request. Never fixed, re-run or reported as the base repository's branch.",
    "rules": "Tried by priority (lowest first); the built-in rules follow them.",
    "rules.fixer": "A built-in fixer by name.",
    "rules.command": "A command run in the checkout (argument list, no shell).",
    "notifications.events": "Which events are sent.",
    "reruns": "Re-runs that wait (a rate limit) or are budgeted (known flaky tests).",
    "reruns.rate_limit_backoff": "The wait before re-running a rate-limited failure whose log states none.",
    "reruns.flaky_budget": "Re-runs of known flaky tests per repository per flaky_window (0: never).",
    "reruns.flaky_report_after": "Flakes of one test before its one issue is opened (then updated).",
    "schedule.cleanup_cron": "When old snapshots are deleted (crontab syntax).",
    "schedule.discover_interval": "How often the discovered repositories are listed again (and on installation "
    "webhooks).",
    "webhook.redeliver_window": "Deliveries that failed within this window are redelivered when `agent serve` "
    "starts and at each sweep (GitHub keeps 3 days; 0: never). Needs the GitHub App's credentials.",
    "metrics.address": 'Where `run --watch` serves /metrics and /healthz ("0.0.0.0": every interface).',
    "metrics.port": "0: only with --metrics-port.",
    "metrics.unhealthy_after": "/healthz answers 503 after this many failed cycles in a row.",
    "dashboard": "The dashboard issue: one per repository, updated in place; people with write access tick its "
    "boxes to reset a breaker or approve a draft fix.",
    "dashboard.issue": "Open and keep the dashboard issue in every watched repository.",
    "dashboard.refresh": "An unchanged dashboard issue is read again (for ticked boxes) this often.",
}
ENUMS: dict[str, tuple[str, ...]] = {
    "rules.strategy": STRATEGIES,
    "notifications.events": EVENTS,
    "github.discover": DISCOVERY_SOURCES,
    "policy.fork_failures": FORK_FAILURES,
}
DURATION = {
    "anyOf": [
        {"type": "number", "minimum": 0},
        {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*[smhd]?\s*$"},
    ],
    "description": 'Seconds, or a string such as "30s", "5m", "24h", "7d".',
}


def config_schema() -> dict[str, Any]:
    enums = {**ENUMS, "rules.fixer": ("", *sorted(FIXER_NAMES))}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "cicd-agent.toml",
        "description": "Configuration of cicd-agent (generated from cicd_agent/config/ by `agent config schema`).",
        **_object(Config, "", enums),
    }


def _object(cls: type, prefix: str, enums: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    defaults = cls()
    properties = {}
    for f in dataclasses.fields(cls):
        if f.name == "source":
            continue
        dotted = f"{prefix}.{f.name}" if prefix else f.name
        shape = _shape(hints[f.name], dotted, enums)
        default = getattr(defaults, f.name)
        if not dataclasses.is_dataclass(default) and not (isinstance(default, list) and prefix == ""):
            shape["default"] = _plain(default)
        if dotted in DESCRIPTIONS:
            shape["description"] = DESCRIPTIONS[dotted]
        properties[f.name] = shape
    return {"type": "object", "additionalProperties": False, "properties": properties}


def _shape(hint: Any, dotted: str, enums: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    if hint is Duration:
        return dict(DURATION)
    if hint is NumericId:
        return {"type": ["integer", "string"], "minimum": 0, "pattern": "^([0-9]+)?$"}
    if hint is IdText:
        return {"type": ["integer", "string"]}
    if dataclasses.is_dataclass(hint):
        return _object(typing.cast(type, hint), dotted, enums)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        items = (
            _object(typing.cast(type, item), dotted, enums)
            if dataclasses.is_dataclass(item)
            else _shape(item, dotted, enums)
        )
        return {"type": "array", "items": items}
    bases: dict[Any, dict[str, Any]] = {
        bool: {"type": "boolean"},
        int: {"type": "integer", "minimum": 0},
        str: {"type": "string"},
    }
    base = bases[hint]
    if dotted in enums:
        return {**base, "enum": list(enums[dotted])}
    return dict(base)


def _plain(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        return str(value)
    return value
