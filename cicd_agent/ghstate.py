"""State kept in GitHub itself, for the Action mode (its runner's disk is gone after each job).

The agent's own labelled pull requests and issues carry machine-readable metadata (signature, branch,
failed run) and outcome labels; from them this module rebuilds a fresh local store at the start of a run:
the runs already handled (dedup), each remediation and its state, the breakers (healthy fixes count as
successes, rolled-back ones as failures, a PR a human closed as a rejection, and the `breaker-reset`
label as an operator reset), and the fixes whose health is still pending.
"""

from __future__ import annotations

from typing import Any

from cicd_agent import control
from cicd_agent.breaker import State
from cicd_agent.pipeline import HEALTHY_LABEL, LABEL, ROLLED_BACK_LABEL, Ports
from cicd_agent.text import read_metadata

RESET_LABEL = "cicd-agent:breaker-reset"
FOREVER = float("inf")


def _claim(p: Ports, repo: str, meta: dict[str, Any]) -> None:
    p.store.claim_failure(
        {
            "repo": repo,
            "branch": str(meta.get("branch", "")),
            "run_id": int(meta.get("run_id", 0)),
            "run_attempt": int(meta.get("run_attempt", 1)),
            "workflow": "",
            "head_sha": "",
            "signature": str(meta.get("signature", "")),
            "category": "",
        },
        now=p.now(),
        ttl=FOREVER,
    )


def hydrate(p: Ports, repo: str) -> int:
    """Rebuild `repo`'s state from GitHub into the (empty) store; returns how many items it read."""
    now = p.now()
    pulls = sorted((pr for pr in p.github.pulls(repo, state="all") if LABEL in pr.labels), key=lambda pr: pr.number)
    for pr in pulls:
        meta = read_metadata(pr.body)
        if not meta or "signature" not in meta:
            continue
        key = (repo, str(meta["branch"]), str(meta["signature"]))
        _claim(p, repo, meta)
        if pr.state == "open":
            state = "pr_open"
        elif HEALTHY_LABEL in pr.labels or (pr.merged and ROLLED_BACK_LABEL not in pr.labels):
            state = "healthy"
        elif ROLLED_BACK_LABEL in pr.labels:
            state = "rolled_back"
        else:
            state = "rejected"
        rem = p.store.create_remediation(
            {
                "repo": repo,
                "branch": key[1],
                "signature": key[2],
                "strategy": "fix",
                "rule": str(meta.get("rule", "")),
                "state": state,
                "run_id": int(meta.get("run_id", 0)),
                "run_attempt": int(meta.get("run_attempt", 1)),
                "fix_branch": pr.head,
                "pr_number": pr.number,
                "pr_url": pr.html_url,
                "head_sha": pr.head_sha,
                "snapshot_id": str(meta.get("snapshot", "")),
                "created_at": now,
            }
        )
        if state == "pr_open":
            p.store.schedule_health_check(rem, due_at=now, deadline=now + p.config.health.max_wait, now=now)
        elif state == "rejected":
            control.reject(
                p.store,
                p.effects,
                p.config,
                key,
                now=now,
                reason=f"pull request #{pr.number} was closed without merging",
            )
        elif state in ("healthy", "rolled_back"):
            control.record_outcome(p.store, p.effects, p.config, key, success=state == "healthy", now=now)
        if RESET_LABEL in pr.labels:
            control.operator_move(
                p.store,
                p.effects,
                p.config,
                [key],
                State.CLOSED,
                who="github",
                now=now,
                reason=f"`{RESET_LABEL}` label on #{pr.number}",
            )
    issues = p.github.issues(repo, label=LABEL, state="all")
    for issue in issues:
        meta = read_metadata(issue.body)
        if meta and "signature" in meta:
            _claim(p, repo, meta)
            if issue.state == "open":
                for body in p.github.comments(repo, issue.number):  # later sightings: "Seen again in run ..."
                    seen = read_metadata(body)
                    if seen and seen.get("signature") == meta["signature"]:
                        _claim(p, repo, seen)
                p.store.create_remediation(
                    {
                        "repo": repo,
                        "branch": str(meta.get("branch", "")),
                        "signature": str(meta["signature"]),
                        "strategy": "report",
                        "rule": "",
                        "state": "reported",
                        "run_id": int(meta.get("run_id", 0)),
                        "run_attempt": int(meta.get("run_attempt", 1)),
                        "pr_number": issue.number,
                        "pr_url": issue.html_url,
                        "created_at": now,
                    }
                )
    return len(pulls) + len(issues)
