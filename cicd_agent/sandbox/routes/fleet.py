"""What discovery reads: the repositories a GitHub App installation can see (`GET /installation/repositories`,
an installation token only, as GitHub) and an organisation's repositories (`GET /orgs/{org}/repos`; with an
installation token, those the installation can see). Both paginate; each repository carries `archived` and
`fork`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.model import ApiError, App, Call, Repo, Response
from cicd_agent.sandbox.routes import RootRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def _installation_of(sb: Sandbox, call: Call) -> App | None:
    """The App whose installation token made the request (None for any other account)."""
    actor = call.actor
    return next((app for app in sb.apps.values() if actor is not None and app.bot.login == actor.login), None)


def _visible(sb: Sandbox, app: App | None) -> list[Repo]:
    repos = sorted(sb.repos.values(), key=lambda r: r.id)
    return [r for r in repos if app is None or sb.installation_sees(app, r.full_name)]


def list_installation_repos(sb: Sandbox, call: Call) -> Response:
    app = _installation_of(sb, call)
    if app is None:
        raise ApiError(403, "You must authenticate with an installation access token in order to list repositories")
    repos = _visible(sb, app)
    body = {
        "total_count": len(repos),
        "repositories": [shapes.repository(sb.base_url, r) for r in repos],
        "repository_selection": "all" if sb.installations.get(app.id) is None else "selected",
    }
    return Response(200, body, paginate=True, page_key="repositories")


def list_org_repos(sb: Sandbox, call: Call) -> Response:
    org = call.params["org"].lower()
    if not any(r.owner.lower() == org for r in sb.repos.values()):
        raise ApiError(404, "Not Found")
    repos = [r for r in _visible(sb, _installation_of(sb, call)) if r.owner.lower() == org]
    return Response(200, [shapes.repository(sb.base_url, r, full=False) for r in repos], paginate=True)


ROOT_ROUTES: RootRoutes = [
    ("GET", "/installation/repositories", list_installation_repos),
    ("GET", "/orgs/{org}/repos", list_org_repos),
]
