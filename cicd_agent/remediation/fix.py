"""Fix a failure with a pull request: plan it with a fixer on a checkout of the failing head, check the plan
against the policy and the PR rate limits, snapshot the files, push the deterministic fix branch, open the PR.
Every write has its intent recorded first, so a killed cycle is reconciled (`reconcile`).

The fix branch is the lock between agents that do not share a state (Action runs, two hosts): a branch another
agent pushed for the same base is adopted, never overwritten, and its pull request is adopted, never doubled."""

from __future__ import annotations

from cicd_agent.effects.gateway import file_diff
from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.fixers import FIXERS, CannotFix, FixContext, FixPlan
from cicd_agent.github.errors import AlreadyExists
from cicd_agent.github.gitops import PushRejected, WorkflowPushRefused
from cicd_agent.github.values import PullRef, WorkflowRun
from cicd_agent.model import LABEL, Decided, Handled, Remediation, RemState, RunRef, Strategy, fix_branch
from cicd_agent.remediation import bodies, policy, snapshots, tried
from cicd_agent.remediation.context import (
    Ports,
    Report,
    conclude,
    record,
    schedule_health_check,
    start_remediation,
)
from cicd_agent.remediation.explain import Explained
from cicd_agent.remediation.fallback import Proposed, refused
from cicd_agent.remediation.ownership import authors, held
from cicd_agent.remediation.rules import Rule
from cicd_agent.text import iso8601, read_metadata


def fix(p: Ports, report: Report, run: WorkflowRun, explained: Explained, rule: Rule) -> Handled | None:
    """DECIDED (a PR, a duplicate), DEFERRED (the PR rate limits), or None: the next rule may try."""
    analysis = explained.analysis
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    branch = fix_branch(analysis.signature, run.branch)
    earlier = already_proposed(p, run.ref, branch)
    if earlier is not None:
        record(p, report, run.ref, Decided.DUPLICATE, earlier, **facts)
        return Handled.DECIDED
    counts = pull_counts(p, run.repo)
    rate = policy.check_rate(counts, p.config.policy)
    if rate:
        return defer(p, report, run, rate, counts, facts)
    plan = make_plan(p, run, explained, rule)
    if isinstance(plan, CannotFix):
        record(p, report, run.ref, Decided.CANNOT_FIX, f"{plan.fixer}: {plan.why}", **facts)
        return None
    verdict = policy.check_plan(plan, p.config.policy)
    if not verdict.allowed:
        record(p, report, run.ref, Decided.POLICY_REFUSED, verdict.reason, **verdict.detail(), **facts)
        return None
    change = tried.digest(plan.changes)
    key = run.key(analysis.signature)
    before = tried.rolled_back_before(p, key, change)
    if before is not None:  # the next rule (a report) says it instead
        reason = f"{plan.fixer}: {tried.undone_why(before, key)}; not proposed again"
        record(p, report, run.ref, Decided.ROLLED_BACK_BEFORE, reason, pr=before.pr_url, **facts)
        return None
    return open_fix(p, report, run, explained, rule, plan, verdict, branch)


def defer(
    p: Ports, report: Report, run: WorkflowRun, rate: str, counts: policy.PullCounts, facts: dict[str, str]
) -> Handled:
    """The PR rate limits are reached: handled again by a later cycle (its repository's cursor waits)."""
    p.store.release_failure(run.ref)
    p.breakers.record(run.key(facts["signature"]), success=None, now=p.now())
    retry = policy.retry_at(counts, p.config.policy)
    if retry is not None:
        facts["retry_at"] = iso8601(retry) or ""
    record(p, report, run.ref, Decided.DEFERRED, rate, **facts)
    return Handled.DEFERRED


def already_proposed(p: Ports, run: RunRef, branch: str) -> str | None:
    """Why no new PR is needed: an open PR from the fix branch, or a closed one opened for this very run (another
    agent handled it: its state is not shared with this one)."""
    for pull in p.github.pulls(run.repo, head=branch, state="all"):
        if pull.state == "open":
            return f"pull request {pull.html_url} already proposes this fix"
        meta = (read_metadata(pull.body) if p.github.wrote(pull.author) else None) or {}  # only the agent's own
        if meta.get("run_id") == run.run_id and meta.get("run_attempt") == run.attempt:
            return f"pull request {pull.html_url} was already opened for this run"
    return None


