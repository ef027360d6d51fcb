"""The effects gateway: the only door through which the agent writes outside its own process.

Every write is described as an `Action` first. A real gateway then performs it; a dry-run gateway
(`recorder` set) performs nothing, prints `[DRY-RUN] <action> <target>` and keeps the action for the
report. Both walk the same code: the caller cannot tell them apart except by the placeholder results. A
paused agent's gateway is a dry-run one whose recorder is labelled `PAUSED` (`remediation/held.py`): it
holds every write the same way.

A write is never sent twice blindly: the GitHub port does not re-send a write after a 5xx or a timeout (it
may have been done), so when one ends that way the gateway reads GitHub to learn whether it happened (the
deterministic branch's PR, the metadata of an issue or comment, the labels, the run's attempt). If it did,
that is the result; if not, the error stands and a later cycle tries again.
"""

from __future__ import annotations

import difflib
import os
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Protocol, TypeVar

from cicd_agent.effects.dryrun import Action, DryRunRecorder
from cicd_agent.effects.notify import Notice
from cicd_agent.errors import AgentError
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.errors import ApiUnavailable, RateLimited
from cicd_agent.github.values import HookDelivery, PullRef
from cicd_agent.model import Remediation
from cicd_agent.text import inline, read_metadata

T = TypeVar("T")
DRY_SHA = "0" * 40
Check = Callable[[], tuple[bool, T]]  # after an unanswered write: (did it happen, its result)


class NotifierPort(Protocol):
    def send(self, notice: Notice) -> None: ...

    def pending(self) -> int: ...

    def close(self, limit: float | None = None) -> int: ...


class Pusher(Protocol):
    def push(self, workdir: Path, branch: str, *, force: bool = False, expect: str | None = None) -> None: ...


def file_diff(path: str, before: str | None, after: str | None) -> str:
    """A unified diff of one file; None stands for "absent" on either side."""
    return "".join(
        difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile=f"a/{path}" if before is not None else "/dev/null",
            tofile=f"b/{path}" if after is not None else "/dev/null",
        )
    )


