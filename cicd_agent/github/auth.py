"""Credentials: a token (personal, or the workflow's GITHUB_TOKEN), or a GitHub App installation whose
token PyGithub mints and refreshes before its hour runs out. Secrets come from the environment only."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from github import Auth

from cicd_agent.config.settings import Config, token_for
from cicd_agent.errors import AgentError


@dataclass(frozen=True)
class Credentials:
    auth: Auth.Auth | None  # what PyGithub uses
    token: Callable[[], str | None]  # the current token, for git over HTTPS (refreshed for an App)
    kind: str  # token | app | none


def credentials_for(config: Config, repo: str | None = None) -> Credentials:
    gh = config.github
    if gh.app_id:
        key = os.environ.get(gh.app_private_key_env, "")
        if not key:
            raise AgentError(
                f"the GitHub App's private key is not in ${gh.app_private_key_env}",
                fix="export the PEM there (the config names the variable, never the key)",
            )
        app = Auth.AppAuth(gh.app_id, key.replace("\\n", "\n")).get_installation_auth(int(gh.installation_id))
        return Credentials(app, lambda: app.token, "app")
    token = token_for(config, repo)
    if token is None:
        return Credentials(None, lambda: None, "none")
    return Credentials(Auth.Token(token), lambda: token, "token")
