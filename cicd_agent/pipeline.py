"""One remediation cycle: health checks due, then each repository's new failed runs, each decided and
acted on. Decisions only: reads go through the GitHub port, writes through the effects gateway, state
through the store. Every write is recorded as an intent first, so a cycle killed anywhere reconciles.
"""

from __future__ import annotations

import fnmatch
import json
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from github import GithubException

from cicd_agent import control, health, policy, snapshots
from cicd_agent.action_versions import ActionVersions
from cicd_agent.analysis import Analysis
from cicd_agent.config import Config
from cicd_agent.effects import Effects, file_diff
from cicd_agent.errors import AgentError
from cicd_agent.failures import Explained, explain_run
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.github import AlreadyExists, ApiUnavailable, GitHubClient, PullRef, WorkflowRun, run_from_json
from cicd_agent.gitops import WorkflowPushRefused, Workspaces
from cicd_agent.package_index import PackageIndex
from cicd_agent.rules import Rule, candidates, from_config
from cicd_agent.store import MAX_HANDLING_ERRORS, Store
from cicd_agent.text import break_mentions, clip, fenced, inline, metadata_comment, read_metadata

FIX_PREFIX = "cicd-agent/fix/"
LABEL = "cicd-agent"
INCONCLUSIVE_LABEL = "cicd-agent:inconclusive"
HEALTHY_LABEL = "cicd-agent:healthy"  # outcome labels: what the Action mode rebuilds its state from
ROLLED_BACK_LABEL = "cicd-agent:rolled-back"
ACTIVE = ("planned", "pushed", "pr_open", "rerun_requested", "rolling_back", "rollback_partial")


@dataclass
class Ports:
    config: Config
    github: GitHubClient
    effects: Effects
    store: Store
    workspaces: Workspaces
    snapshot_dir: Path
    now: Callable[[], float]
    echo: Callable[[str], None] = lambda message: None
    stopping: Callable[[], bool] = lambda: False  # a watcher asked to stop: finish the current failure, then end
    versions: ActionVersions | None = None  # latest action releases for the deprecated-action fixer
    index: PackageIndex | None = None  # verifies distribution names for the missing-dependency fixer


@dataclass
class Report:
    """What one cycle did, for the CLI and `--json`."""

    decisions: list[dict[str, Any]] = field(default_factory=list)
    idle_repos: list[str] = field(default_factory=list)
    deferred: int = 0
    errors: list[str] = field(default_factory=list)
    explained: dict[int, Explained] = field(default_factory=dict)  # run id -> its analysis, for summaries

    def to_json(self) -> dict[str, Any]:
        return {
            "decisions": self.decisions,
            "idle_repos": self.idle_repos,
            "deferred": self.deferred,
            "errors": self.errors,
        }


