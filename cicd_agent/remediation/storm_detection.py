"""Storm detection (pure): one failure signature in many repositories at once is one incident, not N
remediations. A broken shared action, a registry outage or an expired organisation secret fails every
repository the same way; fixing each repository on its own floods people with pull requests and issues."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from cicd_agent.model import Incident


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
