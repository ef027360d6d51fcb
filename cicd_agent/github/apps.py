"""The GitHub port's fleet calls (a mixin of `GitHubClient`): the repositories discovery reads (a GitHub App
installation's, an organisation's), and the App's own webhook deliveries, which GitHub lists and redelivers only
to the App itself (its JWT, not an installation token). `redeliver` is a write: `effects` calls it."""

from __future__ import annotations

import threading
import urllib.parse
from typing import Any

from github import Auth, Github, GithubException, GithubIntegration

from cicd_agent.errors import AgentError
from cicd_agent.github.errors import api
from cicd_agent.github.values import HookDelivery, ListedRepo, hook_delivery_of, listed_repo

MAX_REPO_PAGES = 1000  # of 100 repositories: 100,000, more than any installation holds
MAX_DELIVERY_PAGES = 100  # of 100 delivery attempts, newest first


def next_link(headers: dict[str, Any]) -> str | None:
    """The `rel="next"` URL of a `Link` header, if any."""
    for part in str(headers.get("link") or "").split(","):
        url, _, rel = part.partition(";")
        if 'rel="next"' in rel:
            return url.strip().strip("<>")
    return None


class GitHubFleet:
    gh: Github
    _auth: Auth.Auth | None
    api_url: str
    timeout: float
    calls: int
    _calls_lock: threading.Lock
    _token: str | None

    @api("listing the repositories the GitHub App installation can see")
    def installation_repositories(self) -> list[ListedRepo]:
        """Every repository the installation can see (`GET /installation/repositories`, every page). Needs an
        installation token: a personal token is refused (403)."""
        found: list[ListedRepo] = []
        for page in range(1, MAX_REPO_PAGES + 1):
            headers, data = self.gh.requester.requestJsonAndCheck(
                "GET", "/installation/repositories", {"per_page": 100, "page": page}
            )
            found += [listed_repo(item) for item in data["repositories"]]
            if next_link(headers) is None:
                break
        return found

    @api("listing the repositories of {org}")
    def org_repositories(self, org: str) -> list[ListedRepo]:
        """Every repository of an organisation the credentials can see (`GET /orgs/{org}/repos`, every page). A user
        account's name is answered 404 there, as an organisation that is not there: the error says both."""
        found: list[ListedRepo] = []
        path = f"/orgs/{urllib.parse.quote(org, safe='')}/repos"
        for page in range(1, MAX_REPO_PAGES + 1):
            try:
                headers, data = self.gh.requester.requestJsonAndCheck(
                    "GET", path, {"type": "all", "per_page": 100, "page": page}
                )
            except GithubException as exc:
                if exc.status != 404:
                    raise
                raise AgentError(  # GitHub answers a user account's name (or one it hides) so
                    f"GitHub knows no organisation {org} that the credentials can see (GET {path} answered 404)",
                    fix="check the owner's name; a user account's repositories are listed by a GitHub App installed "
                    'on it with github.discover = "installation", or named one by one',
                ) from None
            found += [listed_repo(item) for item in data]
            if next_link(headers) is None:
                break
        return found

    def can_list_deliveries(self) -> bool:
        """Whether the credentials are a GitHub App's (its JWT lists and redelivers the App's webhook deliveries)."""
        return isinstance(self._auth, Auth.AppInstallationAuth)

    def _app_requester(self) -> Any:
        if not isinstance(self._auth, Auth.AppInstallationAuth):
            raise AgentError(
                "the App's webhook deliveries need the GitHub App's own credentials",
                fix="set [github] app_id, app_private_key_env and installation_id",
            )
        return GithubIntegration(**self._auth.requester.kwargs).requester

    @api("listing the GitHub App's webhook deliveries")
    def hook_deliveries(self, *, since: float) -> tuple[list[HookDelivery], bool]:
        """The App's delivery attempts from `since` on, newest first (`GET /app/hook/deliveries`, paged by cursor),
        and whether the listing reached `since` (False: MAX_DELIVERY_PAGES pages were read first)."""
        requester = self._app_requester()
        found: list[HookDelivery] = []
        params: dict[str, Any] = {"per_page": 100}
        for _ in range(MAX_DELIVERY_PAGES):
            headers, data = requester.requestJsonAndCheck("GET", "/app/hook/deliveries", params)
            page = [hook_delivery_of(item) for item in data]
            found += [d for d in page if d.delivered_at >= since]
            following = next_link(headers)
            if not page or page[-1].delivered_at < since or following is None:
                return found, True
            cursor = urllib.parse.parse_qs(urllib.parse.urlsplit(following).query).get("cursor")
            if not cursor:
                return found, True
            params = {"per_page": 100, "cursor": cursor[0]}
        return found, False

    @api("asking GitHub to redeliver webhook delivery {delivery_id}")
    def redeliver(self, delivery_id: int) -> None:
        """`POST /app/hook/deliveries/{id}/attempts`: GitHub answers 202 and delivers again (same GUID)."""
        self._app_requester().requestJsonAndCheck("POST", f"/app/hook/deliveries/{int(delivery_id)}/attempts")
