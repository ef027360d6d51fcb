"""`agent status` says what is next and when: the health checks due (when, which PR, what they wait for),
leases held and until when, failures deferred and when they are tried again; `run --health-only` before the
delay says what it waits for."""

from __future__ import annotations

import time
from datetime import datetime

from harness import Loop

from cicd_agent.cli.shapes import when


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def test_status_says_what_is_next_and_when(loop: Loop) -> None:
    loop.setup("format", "timeout")
    loop.edit_config("max_new_prs_per_hour = 50", "max_new_prs_per_hour = 50\nfleet_max_new_prs_per_hour = 1")
    loop.edit_config("delay = 0", 'delay = "5m"')
    started = time.time()
    assert sorted(loop.decisions()) == ["deferred", "fix_opened"]
    (fix,) = loop.pulls("demo/format-check") or loop.pulls("demo/slow-job")
    status = loop.agent("status", "--json").json()

    (check,) = status["health_checks"]
    assert check["pr_url"] == fix["html_url"] and check["due_now"] is False
    assert 290 <= _epoch(check["due_at"]) - started <= 320
    assert check["awaiting"].startswith("CI of .github/workflows/ci.yml (") and "cicd-agent/fix/" in check["awaiting"]

    (deferred,) = status["deferred"]
    assert "fleet_max_new_prs_per_hour 1" in deferred["reason"] and deferred["waits_for"] == "the hourly PR bound"
    assert 3590 <= _epoch(deferred["retry_at"]) - started <= 3620  # the first PR is an hour old then
    budget = {b["name"]: b for b in status["budget"]}  # the request budget the cycle spent (the tests' [budget])
    assert budget["points"]["limit"] == 60000 and budget["points"]["spent"] >= 5

    store = loop.store()
    (rem,) = store.remediations(states=(store.remediations()[0].state,))
    assert store.lease_remediation(rem.id, now=time.time(), lease=600)  # as a killed cycle leaves it
    store.close()
    (lease,) = loop.agent("status", "--json").json()["leases"]
    assert lease["kind"] == "remediation" and lease["what"].startswith(f"remediation {rem.id}")
    assert 590 <= _epoch(lease["until"]) - time.time() <= 610

    text = loop.agent("status").out
    assert f"health checks waiting: 1\n  due {when(_epoch(check['due_at']))}: {fix['html_url']}: waits for CI" in text
    assert "deferred failures: 1" in text and "retry at" in text and "leases held: 1" in text

    early = loop.agent("run", "--health-only")  # before the delay: says what it waits for, and when
    assert early.code == 0
    assert f"health check of {fix['html_url']}: due in" in early.err and "waits for CI of" in early.err
