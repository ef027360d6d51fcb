"""Issues, their comments and labels; also the numbering and editing that pull requests share with them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.model import ApiError, Call, Comment, Item, Repo, Response, iso
from cicd_agent.sandbox.routes import RepoRoutes

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

MAX_COMMENT = 65536


def new_item(sb: Sandbox, repo: Repo, title: str, body: str | None, **extra: Any) -> Item:
    """A new issue or pull request, numbered after the last of either."""
    number = max(repo.items, default=0) + 1
    item = Item(next(sb.ids), number, title, body, iso(), **extra)
    item.updated_at = item.created_at
    repo.items[number] = item
    return item


def find_item(repo: Repo, number: str, *, pull: bool = False) -> Item:
    item = repo.items.get(int(number)) if number.isdigit() else None
    if item is None or (pull and not item.is_pull):
        raise ApiError(404, "Not Found")
    return item


def edit_item(item: Item, data: Any) -> None:
    if "title" in data:
        item.title = str(data["title"])
    if "body" in data:
        item.body = data["body"]
    if data.get("state") in ("open", "closed") and data["state"] != item.state:
        item.state = data["state"]
        item.closed_at = iso() if item.state == "closed" else None
    item.updated_at = iso()


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
    labels = [str(x) for x in data.get("labels") or []]
    item = new_item(sb, repo, str(data["title"]), data.get("body"), labels=labels)
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
    edit_item(item, call.data)
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
    cmt = Comment(next(sb.ids), data["body"], iso())
    item.comments.append(cmt)
    return Response(201, shapes.comment(sb.base_url, repo, item.number, cmt))


def _labels(sb: Sandbox, repo: Repo, item: Item) -> list[dict[str, Any]]:
    return [shapes.label(sb.base_url, repo, n, 100 + i) for i, n in enumerate(item.labels)]


def add_labels(sb: Sandbox, repo: Repo, call: Call) -> Response:
    item = find_item(repo, call.params["number"])
    names = call.data.get("labels", []) if isinstance(call.data, dict) else call.data
    for name in names:
        if str(name) not in item.labels:
            item.labels.append(str(name))
    return Response(200, _labels(sb, repo, item))


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
]
