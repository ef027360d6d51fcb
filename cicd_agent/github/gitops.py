"""The git port (GitPython): checkouts of failing heads in a workspace cache, fix commits, pushes.

A token never goes into a URL, a command line or an error message: it reaches git through
`GIT_CONFIG_*` environment variables as an `http.extraHeader`, and errors are redacted. GitPython is imported
inside the methods that use it: a cycle that needs no workspace never loads it (about 0.1 s).
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.github.errors import REFUSED_FIX, ScopeMissing, TokenRefused
from cicd_agent.model import FileChange
from cicd_agent.text import redact

AGENT_IDENTITY = {
    "GIT_AUTHOR_NAME": "cicd-agent",
    "GIT_AUTHOR_EMAIL": "cicd-agent@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "cicd-agent",
    "GIT_COMMITTER_EMAIL": "cicd-agent@users.noreply.github.com",
}


WORKFLOW_SCOPE = "the `workflow` scope (a classic personal token)"
WORKFLOWS_PERMISSION = "the Workflows permission, read and write (a GitHub App or a fine-grained token)"


class PushRejected(AgentError):
    """The branch on the remote is not what the push expected (not a fast-forward, or moved since it was read):
    someone pushed it first; nothing was overwritten."""


class WorkflowPushRefused(PermissionMissing):
    """GitHub refused a push that touches .github/workflows/: the token lacks the workflow scope."""


@dataclass(frozen=True)
class Revert:
    """A revert made in a workspace: its commit at HEAD; or `already` there (with the agent's revert commit
    found by its message, none when a person reverted the same lines); or the files whose same lines changed
    since (`conflicts`; nothing is left half-done); or `absent`: the clone has no such commit (neither in the
    branch's history nor fetched before), so nothing is reverted."""

    sha: str = ""
    already: bool = False
    conflicts: tuple[str, ...] = ()
    absent: bool = False


def git_env(token: str | None, url: str) -> dict[str, str]:
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "true", "GCM_INTERACTIVE": "never", **AGENT_IDENTITY}
    if token and url.startswith("https://"):
        basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
        env.update(
            {
                "GIT_CONFIG_COUNT": "1",
                "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"AUTHORIZATION: basic {basic}",
            }
        )
    return env


