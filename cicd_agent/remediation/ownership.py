"""Whose commits one of the agent's branches holds. The agent deletes or overwrites its branch only when every
commit on it that the base branch lacks is its own: the fix commit it made (by SHA), or a commit made with its git
identity (author and committer both). A person's commit (pushed to the fix branch to finish the fix, say) is
never erased: the branch is kept, and the agent says which commits it kept and who wrote them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from cicd_agent.github.client import GitHubClient
from cicd_agent.github.gitops import AGENT_IDENTITY
from cicd_agent.github.values import CommitRef
from cicd_agent.text import inline, link

AGENT_EMAIL = AGENT_IDENTITY["GIT_AUTHOR_EMAIL"].lower()


def made_by_agent(commit: CommitRef, own: Iterable[str]) -> bool:
    """The agent's own commit: one it recorded making, or one authored and committed with its git identity."""
    if commit.sha in set(own):
        return True
    return commit.author_email.lower() == AGENT_EMAIL and commit.committer_email.lower() == AGENT_EMAIL


def others(commits: Iterable[CommitRef], own: Iterable[str]) -> list[CommitRef]:
    """The commits someone else made (pure)."""
    mine = set(own)
    return [c for c in commits if not made_by_agent(c, mine)]


@dataclass(frozen=True)
class Held:
    """A branch as it is now: its head, and the commits on it that the base lacks and the agent did not make."""

    head: str
    others: tuple[CommitRef, ...] = ()


def held(github: GitHubClient, repo: str, base: str, branch: str, own: Iterable[str] = ()) -> Held | None:
    """What `branch` holds now (None: it is gone). A branch still at one of the agent's own commits costs one
    request; any other is compared with `base`."""
    mine = {sha for sha in own if sha}
    head = github.branch_sha(repo, branch)
    if head is None:
        return None
    if head in mine:
        return Held(head)
    return Held(head, tuple(others(github.compare(repo, base, head).commits, mine)))


def who(commit: CommitRef) -> str:
    """Who made a commit, as people know them: the author's name, and the account GitHub linked it to."""
    name = commit.author or commit.author_email or "an unknown author"
    account = f" ({commit.login})" if commit.login and commit.login != name else ""
    committer = (
        f", committed by {commit.committer}"
        if commit.committer and commit.committer not in (commit.author, commit.login)
        else ""
    )
    return f"{name}{account}{committer}"


def describe(commits: Iterable[CommitRef], repo_url: str) -> str:
    """The kept commits, each linked, with its subject and who made it (strangers' text escaped)."""
    return "; ".join(
        f"{link(c.sha[:12], f'{repo_url}/commit/{c.sha}')} ({inline(c.subject)}) by {inline(who(c))}" for c in commits
    )


def authors(commits: Iterable[CommitRef]) -> str:
    """The distinct people who made them, in a plain sentence (for decisions and the terminal)."""
    return ", ".join(dict.fromkeys(who(c) for c in commits))
