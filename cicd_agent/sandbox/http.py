"""The sandbox's HTTP side: the route table and dispatch, and what wraps every answer the way GitHub does.

Per request: test hooks (`/_sandbox/...`) answer directly; otherwise an injected fault may answer instead
(or delay the real answer, or replace it once the request was performed), then authentication, routing, the
repository looked up once, the handler, pagination (`Link`), `ETag`/304 and the rate-limit headers; every
request lands in the request log.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sys
import time
import traceback
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox.limits import MESSAGE
from cicd_agent.sandbox.model import ApiError, Call, Fault, Person, Response
from cicd_agent.sandbox.routes import (
    RepoHandler,
    RootHandler,
    apps,
    checks,
    contents,
    deliveries,
    fleet,
    git,
    graphql,
    history,
    issues,
    pulls,
    runs,
)

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox

DOCS = "https://docs.github.com/rest"
JSON = "application/json; charset=utf-8"
REPO = "/repos/{owner}/{repo}"
JWT_PATH = re.compile(r"/app(/installations/\d+/access_tokens|/hook/deliveries(/\d+/attempts)?)?")  # the app's JWT
GREEDY = ("path", "basehead", "commitish")  # path parameters that may hold slashes
Answer = tuple[int, dict[str, str], bytes]


def _on_repo(handler: RepoHandler) -> RootHandler:
    """The one place a request's repository is resolved: unknown, it is a 404 before any handler runs."""

    @functools.wraps(handler)
    def resolved(sb: Sandbox, call: Call) -> Response:
        return handler(sb, sb.repo(f"{call.params['owner']}/{call.params['repo']}"), call)

    return resolved


def _pattern(template: str) -> re.Pattern[str]:
    regex = re.sub(r"\{(\w+)\}", lambda m: f"(?P<{m[1]}>{'.+' if m[1] in GREEDY else '[^/]+'})", template)
    return re.compile(f"^{regex}$")


ROUTES: list[tuple[str, re.Pattern[str], RootHandler]] = [
    *(
        (method, _pattern(template), handler)
        for module in (apps, graphql, fleet, deliveries)
        for method, template, handler in module.ROOT_ROUTES
    ),
    *(
        (method, _pattern(REPO + template), _on_repo(handler))
        for module in (apps, runs, contents, git, pulls, issues, checks, history)  # history's greedy ref last
        for method, template, handler in module.ROUTES
    ),
]


def find_route(method: str, path: str) -> tuple[RootHandler, dict[str, str]]:
    """The handler for a request and the path's parameters; 404 for an unknown path, 405 for a wrong method."""
    allowed = False
    for verb, regex, handler in ROUTES:
        match = regex.match(path)
        if match:
            if verb == method:
                return handler, match.groupdict()
            allowed = True
    raise ApiError(405 if allowed else 404, "Method Not Allowed" if allowed else "Not Found")


def handle(sb: Sandbox, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> Answer:
    """One request (`headers` with lower-case names) to its status, headers and body."""
    parsed = urllib.parse.urlsplit(raw_path)
    path = urllib.parse.unquote(parsed.path).rstrip("/") or "/"
    query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
    if path.startswith("/_sandbox/"):
        return _hook(sb, method, path, body)
    if sb.limits.latency:
        time.sleep(sb.limits.latency)
    retry_after = sb.limits.admit(method)
    fault = None if retry_after is not None else sb.take_fault(method, path)
    if retry_after is not None:  # GitHub's secondary rate limit: refused, not performed
        error = {"message": MESSAGE, "documentation_url": DOCS, "status": "403"}
        status, out_headers = 403, {"Content-Type": JSON, "Retry-After": str(retry_after)}
        payload = json.dumps(error).encode()
    elif fault is not None and not fault.after:
        time.sleep(fault.delay)
        status, out_headers, payload = _fault_answer(fault)
    else:
        status, out_headers, payload = _api(sb, method, path, query, headers, body)
        if fault is not None:
            fault.performed = True
            time.sleep(fault.delay)
            if fault.lost:  # done, but the client is told otherwise
                status, out_headers, payload = _fault_answer(fault)
    with sb.lock:
        sb.requests.append({"method": method, "path": path, "query": parsed.query, "status": status})
    return status, out_headers, payload


def _fault_answer(fault: Fault) -> Answer:
    headers = {"Content-Type": JSON, **(fault.headers or {})}
    if fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after)
    if fault.body is not None:
        return fault.status, headers, fault.body.encode()
    error = {"message": "Injected fault", "documentation_url": DOCS, "status": str(fault.status)}
    return fault.status, headers, json.dumps(error).encode()


def _error(status: int, message: str, errors: list[dict[str, Any]] | None = None) -> Response:
    body = {"message": message, "documentation_url": DOCS, "status": str(status)}
    return Response(status, {**body, "errors": errors} if errors else body)


def _respond(
    sb: Sandbox, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
) -> Response:
    try:
        actor, app = _authenticate(sb, method, path, headers)
        handler, params = find_route(method, path)
        data = json.loads(body) if body.strip() else {}
        with sb.lock:
            return handler(sb, Call(params, query, data, actor, app))
    except ApiError as exc:
        return _error(exc.status, exc.message, exc.errors)
    except json.JSONDecodeError:
        return _error(400, "Problems parsing JSON")
    except Exception as exc:  # a sandbox bug must answer 500, like a server would, not drop the connection
        traceback.print_exc()
        return _error(500, f"sandbox error: {exc}")


