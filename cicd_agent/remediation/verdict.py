"""The verdict on a fix from its own evidence (pure).

A fix is judged by the checks it set out to repair: the jobs (workflow and job name) that failed in the
original run. They must pass on the fix's commit. Any other check that fails there is compared with the
commit the fix was made on: failing there too, it is unrelated to the fix (reported, never a rollback);
passing there, the fix broke it (a regression: a failure). A check with nothing to compare against, or a
target that did not run, is inconclusive: no rollback on evidence the agent does not have.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from cicd_agent.model import HealthOutcome
from cicd_agent.text import code_span

FAILED = {"failure", "timed_out", "cancelled", "startup_failure", "stale"}
PASSED = {"success", "neutral", "skipped"}
AWAITING_APPROVAL = "action_required"  # a run GitHub holds until a person approves it: it has not run at all


@dataclass(frozen=True)
class CheckId:
    """A check as a person names it: the workflow (its file, or its name) and the job."""

    workflow: str
    job: str

    def __str__(self) -> str:
        return f"{self.workflow} / {self.job}"


@dataclass(frozen=True)
class Check:
    """One job of one workflow run on a commit."""

    workflow: str
    job: str
    status: str
    conclusion: str | None
    run_id: int = 0
    attempt: int = 1  # the run's attempt: each earlier one was run and re-run

    @property
    def id(self) -> CheckId:
        return CheckId(self.workflow, self.job)


@dataclass(frozen=True)
class Seen:
    """What all the runs of one check on one commit say together."""

    state: str  # "pending", "approval" (held for a person's approval), "failed" or "passed" ("absent": none)
    conclusions: frozenset[str]

    @property
    def succeeded(self) -> bool:
        """Passed with a real success (a skipped or neutral job is no evidence that a fix works)."""
        return self.state == "passed" and "success" in self.conclusions


def combine(checks: Iterable[Check]) -> dict[CheckId, Seen]:
    """Per check: pending while any of its runs is, else held for approval when one is, else failed when any
    failed, else passed."""
    grouped: dict[CheckId, list[Check]] = {}
    for check in checks:
        grouped.setdefault(check.id, []).append(check)
    seen = {}
    for key, group in grouped.items():
        if any(c.status != "completed" for c in group):
            state = "pending"
        elif any(c.conclusion == AWAITING_APPROVAL for c in group):
            state = "approval"
        elif any(c.conclusion in FAILED for c in group):
            state = "failed"
        else:
            state = "passed"
        seen[key] = Seen(state, frozenset(c.conclusion or "" for c in group))
    return seen


@dataclass(frozen=True)
class Verdict:
    """One measurement of a fix's health, and what it rests on."""

    outcome: HealthOutcome  # PENDING (CI still running), SUCCESS, FAILURE or INCONCLUSIVE
    reason: str
    unrelated: tuple[CheckId, ...] = ()  # failing with the fix and before it: not the fix's doing
    regressions: tuple[CheckId, ...] = ()  # failing with the fix, passing before it
    failed_runs: tuple[int, ...] = ()  # the fix's runs whose failed jobs a new measurement re-runs
    attempt: int = 1  # the latest attempt of those runs: at least that many failed measurements were made
    awaiting_approval: bool = False  # PENDING because GitHub holds the fix's runs for a person's approval


def _names(ids: Iterable[CheckId]) -> str:
    """Check names come from workflow files: each in a code span, shown as is and rendering nothing."""
    return ", ".join(code_span(str(i)) for i in ids)


NOTHING = Seen("absent", frozenset())


def of_checks(targets: Sequence[CheckId], fix: Sequence[Check], base: Sequence[Check]) -> Verdict:
    """Judge the fix's commit (`fix`) by its `targets`, comparing its other failures with `base` (the commit it
    was made on). Without targets every check is one (nothing is known of what the fix was for)."""
    on_fix, on_base = combine(fix), combine(base)
    wanted = list(dict.fromkeys(targets)) or list(on_fix)
    failing = {k for k, s in on_fix.items() if s.state == "failed"}
    failed = [t for t in wanted if t in failing]
    others = [k for k in on_fix if k not in wanted]
    regressions = [k for k in others if k in failing and on_base.get(k, NOTHING).state == "passed"]
    if failed or regressions:
        culprits = [c for c in fix if c.id in (*failed, *regressions) and c.conclusion in FAILED]
        runs = tuple(sorted({c.run_id for c in culprits if c.run_id}))
        why = [f"{_names(failed)} still failing with the fix"] if failed else []
        why += [f"{_names(regressions)} failing with the fix but passing without it"] if regressions else []
        attempt = max(c.attempt for c in culprits)
        return Verdict(HealthOutcome.FAILURE, "; ".join(why), (), tuple(regressions), runs, attempt)
    waiting = _waiting(wanted, others, on_fix, on_base)
    if waiting is not None:
        return waiting
    unrelated = tuple(k for k in others if k in failing and k in on_base)
    unproven = [t for t in wanted if not on_fix[t].succeeded]
    if unproven:
        reason = f"{_names(unproven)} did not run to success with the fix (skipped or neutral): no evidence"
        return Verdict(HealthOutcome.INCONCLUSIVE, reason, unrelated)
    uncompared = [k for k in others if k in failing and k not in on_base]
    if uncompared:
        reason = f"{_names(uncompared)} failing with the fix, with no result without it to compare"
        return Verdict(HealthOutcome.INCONCLUSIVE, reason, unrelated)
    reason = f"{_names(wanted)} passing with the fix"
    if unrelated:
        reason += f"; {_names(unrelated)} failing without the fix too (unrelated)"
    return Verdict(HealthOutcome.SUCCESS, reason, unrelated)


def _waiting(
    wanted: list[CheckId], others: list[CheckId], on_fix: dict[CheckId, Seen], on_base: dict[CheckId, Seen]
) -> Verdict | None:
    """PENDING while evidence is still coming: a target not finished (or its workflow not started), another
    check still running (it could be a regression), a failing one's counterpart without the fix still running.
    A target whose workflow ran to the end without it will not come: INCONCLUSIVE."""
    if not on_fix:
        return Verdict(HealthOutcome.PENDING, "no check has started on the fix's commit yet")
    held = sorted({k.workflow for k, s in on_fix.items() if s.state == "approval"})
    if held:
        reason = (
            f"the fix's workflow runs ({', '.join(code_span(w) for w in held)}) wait for a person's approval "
            "(`action_required`: GitHub holds the runs of pull requests opened with a workflow's `GITHUB_TOKEN`)"
        )
        return Verdict(HealthOutcome.PENDING, reason, awaiting_approval=True)
    absent = [t for t in wanted if t not in on_fix]
    running = {k.workflow for k, s in on_fix.items() if s.state == "pending"}
    finished = {k.workflow for k, s in on_fix.items() if s.state != "pending"}
    if absent and all(t.workflow in finished and t.workflow not in running for t in absent):
        return Verdict(HealthOutcome.INCONCLUSIVE, f"{_names(absent)} did not run on the fix's commit: no evidence")
    if absent or any(on_fix[t].state == "pending" for t in wanted):
        return Verdict(HealthOutcome.PENDING, f"waiting for {_names(wanted)} on the fix's commit")
    if any(on_fix[k].state == "pending" for k in others):
        return Verdict(HealthOutcome.PENDING, "waiting for the fix's other checks to finish")
    if any(on_fix[k].state == "failed" and on_base.get(k, NOTHING).state == "pending" for k in others):
        return Verdict(HealthOutcome.PENDING, "waiting for the same checks without the fix, to compare")
    return None
