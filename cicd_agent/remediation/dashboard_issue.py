"""The dashboard issue (`[dashboard] issue = true`): one issue per watched repository, as Renovate's Dependency
Dashboard, that lists its open remediations, open breakers and flaky tests, and is updated in place.

It is found again by its metadata (kind `dashboard`, the repository), only on issues the agent wrote, as report
issues are; there is never more than one open (a second one, from agents racing, is closed as a duplicate). A
person who closes it opts the repository out: it is not opened again until someone reopens it.

Its boxes are instructions: ticking `reset` closes a breaker, ticking `approve` approves a draft fix. A tick is
acted on only when the person who last edited the issue (GraphQL's `editor`) has write access, as approval
comments are; then the issue is rewritten without the done item. Everything goes through the effects gateway,
so a dry run or a pause writes nothing (the breaker reset of a dry run lives on its in-memory copy only).

An unchanged dashboard costs nothing until `[dashboard] refresh` has passed (then it is read for ticks)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from urllib.parse import quote, unquote

from cicd_agent.breaker import State
from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ends_cycle
from cicd_agent.github.values import PullRef
from cicd_agent.model import DASHBOARD_LABEL, LABEL, FailureKey, Strategy
from cicd_agent.remediation.approve import WRITERS, approve_draft, awaiting
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.fleet_view import Fleet, fleet
from cicd_agent.remediation.rejection import is_agent
from cicd_agent.text import code_span, inline, iso8601, link, read_metadata, with_metadata

KIND = "dashboard"
SEEN_KEY = "dashboard:"  # + repo: the digest of the body last written and when it was last looked at
BOX = re.compile(r"^[ \t]*[-*] \[(?P<mark>[ xX])\] <!-- cicd-agent:(?P<verb>reset|approve):(?P<arg>[^\s>]+) -->", re.M)


@dataclass(frozen=True)
class Tick:
    verb: str  # reset, approve
    arg: str  # reset: "<signature>:<branch, quoted>"; approve: the pull request's number


def ticks(body: str) -> list[Tick]:
    """The boxes ticked in a dashboard issue's body (pure)."""
    return [Tick(m["verb"], m["arg"]) for m in BOX.finditer(body) if m["mark"] in "xX"]


def _box(verb: str, arg: str, text: str) -> str:
    return f"- [ ] <!-- cicd-agent:{verb}:{arg} --> {text}"


def body(view: Fleet, repo: str) -> str:
    """The dashboard issue's Markdown for `repo`: every stranger's text escaped (`text`), boxes unticked (pure)."""
    lines = [
        f"What cicd-agent is doing in {code_span(repo)}, updated in place. Tick a box to act on it: only ticks by "
        "people with write access count.",
        "",
    ]
    if view.paused:
        lines += [f"> **Paused** since {iso8601(view.paused.get('at'))}: {inline(str(view.paused.get('reason')))}", ""]
    lines += ["## Open remediations", ""]
    for rem in view.open_remediations:
        what = link(f"#{rem.pr_number}", rem.pr_url) if rem.pr_url else f"remediation {rem.id}"
        fixer = f" ({inline(rem.fixer)})" if rem.fixer else ""
        lines.append(
            f"- {what}: {inline(str(rem.strategy))}{fixer} on {code_span(rem.branch)}, {inline(str(rem.state))}"
        )
        if awaiting(rem):
            lines.append("  " + _box("approve", str(rem.pr_number), "approve this draft (mark it ready for review)"))
    if not view.open_remediations:
        lines.append("None.")
    lines += ["", "## Open breakers", ""]
    for b in view.open_breakers:
        half = f", half-open at {iso8601(b.half_open_at)}" if b.half_open_at and b.state == State.OPEN else ""
        arg = f"{b.signature[:16]}:{quote(b.branch, safe='')}"
        which = f"{code_span(b.signature[:12])} on {code_span(b.branch)}"
        lines.append(_box("reset", arg, f"reset the breaker of {which} ({b.state}, {b.failures} failures{half})"))
    if not view.open_breakers:
        lines.append("None.")
    lines += ["", "## Flaky tests", ""]
    flaky = [f"- {code_span(str(f.get('test', '')))}: {inline(str(f.get('seen', '')))}" for f in view.flaky]
    lines += flaky or ["None recorded."]
    return with_metadata("\n".join(lines), {"kind": KIND, "repo": repo})


