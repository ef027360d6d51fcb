"""The sandbox's dispatcher, called in-process: routing, the repository resolved in one place, middleware order,
fault injection and pagination."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from cicd_agent.sandbox import Fault, Sandbox
from cicd_agent.sandbox.http import find_route, handle, paginate
from cicd_agent.sandbox.model import ApiError
from cicd_agent.sandbox.routes import apps, checks, contents, git, issues, pulls, runs

REPO_ROUTES = [
    (method, template, handler)
    for module in (apps, runs, contents, git, pulls, issues, checks)
    for method, template, handler in module.ROUTES
]


def _filled(template: str) -> str:
    return re.sub(r"\{\w+\}", "7", template)


@pytest.fixture
def sb(tmp_path: Path) -> Sandbox:
    sandbox = Sandbox(tmp_path / "sb")
    sandbox.add_repo("Acme/Widgets", {"README.md": b"hello\n"})
    return sandbox


def _call(sb: Sandbox, method: str, path: str, body: Any = None, **headers: str) -> tuple[int, dict[str, str], Any]:
    sent = {"authorization": f"token {sb.token}", **headers}
    raw = body if isinstance(body, bytes) else json.dumps(body).encode() if body is not None else b""
    status, out, payload = handle(sb, method, path, sent, raw)
    return status, out, json.loads(payload) if payload else None


@pytest.mark.parametrize(
    ("method", "path", "handler", "params"),
    [
        ("GET", "/rate_limit", apps.get_rate_limit, {}),
        ("GET", "/repos/o/r", apps.get_repo, {"owner": "o", "repo": "r"}),
        (
            "GET",
            "/repos/o/r/contents/a/b/c.txt",
            contents.get_contents,
            {"owner": "o", "repo": "r", "path": "a/b/c.txt"},
        ),
        (
            "PATCH",
            "/repos/o/r/git/refs/heads/fix/x",
            git.update_ref,
            {"owner": "o", "repo": "r", "path": "heads/fix/x"},
        ),
        ("GET", "/repos/o/r/actions/runs/5/attempts/2/jobs", runs.list_attempt_jobs, {"run_id": "5", "attempt": "2"}),
        ("POST", "/repos/o/r/actions/runs/5/rerun-failed-jobs", runs.rerun_failed, {"run_id": "5"}),
        ("PUT", "/repos/o/r/pulls/3/merge", pulls.merge_pull, {"number": "3"}),
        ("POST", "/repos/o/r/issues/3/labels", issues.add_labels, {"number": "3"}),
        ("GET", "/repos/o/r/commits/abc/check-runs", checks.list_check_runs, {"ref": "abc"}),
    ],
)
def test_a_path_resolves_to_its_handler_and_parameters(
    method: str, path: str, handler: Any, params: dict[str, str]
) -> None:
    found, got = find_route(method, path)
    assert inspect.unwrap(found) is handler
    assert params.items() <= got.items()


def test_every_listed_route_is_reachable_through_the_table() -> None:
    """No two routes shadow each other: each module's endpoint is what its own path resolves to."""
    for method, template, handler in REPO_ROUTES:
        found, params = find_route(method, _filled("/repos/{owner}/{repo}" + template))
        assert inspect.unwrap(found) is handler, (method, template)
        assert (params["owner"], params["repo"]) == ("7", "7")
    for method, template, handler in apps.ROOT_ROUTES:
        assert find_route(method, _filled(template))[0] is handler


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("DELETE", "/repos/o/r/pulls", 405), ("GET", "/repos/o/r/wiki", 404), ("GET", "/nowhere", 404)],
)
def test_an_unrouted_request_is_404_or_405(method: str, path: str, status: int) -> None:
    with pytest.raises(ApiError) as caught:
        find_route(method, path)
    assert caught.value.status == status


@pytest.mark.parametrize(("method", "template"), [(m, t) for m, t, _ in REPO_ROUTES])
def test_every_repository_route_answers_404_for_an_unknown_repository(sb: Sandbox, method: str, template: str) -> None:
    before = {name: (dict(r.bare.branches()), dict(r.items)) for name, r in sb.repos.items()}
    status, _, body = _call(sb, method, _filled("/repos/acme/nothing" + template), {})
    assert (status, body["message"]) == (404, "Not Found")
    assert {name: (dict(r.bare.branches()), dict(r.items)) for name, r in sb.repos.items()} == before


def test_the_repository_is_found_whatever_the_case_of_its_name(sb: Sandbox) -> None:
    status, _, body = _call(sb, "GET", "/repos/acme/WIDGETS")
    assert (status, body["full_name"]) == (200, "Acme/Widgets")
    status, _, body = _call(sb, "POST", "/repos/ACME/widgets/issues", {"title": "t"})
    assert (status, body["number"]) == (201, 1)
    assert sb.repo("acme/widgets").items[1].title == "t"


@pytest.mark.parametrize(
    ("method", "body", "headers", "status"),
    [
        ("GET", None, {"authorization": "token wrong"}, 401),  # credentials are checked first
        ("DELETE", None, {}, 405),  # then the route
        ("POST", b"{not json", {}, 400),  # then the body
    ],
)
def test_what_is_checked_before_the_repository_is_looked_up(
    sb: Sandbox, method: str, body: Any, headers: dict[str, str], status: int
) -> None:
    assert _call(sb, method, "/repos/acme/nothing/issues", body, **headers)[0] == status