class Workspaces:
    """Clones under `root/<owner>/<name>`, reused between cycles and cleaned before each use."""

    def __init__(self, root: Path, token: str | Callable[[], str | None] | None = None) -> None:
        self.root = root
        self._token = token

    @property
    def token(self) -> str | None:
        return self._token() if callable(self._token) else self._token

    def path(self, repo: str) -> Path:
        return self.root / repo.replace("/", os.sep)

    def checkout(self, repo: str, clone_url: str, sha: str) -> Path:
        import git

        path = self.path(repo)
        env = git_env(self.token, clone_url)
        try:
            if (path / ".git").is_dir():
                handle = git.Repo(path)
                handle.git.update_environment(**env)
                handle.git.fetch("origin", "--prune", "+refs/heads/*:refs/remotes/origin/*")
            else:
                if path.exists():
                    shutil.rmtree(path)
                path.parent.mkdir(parents=True, exist_ok=True)
                handle = git.Repo.clone_from(clone_url, path, env=env, no_checkout=True)
                handle.git.update_environment(**env)
            handle.git.checkout("--force", "--detach", sha)
            handle.git.reset("--hard", sha)
            handle.git.clean("-ffdx")
        except git.GitCommandError as exc:
            raise AgentError(
                f"cannot check out {sha[:12]} of {repo}: {redact(str(exc.stderr or exc), self.token)}"
            ) from None
        return path

    def commit(self, path: Path, branch: str, changes: list[FileChange], message: str) -> str:
        """Write the changes on a fresh local branch at HEAD and commit them; returns the commit SHA.

        The commit is deterministic (the agent's identity, dated as its base commit): agents making the same fix
        of the same base make the same commit, so a second push of it changes nothing."""
        import git

        handle = git.Repo(path)
        base_date = str(handle.git.log("-1", "--format=%cI", "HEAD"))
        handle.git.checkout("-B", branch)
        for change in changes:
            target = path / change.path
            if change.after is None:
                if target.exists():
                    handle.git.rm("--quiet", "--", change.path)
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(change.after, encoding="utf-8")
            handle.git.add("--", change.path)
        dates = {"GIT_AUTHOR_DATE": base_date, "GIT_COMMITTER_DATE": base_date}
        handle.git.commit("--quiet", "--no-verify", "-m", message, env={**AGENT_IDENTITY, **dates})
        return str(handle.head.commit.hexsha)

    def parent_of(self, path: Path, branch: str) -> tuple[str, str] | None:
        """The remote branch's head and that head's first parent, fetched now (None: the branch is gone)."""
        import git

        handle = git.Repo(path)
        handle.git.update_environment(**git_env(self.token, handle.remotes.origin.url))
        try:
            handle.git.fetch("origin", f"+refs/heads/{branch}:refs/remotes/origin/{branch}")
            head = str(handle.git.rev_parse(f"refs/remotes/origin/{branch}"))
            parent = str(handle.git.rev_parse(f"{head}^"))
        except git.GitCommandError:
            return None
        return head, parent

    def revert(self, repo: str, clone_url: str, onto: str, commit: str, message: str) -> Revert:
        """On `onto` (a ref of the fresh fetch, or a commit), revert `commit` (a merge commit against its first
        parent) as one commit with `message`, which must name `commit` so a retry finds it done."""
        import git

        path = self.checkout(repo, clone_url, onto)
        handle = git.Repo(path)
        try:
            found = str(handle.git.log("--format=%H", "--fixed-strings", f"--grep={commit}", f"{commit}..HEAD"))
            if found:
                return Revert(sha=found.split()[-1], already=True)  # the agent's revert, made before
            if not landed(handle, commit):
                return Revert(absent=True)
            mainline = ["-m", "1"] if len(handle.commit(commit).parents) > 1 else []
            try:
                handle.git.revert("--no-commit", *mainline, commit, env=AGENT_IDENTITY)
            except git.GitCommandError:
                conflicts = tuple(handle.git.diff("--name-only", "--diff-filter=U").split())
                handle.git.reset("--hard", "HEAD")
                handle.git.revert("--quit")
                if conflicts:
                    return Revert(conflicts=conflicts)
                raise
            if not handle.git.diff("--cached", "--name-only"):
                return Revert(already=True)  # the same lines are back already (a person reverted it by hand)
            handle.git.commit("--quiet", "--no-verify", "-m", message, env=AGENT_IDENTITY)
        except git.GitCommandError as exc:
            raise AgentError(
                f"cannot revert {commit[:12]} in {repo}: {redact(str(exc.stderr or exc), self.token)}"
            ) from None
        return Revert(sha=str(handle.head.commit.hexsha))

    def head_diff(self, repo: str) -> str:
        """The workspace's last commit as a diff (for a dry run's report)."""
        import git

        return str(git.Repo(self.path(repo)).git.show("--format=", "HEAD"))


def landed(handle: Any, commit: str) -> bool:
    """Is `commit` there to revert: in HEAD's history, or a commit this clone has (the agent's fix commit, whose
    change a squash merge carried onto the branch: its diff is reverted, and conflicts where people changed the
    same lines)? A commit the clone never saw is not reverted. `handle`: a `git.Repo`."""
    import git

    try:
        handle.git.merge_base("--is-ancestor", commit, "HEAD")
        return True
    except git.GitCommandError:
        pass
    try:
        handle.git.cat_file("-e", f"{commit}^{{commit}}")
        return True
    except git.GitCommandError:
        return False


# how git says the branch on the remote has moved, or was created by someone else a moment before (a race), or
# is not what a compare-and-swap push expected ("stale info")
PUSHED_FIRST = r"\[rejected\]|non-fast-forward|\(fetch first\)|reference already exists|cannot lock ref|stale info"


