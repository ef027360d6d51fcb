"""Ports for a cycle, from the pieces every run mode has (config, GitHub client, effects, store)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

from cicd_agent.config.settings import Config
from cicd_agent.effects.gateway import Effects
from cicd_agent.fixers.action_versions import CachedVersions, GitHubActionVersions
from cicd_agent.fixers.package_index import PackageIndex, index_from
from cicd_agent.github.client import GitHubClient
from cicd_agent.github.gitops import GitPusher, Workspaces
from cicd_agent.remediation.context import Ports
from cicd_agent.store import Store

Token = str | Callable[[], str | None] | None


def build_ports(
    config: Config,
    github: GitHubClient,
    effects: Effects,
    store: Store,
    *,
    state_dir: Path,
    token: Token,
    echo: Callable[[str], None],
    now: Callable[[], float] = time.time,
    snapshot_dir: Path | None = None,
    workspace_dir: Path | None = None,
    index: PackageIndex | None = None,
) -> Ports:
    """`workspace_dir`: where clones go (default: the state dir's `workspaces/`; a dry run passes a temporary
    directory its caller removes, so nothing is left behind)."""
    effects.github = github
    effects.pusher = GitPusher(token)
    github.cache = store  # the answers its conditional reads ask again with, kept for the next cycle and process
    return Ports(
        config=config,
        github=github,
        effects=effects,
        store=store,
        workspaces=Workspaces(workspace_dir or state_dir / "workspaces", token),
        snapshot_dir=snapshot_dir or Path(config.state.snapshot_dir),
        now=now,
        echo=echo,
        versions=CachedVersions(GitHubActionVersions(github)),  # once per process, else the dated table
        index=index or index_from(os.environ.get("CICD_AGENT_PACKAGE_INDEX")),
    )
