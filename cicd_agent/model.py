"""The vocabulary of the remediation loop: states, strategies, decisions, and the records the store keeps.

Everything the store returns is one of these frozen dataclasses, and every state or decision is an enum
member, so a typo fails at once instead of silently matching nothing. The names the agent writes on
GitHub (its label, outcome labels, fix branch prefix) live here too: they are the keys GitHub-side state
is found by.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

LABEL = "cicd-agent"  # on every PR and issue the agent opens: what the Action mode rebuilds state from
HEALTHY_LABEL = "cicd-agent:healthy"
ROLLED_BACK_LABEL = "cicd-agent:rolled-back"
INCONCLUSIVE_LABEL = "cicd-agent:inconclusive"
APPROVAL_LABEL = "cicd-agent:needs-approval"
APPROVED_LABEL = "cicd-agent:approved"  # a person with write access approves a draft fix with it
REJECTED_LABEL = "cicd-agent:rejected"  # on a fix a person rejected with `/cicd-agent reject`
REVERT_LABEL = "cicd-agent:revert"  # on a pull request that reverts a merged fix
STORM_LABEL = "cicd-agent:storm"  # an incident issue: one failure across many repositories
RESET_LABEL = "cicd-agent:breaker-reset"  # a person resets a breaker in Action mode with it
DASHBOARD_LABEL = "cicd-agent:dashboard"  # the one dashboard issue per repository
FIX_PREFIX = "cicd-agent/fix/"
REVERT_PREFIX = "cicd-agent/revert/"


def fix_branch(signature: str, branch: str) -> str:
    """Deterministic, so it is the idempotency key on GitHub itself."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch).strip("-.") or "branch"
    return f"{FIX_PREFIX}{signature[:12]}/{slug[:60]}"


def is_fix_branch(branch: str) -> bool:
    return branch.startswith(FIX_PREFIX)


def revert_branch(pr_number: int) -> str:
    """Where the revert of a merged fix waits for a person when it does not apply cleanly."""
    return f"{REVERT_PREFIX}pr-{pr_number}"


class Strategy(StrEnum):
    RERUN = "rerun"
    FIX = "fix"
    REPORT = "report"
    IGNORE = "ignore"


class RemState(StrEnum):
    """Where a remediation is. The first six are in flight; the rest are ends."""

    PLANNED = "planned"  # recorded, nothing on GitHub yet (or a crash before we learnt it was)
    PUSHED = "pushed"  # the fix branch is on GitHub, its PR not yet opened
    PR_OPEN = "pr_open"
    RERUN_REQUESTED = "rerun_requested"
    ROLLING_BACK = "rolling_back"
    ROLLBACK_PARTIAL = "rollback_partial"
    REPORTED = "reported"
    HEALTHY = "healthy"
    MERGED = "merged"
    INCONCLUSIVE = "inconclusive"
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"
    FAILED = "failed"
    ABANDONED = "abandoned"
    REFUSED = "refused"


ACTIVE: tuple[RemState, ...] = (
    RemState.PLANNED,
    RemState.PUSHED,
    RemState.PR_OPEN,
    RemState.RERUN_REQUESTED,
    RemState.ROLLING_BACK,
    RemState.ROLLBACK_PARTIAL,
)
UNFINISHED_ROLLBACK: tuple[RemState, ...] = (RemState.ROLLING_BACK, RemState.ROLLBACK_PARTIAL)


