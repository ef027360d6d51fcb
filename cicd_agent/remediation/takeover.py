"""Taking over what a dead host left: its leases ran out without a decision (the host was killed, or cut off
from the database), so its claimed failures, its half-made remediations and its unfinished rollbacks are
picked up by the next host that looks, within a lease and a takeover interval rather than a whole poll interval.

A healthy fleet has no expired lease, so this costs one query. With some, the failures the dead host claimed
are listed first (recovery may give them back), the remediations are recovered by the stages that always do it
(each leases one before working on it), and the failures are read again from GitHub and handled as a webhook
delivery would be: claimed (TAKEN_OVER), decided once.
"""

from __future__ import annotations

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import WorkflowRun
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.health_check import process_health_checks
from cicd_agent.remediation.poll import handle_runs
from cicd_agent.remediation.reconcile import reconcile
from cicd_agent.remediation.rollback import retry_unfinished


def take_over(p: Ports, report: Report) -> int:
    """Recover every expired lease; returns how many there were (0: nothing to take over)."""
    now = p.now()
    expired = p.store.expired_leases(now=now)
    if not expired:
        return 0
    claimed = p.store.expired_claims(now=now)
    p.echo(f"taking over {expired} expired lease(s) of a host that stopped renewing them")
    reconcile(p, report)
    retry_unfinished(p, report)
    process_health_checks(p, report)
    runs: list[WorkflowRun] = []
    for ref in claimed:
        try:
            run = p.github.workflow_run(ref.repo, ref.run_id)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.error(p, f"{ref.repo} run {ref.label}: {exc}")
            continue
        if run.ref == ref:
            runs.append(run)
        else:  # attempted again since: the new attempt is a failure of its own, listed by the next poll
            p.store.release_failure(ref)
    if runs:
        handle_runs(p, runs, report)
    return expired