def fix_branch(signature: str, branch: str) -> str:
    """Deterministic, so it is the idempotency key on GitHub itself."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", branch).strip("-.") or "branch"
    return f"{FIX_PREFIX}{signature[:12]}/{slug[:60]}"


def branch_watched(patterns: list[str], branch: str) -> bool:
    return any(fnmatch.fnmatchcase(branch, p) for p in patterns)


# -- the cycle ---------------------------------------------------------------------------------------------


def run_cycle(p: Ports, repos: list[str], *, health_only: bool = False) -> Report:
    started = p.now()
    report = Report()
    reconcile(p, report)
    retry_partial_rollbacks(p, report)  # left unfinished by an earlier cycle (a crash or an API error)
    process_health_checks(p, report)
    if not health_only:
        handle_new_failures(p, repos, report)
    p.store.set_meta(
        control.LAST_CYCLE_KEY,
        json.dumps(
            {
                "at": p.now(),
                "duration": p.now() - started,
                "decisions": len(report.decisions),
                "errors": len(report.errors),
            }
        ),
    )
    return report


@dataclass(frozen=True)
class Polled:
    repo: str
    runs: list[WorkflowRun]
    etag: str
    since: str


def poll_repo(p: Ports, repo: str) -> Polled | None:
    """The repo's failed runs on watched branches (not the agent's own); None when nothing changed (304)."""
    config = p.config.repo(repo)
    since = datetime.fromtimestamp(p.now() - p.config.state.dedup_ttl, UTC).strftime("%Y-%m-%d")
    cursor = p.store.cursor(repo)
    etag = cursor["etag"] if cursor and cursor["since"] == since else None
    changed, runs, new_etag = p.github.poll_failed_runs(repo, created=f">={since}", etag=etag)
    if not changed:
        return None
    wanted = [
        r
        for r in runs
        if r.conclusion == "failure"
        and not r.branch.startswith(FIX_PREFIX)
        and branch_watched(config.branches, r.branch)
    ]
    return Polled(repo, wanted, new_etag, since)


def handle_new_failures(p: Ports, repos: list[str], report: Report) -> None:
    """Every repo's new failures, oldest first across repos, at most `max_failures_per_cycle` of them."""
    polled: list[Polled] = []
    for repo in repos:
        try:
            found = poll_repo(p, repo)
        except ApiUnavailable as exc:  # the API host is down: stop this cycle instead of hammering it
            report.errors.append(f"{repo}: {exc}; cycle stopped, the next one retries")
            p.echo(f"error: {repo}: {exc}")
            return
        except AgentError as exc:
            report.errors.append(f"{repo}: {exc}")
            p.echo(f"error: {repo}: {exc}")
            continue
        if found is None:
            report.idle_repos.append(repo)
        else:
            polled.append(found)
    queue = sorted(((run, found) for found in polled for run in found.runs), key=lambda x: (x[0].created_at, x[0].id))
    budget = p.config.policy.max_failures_per_cycle
    waiting: set[str] = set()
    for run, found in queue:
        if budget <= 0 or p.stopping():
            waiting.add(found.repo)
            report.deferred += 1
            continue
        try:
            if handle_failure(p, run, report):
                budget -= 1
        except AgentError as exc:
            report.errors.append(f"{run.repo} run {run.id}: {exc}")
            p.echo(f"error: {run.repo} run {run.id}: {exc}")
            waiting.add(found.repo)
            for rem in p.store.remediations(repo=run.repo, states=("planned",)):
                if (rem["run_id"], rem["run_attempt"]) == (run.id, run.attempt):  # nothing of it reached GitHub
                    p.store.update_remediation(rem["id"], state="failed", now=p.now(), detail={"error": str(exc)})
            # an outage is nobody's fault: only errors GitHub keeps giving count towards giving up
            transient = isinstance(exc, ApiUnavailable)
            errors = p.store.release_failure(run.repo, run.id, run.attempt, error=not transient)
            if errors >= MAX_HANDLING_ERRORS:
                decide(p, report, run, "gave_up", f"handling it failed {errors} times; last error: {exc}")
            if isinstance(exc, ApiUnavailable):
                budget = 0
    if report.deferred:
        p.echo(f"{report.deferred} failure(s) left for the next cycle (max_failures_per_cycle)")
    for found in polled:
        if found.repo not in waiting:  # a repo with work left keeps polling without its ETag
            p.store.set_cursor(found.repo, etag=found.etag, since=found.since, now=p.now())


def decide(
    p: Ports,
    report: Report,
    run: WorkflowRun,
    decision: str,
    reason: str,
    *,
    signature: str = "",
    rule: str = "",
    **detail: Any,
) -> None:
    row = {
        "at": p.now(),
        "repo": run.repo,
        "branch": run.branch,
        "run_id": run.id,
        "run_attempt": run.attempt,
        "signature": signature,
        "decision": decision,
        "reason": reason,
        "rule": rule,
        "detail": detail,
    }
    p.store.record_decision(row)
    report.decisions.append({k: v for k, v in row.items() if k != "at"})
    p.echo(f"{run.repo} run {run.id}#{run.attempt} ({run.branch}): {decision}{f' [{rule}]' if rule else ''}: {reason}")


def handle_failure(p: Ports, run: WorkflowRun, report: Report) -> bool:
    """Decide and act on one failed run; False when it was a duplicate (costs no budget)."""
    now = p.now()
    claim = {
        "repo": run.repo,
        "branch": run.branch,
        "run_id": run.id,
        "run_attempt": run.attempt,
        "workflow": run.name,
        "head_sha": run.head_sha,
        "signature": "",
        "category": "",
    }
    if not p.store.claim_failure(claim, now=now, ttl=p.config.state.dedup_ttl):
        return False
    explained = explain_run(p.github, run.repo, run.id)
    report.explained[run.id] = explained
    analysis = explained.analysis
    if not analysis.failed:
        decide(p, report, run, "no_failure_found", "the failed job's log shows no failure")
        return True
    sig = analysis.signature
    base = {"signature": sig, "category": analysis.category}
    if control.paused(p.store):
        decide(p, report, run, "paused", "the agent is paused: analysed and reported only", **base)
        return True
    key = (run.repo, run.branch, sig)
    if p.store.remediations(key=key, states=ACTIVE):
        decide(p, report, run, "in_flight", "a remediation of this failure is still in flight", **base)
        return True
    allowed, why = control.acquire(p.store, p.effects, p.config, key, now)
    if not allowed:
        decide(p, report, run, "blocked_by_breaker", why, **base)
        return True
    rules = candidates(
        from_config(p.config),
        analysis,
        run.repo,
        run.branch,
        reruns_done=run.attempt - 1,
        last_fired=_last_fired(p, key),
        now=now,
    )
    for rule in rules:
        if act(p, report, run, explained, rule):
            return True
    control.record_outcome(p.store, p.effects, p.config, key, success=None, now=now)  # free a half-open slot
    decide(p, report, run, "no_action", "no rule could act on this failure", **base)
    return True


