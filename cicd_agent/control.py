"""Breakers, pause and the audit trail, as operations over the store: what the CLI and the pipeline call.

The state machine itself is pure (`breaker.py`); this module loads a breaker, applies a move under the
store's write lock, appends the history, and hands openings to the notifier through the effects gateway.
"""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import asdict, dataclass
from typing import Any

from cicd_agent import breaker as machine
from cicd_agent.breaker import OPENED, Breaker, Policy, State, Transition
from cicd_agent.config import Config
from cicd_agent.effects import Effects
from cicd_agent.errors import AgentError
from cicd_agent.store import BreakerKey, Store

PAUSE_KEY = "paused"
LAST_CYCLE_KEY = "last_cycle"


@dataclass(frozen=True)
class BreakerView:
    repo: str
    branch: str
    signature: str
    state: str
    failures: int
    opened_at: float | None
    half_open_at: float | None
    last_failure_run: str
    updated_at: float

    @property
    def key(self) -> BreakerKey:
        return (self.repo, self.branch, self.signature)


def policy_for(config: Config, repo: str) -> Policy:
    """The global thresholds, overridden per repository where the config says so."""
    per_repo = config.repo(repo)
    return Policy(
        failure_threshold=per_repo.failure_threshold or config.breaker.failure_threshold,
        reset_after=float(per_repo.reset_after or config.breaker.reset_after),
    )


def _machine(row: dict[str, Any] | None) -> Breaker:
    if row is None:
        return Breaker()
    return Breaker(
        state=State(row["state"]),
        failures=row["failures"] or 0,
        opened_at=row["opened_at"],
        trial_in_flight=bool(row["trial_in_flight"]),
        last_failure_run=row["last_failure_run"] or "",
    )


def _row(b: Breaker) -> dict[str, Any]:
    return {**asdict(b), "state": str(b.state), "trial_in_flight": int(b.trial_in_flight)}


def _view(row: dict[str, Any], policy: Policy, now: float) -> BreakerView:
    current, _ = machine.observe(_machine(row), policy, now)
    return BreakerView(
        row["repo"],
        row["branch"],
        row["signature"],
        str(current.state),
        current.failures,
        current.opened_at,
        current.half_open_at(policy),
        current.last_failure_run,
        row["updated_at"] or 0.0,
    )


def list_breakers(
    store: Store, config: Config, now: float, *, repo: str | None = None, state: str | None = None
) -> list[BreakerView]:
    """Breakers as of `now` (an OPEN one past its timer reads HALF_OPEN); `state` filters on that."""
    views = [_view(row, policy_for(config, row["repo"]), now) for row in store.breakers(repo=repo)]
    return [v for v in views if state is None or v.state == state.upper()]


def show_breaker(store: Store, config: Config, key: BreakerKey, now: float) -> tuple[BreakerView, list[dict[str, Any]]]:
    row = store.get_breaker(key)
    if row is None:
        raise AgentError(f"no breaker for {key[0]} {key[1]} {key[2][:12]}", fix="see `agent breaker list`")
    return _view(row, policy_for(config, key[0]), now), store.breaker_events(key)


def resolve(store: Store, repo: str, *, branch: str | None, signature: str | None, every: bool) -> list[BreakerKey]:
    """The breakers an operator command names. A signature prefix is fine when it is unambiguous."""
    rows = [r for r in store.breakers(repo=repo) if branch is None or r["branch"] == branch]
    if signature:
        rows = [r for r in rows if r["signature"].startswith(signature.lower())]
    where = " ".join(
        x for x in (repo, f"branch {branch}" if branch else "", f"signature {signature}*" if signature else "") if x
    )
    if not rows:
        raise AgentError(f"no breaker matches {where}", fix="see `agent breaker list --repo " + repo + "`")
    if len(rows) > 1 and not every:
        shown = ", ".join(f"{r['branch']}/{r['signature'][:12]}" for r in rows[:5])
        raise AgentError(
            f"{len(rows)} breakers match {where} ({shown})", fix="narrow it with --branch/--signature, or pass --all"
        )
    return [(r["repo"], r["branch"], r["signature"]) for r in rows]


def actor(by: str | None) -> str:
    """Who acts: --by, else the GitHub actor in Actions, else the OS user."""
    if by:
        return by
    if os.environ.get("GITHUB_ACTIONS") == "true" and os.environ.get("GITHUB_ACTOR"):
        return os.environ["GITHUB_ACTOR"]
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _apply(
    store: Store,
    effects: Effects,
    config: Config,
    key: BreakerKey,
    now: float,
    move: Any,
    *,
    who: str = "agent",
    remediation_id: int | None = None,
) -> tuple[Breaker, list[Transition]]:
    """Load, move, persist (one transaction), then notify openings."""
    policy = policy_for(config, key[0])
    result: dict[str, Any] = {}

    def change(row: dict[str, Any] | None) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        moved, transitions = move(_machine(row), policy)
        result["breaker"], result["transitions"] = moved, transitions
        events = [
            {
                "from_state": str(t.from_state),
                "to_state": str(t.to_state),
                "reason": t.reason,
                "actor": who,
                "remediation_id": remediation_id,
            }
            for t in transitions
        ]
        return _row(moved), events

    store.update_breaker(key, change, now=now)
    transitions: list[Transition] = result["transitions"]
    for transition in transitions:
        if transition.to_state in OPENED:
            effects.notify(
                "breaker_opened",
                f"breaker {transition.to_state} for {key[0]} {key[1]} {key[2][:12]}: {transition.reason} (by {who})",
            )
    return result["breaker"], transitions


