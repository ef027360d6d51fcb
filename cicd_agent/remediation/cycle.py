"""One remediation cycle: recover what a killed cycle left, finish unfinished rollbacks, judge the health
checks that are due, see what people said of draft fixes and of fixes they rejected, handle each repository's
new failures, and tell GitHub of breakers that opened. Decisions only: reads go through the GitHub port, writes
through the effects gateway, state through the store.

Several hosts on one store share the work item by item (each leases what it works on), but what must happen
once per fleet (the sweep over every repository, approvals, retries people allowed, the end of storms, breaker
announcements, the dashboard issues) runs on the leader only: the host that holds the store's leader lock (on
SQLite, every host; there is one machine)."""

from __future__ import annotations

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.remediation import operations
from cicd_agent.remediation.approve import process_approvals
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.dashboard_issue import update_dashboards
from cicd_agent.remediation.escalate import announce_openings
from cicd_agent.remediation.health_check import process_health_checks
from cicd_agent.remediation.held import unless_paused
from cicd_agent.remediation.poll import handle_new_failures
from cicd_agent.remediation.reconcile import reconcile
from cicd_agent.remediation.retry import process_retries
from cicd_agent.remediation.rollback import retry_unfinished
from cicd_agent.remediation.storms import end_quiet
from cicd_agent.remediation.takeover import take_over

__all__ = ["Ports", "Report", "run_cycle"]


def run_cycle(p: Ports, repos: list[str], *, health_only: bool = False, poll: bool = True) -> Report:
    """Each stage copes with its own items' errors; one every repository would meet (the API host unreachable,
    the rate limit spent) ends the cycle where it is, and the next cycle resumes. While the agent is paused the
    stages run on ports that hold every write (`held.unless_paused`). `poll=False`: everything but the polling
    (`agent serve`, whose sweep polls each repository at its own moment)."""
    started = p.now()
    report = Report()
    p.github.new_cycle()
    try:
        with unless_paused(p, report) as q:
            take_over(q, report)  # a dead host's claims first (recovery may give them back)
            reconcile(q, report)
            retry_unfinished(q, report)  # left unfinished by an earlier cycle (a crash or an API error)
            process_health_checks(q, report)
            if q.store.lead():
                process_approvals(q, report)  # drafts a person approved or rejected since
                process_retries(q, report)  # failures a person let the agent resume on since
                end_quiet(q, report)
                if poll and not health_only:
                    handle_new_failures(q, repos, report)
                announce_openings(q, report)  # breakers this cycle (or an earlier one) opened
                if not health_only:
                    update_dashboards(q, report, repos)  # the dashboard issues, and the boxes people ticked there
    except AgentError as exc:
        if not ends_cycle(exc):
            raise
        report.error(p, f"{exc}; the cycle ends here, the next one resumes")
    operations.record_cycle(
        p.store,
        at=p.now(),
        duration=p.now() - started,
        decisions=len(report.decisions),
        errors=len(report.errors),
        left=[] if health_only else report.left,
        health_only=health_only,
        polled=poll,
    )
    return report
