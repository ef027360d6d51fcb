"""The REST endpoints, one module per resource.

Each module lists its endpoints in `ROUTES` as (method, path below `/repos/{owner}/{repo}`, handler). The
dispatcher (`sandbox/http.py`) resolves the repository once per request, answering 404 for an unknown one,
and calls the handler with it; handlers run under the sandbox's lock.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

from cicd_agent.sandbox.model import Call, Repo, Response

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

RepoHandler: TypeAlias = Callable[["Sandbox", Repo, Call], Response]
RootHandler: TypeAlias = Callable[["Sandbox", Call], Response]
RepoRoutes: TypeAlias = list[tuple[str, str, RepoHandler]]
RootRoutes: TypeAlias = list[tuple[str, str, RootHandler]]