def test_a_fault_answers_as_many_times_as_it_was_told_then_the_real_answer_returns(sb: Sandbox) -> None:
    sb.inject(Fault("GET", r"/issues$", status=503, times=2, retry_after=9))
    first = _call(sb, "GET", "/repos/acme/widgets/issues")
    assert (first[0], first[1]["Retry-After"], first[2]["message"]) == (503, "9", "Injected fault")
    assert _call(sb, "GET", "/repos/acme/widgets/issues")[0] == 503
    assert _call(sb, "GET", "/repos/acme/widgets/issues")[0] == 200
    assert sb.faults[0].times == 0
    assert [(e["method"], e["status"]) for e in sb.requests] == [("GET", 503), ("GET", 503), ("GET", 200)]


def test_a_fault_for_other_requests_is_not_consumed(sb: Sandbox) -> None:
    sb.inject(Fault("POST", r"/issues$", status=500, times=1))
    assert _call(sb, "GET", "/repos/acme/widgets/issues")[0] == 200
    assert sb.faults[0].times == 1
    assert _call(sb, "POST", "/repos/acme/widgets/issues", {"title": "t"})[0] == 500
    assert sb.repo("acme/widgets").items == {}  # answered by the fault: nothing was created


def test_a_fault_after_the_work_performs_the_request_then_answers_for_real(sb: Sandbox) -> None:
    sb.inject(Fault("*", r"/issues$", after=True))
    status, _, body = _call(sb, "POST", "/repos/acme/widgets/issues", {"title": "t"})
    assert (status, body["number"]) == (201, 1)
    assert sb.faults[0].times == 0


def test_a_lost_answer_performs_the_request_then_answers_the_fault(sb: Sandbox) -> None:
    sb.inject(Fault("POST", r"/issues$", status=502, after=True, lost=True))
    status, _, body = _call(sb, "POST", "/repos/acme/widgets/issues", {"title": "t"})
    assert (status, body["message"]) == (502, "Injected fault")
    assert [item.title for item in sb.repo("acme/widgets").items.values()] == ["t"]  # it was done all the same


def test_a_fault_can_redirect_and_add_headers(sb: Sandbox) -> None:
    sb.inject(Fault("GET", r"/logs$", status=302, headers={"Location": "http://127.0.0.1:9/gone"}, body=""))
    status, headers, _ = _call(sb, "GET", "/repos/acme/widgets/actions/jobs/7/logs")
    assert (status, headers["Location"]) == (302, "http://127.0.0.1:9/gone")


def test_a_304_costs_no_rate_limit(sb: Sandbox) -> None:
    _, first, _ = _call(sb, "GET", "/repos/acme/widgets")
    status, again, body = _call(sb, "GET", "/repos/acme/widgets", **{"if-none-match": first["ETag"]})
    assert (status, body) == (304, None)
    assert again["X-RateLimit-Remaining"] == first["X-RateLimit-Remaining"]


def test_paginate_cuts_a_page_and_links_its_neighbours() -> None:
    body = {"total_count": 5, "things": [1, 2, 3, 4, 5]}
    page, link = paginate("http://h/things", {"per_page": "2", "page": "2", "q": "x"}, body, "things")
    assert page == {"total_count": 5, "things": [3, 4]}
    rels = dict(reversed(part.split("; ")) for part in link.split(", "))
    assert rels == {
        'rel="next"': "<http://h/things?per_page=2&page=3&q=x>",
        'rel="last"': "<http://h/things?per_page=2&page=3&q=x>",
        'rel="prev"': "<http://h/things?per_page=2&page=1&q=x>",
        'rel="first"': "<http://h/things?per_page=2&page=1&q=x>",
    }
    assert paginate("http://h/l", {"per_page": "many"}, list(range(40)), None) == (
        list(range(30)),
        '<http://h/l?per_page=30&page=2>; rel="next", <http://h/l?per_page=30&page=2>; rel="last"',
    )


def test_a_client_that_went_away_is_not_a_server_error(sb: Sandbox) -> None:
    """A client that timed out closed its end: writing the answer fails, quietly (no traceback on stderr)."""
    import io

    from cicd_agent.sandbox.http import _handler_class

    class Gone(io.RawIOBase):
        def write(self, data: object) -> int:
            raise BrokenPipeError(32, "Broken pipe")

    handler_class = _handler_class(sb)
    handler: Any = handler_class.__new__(handler_class)
    request = f"GET /repos/acme/widgets HTTP/1.1\r\nHost: x\r\nAuthorization: token {sb.token}\r\n\r\n"
    handler.rfile = io.BytesIO(request.encode())
    handler.wfile = Gone()
    handler.client_address = ("127.0.0.1", 1)
    handler.request_version = "HTTP/1.1"
    handler.handle_one_request()  # raised BrokenPipeError before, which socketserver printed as a traceback
    assert handler.close_connection is True
    assert [(e["method"], e["status"]) for e in sb.requests] == [("GET", 200)]
