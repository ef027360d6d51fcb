"""After downtime, the webhook deliveries GitHub could not make are asked for again: GitHub never redelivers by
itself, but lists a GitHub App's delivery attempts for 3 days and redelivers one on request (the App's JWT).

When `agent serve` starts, and as each sweep round starts, the attempts since the last look (at most
`[webhook] redeliver_window` back) are read. A delivery is asked for again when no attempt of its GUID
succeeded, the store has not handled that GUID (its first copy may have arrived while GitHub still counted the
attempt failed, past its 10 s), its event is one the agent uses, and its latest attempt failed the way downtime
fails (no answer, a timeout, a 5xx, 408, 429; the receiver's own refusals, 401 and 400, would be refused again).
Each GUID is asked for at most `store.deliveries.MAX_REDELIVERIES` times, by one host (a claim in the store); one
GitHub refused to redeliver (or did not answer) is looked at again by the next look, however old it is.
Whatever comes back is handled once: the receiver's drain claims each GUID in the store. While the agent is
paused, the sweep runs this on ports that hold every write (`held.unless_paused`): the requests are held.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from cicd_agent.errors import AgentError
from cicd_agent.github.values import HookDelivery
from cicd_agent.remediation.context import Ports, Report

CHECKED_KEY = "webhook_redelivery"  # the store's meta: when the deliveries were last looked at
MARGIN = 600.0  # seconds looked at again before the last look (an attempt GitHub was still recording)
USED_EVENTS = {
    "workflow_run": {"completed"},
    "pull_request": None,  # any action
    "issue_comment": None,
    "installation_repositories": None,
    "installation": None,
}


def used(delivery: HookDelivery) -> bool:
    """Whether the agent acts on this event (the others are not worth a redelivery)."""
    if delivery.event not in USED_EVENTS:
        return False
    actions = USED_EVENTS[delivery.event]
    return actions is None or delivery.action in actions


def failed_by_downtime(delivery: HookDelivery) -> bool:
    code = delivery.status_code
    return code == 0 or code in (408, 429) or code >= 500


def to_redeliver(attempts: Iterable[HookDelivery], handled: set[str]) -> list[HookDelivery]:
    """The attempts to ask for again, oldest first (pure): per GUID its latest attempt, when none succeeded,
    the store has not handled it, the agent uses its event, and it failed as downtime fails."""
    latest: dict[str, HookDelivery] = {}
    succeeded: set[str] = set()
    for attempt in attempts:
        if attempt.ok:
            succeeded.add(attempt.guid)
        known = latest.get(attempt.guid)
        if known is None or (attempt.delivered_at, attempt.id) > (known.delivered_at, known.id):
            latest[attempt.guid] = attempt
    chosen = [
        d
        for guid, d in latest.items()
        if guid not in succeeded and guid not in handled and used(d) and failed_by_downtime(d)
    ]
    return sorted(chosen, key=lambda d: (d.delivered_at, d.id))


def redeliver_missed(p: Ports, report: Report) -> int:
    """Ask GitHub to redeliver what failed since the last look; returns how many were asked for."""
    window = float(p.config.webhook.redeliver_window)
    if window <= 0 or not p.github.can_list_deliveries():
        return 0
    now = p.now()
    last = p.store.get_meta(CHECKED_KEY)
    since = max(now - window, float(json.loads(last)["at"]) - MARGIN) if last else now - window
    try:
        attempts, complete = p.github.hook_deliveries(since=since)
    except AgentError as exc:
        report.error(p, f"reading the App's webhook deliveries: {exc}; the sweep catches their failures up")
        return 0
    chosen = to_redeliver(attempts, p.store.handled_deliveries(sorted({a.guid for a in attempts})))
    asked, look_again_from = 0, now  # the next look starts there: a refused request is asked for again then
    for delivery in chosen:
        if not p.store.claim_redelivery(delivery.guid, delivery.event, now=now, attempted_since=delivery.delivered_at):
            continue  # asked for already (by this host or another), and GitHub has not tried it since
        try:
            p.effects.redeliver(delivery)
        except AgentError as exc:
            p.store.release_redelivery(delivery.guid)  # not asked for after all: the next look asks again
            look_again_from = min(look_again_from, delivery.delivered_at)
            report.error(p, f"redelivering webhook delivery {delivery.guid}: {exc}")
            continue
        asked += 1
    if asked:
        p.echo(f"asked GitHub to redeliver {asked} webhook deliveries that failed (since the last look)")
    if not complete:
        p.echo(f"only the newest {len(attempts)} webhook delivery attempts were read: the sweep catches up the rest")
    p.store.set_meta(CHECKED_KEY, json.dumps({"at": look_again_from}))
    p.store.forget_deliveries(before=now - window - 86400)
    return asked
