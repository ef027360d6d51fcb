"""The git port (GitPython): checkouts of failing heads in a workspace cache, fix commits, pushes.

A token never goes into a URL, a command line or an error message: it reaches git through
`GIT_CONFIG_*` environment variables as an `http.extraHeader`, and errors are redacted.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import git

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.fixers import FileChange
from cicd_agent.text import redact

AGENT_IDENTITY = {
    "GIT_AUTHOR_NAME": "cicd-agent",
    "GIT_AUTHOR_EMAIL": "cicd-agent@users.noreply.github.com",
    "GIT_COMMITTER_NAME": "cicd-agent",
    "GIT_COMMITTER_EMAIL": "cicd-agent@users.noreply.github.com",
}


WORKFLOW_SCOPE = "the `workflow` scope (a classic personal token)"
WORKFLOWS_PERMISSION = "the Workflows permission, read and write (a GitHub App or a fine-grained token)"


# how git says a push found the branch otherwise than expected: not a fast-forward, or two pushes creating the
# branch at once (the loser's "reference already exists" / "cannot lock ref")
REJECTED = ("[rejected]", "non-fast-forward", "reference already exists", "cannot lock ref", "failed to update ref")


class PushRejected(AgentError):
    """The branch on the remote has commits the push does not (a non-fast-forward): someone pushed it first."""


class WorkflowPushRefused(PermissionMissing):
    """GitHub refused a push that touches .github/workflows/: the token lacks the workflow scope."""


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
        """Write the changes on a fresh local branch at HEAD and commit them; returns the commit SHA."""
        handle = git.Repo(path)
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
        handle.git.commit("--quiet", "--no-verify", "-m", message, env=AGENT_IDENTITY)
        return str(handle.head.commit.hexsha)


class GitPusher:
    """Pushes a workspace's branch to its origin (used by the effects gateway only)."""

    def __init__(self, token: str | Callable[[], str | None] | None = None) -> None:
        self._token = token

    @property
    def token(self) -> str | None:
        """The current token (an App's is refreshed by PyGithub before it expires)."""
        return self._token() if callable(self._token) else self._token

    def push(self, workdir: Path, branch: str, *, force: bool) -> None:
        handle = git.Repo(workdir)
        url = handle.remotes.origin.url
        args = ["origin", f"HEAD:refs/heads/{branch}"]
        if force:
            args.insert(0, "--force")
        try:
            handle.git.push(*args, env=git_env(self.token, url))
        except git.GitCommandError as exc:
            detail = redact(str(exc.stderr or exc), self.token)
            if "refusing to allow" in detail and "workflow" in detail:
                app = "`workflows` permission" in detail or "GitHub App" in detail
                raise WorkflowPushRefused(
                    f"GitHub refused to push {branch}: the token may not change .github/workflows/",
                    permission=WORKFLOWS_PERMISSION if app else WORKFLOW_SCOPE,
                ) from None
            if not force and any(sign in detail for sign in REJECTED):
                raise PushRejected(f"{branch} already exists with other commits: {detail.strip()[-300:]}") from None
            raise AgentError(f"git push of {branch} failed: {detail.strip()[-400:]}") from None