OPENING = (RemState.PLANNED, RemState.PUSHED, RemState.PR_OPEN)  # open, or on their way to be


def pull_counts(p: Ports, repo: str) -> policy.PullCounts:
    """The agent's fix PRs open now and opened in the last hour, in `repo` and in every repository."""
    fixes = p.store.remediations(strategy=Strategy.FIX)
    hour_ago = p.now() - 3600
    mine = [r for r in fixes if r.repo.lower() == repo.lower()]
    opened = tuple(sorted(r.created_at for r in mine if r.created_at >= hour_ago))
    fleet_opened = tuple(sorted(r.created_at for r in fixes if r.created_at >= hour_ago))
    return policy.PullCounts(
        open=sum(1 for r in mine if r.state in OPENING),
        new_last_hour=len(opened),
        fleet_open=sum(1 for r in fixes if r.state in OPENING),
        fleet_new_last_hour=len(fleet_opened),
        opened=opened,
        fleet_opened=fleet_opened,
    )


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
        log=explained.fixer_lines,
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
) -> Handled | None:
    """DECIDED once the PR is open (or the fix went into an issue); None when the fix branch is a person's now
    (the next rule applies)."""
    analysis = explained.analysis
    facts = {"signature": analysis.signature, "rule": rule.name, "category": analysis.category}
    snapshot = snapshots.capture(run.repo, run.branch, run.head_sha, plan, p.now())
    title = bodies.pr_title(plan)
    change = tried.digest(plan.changes)
    workspace = p.workspaces.path(run.repo)
    # the failed run in the message: agents fixing the same run make the same commit, a recurrence a new one
    message = f"{bodies.commit_message(title, plan)}\n\nFailed run: {run.html_url} (attempt {run.attempt})"
    commit = p.workspaces.commit(workspace, branch, plan.changes, message)  # local: nothing reaches GitHub yet

    def body(fix_commit: str) -> str:
        return bodies.pr_body(run, explained, rule.name, plan, snapshot.id, change=change, commit=fix_commit)

    with p.store.transaction():  # the bounds again, and the new fix counted at once: hosts take turns here
        p.store.lock("pull-request-bounds")
        counts = pull_counts(p, run.repo)
        rate = policy.check_rate(counts, p.config.policy)
        if rate is None:
            rem = start_remediation(
                p,
                run.ref,
                analysis.signature,
                rule.name,
                Strategy.FIX,
                fix_branch=branch,
                snapshot_id=snapshot.id,
                title=title,
                body=body(commit),
                head_sha=commit,
                labels=(LABEL, *verdict.labels),
                draft=verdict.draft,
                fixer=plan.fixer,
                base_sha=run.head_sha,
                failed_workflow=run.path or run.name,
                failed_jobs=(explained.job.name,) if explained.job else (),
                diff_digest=change,
            )
    if rate is not None:  # another cycle or host opened one meanwhile
        return defer(p, report, run, rate, counts, facts)
    snapshots.save(p.effects, p.store, p.snapshot_dir, snapshot)
    diff = "".join(file_diff(c.path, c.before, c.after) for c in plan.changes)
    intent = p.store.add_intent(rem.id, "git.push", branch, now=p.now())
    proposed = Proposed(run, explained, rule, plan, diff)
    try:
        head = push_branch(p, rem, run.head_sha, commit, diff)
    except WorkflowPushRefused as exc:  # not retried: the patch goes into an issue instead
        refused(p, report, rem, exc, proposed)
        return Handled.DECIDED
    except BranchTaken as exc:  # a person's commits are on it: never overwritten
        p.store.finish_intent(intent, now=p.now(), status="failed")
        decision = (report, Decided.CANNOT_FIX, f"{plan.fixer}: {exc.what}")
        conclude(p, rem, RemState.FAILED, outcome=None, success=None, decision=decision, error=exc.what[:500])
        return None
    p.store.finish_intent(intent, now=p.now())
    # the fix commit is the PR's record of what the agent made (another agent's, when it was adopted)
    pushed = p.store.update_remediation(rem.id, state=RemState.PUSHED, head_sha=head, body=body(head), now=p.now())
    try:
        pull = open_pull(p, pushed, diff)
    except PermissionMissing as exc:  # the branch is pushed, the pull request may not be opened
        refused(p, report, pushed, exc, proposed)
        return Handled.DECIDED
    record(p, report, run.ref, Decided.FIX_OPENED, f"{plan.fixer}: {pull.html_url}", pr=pull.html_url, **facts)
    return Handled.DECIDED


