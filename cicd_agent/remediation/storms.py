"""Storms: the same failure in many repositories at once is one incident, not N remediations.

A broken shared action, a registry outage or an expired organisation secret fails every repository the same
way; fixing each repository on its own floods people with pull requests and issues. The decisions are pure
(`assess`, `is_over`, `joined`); the stage around them reads and writes through the ports.

A cycle first explains its new failures (`survey`, without their baselines: a storm needs none) and records
each as a sighting, so the storm is seen before the first of them is remediated; each failure is explained
once a cycle (what the survey could not explain is reported in its turn, not asked again). Each failure then
asks `incident_for`: past the threshold it is part of an incident (one issue in the configured repository,
one notification) and gets no pull request, rerun or issue of its own. An incident without a new sighting for
a whole window ends (`end_quiet`).
"""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import ApiUnavailable, ends_cycle
from cicd_agent.github.values import WorkflowRun
from cicd_agent.model import STORM_LABEL, Decided, Decision, Incident, Sighting
from cicd_agent.remediation import bodies
from cicd_agent.remediation.context import Ports, Report
from cicd_agent.remediation.explain import Explained, explain_run
from cicd_agent.text import read_metadata


class Step(StrEnum):
    """What one more sighting of a signature means."""

    NONE = "none"  # below the threshold: handle the failure in its repository as usual
    START = "start"  # the threshold is reached: open the incident
    JOIN = "join"  # an incident is open and this repository is new to it
    AGAIN = "again"  # an incident is open and already lists this repository


def assess(active: Incident | None, repos: frozenset[str], repo: str, *, min_repos: int) -> Step:
    """`repos`: every repository that showed the signature within the window (this one included)."""
    if active is not None:
        return Step.AGAIN if repo.lower() in {r.lower() for r in active.repos} else Step.JOIN
    if min_repos >= 2 and len({r.lower() for r in repos}) >= min_repos:
        return Step.START
    return Step.NONE


def is_over(incident: Incident, now: float, window: float) -> bool:
    """An incident ends when its signature has not been seen for a whole window."""
    return incident.ended_at is None and now - incident.last_seen > window


def joined(incident: Incident, repos: frozenset[str] | set[str], now: float) -> Incident:
    """The incident after new sightings: every repository it lists, and the time of the last one."""
    known = {r.lower() for r in incident.repos}
    listed = (*incident.repos, *(r for r in sorted(repos) if r.lower() not in known))
    return replace(incident, repos=tuple(sorted(listed, key=str.lower)), last_seen=max(incident.last_seen, now))


def survey(p: Ports, report: Report, runs: list[WorkflowRun], *, limit: int) -> None:
    """Explain up to `limit` new failures before any is decided, and record their sightings. Errors are left
    for the failure's own turn (it explains again and reports them there)."""
    if not p.config.storm.min_repos:
        return
    for run in runs:
        if p.stopping() or len(report.surveyed) >= limit:
            return
        if run.ref in report.surveyed or p.store.failure_seen(run.ref):
            continue
        try:
            explained = explain_run(p.github, run, baseline=False)  # a storm needs none; `decide` adds it
        except ApiUnavailable as exc:
            if ends_cycle(exc):  # a rate limit or no host: the cycle ends, nothing is asked again
                raise
            report.unexplained[run.ref] = exc  # its turn reports it, without asking again this cycle
            return
        except AgentError as exc:
            report.unexplained[run.ref] = exc
            continue
        report.surveyed[run.ref] = explained
        if explained.analysis.failed:
            p.store.add_sighting(sighting(explained, p.now()))


def sighting(explained: Explained, now: float) -> Sighting:
    run, analysis = explained.run, explained.analysis
    return Sighting(run.repo, run.branch, analysis.signature, analysis.category, run.id, run.attempt, now)