PUSH_ATTEMPTS = 3
# Two agents pushing the same fix branch at once (two Action runs for one failure): git refuses the
# slower one while the other holds the ref's lock ("failed to update ref"). Tried again once the lock is
# free, a forced push goes through and an unforced one is rejected like any push to a taken branch.
_RACED = re.compile(r"cannot lock ref|reference already exists|failed to update ref|incorrect old value provided")


class GitPusher:
    """Pushes a workspace's branch to its origin (used by the effects gateway only)."""

    def __init__(self, token: str | Callable[[], str | None] | None = None) -> None:
        self._token = token

    @property
    def token(self) -> str | None:
        """The current token (an App's is refreshed by PyGithub before it expires)."""
        return self._token() if callable(self._token) else self._token

    def push(self, workdir: Path, branch: str, *, force: bool = False, expect: str | None = None) -> None:
        """Push HEAD to `branch`: a fast-forward only; with `expect`, a compare-and-swap over what the remote
        branch must still be (a commit, or "" for absent: `--force-with-lease`); with `force`, whatever it is.
        Unforced, a push that finds the branch otherwise is PushRejected: another agent's push is never
        overwritten."""
        import git

        handle = git.Repo(workdir)
        url = handle.remotes.origin.url
        args = ["origin", f"HEAD:refs/heads/{branch}"]
        if force:
            args.insert(0, "--force")
        elif expect is not None:
            args.insert(0, f"--force-with-lease=refs/heads/{branch}:{expect}")
        for attempt in range(1, PUSH_ATTEMPTS + 1):
            try:
                handle.git.push(*args, env=git_env(self.token, url))
                return
            except git.GitCommandError as exc:
                detail = redact(str(exc.stderr or exc), self.token)
            if attempt < PUSH_ATTEMPTS and _RACED.search(detail):
                time.sleep(0.2 * attempt)  # a concurrent push of the same branch held its ref's lock
                continue
            if "refusing to allow" in detail and "workflow" in detail:
                app = "`workflows` permission" in detail or "GitHub App" in detail
                raise WorkflowPushRefused(
                    f"GitHub refused to push {branch}: the token may not change .github/workflows/",
                    permission=WORKFLOWS_PERMISSION if app else WORKFLOW_SCOPE,
                ) from None
            refused = credentials_refused(branch, detail)
            if refused is not None:
                raise refused from None
            if not force and re.search(PUSHED_FIRST, detail):
                raise PushRejected(f"{branch} is not as the push expected: {remote_says(detail)}") from None
            raise AgentError(f"git push of {branch} failed: {remote_says(detail)}") from None


# how git over HTTPS says the token was not accepted at all, or may not write to the repository
_TOKEN_REFUSED = re.compile(r"Authentication failed|could not read Username|Invalid username or password|error: 401")
_NO_WRITE = re.compile(r"Permission to \S+ denied|error: 403|Write access to repository not granted")


def credentials_refused(branch: str, detail: str) -> AgentError | None:
    """A push refused for the credentials (not for what it pushes): never retried blindly, never counted."""
    if _TOKEN_REFUSED.search(detail):
        return TokenRefused(f"the token was refused: git push of {branch}: {remote_says(detail)}", fix=REFUSED_FIX)
    if _NO_WRITE.search(detail):
        return ScopeMissing(
            f"the token was refused: it may not push {branch}: {remote_says(detail)}",
            fix=f"grant the token write access to the repository's contents; {REFUSED_FIX}",
        )
    return None


def remote_says(detail: str) -> str:
    """What the server answered a push (its `remote:` lines and the rejected ref), without git's local chatter
    (file paths, hints); the last 400 characters when it said nothing recognisable."""
    lines = [line.strip().removeprefix("stderr: '").strip() for line in detail.splitlines()]
    said = [line for line in lines if line.startswith(("remote:", "! ["))]
    return " ".join(said)[:400] if said else detail.strip()[-400:]
