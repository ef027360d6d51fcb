"""The end of the ladder, visible: when a breaker opens (its failed remediations reached the threshold, or its
half-open trial failed), one issue says what failed, what was tried and how to reset; or one comment on the open
issue the agent already filed for that failure. Once per opening: the store remembers the opening it announced,
and GitHub is asked first (an announcement's metadata names the remediations it covers), so a retry after a
crash or an error posts nothing twice. Openings by a person (trip, a rejection) are not announced: a person
knows."""

from __future__ import annotations

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import PullRef
from cicd_agent.model import LABEL, RESET_LABEL, Decided, FailureKey, Remediation, RemState, RunRef
from cicd_agent.remediation import bodies
from cicd_agent.remediation.breaker_service import policy_for
from cicd_agent.remediation.context import Ports, Report, record
from cicd_agent.store import StoredBreaker
from cicd_agent.text import read_metadata

KIND = "breaker_open"
COUNTED = (RemState.ROLLED_BACK, RemState.FAILED, RemState.REJECTED, RemState.INCONCLUSIVE)


def announce_openings(p: Ports, report: Report) -> None:
    for stored in p.store.unannounced_openings():
        try:
            announce(p, report, stored)
        except AgentError as exc:  # told next cycle
            if ends_cycle(exc):
                raise
            report.errors.append(f"announcing the open breaker of {stored.key.short()}: {exc}")


def tried(p: Ports, key: FailureKey, failures: int) -> list[Remediation]:
    """The remediations whose failures opened the breaker (the last `failures` of them)."""
    ended = [r for r in p.store.remediations(key=key) if r.state in COUNTED]
    return ended[-failures:] if failures > 0 else ended


def tried_refs(rems: list[Remediation]) -> list[str]:
    """How an announcement names what it covers: "#12" for a PR, "run 345#2" for a rerun."""
    return [f"#{r.pr_number}" if r.pr_number else f"run {r.run.label}" for r in rems]


def announce(p: Ports, report: Report, stored: StoredBreaker) -> None:
    key, breaker = stored.key, stored.breaker
    assert breaker.opened_at is not None  # an OPEN breaker always has one
    rems = tried(p, key, breaker.failures)
    refs = tried_refs(rems)
    target = find_target(p, key)
    if target is not None and announced_on(p, key.repo, target, refs):
        p.store.mark_announced(key, breaker.opened_at)
        return
    last_run = rems[-1].run if rems else RunRef(key.repo, 0, 0, key.branch)
    run_url = p.github.workflow_run(key.repo, last_run.run_id).html_url if last_run.run_id else ""
    meta = {"kind": KIND, "repo": key.repo, "branch": key.branch, "signature": key.signature, "tried": refs}
    body = bodies.breaker_open_body(
        key,
        category=category_of(p, key),
        run_url=run_url,
        tried=rems,
        reset_after=policy_for(p.config, key.repo).reset_after,
        meta=meta,
    )
    if target is not None:
        p.effects.comment(key.repo, target.number, body)
        where = target.html_url
    else:
        where = p.effects.open_issue(key.repo, bodies.breaker_open_title(key), body, [LABEL]).html_url
    p.store.mark_announced(key, breaker.opened_at)
    p.echo(f"{key.short()}: breaker OPEN, announced on {where}")
    reason = f"breaker OPEN after {len(rems)} failed remediation(s) ({', '.join(refs)}): told on {where}"
    record(p, report, last_run, Decided.ESCALATED, reason, signature=key.signature, issue=where)


def find_target(p: Ports, key: FailureKey) -> PullRef | None:
    """Where to say it: the open issue of an earlier opening of this breaker, else the open report issue for
    this failure; not one a person already put the reset label on (in the Action mode that label resets the
    breaker after the openings that issue names, so a new opening needs a new issue)."""
    announcements, reports = [], []
    for issue in p.github.issues(key.repo, label=LABEL):
        meta = (read_metadata(issue.body) if p.github.wrote(issue.author) else None) or {}
        if RESET_LABEL in issue.labels or meta.get("signature") != key.signature or meta.get("branch") != key.branch:
            continue
        if meta.get("kind") == KIND:
            announcements.append(issue)
        elif "kind" not in meta:
            reports.append(issue)
    found = announcements or reports
    return found[0] if found else None


def announced_on(p: Ports, repo: str, issue: PullRef, refs: list[str]) -> bool:
    """Did the issue (its body or a comment) already announce this opening (the same remediations)?"""
    texts = [issue.body, *(c.body for c in p.github.comments(repo, issue.number) if p.github.wrote(c.author))]
    for text in texts:
        meta = read_metadata(text) or {}
        if meta.get("kind") == KIND and meta.get("tried") == refs:
            return True
    return False


def category_of(p: Ports, key: FailureKey) -> str:
    """The failure's category, as its last decision recorded it."""
    for decision in reversed(p.store.decisions(repo=key.repo)):
        category = decision.detail.get("category")
        if decision.signature == key.signature and isinstance(category, str) and category:
            return category
    return "unknown"
