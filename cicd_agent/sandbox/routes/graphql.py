"""`POST /graphql`: the few GraphQL operations the agent sends, recognised by name (no GraphQL parser): the
`viewer` query (who any token is, an app's included), an issue's `editor` (who last edited its body, which
REST does not say) and the `markPullRequestReadyForReview` mutation, which REST cannot do. Errors come as
GitHub sends them: HTTP 200 with an `errors` list."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox.model import Call, Item, Person, Repo, Response
from cicd_agent.sandbox.routes import RootRoutes
from cicd_agent.sandbox.routes.issues import record_event

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

MUTATION = re.compile(r"\bmutation\b[^{]*\{\s*(\w+)\s*\(")


def _error(kind: str, message: str, path: list[str] | None = None) -> Response:
    error: dict[str, Any] = {"type": kind, "message": message}
    if path:
        error["path"] = path
    return Response(200, {"data": {path[0]: None} if path else None, "errors": [error]})


def _pull_by_node(sb: Sandbox, node_id: object) -> tuple[Repo, Item] | None:
    """A pull request by its GraphQL id (`PR_<id>`, as the REST shapes give it)."""
    for repo in sb.repos.values():
        for item in repo.items.values():
            if item.is_pull and f"PR_{item.id}" == node_id:
                return repo, item
    return None


def mark_ready_for_review(sb: Sandbox, actor: Person, data: dict[str, Any]) -> Response:
    name = "markPullRequestReadyForReview"
    variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    given = (variables or {}).get("input") or {}
    node_id = given.get("pullRequestId") if isinstance(given, dict) else None
    found = _pull_by_node(sb, node_id)
    if found is None:
        return _error("NOT_FOUND", f"Could not resolve to a node with the global id of '{node_id}'.", [name])
    _, item = found
    if not sb.may(actor, "write"):
        return _error("FORBIDDEN", f"{actor.login} does not have permission to mark this pull request ready.", [name])
    if item.draft:
        item.draft = False
        record_event(sb, item, "ready_for_review", actor)
    client = given.get("clientMutationId") if isinstance(given, dict) else None
    return Response(200, {"data": {name: {"clientMutationId": client, "pullRequest": {"isDraft": item.draft}}}})


def issue_editor(sb: Sandbox, data: dict[str, Any]) -> Response:
    """`repository(owner, name) { issue(number) { editor { login } } }`, from the query's variables."""
    variables = data.get("variables") if isinstance(data.get("variables"), dict) else {}
    repo = sb.repos.get(f"{(variables or {}).get('owner')}/{(variables or {}).get('name')}")
    item = repo.items.get((variables or {}).get("number")) if repo else None  # type: ignore[arg-type]
    if repo is None or item is None or item.is_pull:
        return _error("NOT_FOUND", "Could not resolve to an Issue.", ["repository"])
    editor = {"login": item.editor.login} if item.editor else None
    return Response(200, {"data": {"repository": {"issue": {"editor": editor}}}})


def graphql(sb: Sandbox, call: Call) -> Response:
    actor = sb.require(call.actor, "none")
    data = call.data if isinstance(call.data, dict) else {}
    query = str(data.get("query", ""))
    mutation = MUTATION.search(query)
    if mutation and mutation.group(1) == "markPullRequestReadyForReview":
        return mark_ready_for_review(sb, actor, data)
    if mutation is None and "viewer" in query:
        return Response(200, {"data": {"viewer": {"login": actor.login}}})
    if mutation is None and "issue(number:" in query.replace(" ", "") and "editor" in query:
        return issue_editor(sb, data)
    return Response(
        200, {"errors": [{"message": "the sandbox answers only the viewer query and markPullRequestReadyForReview"}]}
    )


ROOT_ROUTES: RootRoutes = [("POST", "/graphql", graphql)]
