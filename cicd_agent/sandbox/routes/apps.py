"""The account side: the repository itself, the rate limit, who a token is (`/user`; the GraphQL viewer is in
`graphql`), GitHub Apps (`/app`, installation tokens), and a collaborator's permission."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes, shapes_people
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
    app = sb.apps[str(call.app)]
    if call.params["installation_id"] != str(app.installation_id):
        raise ApiError(404, "Not Found")
    token, expires = sb.issue_token(app)
    return Response(
        201,
        {
            "token": token,
            "expires_at": iso(expires),
            "permissions": {"contents": "write", "issues": "write", "pull_requests": "write"},
            "repository_selection": "all",
        },
    )


def get_app(sb: Sandbox, call: Call) -> Response:
    return Response(200, shapes_people.integration(sb.base_url, sb.apps[str(call.app)]))


def get_user(sb: Sandbox, call: Call) -> Response:
    """The token's own account; an installation token has none (GitHub answers 403, as here)."""
    actor = sb.require(call.actor, "none")
    if actor.kind == "Bot":
        raise ApiError(403, "Resource not accessible by integration")
    return Response(200, shapes_people.private_user(sb.base_url, actor))


def get_repo(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, shapes.repository(sb.base_url, repo))


def collaborator_permission(sb: Sandbox, repo: Repo, call: Call) -> Response:
    who = sb.person(call.params["username"])
    if who is None:
        raise ApiError(404, f"{call.params['username']} is not a user")
    return Response(200, shapes_people.collaborator_permission(sb.base_url, who, sb.permission(who.login)))


ROOT_ROUTES: RootRoutes = [
    ("GET", "/rate_limit", get_rate_limit),
    ("POST", "/app/installations/{installation_id}/access_tokens", create_installation_token),
    ("GET", "/app", get_app),
    ("GET", "/user", get_user),
]
ROUTES: RepoRoutes = [
    ("GET", "", get_repo),
    ("GET", "/collaborators/{username}/permission", collaborator_permission),
]