def incident_for(p: Ports, explained: Explained) -> Incident | None:
    """The incident this failure is part of (None: handle it in its repository). Starts one when this
    sighting reaches the threshold; a repository new to an open incident is added to its issue."""
    settings = p.config.storm
    if not settings.min_repos or not explained.analysis.failed:
        return None
    now = p.now()
    signature, repo = explained.analysis.signature, explained.run.repo
    p.store.add_sighting(sighting(explained, now))
    active = p.store.active_incident(signature)
    repos = p.store.sighting_repos(signature, since=now - settings.window)
    step = assess(active, repos, repo, min_repos=settings.min_repos)
    if step is Step.NONE:
        return None
    if active is None:  # Step.START, unless another host started it a moment ago: hosts take turns here
        with p.store.transaction():
            p.store.lock(f"storm:{signature}")
            active = p.store.active_incident(signature)
            if active is None:
                started = p.store.save_incident(
                    Incident(
                        signature,
                        explained.analysis.category,
                        now,
                        now,
                        tuple(sorted(repos, key=str.lower)),
                        issue_repo=settings.issue_repo,
                    )
                )
    if active is None:
        incident = file_issue(p, started, explained)
        issue = f": {incident.issue_url}" if incident.issue_url else " (no storm.issue_repo configured for an issue)"
        named = ", ".join(incident.repos[:10]) + (
            f" and {len(incident.repos) - 10} more" if len(incident.repos) > 10 else ""
        )
        p.effects.notify(
            "storm",
            f"the same failure ({incident.category}, {signature[:12]}) in {len(incident.repos)} repositories "
            f"({named}): one incident, no per-repository remediation{issue}",
            signature=signature,
            url=incident.issue_url,
        )
        return incident
    with p.store.transaction():  # joined under the same turn: two hosts adding a repository lose neither
        p.store.lock(f"storm:{signature}")
        active = p.store.active_incident(signature) or active
        new_repo = assess(active, repos, repo, min_repos=settings.min_repos) is Step.JOIN
        incident = p.store.save_incident(joined(active, {repo}, now))
    if not incident.issue_number:
        if now - incident.started_at > p.lease:  # a crash or an error came between the incident and its issue
            return file_issue(p, incident, explained)
        return incident  # the host that started it is filing its issue
    if new_repo:
        p.effects.edit_issue(
            incident.issue_repo, incident.issue_number, bodies.incident_body(incident, explained, settings.window)
        )
    return incident


def file_issue(p: Ports, incident: Incident, explained: Explained) -> Incident:
    """The incident's issue in the configured repository (found again by its metadata after a crash)."""
    if not incident.issue_repo:
        return incident
    issue = next(
        (
            i
            for i in p.github.issues(incident.issue_repo, label=STORM_LABEL)
            if p.github.wrote(i.author) and (read_metadata(i.body) or {}).get("storm") == incident.signature
        ),
        None,
    )
    if issue is None:
        body = bodies.incident_body(incident, explained, p.config.storm.window)
        issue = p.effects.open_issue(incident.issue_repo, bodies.incident_title(incident), body, [STORM_LABEL])
    return p.store.save_incident(replace(incident, issue_number=issue.number, issue_url=issue.html_url))


def end_quiet(p: Ports, report: Report) -> None:
    """End every incident whose signature was not seen for a whole window: close its issue, say so."""
    window = p.config.storm.window
    for incident in p.store.incidents(active=True):
        now = p.now()
        if not is_over(incident, now, window):
            continue
        try:
            if incident.issue_number:
                p.effects.comment(incident.issue_repo, incident.issue_number, bodies.incident_over(incident, window))
                p.effects.close_issue(incident.issue_repo, incident.issue_number)
        except AgentError as exc:
            report.error(p, f"ending the incident of {incident.signature[:12]}: {exc}")
            continue
        ended = p.store.save_incident(replace(incident, ended_at=now))
        reason = f"no new sighting for {window:g}s: the incident over {len(ended.repos)} repositories is over"
        text = f"the same failure ({ended.category}, {ended.signature[:12]}): {reason}"
        p.effects.notify("storm", text, signature=ended.signature, url=ended.issue_url)
        decision = Decision(now, "*", Decided.STORM_ENDED, reason, signature=ended.signature)
        p.store.record_decision(decision)
        report.decisions.append(decision)
        p.echo(f"storm {ended.signature[:12]}: {reason}")
