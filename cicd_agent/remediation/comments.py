"""What the agent says on its own pull requests once it has acted (pure): a rollback and what came of it (the
revert commit or the revert pull request, the commits of others it kept), the revert pull request itself, checks
failing without the fix too, runs GitHub holds for approval, and a person's stop and resume. Each carries
metadata of its kind, so a retry after a crash finds it instead of saying it twice.

Strangers' text (commit subjects and authors, reasons quoting logs) goes through `cicd_agent.text`."""

from __future__ import annotations

from collections.abc import Sequence

from cicd_agent.github.values import CommitRef
from cicd_agent.model import RESET_LABEL, Remediation
from cicd_agent.remediation import ownership
from cicd_agent.remediation.bodies import PATCH_BUDGET, commit_url, repo_url, reset_command
from cicd_agent.text import code_span, fenced, inline, link, prose, title, with_metadata


def rollback_summary(
    rem: Remediation, *, kept: Sequence[CommitRef], merged: bool, merged_with: Sequence[CommitRef] = ()
) -> list[str]:
    """What a rollback did beyond closing the PR, as plain sentences (the decision's reason). `merged_with`: the
    commits of others merged with the fix, never reverted."""
    said = []
    if kept:
        said.append(f"branch {rem.fix_branch} kept: it holds commits by {ownership.authors(kept)}")
    if merged and rem.revert_url:
        said.append(f"its revert needs a person: {rem.revert_url}")
    elif merged and rem.revert_sha:
        said.append(f"reverted on {rem.branch} by {commit_url(rem, rem.revert_sha)}")
    elif merged and merged_with:
        said.append(f"the agent's own commit is no longer on {rem.branch}: nothing reverted")
    elif merged:
        said.append(f"its change was already gone from {rem.branch}")
    if merged and merged_with:
        said.append(f"the commits by {ownership.authors(merged_with)} merged with it stay")
    return said


def rollback_comment(
    rem: Remediation,
    why: str,
    *,
    kept: Sequence[CommitRef],
    merged: bool,
    merged_with: Sequence[CommitRef] = (),
    reopened_by: str = "",
) -> str:
    """What the rollback did, written once it is done (links to the revert commit or the revert PR, the commits
    kept and who made them, those merged with the fix and left). Carries metadata, so a retried rollback finds it
    instead of posting it again."""
    branch = code_span(rem.fix_branch)
    lines = [f"cicd-agent rolled this fix back: {prose(why)}.", ""]
    if reopened_by:  # theirs now: neither closed again nor its branch deleted
        lines.append(
            f"- This pull request was closed, then reopened by {inline(reopened_by)}: it is left to them, and its "
            f"branch {branch} is kept."
        )
    else:
        if not merged:
            lines.append("- This pull request is closed.")
        if kept:
            lines.append(
                f"- Its branch {branch} is kept: it holds commits the agent did not make, and the agent never "
                f"erases those: {ownership.describe(kept, repo_url(rem))}."
            )
        else:
            lines.append(f"- Its branch {branch} is deleted.")
    if merged and rem.revert_url:
        where = "the revert issue" if "/issues/" in rem.revert_url else "the revert pull request"
        lines.append(
            f"- It was merged; its revert needs a person: {link(where, rem.revert_url)} says why, and nothing on "
            f"{code_span(rem.branch)} was overwritten."
        )
    elif merged and rem.revert_sha:
        commit = link(rem.revert_sha[:12], commit_url(rem, rem.revert_sha))
        lines.append(
            f"- It was merged; commit {commit} reverts it on {code_span(rem.branch)}, keeping what was committed since."
        )
    elif merged and merged_with:
        lines.append(
            f"- It was merged, and the agent's own commit is no longer on {code_span(rem.branch)}: nothing to revert."
        )
    elif merged:
        gone = f"its change was already gone from {code_span(rem.branch)}"
        lines.append(f"- It was merged, and {gone}: nothing to revert.")
    if merged and merged_with:
        lines.append(
            "- Only the agent's own commit is reverted: the commits merged with it are someone else's and stay: "
            f"{ownership.describe(merged_with, repo_url(rem))}."
        )
    return with_metadata("\n".join(lines), {"rollback": rem.pr_number})


def unrelated_checks_comment(reason: str, kind: str) -> str:
    text = (
        f"cicd-agent: this fix is healthy: {prose(reason)}. The checks failing without the fix too are not "
        "caused by it; they are left to you."
    )
    return with_metadata(text, {"kind": kind})


AWAITING_APPROVAL = "awaiting_approval"  # the metadata kind of the comment on a fix whose runs wait for approval


def awaiting_approval_comment(reason: str, max_wait: float) -> str:
    """The fix's CI waits for a person: what to do now, and which token makes it unnecessary."""
    text = "\n".join(
        [
            f"cicd-agent cannot judge this fix yet: {prose(reason)}.",
            "",
            "Someone with write access can approve them (the run's page: **Approve and run**); the agent then judges "
            f"the fix by its CI. Without a verdict within {max_wait / 60:g} minutes the fix ends inconclusive (it "
            "stays open, neither merged nor rolled back).",
            "",
            "To avoid the wait, give the agent a GitHub App installation token (in a workflow: "
            "`actions/create-github-app-token`) or a personal token instead of the workflow's `GITHUB_TOKEN`: the "
            "pull requests they open get CI at once.",
        ]
    )
    return with_metadata(text, {"kind": AWAITING_APPROVAL})


