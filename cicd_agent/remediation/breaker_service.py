"""The breakers as a service over the store: what the remediation loop and the CLI call.

The state machine itself is pure (`breaker.py`); `Breakers` binds the store, the effects gateway and the
config once, applies a move under the store's write lock, appends the history, and hands openings to the
notifier through the effects gateway.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cicd_agent import breaker as machine
from cicd_agent.breaker import OPENED, Breaker, Policy, State, Transition
from cicd_agent.config.settings import Config
from cicd_agent.errors import AgentError
from cicd_agent.model import BreakerEvent, Decision, FailureKey
from cicd_agent.store import Store, StoredBreaker

if TYPE_CHECKING:  # the read commands use Breakers without PyGithub, which effects imports
    from cicd_agent.effects.gateway import Effects

Move = Callable[[Breaker, Policy], tuple[Breaker, list[Transition]]]


@dataclass(frozen=True)
class BreakerView:
    """A breaker as of a moment (an OPEN one past its timer reads HALF_OPEN)."""

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
    def key(self) -> FailureKey:
        return FailureKey(self.repo, self.branch, self.signature)


def policy_for(config: Config, repo: str) -> Policy:
    """The global thresholds, overridden per repository where the config says so."""
    per_repo = config.repo(repo)
    return Policy(
        failure_threshold=per_repo.failure_threshold or config.breaker.failure_threshold,
        reset_after=float(per_repo.reset_after or config.breaker.reset_after),
    )


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


@dataclass
class Breakers:
    """The breakers of one store. Reading needs no effects gateway; moving does (openings notify)."""

    store: Store
    config: Config
    effects: Effects | None = None

    # -- reading ------------------------------------------------------------------------------------

    def _view(self, stored: StoredBreaker, now: float) -> BreakerView:
        policy = policy_for(self.config, stored.key.repo)
        current, _ = machine.observe(stored.breaker, policy, now)
        return BreakerView(
            stored.key.repo,
            stored.key.branch,
            stored.key.signature,
            str(current.state),
            current.failures,
            current.opened_at,
            current.half_open_at(policy),
            current.last_failure_run,
            stored.updated_at,
        )

    def views(self, now: float, *, repo: str | None = None, state: str | None = None) -> list[BreakerView]:
        """Breakers as of `now`; `state` filters on that."""
        views = [self._view(stored, now) for stored in self.store.breakers(repo=repo)]
        return [v for v in views if state is None or v.state == state.upper()]

    def show(self, key: FailureKey, now: float) -> tuple[BreakerView, list[BreakerEvent]]:
        stored = self.store.get_breaker(key)
        if stored is None:
            raise AgentError(f"no breaker for {key.short()}", fix="see `agent breaker list`")
        return self._view(stored, now), self.store.breaker_events(key)

    def last_event(self, key: FailureKey) -> BreakerEvent | None:
        """The breaker's latest change: when, by whom, why."""
        events = self.store.breaker_events(key)
        return events[-1] if events else None

    def resolve(self, repo: str, *, branch: str | None, signature: str | None, every: bool) -> list[FailureKey]:
        """The breakers an operator command names. A signature prefix is fine when it is unambiguous."""
        keys = [b.key for b in self.store.breakers(repo=repo) if branch is None or b.key.branch == branch]
        if signature:
            keys = [k for k in keys if k.signature.startswith(signature.lower())]
        where = " ".join(
            x for x in (repo, f"branch {branch}" if branch else "", f"signature {signature}*" if signature else "") if x
        )
        if not keys:
            raise AgentError(f"no breaker matches {where}", fix="see `agent breaker list --repo " + repo + "`")
        if len(keys) > 1 and not every:
            shown = ", ".join(f"{k.branch}/{k.signature[:12]}" for k in keys[:5])
            raise AgentError(
                f"{len(keys)} breakers match {where} ({shown})",
                fix="narrow it with --branch/--signature, or pass --all",
            )
        return keys

    # -- moving -------------------------------------------------------------------------------------

    def _move(
        self, key: FailureKey, now: float, move: Move, *, who: str = "agent", remediation_id: int | None = None
    ) -> list[Transition] | None:
        """Load, move, persist with the history (one transaction); returns the transitions made. With a
        `remediation_id` the move is that remediation's outcome, applied once: None when it already was."""
        policy = policy_for(self.config, key.repo)
        transitions: list[Transition] = []

        def change(current: Breaker) -> tuple[Breaker, list[BreakerEvent]]:
            moved, made = move(current, policy)
            transitions[:] = made
            events = [
                BreakerEvent(now, str(t.from_state), str(t.to_state), t.reason, who, remediation_id) for t in made
            ]
            return moved, events

        moved = self.store.update_breaker(key, change, now=now, once_for=remediation_id)
        return None if moved is None else transitions

    def announce(self, key: FailureKey, transitions: list[Transition], *, who: str = "agent") -> None:
        """Tell the notifier about openings (after the transaction that made them)."""
        if self.effects is None:
            raise AgentError("internal error: a breaker was moved without an effects gateway")
        for transition in transitions:
            if transition.to_state in OPENED:
                self.effects.notify(
                    "breaker_opened",
                    f"breaker {transition.to_state} for {key.short()}: {transition.reason} (by {who})",
                    repo=key.repo,
                    branch=key.branch,
                    signature=key.signature,
                )

    def _apply(
        self, key: FailureKey, now: float, move: Move, *, who: str = "agent", remediation_id: int | None = None
    ) -> list[Transition] | None:
        transitions = self._move(key, now, move, who=who, remediation_id=remediation_id)
        self.announce(key, transitions or [], who=who)
        return transitions

    def acquire(self, key: FailureKey, now: float) -> tuple[bool, str]:
        """May a remediation start now? (Takes the half-open trial slot when it may.)"""
        verdict: list[tuple[bool, str]] = []

        def move(b: Breaker, policy: Policy) -> tuple[Breaker, list[Transition]]:
            allowed, reason, moved, transitions = machine.acquire(b, policy, now)
            verdict.append((allowed, reason))
            return moved, transitions

        self._apply(key, now, move)
        return verdict[-1]

    def outcome(
        self, key: FailureKey, *, success: bool | None, now: float, run: str = "", remediation_id: int | None = None
    ) -> list[Transition] | None:
        """A remediation's verdict: success, failure, or None (inconclusive: frees a half-open slot only). Counted
        once per `remediation_id` (None: it already was). Announces nothing: see `record`."""

        def move(b: Breaker, policy: Policy) -> tuple[Breaker, list[Transition]]:
            if success is None:
                return machine.release(b), []
            if success:
                return machine.record_success(b, policy, now)
            return machine.record_failure(b, policy, now, run)

        return self._move(key, now, move, remediation_id=remediation_id)

    def record(
        self, key: FailureKey, *, success: bool | None, now: float, run: str = "", remediation_id: int | None = None
    ) -> bool:
        """`outcome`, then its openings announced. False when this remediation's outcome was already counted."""
        transitions = self.outcome(key, success=success, now=now, run=run, remediation_id=remediation_id)
        self.announce(key, transitions or [])
        return transitions is not None

    def operator_move(
        self, keys: list[FailureKey], to: State, *, reason: str, who: str, now: float
    ) -> list[BreakerView]:
        if not reason.strip():
            raise AgentError("--reason must say why", fix="e.g. --reason 'fixed the lockfile by hand'")
        done = []
        for key in keys:
            self._apply(key, now, lambda b, p: machine.operator_set(b, to, reason), who=who)
            self.store.record_decision(
                Decision(
                    now,
                    key.repo,
                    f"breaker_{to.lower()}",
                    reason,
                    branch=key.branch,
                    signature=key.signature,
                    detail={"by": who},
                )
            )
            stored = self.store.get_breaker(key)
            assert stored is not None  # just written
            done.append(self._view(stored, now))
        return done

    def reject(
        self, key: FailureKey, *, now: float, reason: str, run: str = "", remediation_id: int | None = None
    ) -> None:
        """A human closed the agent's PR unmerged: a failed remediation, and the key waits for a reset (once per
        remediation)."""
        if self.record(key, success=False, now=now, run=run, remediation_id=remediation_id):
            self.operator_move([key], State.FORCED_OPEN, reason=reason, who="agent", now=now)
