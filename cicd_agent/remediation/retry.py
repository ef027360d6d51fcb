"""A person lets the agent resume on a failure it stopped on: `/cicd-agent retry`, commented by someone with write
access on the fix pull request a person rejected, resets that failure's breaker, and the agent answers once on
the PR (the next time the failure happens, a fix is proposed again). Acted on like the approval comments: polled
each cycle while such a breaker is held open by a rejection (one request per such failure), and at once for a
webhook's or the Action's `issue_comment` event (`on_event`). Comments from anyone else are ignored; only a
comment made after the breaker was forced open counts, so an old one never undoes a later `agent breaker trip`."""

from __future__ import annotations

import re

from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.model import Decided, Remediation, RemState, Strategy
from cicd_agent.remediation import comments
from cicd_agent.remediation.context import Ports, Report, record_for, said_before
from cicd_agent.remediation.rejection import is_agent
from cicd_agent.text import said_lines

COMMAND = re.compile(r"^[ \t]*/cicd-agent[ \t]+retry\b", re.MULTILINE | re.IGNORECASE)
WRITERS = ("admin", "write")


def stopped(p: Ports) -> list[Remediation]:
    """The latest rejected fix of each failure whose breaker a rejection still holds open."""
    latest: dict[tuple[str, str, str], Remediation] = {}
    for rem in p.store.remediations(states=(RemState.REJECTED,), strategy=Strategy.FIX):
        if rem.pr_number:
            latest[(rem.repo.lower(), rem.branch, rem.signature)] = rem
    held_open = []
    for rem in latest.values():
        stored = p.store.get_breaker(rem.key)
        if stored is not None and stored.breaker.state is State.FORCED_OPEN:
            held_open.append(rem)
    return held_open


def process_retries(p: Ports, report: Report) -> None:
    for rem in stopped(p):
        try:
            look_for_retry(p, report, rem)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.errors.append(f"looking for `/cicd-agent retry` on {rem.pr_url}: {exc}")


def on_event(p: Ports, report: Report, repo: str, number: int) -> bool:
    """A webhook's or the Action's entry: pull request `number` was commented on. False when it is no rejected fix
    whose breaker a rejection holds open."""
    for rem in stopped(p):
        if rem.repo.lower() == repo.lower() and rem.pr_number == number:
            return look_for_retry(p, report, rem)
    return False


def look_for_retry(p: Ports, report: Report, rem: Remediation) -> bool:
    """Reset the breaker when someone with write access said `/cicd-agent retry` since it was forced open."""
    event = p.breakers.last_event(rem.key)
    since = int(event.at if event is not None else rem.updated_at)  # GitHub's times are whole seconds
    comments_since = [c for c in p.github.comments(rem.repo, rem.pr_number) if c.created_at >= since]
    asked = [c for c in comments_since if COMMAND.search(said_lines(c.body))]
    for comment in reversed(asked):
        if is_agent(p, comment.author) or p.github.permission(rem.repo, comment.author) not in WRITERS:
            continue
        if not said_before(p, rem, comments.RESUMED, after=comment.id):  # a kill after it was said: said once
            p.effects.comment(rem.repo, rem.pr_number, comments.resumed_comment(rem, comment.author, comment.id))
        reason = f"`/cicd-agent retry` by {comment.author} on {rem.pr_url}"
        p.breakers.operator_move([rem.key], State.CLOSED, reason=reason, who=comment.author, now=p.now())
        record_for(p, report, rem, Decided.RETRY, f"{reason}: the breaker is reset; the next failure gets a fix again")
        return True
    return False
