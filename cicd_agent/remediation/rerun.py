"""Re-run a failed run's failed jobs (a transient failure), then let the health check read the new attempt."""

from __future__ import annotations

from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import Decided, RemState, Strategy
from cicd_agent.remediation.context import Ports, Report, record, schedule_health_check, start_remediation
from cicd_agent.remediation.rules import Rule


def rerun(p: Ports, report: Report, run: WorkflowRun, signature: str, category: str, rule: Rule) -> bool:
    rem = start_remediation(p, run.ref, signature, rule.name, Strategy.RERUN)
    intent = p.store.add_intent(rem.id, "github.rerun_failed_jobs", str(run.id), now=p.now())
    p.effects.rerun_failed_jobs(run.repo, run.id, attempt=run.attempt)
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem.id, state=RemState.RERUN_REQUESTED, now=p.now())
    schedule_health_check(p, rem.id)
    reason = f"re-running the failed jobs (attempt {run.attempt + 1})"
    record(p, report, run.ref, Decided.RERUN, reason, signature=signature, rule=rule.name, category=category)
    return True