class BranchTaken(AgentError):
    """The fix branch holds commits the agent did not make (a person took it over): it is not overwritten."""


def push_branch(p: Ports, rem: Remediation, base: str, commit: str, diff: str) -> str:
    """Push the fix branch, which is the lock between agents: a plain push (no force, no request spent) on the
    usual path, where the branch is new or already holds this very commit (agents making the same fix make the
    same commit). Rejected, the branch holds another commit: another agent's fix of the same base is adopted,
    a stale branch of an older fix replaced by compare-and-swap, so a push in between is never overwritten; a
    branch holding a commit someone else made is never replaced (BranchTaken). Returns the branch's head."""
    workspace = p.workspaces.path(rem.repo)
    try:
        p.effects.push(rem.repo, workspace, rem.fix_branch, diff=diff)
        return commit
    except PushRejected:
        pass
    for _ in range(3):
        remote = p.github.branch_sha(rem.repo, rem.fix_branch)
        if remote == commit:
            return commit
        if remote is not None:
            found = p.workspaces.parent_of(workspace, rem.fix_branch)
            if found is not None and found[1] == base:
                return found[0]  # another agent's fix of the same failure: adopt it
            taken = held(p.github, rem.repo, rem.branch, rem.fix_branch)
            if taken is not None and taken.others:
                raise BranchTaken(
                    f"the fix branch {rem.fix_branch} holds commits the agent did not make "
                    f"({authors(taken.others)}): it is left to them, never overwritten"
                )
        try:
            p.effects.push(rem.repo, workspace, rem.fix_branch, expect=remote or "", diff=diff)
        except PushRejected:
            continue  # someone pushed in between: look again
        return commit
    raise PushRejected(f"{rem.fix_branch} of {rem.repo} keeps moving while the agent pushes it")


def open_pull(p: Ports, rem: Remediation, diff: str = "") -> PullRef:
    """Open the remediation's planned PR; when another agent opened it first, adopt that one (and give it the
    labels it must have)."""
    intent = p.store.add_intent(rem.id, "github.open_pull", rem.fix_branch, now=p.now())
    try:
        pull = p.effects.open_pull(
            rem.repo,
            head=rem.fix_branch,
            base=rem.branch,
            title=rem.title,
            body=rem.body,
            draft=rem.draft,
            labels=list(rem.labels or (LABEL,)),
            diff=diff,
        )
    except AlreadyExists:
        # another agent (a concurrent Action run) opened it first: the branch is the lock, adopt its PR
        existing = p.github.pulls(rem.repo, head=rem.fix_branch, state="open")
        if not existing:
            raise
        pull = existing[0]
        ensure_labels(p, rem, pull)
    p.store.finish_intent(intent, now=p.now())
    p.store.update_remediation(
        rem.id,
        state=RemState.PR_OPEN,
        pr_number=pull.number,
        pr_url=pull.html_url,
        head_sha=rem.head_sha or pull.head_sha,  # the fix commit the agent made, whatever was pushed on it since
        now=p.now(),
    )
    schedule_health_check(p, rem.id)
    return pull


def ensure_labels(p: Ports, rem: Remediation, pull: PullRef) -> None:
    """An adopted PR gets the labels it was planned with (a kill between opening it and labelling it, or another
    agent's kill, may have left it without the `cicd-agent` label the Action mode rebuilds state from)."""
    missing = [label for label in (rem.labels or (LABEL,)) if label not in pull.labels]
    if missing:
        p.effects.add_labels(rem.repo, pull.number, missing)