def operator_move(
    store: Store,
    effects: Effects,
    config: Config,
    keys: list[BreakerKey],
    to: State,
    *,
    reason: str,
    who: str,
    now: float,
) -> list[BreakerView]:
    if not reason.strip():
        raise AgentError("--reason must say why", fix="e.g. --reason 'fixed the lockfile by hand'")
    done = []
    for key in keys:
        _apply(store, effects, config, key, now, lambda b, p: machine.operator_set(b, to, reason), who=who)
        store.record_decision(
            {
                "at": now,
                "repo": key[0],
                "branch": key[1],
                "signature": key[2],
                "decision": f"breaker_{to.lower()}",
                "reason": reason,
                "detail": {"by": who},
            }
        )
        done.append(_view(store.get_breaker(key) or {}, policy_for(config, key[0]), now))
    return done


def acquire(store: Store, effects: Effects, config: Config, key: BreakerKey, now: float) -> tuple[bool, str]:
    """May the pipeline start a remediation for this key? (Takes the half-open trial slot when it may.)"""
    verdict: dict[str, Any] = {}

    def move(b: Breaker, policy: Policy) -> tuple[Breaker, list[Transition]]:
        allowed, reason, moved, transitions = machine.acquire(b, policy, now)
        verdict["allowed"], verdict["reason"] = allowed, reason
        return moved, transitions

    _apply(store, effects, config, key, now, move)
    return bool(verdict["allowed"]), str(verdict["reason"])


def record_outcome(
    store: Store,
    effects: Effects,
    config: Config,
    key: BreakerKey,
    *,
    success: bool | None,
    now: float,
    run: str = "",
    remediation_id: int | None = None,
) -> Breaker:
    """A remediation's verdict: success, failure, or None (inconclusive: frees a half-open slot only)."""

    def move(b: Breaker, policy: Policy) -> tuple[Breaker, list[Transition]]:
        if success is None:
            return machine.release(b), []
        if success:
            return machine.record_success(b, policy, now)
        return machine.record_failure(b, policy, now, run)

    return _apply(store, effects, config, key, now, move, remediation_id=remediation_id)[0]


def reject(
    store: Store,
    effects: Effects,
    config: Config,
    key: BreakerKey,
    *,
    now: float,
    reason: str,
    run: str = "",
    remediation_id: int | None = None,
) -> None:
    """A human closed the agent's PR unmerged: a failed remediation, and the key waits for a reset."""
    record_outcome(store, effects, config, key, success=False, now=now, run=run, remediation_id=remediation_id)
    operator_move(store, effects, config, [key], State.FORCED_OPEN, reason=reason, who="agent", now=now)


# -- pause --------------------------------------------------------------------------------------------


def pause(store: Store, *, reason: str, who: str, now: float) -> None:
    if not reason.strip():
        raise AgentError("--reason must say why the agent is paused")
    store.set_meta(PAUSE_KEY, json.dumps({"reason": reason, "by": who, "at": now}))
    store.record_decision(
        {
            "at": now,
            "repo": "*",
            "branch": "",
            "signature": "",
            "decision": "paused",
            "reason": reason,
            "detail": {"by": who},
        }
    )


def resume(store: Store, *, who: str, now: float) -> bool:
    """False when the agent was not paused."""
    if store.get_meta(PAUSE_KEY) is None:
        return False
    store.set_meta(PAUSE_KEY, None)
    store.record_decision(
        {
            "at": now,
            "repo": "*",
            "branch": "",
            "signature": "",
            "decision": "resumed",
            "reason": "",
            "detail": {"by": who},
        }
    )
    return True


def paused(store: Store) -> dict[str, Any] | None:
    value = store.get_meta(PAUSE_KEY)
    return json.loads(value) if value else None


def status(store: Store, config: Config, now: float) -> dict[str, Any]:
    """What `agent status` shows."""
    views = list_breakers(store, config, now)
    last = store.get_meta(LAST_CYCLE_KEY)
    return {
        **store.failure_counts(),
        "remediations": store.remediation_counts(),
        "breakers": {state: sum(1 for v in views if v.state == state) for state in sorted({v.state for v in views})},
        "open_breakers": [asdict(v) for v in views if v.state in (State.OPEN, State.FORCED_OPEN, State.HALF_OPEN)],
        "pending_health_checks": store.pending_health_checks(),
        "last_cycle": json.loads(last) if last else None,
        "paused": paused(store),
    }
