"""Approval of a draft fix (policy `needs_approval`). A person with write access approves it with the
`cicd-agent:approved` label or a `/cicd-agent approve` comment; the agent then marks it ready for review (a
GraphQL mutation: REST cannot), drops `cicd-agent:needs-approval`, and merges it once healthy when `auto_merge`
is on. `/cicd-agent reject` is a rejection. Labels and comments from anyone else, the agent's own account
included, are ignored: never trusted. The latest trusted word wins.

Polled each cycle (`process_approvals`); a webhook receiver calls `on_event` for the one pull request a
`pull_request` or `issue_comment` event names."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import Comment, IssueEvent, PullRef
from cicd_agent.model import APPROVAL_LABEL, APPROVED_LABEL, Decided, Remediation, RemState, Strategy
from cicd_agent.remediation import retry
from cicd_agent.remediation.context import Ports, Report, record_for
from cicd_agent.remediation.health_check import merge_as_judged
from cicd_agent.remediation.rejection import SETTLED, is_agent, look_at_settled, reject_pull
from cicd_agent.text import said_lines

COMMAND = re.compile(r"^[ \t]*/cicd-agent[ \t]+(approve|reject)\b", re.MULTILINE | re.IGNORECASE)
WRITERS = ("admin", "write")  # what the permission endpoint answers for write access (maintain reads as write)
AWAITING = (RemState.PR_OPEN, RemState.HEALTHY, RemState.INCONCLUSIVE)  # open, whether judged yet or not


class Verb(StrEnum):
    APPROVE = "approve"
    REJECT = "reject"


@dataclass(frozen=True)
class Signal:
    """A person's word on a draft: what, who, when, and how it was said."""

    verb: Verb
    who: str
    at: float
    how: str


def signals(events: Iterable[IssueEvent], comments: Iterable[Comment]) -> list[Signal]:
    """Every approval or rejection said on a pull request, oldest first: the approved label being added, and
    comments whose line starts with `/cicd-agent approve` or `/cicd-agent reject` (a comment saying both says
    nothing; a quoted line, `> /cicd-agent ...`, is not a command)."""
    found = [
        Signal(Verb.APPROVE, e.actor, e.created_at, f"the `{APPROVED_LABEL}` label")
        for e in events
        if e.event == "labeled" and e.label == APPROVED_LABEL
    ]
    for comment in comments:
        verbs = {match.lower() for match in COMMAND.findall(said_lines(comment.body))}
        if len(verbs) == 1:
            verb = Verb(verbs.pop())
            found.append(Signal(verb, comment.author, comment.created_at, f"a `/cicd-agent {verb}` comment"))
    return sorted(found, key=lambda s: s.at)


def decide(said: list[Signal], trusted: Callable[[str], bool]) -> Signal | None:
    """The latest word of someone trusted (asked from the latest back, so few are asked)."""
    for signal in reversed(said):
        if signal.who and trusted(signal.who):
            return signal
    return None


def awaiting(rem: Remediation) -> bool:
    return rem.strategy is Strategy.FIX and rem.draft and rem.state in AWAITING and rem.pr_number > 0


def process_approvals(p: Ports, report: Report) -> None:
    """Every draft fix still waiting for a person's word."""
    for rem in p.store.remediations(states=AWAITING, strategy=Strategy.FIX):
        if p.stopping():
            return  # a watcher asked to stop: looked at next time
        if not awaiting(rem):
            continue
        try:
            process_approval(p, report, rem)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.errors.append(f"approval of {rem.pr_url}: {exc}")


def on_event(p: Ports, report: Report, repo: str, number: int) -> bool:
    """A webhook's (or the Action's) entry: pull request `number` of `repo` was labelled, commented on or closed.
    False when it is no draft of the agent's waiting for approval, no judged fix left open (a person closing one
    is told at once), nor a rejected fix a `/cicd-agent retry` may resume (nothing to do)."""
    for rem in p.store.remediations(repo=repo, states=AWAITING, strategy=Strategy.FIX):
        if rem.pr_number == number and awaiting(rem):
            process_approval(p, report, rem)
            return True
        if rem.pr_number == number and rem.state in SETTLED:  # judged and left open: closed by a person since?
            look_at_settled(p, report, rem.key)
            return True
    return retry.on_event(p, report, repo, number)


def process_approval(p: Ports, report: Report, rem: Remediation) -> None:
    pull = p.github.pull(rem.repo, rem.pr_number)
    if pull.state != "open":
        return  # closed: the health check or `rejection.process_closed` decides
    permissions: dict[str, str] = {}

    def trusted(login: str) -> bool:
        if is_agent(p, login):
            return False
        if login not in permissions:
            permissions[login] = p.github.permission(rem.repo, login)
        return permissions[login] in WRITERS

    said = signals(p.github.issue_events(rem.repo, rem.pr_number), p.github.comments(rem.repo, rem.pr_number))
    signal = decide(said, trusted)
    if signal is None:
        return
    if signal.verb is Verb.REJECT:
        return reject_pull(p, report, rem, signal.who, signal.how)
    approve_draft(p, report, rem, pull, signal.who, signal.how)


def approve_draft(p: Ports, report: Report, rem: Remediation, pull: PullRef, who: str, how: str) -> None:
    """A trusted person approved the draft `pull` (`how`: the label, a comment, a ticked dashboard box): mark it
    ready, label it, and with `auto_merge` merge it when it is healthy already."""
    if pull.draft:
        p.effects.mark_ready(rem.repo, rem.pr_number)
    if APPROVAL_LABEL in pull.labels:
        p.effects.remove_label(rem.repo, rem.pr_number, APPROVAL_LABEL)
    if APPROVED_LABEL not in pull.labels:
        p.effects.add_labels(rem.repo, rem.pr_number, [APPROVED_LABEL])
    approved = p.store.update_remediation(rem.id, draft=False, now=p.now())
    record_for(p, report, rem, Decided.APPROVED, f"{rem.pr_url} approved by {who} ({how})")
    if approved.state is RemState.HEALTHY and p.config.policy.auto_merge:  # green already: merge it now
        message = f"cicd-agent: merge approved healthy fix #{rem.pr_number}"
        if merge_as_judged(p, rem, pull, message):
            return  # commits pushed on it since: left to a person, said on the PR
        p.store.update_remediation(rem.id, state=RemState.MERGED, now=p.now())
        record_for(p, report, rem, Decided.MERGED, f"{rem.pr_url} merged: healthy and approved")