def _last_fired(p: Ports, key: tuple[str, str, str]) -> dict[str, float]:
    fired: dict[str, float] = {}
    for row in p.store.remediations(key=key):
        fired[row["rule"]] = max(fired.get(row["rule"], 0.0), row["created_at"])
    return fired


def act(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> bool:
    """Carry out one rule's strategy; False lets the next rule try (a fixer declined, policy refused)."""
    analysis = explained.analysis
    key = (run.repo, run.branch, analysis.signature)
    base = {"signature": analysis.signature, "category": analysis.category, "rule": rule.name}
    if rule.strategy == "ignore":
        control.record_outcome(p.store, p.effects, p.config, key, success=None, now=p.now())
        decide(p, report, run, "ignored", f"rule {rule.name} ignores this failure", **base)
        return True
    if rule.strategy == "rerun":
        return rerun(p, report, run, analysis, rule)
    if rule.strategy == "report":
        control.record_outcome(p.store, p.effects, p.config, key, success=None, now=p.now())
        return report_failure(p, report, run, explained, rule)
    return fix(p, report, run, explained, rule)


def _remediation(
    p: Ports, run: WorkflowRun, analysis: Analysis, rule: Rule, strategy: str, state: str, **extra: Any
) -> int:
    return p.store.create_remediation(
        {
            "repo": run.repo,
            "branch": run.branch,
            "signature": analysis.signature,
            "strategy": strategy,
            "rule": rule.name,
            "state": state,
            "run_id": run.id,
            "run_attempt": run.attempt,
            "created_at": p.now(),
            **extra,
        }
    )


def _schedule(p: Ports, remediation_id: int) -> None:
    now = p.now()
    p.store.schedule_health_check(
        remediation_id, due_at=now + p.config.health.delay, deadline=now + p.config.health.max_wait, now=now
    )


def rerun(p: Ports, report: Report, run: WorkflowRun, analysis: Analysis, rule: Rule) -> bool:
    rem = _remediation(p, run, analysis, rule, "rerun", "planned")
    intent = p.store.add_intent(rem, "github.rerun_failed_jobs", str(run.id), now=p.now())
    p.effects.rerun_failed_jobs(run.repo, run.id)
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem, state="rerun_requested", now=p.now())
    _schedule(p, rem)
    decide(
        p,
        report,
        run,
        "rerun",
        f"re-running the failed jobs (attempt {run.attempt + 1})",
        signature=analysis.signature,
        rule=rule.name,
        category=analysis.category,
    )
    return True