class Decided(StrEnum):
    """What the agent decided about a failure or a remediation: the audit trail's `decision` column."""

    NO_FAILURE_FOUND = "no_failure_found"
    PAUSED = "paused"
    RESUMED = "resumed"
    IN_FLIGHT = "in_flight"
    BLOCKED_BY_BREAKER = "blocked_by_breaker"
    NO_ACTION = "no_action"
    IGNORED = "ignored"
    RERUN = "rerun"
    RERUN_FAILED = "rerun_failed"
    REPORTED = "reported"
    DUPLICATE = "duplicate"
    DEFERRED = "deferred"
    CANNOT_FIX = "cannot_fix"
    ROLLED_BACK_BEFORE = "rolled_back_before"  # the same change was rolled back for this failure: not proposed again
    POLICY_REFUSED = "policy_refused"
    PUSH_REFUSED = "push_refused"
    PR_REFUSED = "pr_refused"
    FIX_OPENED = "fix_opened"
    HEALTHY = "healthy"
    MERGED = "merged"
    INCONCLUSIVE = "inconclusive"
    REJECTED = "rejected"
    ROLLED_BACK = "rolled_back"
    ROLLBACK_PARTIAL = "rollback_partial"
    APPROVED = "approved"
    ESCALATED = "escalated"  # the breaker opened: a person was told on GitHub
    ADOPTED = "adopted"
    ABANDONED = "abandoned"
    GAVE_UP = "gave_up"
    FORK_SKIPPED = "fork_skipped"  # a fork's failed run: not the base repository's branch
    HEALTH_PENDING = "health_pending"  # the Action mode's answer to a fix's CI event that is not the last one
    STORM = "storm"  # one failure in many repositories: part of an incident, no per-repository remediation
    FLAKY = "flaky"  # a re-run passed: the failure's tests (or job) are recorded in the flake ledger
    STORM_ENDED = "storm_ended"
    CAUSED_BY_FIX = "caused_by_fix"  # the failure of the agent's own merged fix, already rolled back
    RETRY = "retry"  # a person with write access asked the agent to resume on a failure it stopped on


# A failure is handled once a decision about it is recorded, except these: a rule that could not act is followed
# by the next rule's decision, and a deferred or abandoned failure is given back to be handled again.
NOT_SETTLING: tuple[Decided, ...] = (
    Decided.CANNOT_FIX,
    Decided.ROLLED_BACK_BEFORE,
    Decided.POLICY_REFUSED,
    Decided.DEFERRED,
    Decided.ABANDONED,
)


def settles(decision: str) -> bool:
    """Does recording this decision settle its failed run (so no cycle handles it again)?"""
    return decision not in NOT_SETTLING


class Claim(StrEnum):
    """What claiming a listed failed run gave (a claim is a lease: it ends when a decision is recorded or the
    lease time passes, so a killed cycle's failure is taken over by a later one)."""

    NEW = "new"
    TAKEN_OVER = "taken_over"  # claimed before, never decided, its lease over: handle it now
    DECIDED = "decided"  # already handled (by this agent or another sharing the state)
    HELD = "held"  # another cycle holds its lease right now: it comes back when that ends


class Handled(StrEnum):
    """What handling one listed failure came to, for the poll: may its repository's cursor move past it?"""

    DECIDED = "decided"
    DUPLICATE = "duplicate"  # decided before: costs nothing
    HELD = "held"  # another cycle holds it: the cursor waits
    DEFERRED = "deferred"  # left for a later cycle (the PR rate limits): the cursor waits


class HealthOutcome(StrEnum):
    PENDING = "pending"  # no verdict yet (CI still running)
    SUCCESS = "success"
    FAILURE = "failure"
    INCONCLUSIVE = "inconclusive"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class FailureKey:
    """What a breaker counts: one failure signature on one branch of one repository."""

    repo: str
    branch: str
    signature: str

    def short(self) -> str:
        return f"{self.repo} {self.branch} {self.signature[:12]}"


@dataclass(frozen=True)
class RunRef:
    """One attempt of one workflow run: the unit of deduplication."""

    repo: str
    run_id: int
    attempt: int
    branch: str = ""

    @property
    def label(self) -> str:
        return f"{self.run_id}#{self.attempt}"


@dataclass(frozen=True)
class Remediation:
    """One try at a failure: a rerun, a report, or a fix PR, and everything needed to resume it."""

    repo: str
    branch: str
    signature: str
    strategy: Strategy
    state: RemState
    run_id: int
    run_attempt: int
    created_at: float
    rule: str = ""
    id: int = 0  # given by the store
    updated_at: float = 0.0
    fix_branch: str = ""
    pr_number: int = 0  # the fix PR, or the report issue
    pr_url: str = ""
    head_sha: str = ""
    snapshot_id: str = ""
    # what a fix PR is opened with (kept so a resumed remediation opens exactly the planned PR)
    title: str = ""
    body: str = ""
    labels: tuple[str, ...] = ()
    draft: bool = False
    fixer: str = ""
    # the fix's own evidence: the commit it was made on and the checks (workflow, jobs) that failed there
    base_sha: str = ""
    failed_workflow: str = ""
    failed_jobs: tuple[str, ...] = ()
    # a rollback's progress: the steps done, why it started, the last error
    rollback_done: tuple[str, ...] = ()
    rollback_reason: str = ""
    revert_url: str = ""  # a merged fix's revert pull request, when the revert needs a person
    revert_sha: str = ""  # a merged fix's revert commit, pushed on the base branch
    landed_sha: str = ""  # a merged fix: the commit it landed as on the base branch
    diff_digest: str = ""  # the fix's change, whatever its context lines (`tried.digest`): never proposed twice
    error: str = ""
    errors: int = 0  # how many times recovering it ended in an error (given up at MAX_HANDLING_ERRORS)

    @property
    def key(self) -> FailureKey:
        return FailureKey(self.repo, self.branch, self.signature)

    @property
    def run(self) -> RunRef:
        return RunRef(self.repo, self.run_id, self.run_attempt, self.branch)


