"""Re-run a failed run's failed jobs (a transient failure, a known flaky test), then let the health check read the
new attempt. The tests (or job) the re-run is for are kept: if it passes, they go into the flake ledger."""

from __future__ import annotations

from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import Decided, RemState, Strategy
from cicd_agent.remediation.context import Ports, Report, record, schedule_health_check, start_remediation
from cicd_agent.remediation.rules import Rule


def rerun(
    p: Ports,
    report: Report,
    run: WorkflowRun,
    signature: str,
    category: str,
    rule: Rule,
    *,
    names: tuple[str, ...] = (),
    reason: str = "",
) -> bool:
    rem = start_remediation(p, run.ref, signature, rule.name, Strategy.RERUN)
    if names:
        p.store.remember_rerun_tests(rem.id, run.repo, names)
    intent = p.store.add_intent(rem.id, "github.rerun_failed_jobs", str(run.id), now=p.now())
    p.effects.rerun_failed_jobs(run.repo, run.id, attempt=run.attempt)
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem.id, state=RemState.RERUN_REQUESTED, now=p.now())
    schedule_health_check(p, rem.id)
    why = f"{reason}; " if reason else ""
    reason = f"{why}re-running the failed jobs (attempt {run.attempt + 1})"
    record(p, report, run.ref, Decided.RERUN, reason, signature=signature, rule=rule.name, category=category)
    return True