def report_failure(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> bool:
    """On the run's pull request when it has one (a comment, once per failure), else as an issue."""
    if run.pull_requests:
        return comment_on_pull(p, report, run, explained, rule, run.pull_requests[0])
    analysis = explained.analysis
    key = (run.repo, run.branch, analysis.signature)
    earlier = [r for r in p.store.remediations(key=key, strategy="report", states=("reported",)) if r["pr_number"]]
    base = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    if earlier:
        issue = earlier[-1]["pr_number"]
        p.effects.comment(
            run.repo,
            issue,
            f"Seen again in [run {run.id}]({run.html_url}) (attempt {run.attempt}).\n\n"
            + metadata_comment(_identity(run, explained)),
        )
        decide(p, report, run, "reported", f"seen again: commented on issue #{issue}", issue=issue, **base)
        return True
    rem = _remediation(p, run, analysis, rule, "report", "planned")
    issue_ref = existing_report(p, run.repo, run.branch, analysis.signature)
    if issue_ref is None:
        title = f"CI failure on {inline(run.branch)}: {analysis.category} ({analysis.signature[:12]})"
        issue_ref = p.effects.open_issue(run.repo, title[:250], report_body(run, explained), [LABEL])
    p.store.update_remediation(
        rem, state="reported", pr_number=issue_ref.number, pr_url=issue_ref.html_url, now=p.now()
    )
    decide(p, report, run, "reported", f"opened issue {issue_ref.html_url}", issue=issue_ref.html_url, **base)
    return True


def comment_on_pull(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule, number: int) -> bool:
    analysis = explained.analysis
    base = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    for body in p.github.comments(run.repo, number):
        meta = read_metadata(body)
        if meta and meta.get("signature") == analysis.signature:
            decide(p, report, run, "reported", f"already explained on pull request #{number}", **base)
            return True
    p.effects.comment(run.repo, number, report_body(run, explained))
    url = run.html_url.split("/actions/")[0] + f"/pull/{number}"
    decide(p, report, run, "reported", f"explained on pull request #{number}", issue=url, **base)
    return True


def existing_report(p: Ports, repo: str, branch: str, signature: str) -> PullRef | None:
    """An open issue the agent filed for this key (its metadata says so): GitHub is the source of truth."""
    for issue in p.github.issues(repo, label=LABEL):
        meta = read_metadata(issue.body)
        if meta and meta.get("signature") == signature and meta.get("branch") == branch:
            return issue
    return None


def fix(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> bool:
    analysis = explained.analysis
    key = (run.repo, run.branch, analysis.signature)
    base = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    branch = fix_branch(analysis.signature, run.branch)
    existing = p.github.pulls(run.repo, head=branch, state="open")
    if existing:
        decide(p, report, run, "duplicate", f"pull request {existing[0].html_url} already proposes this fix", **base)
        return True
    rate = policy.check_rate(
        len(p.store.remediations(repo=run.repo, strategy="fix", states=("pr_open",))),
        len(p.store.remediations(repo=run.repo, strategy="fix", since=p.now() - 3600)),
        p.config.policy,
    )
    if rate:
        p.store.release_failure(run.repo, run.id, run.attempt)  # handled again next cycle
        control.record_outcome(p.store, p.effects, p.config, key, success=None, now=p.now())
        decide(p, report, run, "deferred", rate, **base)
        return True
    plan = make_plan(p, run, explained, rule)
    if isinstance(plan, CannotFix):
        decide(p, report, run, "cannot_fix", f"{plan.fixer}: {plan.why}", **base)
        return False
    verdict = policy.check_plan(plan, p.config.policy)
    if not verdict.allowed:
        decide(p, report, run, "policy_refused", verdict.reason, **base)
        return False
    return open_fix(p, report, run, explained, rule, plan, verdict, branch)


def make_plan(p: Ports, run: WorkflowRun, explained: Explained, rule: Rule) -> FixPlan | CannotFix:
    fixer = FIXERS.get(rule.fixer)
    if fixer is None:
        return CannotFix(rule.fixer or "(none)", f"no fixer named {rule.fixer!r} (known: {', '.join(FIXERS)})")
    if run.fork:
        return CannotFix(rule.fixer, "the failing head comes from a fork: the agent does not push fixes for forks")
    info = p.github.repository(run.repo)
    workspace = p.workspaces.checkout(run.repo, info.clone_url, run.head_sha)
    ctx = FixContext(
        workspace,
        explained.analysis,
        trusted=not run.fork,
        workflow_path=run.path,
        job_name=explained.job.name if explained.job else "",
        command=rule.command,
        versions=p.versions,
        index=p.index,
    )
    return fixer(ctx)


def open_fix(
    p: Ports,
    report: Report,
    run: WorkflowRun,
    explained: Explained,
    rule: Rule,
    plan: FixPlan,
    verdict: policy.Verdict,
    branch: str,
) -> bool:
    analysis = explained.analysis
    key = (run.repo, run.branch, analysis.signature)
    base = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    snapshot = snapshots.capture(run.repo, run.branch, run.head_sha, plan, p.now())
    title = f"cicd-agent: {plan.title}"
    body = pr_body(run, explained, rule, plan, snapshot["id"])
    labels = [LABEL, *verdict.labels]
    rem = _remediation(
        p,
        run,
        analysis,
        rule,
        "fix",
        "planned",
        fix_branch=branch,
        snapshot_id=snapshot["id"],
        detail={
            "title": title,
            "body": body,
            "labels": labels,
            "draft": verdict.draft,
            "base": run.branch,
            "fixer": plan.fixer,
        },
    )
    snapshots.save(p.effects, p.store, p.snapshot_dir, snapshot)
    workspace = p.workspaces.path(run.repo)
    commit = p.workspaces.commit(workspace, branch, plan.changes, f"{title}\n\n{plan.rationale}")
    diff = "".join(file_diff(c.path, c.before, c.after) for c in plan.changes)
    intent = p.store.add_intent(rem, "git.push", branch, now=p.now())
    try:
        p.effects.push(run.repo, workspace, branch, force=True, diff=diff)
    except WorkflowPushRefused as exc:
        p.store.update_remediation(rem, state="refused", now=p.now(), detail={"error": str(exc)})
        control.record_outcome(p.store, p.effects, p.config, key, success=None, now=p.now())
        decide(p, report, run, "push_refused", str(exc), **base)
        return True
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem, state="pushed", head_sha=commit, now=p.now())
    pull = _open_pull(p, run.repo, rem, branch, diff)
    decide(p, report, run, "fix_opened", f"{plan.fixer}: {pull.html_url}", pr=pull.html_url, **base)
    return True


def _open_pull(p: Ports, repo: str, rem: int, branch: str, diff: str = "") -> PullRef:
    row = p.store.remediation(rem) or {}
    detail = row.get("detail", {})
    intent = p.store.add_intent(rem, "github.open_pull", branch, now=p.now())
    try:
        pull = p.effects.open_pull(
            repo,
            head=branch,
            base=detail["base"],
            title=detail["title"],
            body=detail["body"],
            draft=bool(detail.get("draft")),
            labels=list(detail.get("labels", [LABEL])),
            diff=diff,
        )
    except AlreadyExists:
        # another agent (a concurrent Action run) opened it first: the branch is the lock, adopt its PR
        existing = p.github.pulls(repo, head=branch, state="open")
        if not existing:
            raise
        pull = existing[0]
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(rem, state="pr_open", pr_number=pull.number, pr_url=pull.html_url, now=p.now())
    _schedule(p, rem)
    return pull


# -- text the agent writes -----------------------------------------------------------------------------------


def _excerpt_block(analysis: Analysis, budget: int) -> str:
    """The excerpt, fenced and with mentions broken, cut to `budget` characters (whole lines)."""
    kept: list[str] = []
    used = 0
    for item in analysis.excerpt:
        line = break_mentions(f"{item.line:>6} | {item.text}")
        if used + len(line) + 1 > budget - 20:
            kept.append("   ... | (excerpt cut to fit)")
            break
        kept.append(line)
        used += len(line) + 1
    return fenced("\n".join(kept) or "(no excerpt)")


def _header(run: WorkflowRun, explained: Explained) -> list[str]:
    analysis = explained.analysis
    step = inline(analysis.failing_step or "(unknown)")
    job = inline(explained.job.name) if explained.job else "(unknown)"
    return [
        f"- Failing run: [{run.name} #{run.id}]({run.html_url}) (attempt {run.attempt}) on `{inline(run.branch)}`",
        f"- Job: {job}; failing step: {step}",
        f"- Category: `{analysis.category}`; signature: `{analysis.signature}`",
    ]


def _identity(run: WorkflowRun, explained: Explained) -> dict[str, Any]:
    """The metadata that names a failure: the key GitHub-side state is rebuilt from (ghstate)."""
    return {
        "signature": explained.analysis.signature,
        "repo": run.repo,
        "branch": run.branch,
        "run_id": run.id,
        "run_attempt": run.attempt,
    }


def pr_body(run: WorkflowRun, explained: Explained, rule: Rule, plan: FixPlan, snapshot_id: str) -> str:
    meta = metadata_comment(
        {
            **_identity(run, explained),
            "snapshot": snapshot_id,
            "rule": rule.name,
            "fixer": plan.fixer,
            "base_sha": run.head_sha,
            "paths": sorted(c.path for c in plan.changes),
        }
    )
    head = "\n".join(
        [
            "## cicd-agent proposes a fix",
            "",
            *_header(run, explained),
            f"- Rule: `{rule.name}`; fixer: `{plan.fixer}`",
            f"- Snapshot for rollback: `{snapshot_id}`",
            "",
            "### Why",
            "",
            break_mentions(plan.rationale),
            "",
            "### Error excerpt",
            "",
        ]
    )
    tail = "\n\nIf this fix's CI fails, the agent closes this pull request and deletes its branch.\n\n" + meta
    budget = 65_000 - len(head) - len(tail)
    return clip(head + _excerpt_block(explained.analysis, budget) + tail)


def report_body(run: WorkflowRun, explained: Explained) -> str:
    head = "\n".join(
        [
            "## cicd-agent could not fix this failure automatically",
            "",
            *_header(run, explained),
            "",
            "### Error excerpt",
            "",
        ]
    )
    meta = metadata_comment(_identity(run, explained))
    return clip(head + _excerpt_block(explained.analysis, 65_000 - len(head) - 200) + "\n\n" + meta)


# -- health checks and rollback --------------------------------------------------------------------------------


def process_health_checks(p: Ports, report: Report) -> None:
    for check in p.store.due_health_checks(p.now()):
        rem = p.store.remediation(check["remediation_id"])
        if rem is not None and rem["state"] in ("rolling_back", "rollback_partial"):
            continue  # retry_partial_rollbacks finishes those
        if rem is None or rem["state"] not in ("pr_open", "rerun_requested"):
            p.store.update_health_check(check["remediation_id"], outcome="cancelled", now=p.now())
            continue
        try:
            judge(p, report, rem, check)
        except AgentError as exc:
            report.errors.append(f"health check of remediation {rem['id']}: {exc}")


def _run_of(rem: dict[str, Any]) -> WorkflowRun:
    return WorkflowRun(rem["repo"], rem["run_id"], rem["run_attempt"], "", 0, rem["branch"], "", "", "", None, "", "")


def _key(rem: dict[str, Any]) -> tuple[str, str, str]:
    return (rem["repo"], rem["branch"], rem["signature"])


def _run_label(rem: dict[str, Any]) -> str:
    return f"{rem['run_id']}#{rem['run_attempt']}"


def _decide_rem(p: Ports, report: Report, rem: dict[str, Any], decision: str, reason: str) -> None:
    decide(p, report, _run_of(rem), decision, reason, signature=rem["signature"], rule=rem["rule"])


def _count(p: Ports, rem: dict[str, Any], success: bool | None) -> None:
    """The remediation's verdict, for its breaker."""
    control.record_outcome(
        p.store,
        p.effects,
        p.config,
        _key(rem),
        success=success,
        now=p.now(),
        run=_run_label(rem) if success is False else "",
        remediation_id=rem["id"],
    )


def judge(p: Ports, report: Report, rem: dict[str, Any], check: dict[str, Any]) -> None:
    now = p.now()
    if rem["strategy"] == "rerun":
        current = p.github.workflow_run(rem["repo"], rem["run_id"])
        done = current.attempt > rem["run_attempt"] and current.status == "completed"
        outcome = ("success" if current.conclusion == "success" else "failure") if done else "pending"
    else:
        pull = p.github.pull(rem["repo"], rem["pr_number"])
        if pull.state == "closed" and not pull.merged:
            return rejected(p, report, rem, pull)
        outcome = health.verdict(p.github.check_conclusions(rem["repo"], rem["head_sha"]))
    if outcome == "pending":
        if now < check["deadline"]:
            p.store.update_health_check(
                rem["id"], due_at=now + p.config.health.interval, attempts=check["attempts"] + 1, now=now
            )
            return
        return inconclusive(p, report, rem)
    p.store.update_health_check(rem["id"], outcome=outcome, attempts=check["attempts"] + 1, now=now)
    if outcome == "success":
        return healthy(p, report, rem)
    if rem["strategy"] == "rerun":
        p.store.update_remediation(rem["id"], state="failed", now=now)
        _count(p, rem, False)
        _decide_rem(p, report, rem, "rerun_failed", "the rerun failed again: the next rule applies")
        return
    rollback(p, report, rem, "the fix's CI failed")


def healthy(p: Ports, report: Report, rem: dict[str, Any]) -> None:
    now = p.now()
    state = "healthy"
    if rem["strategy"] == "fix" and p.config.policy.auto_merge and not rem["detail"].get("draft"):
        p.effects.merge_pull(rem["repo"], rem["pr_number"], f"cicd-agent: merge healthy fix #{rem['pr_number']}")
        state = "merged"
    if rem["strategy"] == "fix":
        p.effects.add_labels(rem["repo"], rem["pr_number"], [HEALTHY_LABEL])
    p.store.update_remediation(rem["id"], state=state, now=now)
    _count(p, rem, True)
    what = f"pull request {rem['pr_url']}" if rem["strategy"] == "fix" else "the rerun"
    p.effects.notify("fix_healthy", f"{rem['repo']} {rem['branch']}: {what} is green")
    _decide_rem(p, report, rem, state, f"{what}: CI is green")


def inconclusive(p: Ports, report: Report, rem: dict[str, Any]) -> None:
    now = p.now()
    p.store.update_health_check(rem["id"], outcome="inconclusive", now=now)
    p.store.update_remediation(rem["id"], state="inconclusive", now=now)
    if rem["strategy"] == "fix":
        p.effects.add_labels(rem["repo"], rem["pr_number"], [INCONCLUSIVE_LABEL])
    counts = p.config.health.inconclusive_counts_as_failure
    _count(p, rem, False if counts else None)
    _decide_rem(p, report, rem, "inconclusive", f"no CI verdict within {p.config.health.max_wait:g}s")


def rejected(p: Ports, report: Report, rem: dict[str, Any], pull: PullRef) -> None:
    """A human closed the PR without merging: a failure for the breaker, and no new PR for this key."""
    now = p.now()
    p.store.update_health_check(rem["id"], outcome="rejected", now=now)
    p.store.update_remediation(rem["id"], state="rejected", now=now)
    control.reject(
        p.store,
        p.effects,
        p.config,
        _key(rem),
        now=now,
        remediation_id=rem["id"],
        run=_run_label(rem),
        reason=f"pull request #{pull.number} was closed without merging: waiting for a reset",
    )
    _decide_rem(p, report, rem, "rejected", f"{pull.html_url} was closed by a human")


def rollback(p: Ports, report: Report, rem: dict[str, Any], why: str) -> None:
    """Comment, close, delete the branch, restore merged contents; each step once, resumable."""
    now = p.now()
    done: list[str] = list(rem["detail"].get("rollback_done", []))
    p.store.update_remediation(rem["id"], state="rolling_back", now=now, detail={"rollback_reason": why})
    repo, number = rem["repo"], rem["pr_number"]
    try:
        pull = p.github.pull(repo, number)
        steps: list[tuple[str, Callable[[], object]]] = [
            ("comment", lambda: p.effects.comment(repo, number, f"cicd-agent: {why}. Rolling this fix back.")),
            ("label", lambda: p.effects.add_labels(repo, number, [ROLLED_BACK_LABEL])),
            ("close", lambda: p.effects.close_pull(repo, number) if pull.state == "open" else None),
            ("delete_branch", lambda: p.effects.delete_branch(repo, rem["fix_branch"])),
        ]
        if pull.merged:
            steps.append(("restore", lambda: restore_snapshot(p, rem)))
        for name, step in steps:
            if name in done:
                continue
            intent = p.store.add_intent(rem["id"], f"rollback.{name}", f"{repo}#{number}", now=p.now())
            step()
            p.store.finish_intent(intent, now=p.now())
            done.append(name)
            p.store.update_remediation(rem["id"], now=p.now(), detail={"rollback_done": done})
    except (AgentError, GithubException) as exc:
        p.store.update_remediation(
            rem["id"],
            state="rollback_partial",
            now=p.now(),
            detail={"rollback_done": done, "rollback_error": str(exc)[:500]},
        )
        p.effects.notify("rollback_partial", f"{repo} #{number}: rollback stopped after {done or 'nothing'}: {exc}")
        _decide_rem(p, report, rem, "rollback_partial", f"will retry: {exc}")
        return
    p.store.update_remediation(rem["id"], state="rolled_back", now=p.now())
    p.store.update_health_check(rem["id"], outcome="failure", now=p.now())
    _count(p, rem, False)
    p.effects.notify("rollback", f"{repo} {rem['branch']}: rolled back {rem['pr_url']}: {why}")
    _decide_rem(p, report, rem, "rolled_back", f"{rem['pr_url']}: {why}")


def restore_snapshot(p: Ports, rem: dict[str, Any]) -> None:
    """Put every file the fix touched back as the snapshot has it, on the base branch (contents API)."""
    snapshot = p.store.snapshot(rem["snapshot_id"]) or snapshot_from_github(p, rem)
    if snapshot is None:
        raise AgentError(f"snapshot {rem['snapshot_id']} is missing: cannot restore {rem['repo']}")
    repo, base = rem["repo"], rem["branch"]
    message = f"cicd-agent: roll back {rem['pr_url']}"
    for path, original in sorted(snapshot["files"].items()):
        current = p.github.file(repo, path, base)
        if original is None:
            if current is not None:
                p.effects.delete_file(repo, path, branch=base, message=message, sha=current.sha, previous=current.text)
        elif current is None or current.text != original:
            p.effects.put_file(
                repo,
                path,
                original,
                branch=base,
                message=message,
                sha=current.sha if current else None,
                previous=current.text if current else None,
            )


def snapshot_from_github(p: Ports, rem: dict[str, Any]) -> dict[str, Any] | None:
    """A snapshot rebuilt from the PR's metadata (base commit and paths): the originals are the files at the
    base commit. Used where the local snapshot is gone (an Action runner is thrown away)."""
    meta = read_metadata(p.github.pull(rem["repo"], rem["pr_number"]).body) or {}
    base, paths = meta.get("base_sha"), meta.get("paths")
    if not isinstance(base, str) or not isinstance(paths, list):
        return None
    files = {}
    for path in paths:
        found = p.github.file(rem["repo"], str(path), base)
        files[str(path)] = found.text if found else None
    return {"id": rem["snapshot_id"], "repo": rem["repo"], "branch": rem["branch"], "base_sha": base, "files": files}


def retry_partial_rollbacks(p: Ports, report: Report) -> None:
    """Rollbacks a failure or a crash left unfinished: each step not yet done is done now."""
    for rem in p.store.remediations(states=("rollback_partial", "rolling_back")):
        rollback(p, report, rem, str(rem["detail"].get("rollback_reason", "retrying an unfinished rollback")))


# -- crash recovery ------------------------------------------------------------------------------------------


def reconcile(p: Ports, report: Report) -> None:
    """Remediations a killed cycle left half-way: adopt what reached GitHub, forget what did not."""
    for rem in p.store.remediations(states=("planned", "pushed")):
        if rem["strategy"] == "fix":
            pulls = p.github.pulls(rem["repo"], head=rem["fix_branch"], state="open")
            if pulls:
                p.store.update_remediation(
                    rem["id"],
                    state="pr_open",
                    pr_number=pulls[0].number,
                    pr_url=pulls[0].html_url,
                    head_sha=pulls[0].head_sha,
                    now=p.now(),
                )
                _schedule(p, rem["id"])
                _decide_rem(p, report, rem, "adopted", f"found {pulls[0].html_url} from an interrupted cycle")
                continue
            head = p.github.branch_sha(rem["repo"], rem["fix_branch"])
            if head is not None:
                p.store.update_remediation(rem["id"], head_sha=head, now=p.now())
                pull = _open_pull(p, rem["repo"], rem["id"], rem["fix_branch"])
                _decide_rem(p, report, rem, "adopted", f"pushed branch found; opened {pull.html_url}")
                continue
        elif rem["strategy"] == "report":
            issue = existing_report(p, rem["repo"], rem["branch"], rem["signature"])
            if issue is not None:
                p.store.update_remediation(
                    rem["id"], state="reported", pr_number=issue.number, pr_url=issue.html_url, now=p.now()
                )
                _decide_rem(p, report, rem, "adopted", f"found issue {issue.html_url} from an interrupted cycle")
                continue
        elif rem["strategy"] == "rerun":
            current = p.github.workflow_run(rem["repo"], rem["run_id"])
            if current.attempt > rem["run_attempt"]:
                p.store.update_remediation(rem["id"], state="rerun_requested", now=p.now())
                _schedule(p, rem["id"])
                continue
        p.store.update_remediation(rem["id"], state="abandoned", now=p.now())
        p.store.release_failure(rem["repo"], rem["run_id"], rem["run_attempt"], error=True)
        _count(p, rem, None)
        _decide_rem(
            p, report, rem, "abandoned", "an interrupted cycle left nothing on GitHub: handled again next cycle"
        )


def handle_event(p: Ports, payload: dict[str, Any], report: Report) -> WorkflowRun:
    """Exactly the run in a `workflow_run` event: a failure on a watched branch is handled; a completed run
    on the agent's own fix branch decides that fix's health (the Action mode's health check)."""
    run_data, repo_data = payload.get("workflow_run"), payload.get("repository")
    if not isinstance(run_data, dict) or not isinstance(repo_data, dict) or "full_name" not in repo_data:
        raise AgentError(
            "the event is not a workflow_run event (no workflow_run/repository in it)",
            fix="trigger the agent with `on: workflow_run`, or pass a saved workflow_run payload",
        )
    try:
        run = run_from_json(str(repo_data["full_name"]), run_data)
    except (KeyError, TypeError, ValueError) as exc:
        raise AgentError(f"the workflow_run in the event is malformed: {exc}") from None
    if run.status != "completed":
        return run
    if run.branch.startswith(FIX_PREFIX):
        for rem in p.store.remediations(repo=run.repo, states=("pr_open",)):
            if rem["fix_branch"] == run.branch:
                check = p.store.health_check(rem["id"]) or {
                    "attempts": 0,
                    "deadline": p.now() + p.config.health.max_wait,
                }
                judge(p, report, rem, check)
        return run
    configured = any(r.name.lower() == run.repo.lower() for r in p.config.repos)
    # without a config for this repository, the Action watches its default branch
    patterns = p.config.repo(run.repo).branches if configured else [str(repo_data.get("default_branch") or "main")]
    watched = branch_watched(patterns, run.branch)
    if run.conclusion == "failure" and watched and not handle_failure(p, run, report):
        decide(p, report, run, "duplicate", "this run was already handled (found on GitHub)")
    return run


def workspace_root(state_dir: Path, dry_run: bool) -> Path:
    """Clones live in the state dir; a dry run clones into a temp dir it throws away."""
    if dry_run:
        return Path(tempfile.mkdtemp(prefix="cicd-agent-workspace-"))
    return state_dir / "workspaces"
