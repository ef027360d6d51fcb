"""The account side: the repository itself, the rate limit, GitHub App installation tokens."""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.model import ApiError, Call, Repo, Response, iso
from cicd_agent.sandbox.routes import RepoRoutes, RootRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def get_rate_limit(sb: Sandbox, call: Call) -> Response:
    core = sb.rate()
    return Response(
        200,
        {
            "resources": {
                "core": core,
                "search": {**core, "limit": 30, "remaining": 30, "used": 0},
                "graphql": core,
            },
            "rate": core,
        },
    )


def create_installation_token(sb: Sandbox, call: Call) -> Response:
    # the dispatcher has verified the app's JWT; here only the installation is checked
    installations = {str(installation) for _, installation in sb.apps.values()}
    if call.params["installation_id"] not in installations:
        raise ApiError(404, "Not Found")
    token = "ghs_" + secrets.token_hex(18)
    expires = time.time() + sb.app_token_ttl
    sb.issued[token] = expires
    return Response(
        201,
        {
            "token": token,
            "expires_at": iso(expires),
            "permissions": {"contents": "write"},
            "repository_selection": "all",
        },
    )


def get_repo(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, shapes.repository(sb.base_url, repo))


ROOT_ROUTES: RootRoutes = [
    ("GET", "/rate_limit", get_rate_limit),
    ("POST", "/app/installations/{installation_id}/access_tokens", create_installation_token),
]
ROUTES: RepoRoutes = [("GET", "", get_repo)]