def update_dashboards(p: Ports, report: Report, repos: list[str]) -> None:
    """Every watched repository's dashboard issue, when `[dashboard] issue` is on."""
    if not p.config.dashboard.issue:
        return
    for repo in repos:
        if p.stopping():
            return
        try:
            update(p, report, repo)
        except AgentError as exc:
            if ends_cycle(exc):
                raise
            report.error(p, f"{repo}: dashboard issue: {exc}")


def update(p: Ports, report: Report, repo: str) -> None:
    now = p.now()
    wanted = body(fleet(p.breakers, now, repo=repo), repo)
    seen = json.loads(p.store.get_meta(SEEN_KEY + repo) or "{}")
    if seen.get("digest") == _digest(wanted) and now - float(seen.get("at", 0)) < p.config.dashboard.refresh:
        return  # unchanged, and looked at recently
    found, opted_out = find(p, repo)
    if opted_out:
        return
    if found is not None and ticks(found.body) and act(p, report, repo, found):
        wanted = body(fleet(p.breakers, p.now(), repo=repo), repo)
        again, _ = find(p, repo)
        if again is None or again.body != found.body:
            return  # edited again while it was acted on: rewritten next cycle, so no new tick is lost
    if found is None:
        p.effects.open_issue(repo, p.config.dashboard.title, wanted, [LABEL, DASHBOARD_LABEL])
    elif found.body.replace("\r\n", "\n").strip() != wanted.strip():
        p.effects.edit_issue(repo, found.number, wanted)
    p.store.set_meta(SEEN_KEY + repo, json.dumps({"digest": _digest(wanted), "at": now}))


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def find(p: Ports, repo: str) -> tuple[PullRef | None, bool]:
    """The repository's open dashboard issue (the oldest when agents raced: the others are closed), and whether a
    person opted out (every dashboard of the agent's there is closed)."""
    mine = [
        issue
        for issue in p.github.issues(repo, label=DASHBOARD_LABEL, state="all")
        if p.github.wrote(issue.author) and (read_metadata(issue.body) or {}).get("kind") == KIND
    ]
    open_ = sorted((i for i in mine if i.state == "open"), key=lambda i: i.number)
    for duplicate in open_[1:]:
        p.effects.comment(repo, duplicate.number, f"A duplicate of #{open_[0].number}, which stays up to date.")
        p.effects.close_issue(repo, duplicate.number)
    return (open_[0] if open_ else None), bool(mine) and not open_


def act(p: Ports, report: Report, repo: str, issue: PullRef) -> bool:
    """The ticked boxes, when the person who last edited the issue has write access. True when something was done."""
    editor = p.github.issue_editor(repo, issue.number)
    if not editor or is_agent(p, editor) or p.github.permission(repo, editor) not in WRITERS:
        who = editor or "nobody"
        p.echo(f"{repo}: dashboard issue #{issue.number}: boxes ticked, but {who} has no write access: not acted on")
        return False
    how = f"a ticked box on the dashboard issue #{issue.number}"
    done = False
    for tick in ticks(issue.body):
        if tick.verb == "reset":
            signature, _, branch = tick.arg.partition(":")
            keys = [b.key for b in p.store.breakers(repo=repo) if b.key.branch == unquote(branch)]
            keys = [k for k in keys if k.signature.startswith(signature)]
            if len(keys) == 1:
                done |= _reset(p, keys[0], editor, how)
        elif tick.verb == "approve" and tick.arg.isdigit():
            done |= _approve(p, report, repo, int(tick.arg), editor, how)
    return done


def _reset(p: Ports, key: FailureKey, who: str, how: str) -> bool:
    view = p.breakers.views(p.now(), repo=key.repo)
    if not any(v.key == key and v.state in (State.OPEN, State.HALF_OPEN, State.FORCED_OPEN) for v in view):
        return False
    p.breakers.operator_move([key], State.CLOSED, reason=f"reset by {how}", who=who, now=p.now())
    p.echo(f"{key.repo}: breaker {key.branch} {key.signature[:12]} reset by {who} ({how})")
    return True


def _approve(p: Ports, report: Report, repo: str, number: int, who: str, how: str) -> bool:
    for rem in p.store.remediations(repo=repo, strategy=Strategy.FIX):
        if rem.pr_number == number and awaiting(rem):
            pull = p.github.pull(repo, number)
            if pull.state == "open":
                approve_draft(p, report, rem, pull, who, how)
                return True
    return False