def revert_commit_message(pr_url: str, landed: str) -> str:
    """Names the reverted commit: a retried rollback finds its revert by it."""
    return f"cicd-agent: revert {pr_url}\n\nIts CI failed after it was merged.\n\nThis reverts commit {landed}."


def revert_title(pr_number: int) -> str:
    return title(f"cicd-agent: revert #{pr_number} (its CI failed after the merge)")


def revert_conflict_note(branch: str, files: tuple[str, ...]) -> str:
    names = ", ".join(code_span(f) for f in files)
    return (
        f"The revert does not apply cleanly on {code_span(branch)}: someone changed the same lines since the fix "
        f"was merged ({names}). The agent did not overwrite those changes."
    )


def revert_refused_note(branch: str, error: str) -> str:
    return f"{code_span(branch)} refused a direct push of the revert ({inline(error[-300:])})."


def revert_body(rem: Remediation, why: str, note: str) -> str:
    """A merged fix's revert that needs a person: what happened, why the agent did not push it, what to do."""
    text = "\n".join(
        [
            f"## cicd-agent: revert #{rem.pr_number}",
            "",
            f"The fix #{rem.pr_number} was merged, then {prose(why)}.",
            "",
            note,
            "",
            "This pull request reverts the fix on the commit it was merged as. Where GitHub shows a conflict with "
            f"{code_span(rem.branch)}, keep the later change and drop the fix's lines; or close this pull request "
            "to keep the fix.",
        ]
    )
    return with_metadata(text, {"kind": "revert", "reverts": rem.pr_number, "repo": rem.repo, "branch": rem.branch})


def revert_refused_body(rem: Remediation, why: str, permission: str, diff: str) -> str:
    """A merged fix's revert GitHub would not let the agent push: the patch, and the permission it lacks."""
    patch = diff if len(diff) <= PATCH_BUDGET else diff[:PATCH_BUDGET] + "\n... (patch cut to fit)\n"
    text = "\n".join(
        [
            f"## cicd-agent: revert #{rem.pr_number}",
            "",
            f"The fix #{rem.pr_number} was merged, then {prose(why)}.",
            "",
            f"GitHub would not let the agent push its revert: the token lacks {prose(permission)}. Nothing was "
            f"pushed. Apply the patch below to {code_span(rem.branch)} (`git apply`), or grant the permission and "
            "revert it yourself; close this issue to keep the fix.",
            "",
            fenced(patch, "diff", exact=True),
        ]
    )
    return with_metadata(text, {"kind": "revert", "reverts": rem.pr_number, "repo": rem.repo, "branch": rem.branch})


NOT_MERGED = "not_merged"  # the metadata kind of the comment on a healthy fix a person pushed commits to


def not_merged_comment(rem: Remediation, theirs: Sequence[CommitRef]) -> str:
    """A healthy fix the agent would merge, but people pushed commits on top of its own since: not merged."""
    text = (
        f"cicd-agent: this fix is healthy, but the agent does not merge it: it judged only its own commit, and "
        f"commits were pushed on top of it since: {ownership.describe(theirs, repo_url(rem))}. Merging it is left "
        "to you."
    )
    return with_metadata(text, {"kind": NOT_MERGED, "pr": rem.pr_number})


BASE_GONE = "base_gone"  # the metadata kind of the comment on a fix whose base branch was deleted


def base_gone_comment(rem: Remediation, who: str, *, deleted: bool) -> str:
    """A fix closed by its base branch's deletion: no rejection, nothing left to fix."""
    branch = "is deleted" if deleted else "is kept (it holds commits the agent did not make, or is gone)"
    text = (
        f"cicd-agent: this pull request was closed because its base branch {code_span(rem.branch)} was deleted "
        f"(by {inline(who or 'someone')}). That is no rejection of the fix: there is nothing left to fix on "
        f"{code_span(rem.branch)}, and the agent stops here. Its branch {code_span(rem.fix_branch)} {branch}."
    )
    return with_metadata(text, {"kind": BASE_GONE, "pr": rem.pr_number})


STOPPED = "stopped"  # the metadata kind of the comment on a fix a person rejected
RESUMED = "resumed"  # ... and of the answer to a `/cicd-agent retry`


def stopped_comment(rem: Remediation, reason: str) -> str:
    """A person said no to the fix: what the agent does now (nothing more for this failure) and how to resume."""
    text = "\n".join(
        [
            f"cicd-agent: {prose(reason)}. The agent stops proposing fixes for this failure "
            f"({code_span(rem.signature[:12])} on {code_span(rem.branch)}): it opens no new pull request for it.",
            "",
            "To let it propose fixes for it again, either",
            "- comment `/cicd-agent retry` on this pull request (someone with write access), or",
            f"- run {code_span(reset_command(rem.key))} where the agent runs (with the GitHub Action: add the "
            f"{code_span(RESET_LABEL)} label to this pull request).",
        ]
    )
    return with_metadata(text, {"kind": STOPPED, "pr": rem.pr_number})


def resumed_comment(rem: Remediation, who: str, comment_id: int) -> str:
    """The answer to a `/cicd-agent retry`: the breaker is reset."""
    text = (
        f"cicd-agent: resuming at {inline(who)}'s word: the breaker of this failure is reset, and the next time it "
        "happens the agent proposes a fix again."
    )
    return with_metadata(text, {"kind": RESUMED, "pr": rem.pr_number, "after": comment_id})
