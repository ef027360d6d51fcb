"""Issues, their comments, labels and events; also the numbering, editing and timeline that pull requests
share with them. Each change of state or labels is an event with its actor, as GitHub keeps them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox import shapes, shapes_people
from cicd_agent.sandbox.model import ApiError, Call, Comment, Event, Item, Person, Repo, Response
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

MAX_COMMENT = 65536


def new_item(sb: Sandbox, repo: Repo, title: str, body: str | None, user: Person, **extra: Any) -> Item:
    """A new issue or pull request by `user`, numbered after the last of either."""
    number = max(repo.items, default=0) + 1
    item = Item(next(sb.ids), number, title, body, sb.stamp(), user, **extra)
    item.updated_at = item.created_at
    repo.items[number] = item
    return item


def record_event(
    sb: Sandbox, item: Item, event: str, actor: Person, *, label: str | None = None, commit_id: str | None = None
) -> None:
    item.events.append(Event(next(sb.ids), event, actor, sb.stamp(), label, commit_id))
    item.updated_at = sb.stamp()
    if item.is_pull:
        repo = next(r for r in sb.repos.values() if r.items.get(item.number) is item)
        sb.webhooks.pull_event(sb, repo, item, event, actor, label or "")


def label_item(sb: Sandbox, item: Item, names: list[str], actor: Person) -> None:
    for name in names:
        if name not in item.labels:
            item.labels.append(name)
            record_event(sb, item, "labeled", actor, label=name)


def find_item(repo: Repo, number: str, *, pull: bool = False) -> Item:
    item = repo.items.get(int(number)) if number.isdigit() else None
    if item is None or (pull and not item.is_pull):
        raise ApiError(404, "Not Found")
    return item


def edit_item(sb: Sandbox, item: Item, call: Call) -> None:
    """Title, body, state: by its author or someone with write access; closing records who closed it."""
    actor, data = sb.require(call.actor, "write", owner=item.user), call.data
    if "title" in data:
        item.title = str(data["title"])
    if "body" in data:
        if data["body"] != item.body:
            item.editor = actor
        item.body = data["body"]
    if data.get("state") in ("open", "closed") and data["state"] != item.state:
        item.state = data["state"]
        closing = item.state == "closed"
        item.closed_at, item.closed_by = (sb.stamp(), actor) if closing else (None, None)
        record_event(sb, item, "closed" if closing else "reopened", actor)
    item.updated_at = sb.stamp()


def _issue_json(sb: Sandbox, repo: Repo, item: Item) -> dict[str, Any]:
    data = shapes.issue(sb.base_url, repo, item)
    if item.is_pull:
        data["pull_request"] = {
            "url": f"{sb.base_url}/repos/{repo.full_name}/pulls/{item.number}",
            "html_url": f"{sb.base_url}/{repo.full_name}/pull/{item.number}",
            "diff_url": None,
            "patch_url": None,
        }
    return data


def create_issue(sb: Sandbox, repo: Repo, call: Call) -> Response:
    data = call.data
    if not data.get("title"):
        raise ApiError(422, "Validation Failed", [{"resource": "Issue", "field": "title", "code": "missing_field"}])
    actor = sb.require(call.actor, "none")
    item = new_item(sb, repo, str(data["title"]), data.get("body"), actor)
    if sb.may(actor, "write"):  # as GitHub: labels from someone without push access are silently dropped
        label_item(sb, item, [str(x) for x in data.get("labels") or []], actor)
    return Response(201, shapes.issue(sb.base_url, repo, item))


def list_issues(sb: Sandbox, repo: Repo, call: Call) -> Response:
    state = call.query.get("state", "open")
    wanted = {name for name in call.query.get("labels", "").split(",") if name}
    chosen = [
        i
        for i in sorted(repo.items.values(), key=lambda i: i.number, reverse=True)
        if state in ("all", i.state) and wanted <= set(i.labels)
    ]
    return Response(200, [_issue_json(sb, repo, i) for i in chosen], paginate=True)


def get_issue(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, _issue_json(sb, repo, find_item(repo, call.params["number"])))


def update_issue(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    edit_item(sb, item, call)
    return Response(200, shapes.issue(sb.base_url, repo, item))


def list_comments(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    comments = [shapes.comment(sb.base_url, repo, item.number, c) for c in item.comments]
    return Response(200, comments, paginate=True)


def _comment_error(code: str, message: str | None = None) -> ApiError:
    error = {"resource": "IssueComment", "field": "body", "code": code}
    return ApiError(422, "Validation Failed", [{**error, "message": message} if message else error])


def create_comment(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item, data = find_item(repo, call.params["number"]), call.data
    if not isinstance(data.get("body"), str) or not data["body"]:
        raise _comment_error("missing_field")
    if len(data["body"]) > MAX_COMMENT:
        raise _comment_error("custom", f"body is too long (maximum is {MAX_COMMENT} characters)")
    cmt = Comment(next(sb.ids), data["body"], sb.stamp(), sb.require(call.actor, "none"))
    item.comments.append(cmt)
    item.updated_at = cmt.created_at
    sb.webhooks.comment_created(sb, repo, item, cmt)
    return Response(201, shapes.comment(sb.base_url, repo, item.number, cmt))


def _labels(sb: Sandbox, repo: Repo, item: Item) -> list[dict[str, Any]]:
    return [shapes.label(sb.base_url, repo, n, 100 + i) for i, n in enumerate(item.labels)]


def add_labels(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    actor = sb.require(call.actor, "write")
    names = call.data.get("labels", []) if isinstance(call.data, dict) else call.data
    label_item(sb, item, [str(name) for name in names], actor)
    return Response(200, _labels(sb, repo, item))


def remove_label(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    actor = sb.require(call.actor, "write")
    name = call.params["name"]
    if name not in item.labels:
        raise ApiError(404, "Label does not exist")
    item.labels.remove(name)
    record_event(sb, item, "unlabeled", actor, label=name)
    return Response(200, _labels(sb, repo, item))


def list_events(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    return Response(200, [shapes_people.issue_event(sb.base_url, repo, e) for e in item.events], paginate=True)


def list_labels(sb: Sandbox, repo: Repo, call: Call) -> Response:
    return Response(200, _labels(sb, repo, find_item(repo, call.params["number"])), paginate=True)


ROUTES: RepoRoutes = [
    ("POST", "/issues", create_issue),
    ("GET", "/issues", list_issues),
    ("GET", "/issues/{number}", get_issue),
    ("PATCH", "/issues/{number}", update_issue),
    ("GET", "/issues/{number}/comments", list_comments),
    ("POST", "/issues/{number}/comments", create_comment),
    ("POST", "/issues/{number}/labels", add_labels),
    ("GET", "/issues/{number}/labels", list_labels),
    ("DELETE", "/issues/{number}/labels/{name}", remove_label),
    ("GET", "/issues/{number}/events", list_events),
]