@dataclass(frozen=True)
class HealthCheck:
    remediation_id: int
    due_at: float
    deadline: float
    attempts: int = 0
    outcome: HealthOutcome | None = None  # None while the check is still due
    updated_at: float = 0.0
    # measurements so far (Argo Rollouts' analysis counters): failed, inconclusive, consecutive read errors
    failures: int = 0
    inconclusives: int = 0
    errors: int = 0


@dataclass(frozen=True)
class Snapshot:
    """Before a fix: its base commit and the original content of every file it touches (None: absent)."""

    id: str
    repo: str
    branch: str
    base_sha: str
    created_at: float
    files: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Decision:
    """One line of the audit trail."""

    at: float
    repo: str
    decision: str  # a `Decided` value, or an operator's `breaker_<state>`
    reason: str
    branch: str = ""
    run_id: int = 0
    run_attempt: int = 0
    signature: str = ""
    rule: str = ""
    detail: dict[str, object] = field(default_factory=dict)
    id: int = 0

    def to_json(self) -> dict[str, object]:
        """As the cycle report shows it (no time, no row id)."""
        return {
            "repo": self.repo,
            "branch": self.branch,
            "run_id": self.run_id,
            "run_attempt": self.run_attempt,
            "signature": self.signature,
            "decision": self.decision,
            "reason": self.reason,
            "rule": self.rule,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Unsettled:
    """A failed run claimed and not yet settled: being handled now (its lease), or given back (deferred by the PR
    rate limits, or its handling ended in an error) for a later cycle; `last` is its latest decision."""

    run: RunRef
    seen_at: float
    lease_until: float
    errors: int
    last: Decision | None = None


@dataclass(frozen=True)
class Lease:
    """Work a cycle holds until `until`: a failed run it is deciding, or a remediation it is working on. A killed
    cycle's work waits for its lease to end, then another cycle takes it over."""

    kind: str  # "failure" or "remediation"
    repo: str
    branch: str
    what: str  # "run 12#1", "remediation 3 (pr_open)"
    until: float


@dataclass(frozen=True)
class BreakerEvent:
    at: float
    from_state: str
    to_state: str
    reason: str
    actor: str = ""
    remediation_id: int | None = None


@dataclass(frozen=True)
class Sighting:
    """One explained failure, kept to see the same signature across repositories (storm detection)."""

    repo: str
    branch: str
    signature: str
    category: str
    run_id: int
    run_attempt: int
    at: float


@dataclass(frozen=True)
class Incident:
    """A storm: one signature failing in many repositories at once, handled as one thing."""

    signature: str
    category: str
    started_at: float
    last_seen: float
    repos: tuple[str, ...] = ()
    ended_at: float | None = None
    issue_repo: str = ""
    issue_number: int = 0
    issue_url: str = ""
    id: int = 0


@dataclass(frozen=True)
class FlakyTest:
    """A test (or, where the log names none, a job: `job: NAME`) that failed and then passed on the same commit:
    one row of the flake ledger, per repository."""

    repo: str
    name: str
    flakes: int  # times it failed and then passed on a re-run of the same commit
    first_at: float
    last_at: float
    last_run_id: int = 0
    last_signature: str = ""
    issue_number: int = 0  # its one issue (opened once it flaked past its budget, then updated)
    issue_url: str = ""
    reported_flakes: int = 0  # the count the issue last said


# The built-in fixers, by the names rules use (`fixers.FIXERS` maps each to its code; the config checks names
# against this list without importing the fixers).
FIXER_NAMES = ("deprecated-action", "missing-dependency", "lockfile", "formatter", "timeout", "command")


@dataclass(frozen=True)
class FileChange:
    """One file a fix writes: its content before (None: it did not exist) and after (None: the fix deletes it)."""

    path: str  # relative to the repository root, with forward slashes
    before: str | None
    after: str | None