def _api(sb: Sandbox, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes) -> Answer:
    response = _respond(sb, method, path, query, headers, body)
    out = {"Content-Type": JSON, "X-GitHub-Api-Version-Selected": "2022-11-28", **response.headers}
    if response.paginate:
        response.body, link = paginate(sb.base_url + path, query, response.body, response.page_key)
        if link:
            out["Link"] = link
    payload = b"" if response.body is None else json.dumps(response.body).encode()
    if method == "GET" and response.status == 200:
        etag = '"' + hashlib.sha256(payload).hexdigest()[:40] + '"'
        out["ETag"] = etag
        if headers.get("if-none-match") in (etag, f"W/{etag}"):
            out.update(_rate_headers(sb, charge=False))
            return 304, out, b""
    out.update(_rate_headers(sb, charge=path != "/rate_limit"))
    return response.status, out, payload


def _authenticate(sb: Sandbox, method: str, path: str, headers: dict[str, str]) -> tuple[Person | None, str | None]:
    """Who asks: (the token's account, None), (None, app id) for an app's JWT, (None, None) anonymous."""
    auth = headers.get("authorization", "")
    if JWT_PATH.fullmatch(path):
        return None, sb.app_from_jwt(auth).id
    if auth:
        scheme, _, value = auth.partition(" ")
        actor = sb.who(value) if scheme.lower() in ("token", "bearer") else None
        if actor is None:
            raise ApiError(401, "Bad credentials")
        return actor, None
    if method != "GET":
        raise ApiError(401, "Requires authentication")
    return None, None


def _rate_headers(sb: Sandbox, *, charge: bool) -> dict[str, str]:
    rate = sb.rate(charge=charge)
    return {
        "X-RateLimit-Limit": str(rate["limit"]),
        "X-RateLimit-Remaining": str(rate["remaining"]),
        "X-RateLimit-Used": str(rate["used"]),
        "X-RateLimit-Reset": str(rate["reset"]),
        "X-RateLimit-Resource": "core",
    }


def paginate(url: str, query: dict[str, str], body: Any, key: str | None) -> tuple[Any, str]:
    """One page of a list (`body`, or `body[key]`) as `per_page`/`page` ask, and its `Link` header value."""
    items = body[key] if key else body
    try:
        per_page = min(max(int(query.get("per_page", 30)), 1), 100)
        page = max(int(query.get("page", 1)), 1)
    except ValueError:
        per_page, page = 30, 1
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []

    def href(number: int) -> str:
        return f"{url}?{urllib.parse.urlencode({**query, 'per_page': per_page, 'page': number})}"

    if page < last:
        links += [f'<{href(page + 1)}>; rel="next"', f'<{href(last)}>; rel="last"']
    if page > 1:
        links += [f'<{href(page - 1)}>; rel="prev"', f'<{href(1)}>; rel="first"']
    if key:
        return {**body, key: chunk}, ", ".join(links)
    return chunk, ", ".join(links)


def _hook(sb: Sandbox, method: str, path: str, body: bytes) -> Answer:
    """The test hooks: the request log, fault injection, running CI, and the signed log URLs."""
    headers = {"Content-Type": "application/json"}
    if path == "/_sandbox/requests" and method == "GET":
        with sb.lock:
            return 200, headers, json.dumps(sb.requests).encode()
    if path == "/_sandbox/requests" and method == "DELETE":
        with sb.lock:
            sb.requests.clear()
        return 204, headers, b""
    if path == "/_sandbox/faults" and method == "POST":
        try:
            sb.inject(Fault(**json.loads(body)))
        except (TypeError, json.JSONDecodeError) as exc:
            return 400, headers, json.dumps({"message": str(exc)}).encode()
        return 201, headers, b"{}"
    if path == "/_sandbox/settle" and method == "POST":
        return 200, headers, json.dumps({"ran": sb.settle()}).encode()
    match = re.fullmatch(r"/_sandbox/logs/([0-9a-f]+)", path)
    if match and method == "GET":
        log = sb.signed_log(match.group(1))
        if log is None:
            return 403, {"Content-Type": "application/xml"}, b"<Error><Code>AuthenticationFailed</Code></Error>"
        return 200, {"Content-Type": "text/plain; charset=utf-8"}, log.encode()
    return 404, headers, b'{"message": "unknown sandbox hook"}'


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return  # the client went away (a killed agent): nothing to report
        super().handle_error(request, client_address)


def make_server(sb: Sandbox, port: int) -> ThreadingHTTPServer:
    """An HTTP/1.1 server for the sandbox on 127.0.0.1 (not yet serving)."""
    server = _Server(("127.0.0.1", port), _handler_class(sb))
    server.daemon_threads = True
    return server


def _handler_class(sb: Sandbox) -> type[BaseHTTPRequestHandler]:
    class SandboxHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, payload = handle(sb, self.command, self.path, headers, body)
            try:
                self.send_response(status)
                for key, value in out.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if payload and self.command != "HEAD":
                    self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout): as GitHub,
                self.close_connection = True  # nothing to say about it

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return SandboxHandler