class Effects:
    """All writes. `recorder` set means dry run (or pause): nothing is performed, everything is recorded."""

    def __init__(
        self,
        github: GitHubClient | None,
        *,
        notifier: NotifierPort,
        pusher: Pusher | None = None,
        recorder: DryRunRecorder | None = None,
    ) -> None:
        self.github = github
        self.notifier = notifier
        self.pusher = pusher
        self.recorder = recorder

    def _do(self, action: Action, perform: Callable[[], T], placeholder: T, check: Check[T] | None = None) -> T:
        if self.recorder is not None:
            self.recorder.skip(action)
            return placeholder
        try:
            return perform()
        except ApiUnavailable as exc:
            if check is None or isinstance(exc, RateLimited):  # a rate-limited write was not performed
                raise
            try:
                happened, result = check()
            except AgentError:
                raise exc from None  # GitHub cannot even say: the error stands, a later cycle looks again
            if not happened:
                raise
            return result  # it was done: the error was only in the answer

    @property
    def _skipped(self) -> str:
        return self.recorder.placeholder if self.recorder is not None else ""

    def _gh(self) -> GitHubClient:
        if self.github is None:
            raise AgentError("no GitHub connection configured for this write")
        return self.github

    # -- git ----------------------------------------------------------------------------------------

    def push(
        self,
        repo: str,
        workdir: Path,
        branch: str,
        *,
        expect: str | None = None,
        diff: str = "",
    ) -> None:
        """Push HEAD to `branch`: a fast-forward; with `expect`, only if it is still at that commit ("": absent)
        on the remote. Never forced: what the agent read is the most it replaces, so a commit pushed since (a
        person's) is never overwritten."""

        def perform() -> None:
            if self.pusher is None:
                raise AgentError("no git pusher configured")
            self.pusher.push(workdir, branch, expect=expect)

        detail = f"replacing {expect[:12]}" if expect else "new" if expect == "" else ""
        self._do(Action("git.push", f"{repo}:{branch}", detail, diff), perform, None)

    # -- GitHub -------------------------------------------------------------------------------------

    def delete_branch(self, repo: str, branch: str) -> bool:
        return self._do(
            Action("github.delete_branch", f"{repo}:{branch}"),
            lambda: self._gh().delete_branch(repo, branch),
            True,
            lambda: (self._gh().branch_sha(repo, branch) is None, True),
        )

    def put_file(
        self,
        repo: str,
        path: str,
        text: str,
        *,
        branch: str,
        message: str,
        sha: str | None,
        previous: str | None,
    ) -> str:
        action = Action("github.put_file", f"{repo}:{branch}:{path}", message, file_diff(path, previous, text))
        return self._do(
            action,
            lambda: self._gh().put_file(repo, path, text, branch=branch, message=message, sha=sha),
            DRY_SHA,
            lambda: self._file_is(repo, path, branch, text),
        )

    def delete_file(self, repo: str, path: str, *, branch: str, message: str, sha: str, previous: str) -> str:
        action = Action("github.delete_file", f"{repo}:{branch}:{path}", message, file_diff(path, previous, None))
        return self._do(
            action,
            lambda: self._gh().delete_file(repo, path, branch=branch, message=message, sha=sha),
            DRY_SHA,
            lambda: self._file_is(repo, path, branch, None),
        )

    def open_pull(
        self,
        repo: str,
        *,
        head: str,
        base: str,
        title: str,
        body: str,
        draft: bool = False,
        labels: list[str] | None = None,
        diff: str = "",
    ) -> PullRef:
        detail = f"title: {inline(title)}\n\ndraft: {draft}, labels: {', '.join(labels or [])}\n\n{body}"

        def perform() -> PullRef:
            pull = self._do(
                Action("github.create_pull", f"{repo}:{head}->{base}"),
                lambda: self._gh().create_pull(repo, head=head, base=base, title=title, body=body, draft=draft),
                placeholder,
                lambda: self._pull_of(repo, head),
            )
            if labels:
                self.add_labels(repo, pull.number, labels)
            return pull

        placeholder = PullRef(0, f"({self._skipped}: pull request {head} -> {base} not opened)", head=head, base=base)
        return self._do(Action("github.open_pull", f"{repo}:{head}->{base}", detail, diff), perform, placeholder)

    def close_pull(self, repo: str, number: int) -> None:
        self._do(
            Action("github.close_pull", f"{repo}#{number}"),
            lambda: self._gh().close_pull(repo, number),
            None,
            lambda: (self._gh().pull(repo, number).state == "closed", None),
        )

    def mark_ready(self, repo: str, number: int) -> None:
        self._do(
            Action("github.mark_ready", f"{repo}#{number}", "draft -> ready for review"),
            lambda: self._gh().mark_ready(repo, number),
            None,
        )

    def merge_pull(self, repo: str, number: int, message: str, *, sha: str = "") -> str:
        return self._do(
            Action("github.merge_pull", f"{repo}#{number}", message),
            lambda: self._gh().merge_pull(repo, number, message, sha=sha),
            DRY_SHA,
            lambda: (self._gh().pull(repo, number).merged, ""),  # merged; its merge commit is not needed
        )

    def comment(self, repo: str, number: int, body: str) -> None:
        self._do(
            Action("github.comment", f"{repo}#{number}", body),
            lambda: self._gh().comment(repo, number, body),
            None,
            lambda: (
                any(self._ours(c.author) and same_post(c.body, body) for c in self._gh().comments(repo, number)),
                None,
            ),
        )

    def add_labels(self, repo: str, number: int, labels: list[str]) -> None:
        self._do(
            Action("github.add_labels", f"{repo}#{number}", ", ".join(labels)),
            lambda: self._gh().add_labels(repo, number, labels),
            None,
            lambda: (set(labels) <= set(self._gh().labels(repo, number)), None),
        )

    def remove_label(self, repo: str, number: int, label: str) -> bool:
        """False when the label was not there; a dry run answers True."""
        return self._do(
            Action("github.remove_label", f"{repo}#{number}", label),
            lambda: self._gh().remove_label(repo, number, label),
            True,
        )

    def open_issue(self, repo: str, title: str, body: str, labels: list[str]) -> PullRef:
        def check() -> tuple[bool, PullRef]:
            issues = self._gh().issues(repo, label=labels[0]) if labels else []
            found = [i for i in issues if self._ours(i.author) and same_post(i.body, body)]
            return bool(found), found[0] if found else PullRef(0, "")

        return self._do(
            Action("github.open_issue", repo, f"title: {inline(title)}\n\n{body}"),
            lambda: self._gh().create_issue(repo, title, body, labels),
            PullRef(0, f"({self._skipped}: issue not opened)"),
            check,
        )

    def edit_issue(self, repo: str, number: int, body: str) -> None:
        self._do(
            Action("github.edit_issue", f"{repo}#{number}", body),
            lambda: self._gh().edit_issue(repo, number, body=body),
            None,
        )

    def close_issue(self, repo: str, number: int) -> None:
        self._do(
            Action("github.close_issue", f"{repo}#{number}"),
            lambda: self._gh().edit_issue(repo, number, state="closed"),
            None,
        )

    def rerun_failed_jobs(self, repo: str, run_id: int, *, attempt: int | None = None) -> None:
        """Re-run a run's failed jobs; `attempt` (the attempt that failed) lets an unanswered request be checked."""
        self._do(
            Action("github.rerun_failed_jobs", f"{repo} run {run_id}"),
            lambda: self._gh().rerun_failed_jobs(repo, run_id),
            None,
            None if attempt is None else lambda: (self._gh().workflow_run(repo, run_id).attempt > attempt, None),
        )

    def redeliver(self, delivery: HookDelivery) -> None:
        """Ask GitHub to deliver a webhook again (a new attempt under the same GUID). Unanswered, it is not
        checked: a second copy is harmless, the store handles each GUID once."""
        self._do(
            Action("github.redeliver", f"webhook delivery {delivery.id}", f"{delivery.event} {delivery.guid}"),
            lambda: self._gh().redeliver(delivery.id),
            None,
        )

    # -- checks after an unanswered write ------------------------------------------------------------------

    def _ours(self, author: str) -> bool:
        return self._gh().wrote(author)

    def _pull_of(self, repo: str, head: str) -> tuple[bool, PullRef]:
        found = self._gh().pulls(repo, head=head, state="open")
        return bool(found), found[0] if found else PullRef(0, "")

    def _file_is(self, repo: str, path: str, branch: str, text: str | None) -> tuple[bool, str]:
        current = self._gh().file(repo, path, branch)
        done = current is None if text is None else current is not None and current.text == text
        return done, (self._gh().branch_sha(repo, branch) or "") if done else ""

    # -- local files (snapshots) -------------------------------------------------------------------------

    def write_local(self, path: Path, text: str, what: str) -> None:
        def perform() -> None:
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                # a name of this writer's own: agents sharing the directory write the same snapshot at once
                tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
                tmp.write_text(text, encoding="utf-8")
                tmp.replace(path)  # atomic: a crash leaves the old file or the new one, never half of one
            except OSError as exc:
                raise AgentError(f"cannot write {what} to {path}: {exc}", fix="check the snapshot directory") from None

        self._do(Action("file.write", str(path), what), perform, None)

    def remove_local(self, path: Path, what: str) -> None:
        self._do(Action("file.remove", str(path), what), lambda: path.unlink(missing_ok=True), None)

    # -- notifications ------------------------------------------------------------------------------

    def notify(
        self,
        event: str,
        text: str,
        *,
        repo: str = "",
        branch: str = "",
        signature: str = "",
        url: str = "",
        run: str = "",
    ) -> None:
        notice = Notice(event, text, repo=repo, branch=branch, signature=signature, url=url, run=run)
        self._do(Action("notify", event, text), lambda: self.notifier.send(notice), None)

    def notify_remediation(self, event: str, text: str, rem: Remediation) -> None:
        """A notification about one remediation, with its facts as the webhook's fields."""
        self.notify(
            event, text, repo=rem.repo, branch=rem.branch, signature=rem.signature, url=rem.pr_url, run=rem.run.label
        )


def same_post(found: str, sent: str) -> bool:
    """Whether a body read back from GitHub is the one the agent sent: the same metadata block when it carries
    one (GitHub may normalise whitespace), else the same text."""
    meta = read_metadata(sent)
    if meta is not None:
        return read_metadata(found) == meta
    return found.strip().replace("\r\n", "\n") == sent.strip().replace("\r\n", "\n")
