"""A local GitHub on 127.0.0.1: the REST subset the agent uses, over real bare git repositories.

Pushes (through git or the API) start the pushed commit's workflows, which `settle()` runs for real.
Test hooks live under `/_sandbox/`: the request log, fault injection, and `settle`.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import secrets
import threading
import time
import traceback
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cicd_agent.sandbox import shapes
from cicd_agent.sandbox.bare import BareRepo, RefMismatch
from cicd_agent.sandbox.runner import (
    JobResult,
    StepResult,
    WorkflowFile,
    job_names,
    parse_workflow,
    run_job,
    triggers_on_push,
)

DOCS = "https://docs.github.com/rest"
LOG_URL_TTL = 60.0
RATE_LIMIT = 5000


def iso(ts: float | None = None) -> str:
    return datetime.fromtimestamp(ts if ts is not None else time.time(), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Workflow:
    id: int
    name: str
    path: str


@dataclass
class Job:
    id: int
    key: str
    name: str
    attempt: int
    status: str = "queued"
    conclusion: str | None = None
    steps: list[StepResult] = field(default_factory=list)
    started_at: str | None = None
    completed_at: str | None = None
    log: str = ""


@dataclass
class Run:
    id: int
    number: int
    name: str
    path: str
    workflow_id: int
    branch: str
    head_sha: str
    event: str
    title: str
    created_at: str
    attempt: int = 1
    status: str = "queued"
    conclusion: str | None = None
    updated_at: str = ""
    started_at: str = ""
    jobs: dict[int, list[Job]] = field(default_factory=dict)

    def current_jobs(self) -> list[Job]:
        return self.jobs.get(self.attempt, [])


@dataclass
class Comment:
    id: int
    body: str
    created_at: str


@dataclass
class Item:
    """An issue or a pull request (GitHub numbers them together)."""

    id: int
    number: int
    title: str
    body: str | None
    created_at: str
    is_pull: bool = False
    state: str = "open"
    labels: list[str] = field(default_factory=list)
    comments: list[Comment] = field(default_factory=list)
    updated_at: str = ""
    closed_at: str | None = None
    head: str = ""
    base: str = ""
    head_sha: str = ""
    base_sha: str = ""
    draft: bool = False
    merged_at: str | None = None
    merge_commit_sha: str | None = None


@dataclass
class Repo:
    id: int
    owner: str
    name: str
    bare: BareRepo
    default_branch: str = "main"
    description: str | None = None
    workflows: dict[str, Workflow] = field(default_factory=dict)
    runs: list[Run] = field(default_factory=list)
    items: dict[int, Item] = field(default_factory=dict)
    seen: dict[str, str] = field(default_factory=dict)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    @property
    def clone_url(self) -> str:
        return self.bare.path.resolve().as_uri()


@dataclass
class Fault:
    method: str
    path: str  # a regular expression over the path
    status: int = 500
    times: int = 1
    retry_after: int | None = None
    delay: float = 0.0
    body: str | None = None  # raw body; None gives GitHub's error JSON
    after: bool = False  # perform the request for real, then wait `delay` before answering (a crash window)


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = errors


@dataclass
class Response:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    page_key: str | None = None  # the list to paginate, inside a dict body (None: the body is the list)
    paginate: bool = False


Handler = Callable[..., Response]


class Sandbox:
    """State and behaviour of the fake GitHub; `serve()` puts it on a loopback port."""

    def __init__(self, root: Path, *, token: str | None = None, minute_seconds: float = 1.0) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.token = token or "sandbox-" + secrets.token_hex(8)
        self.minute_seconds = minute_seconds
        self.job_env: dict[str, str] = {}
        self.repos: dict[str, Repo] = {}
        self.lock = threading.RLock()
        self.ci_lock = threading.Lock()
        self.ids = itertools.count(1000)
        self.requests: list[dict[str, Any]] = []
        self.faults: list[Fault] = []
        self.log_urls: dict[str, tuple[int, float]] = {}
        self.rate_used = 0
        self.rate_reset = int(time.time()) + 3600
        self.base_url = ""
        self.apps: dict[str, tuple[str, int]] = {}  # app id -> (public key PEM, installation id)
        self.app_token_ttl = 3600.0
        self.issued: dict[str, float] = {}  # installation token -> expiry
        self._server: ThreadingHTTPServer | None = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    # -- repositories -------------------------------------------------------------------------------

    def add_repo(self, full_name: str, files: dict[str, bytes], *, description: str | None = None) -> Repo:
        owner, name = full_name.split("/")
        bare = BareRepo.create(self.root / "git" / owner / f"{name}.git", files, message="Initial commit")
        repo = Repo(next(self.ids), owner, name, bare, description=description)
        with self.lock:
            self.repos[full_name.lower()] = repo
        return repo

    def refuse_workflow_pushes(self, full_name: str) -> None:
        """Make pushes that change .github/workflows/ fail the way GitHub refuses a token without the
        `workflow` scope (a pre-receive hook in the bare repository)."""
        hook = self.repo(full_name).bare.path / "hooks" / "pre-receive"
        hook.write_text(
            "#!/bin/sh\n"
            "while read old new ref; do\n"
            '  range=$new; [ "$old" != 0000000000000000000000000000000000000000 ] && range=$old..$new\n'
            "  if git diff --name-only ${old#0000000000000000000000000000000000000000} $new 2>/dev/null"
            " | grep -q '^.github/workflows/' || { [ \"$old\" = 0000000000000000000000000000000000000000 ] &&"
            " git diff --name-only $new~1 $new | grep -q '^.github/workflows/'; }; then\n"
            '    echo "refusing to allow an OAuth App to create or update workflow \\`.github/workflows/ci.yml\\`'
            ' without \\`workflow\\` scope" >&2\n'
            "    exit 1\n"
            "  fi\n"
            "done\n"
        )
        hook.chmod(0o755)

    def stall_pushes(self, full_name: str, seconds: float, *, after_update: bool) -> Path:
        """Make the next pushes hang for `seconds` before (pre-receive) or after (post-receive) the refs
        move: a window to kill a pusher in. Returns a marker file that appears once a push reached it."""
        hooks = self.repo(full_name).bare.path / "hooks"
        marker = hooks / "push-reached"
        hook = hooks / ("post-receive" if after_update else "pre-receive")
        hook.write_text(f"#!/bin/sh\ncat > /dev/null\ntouch '{marker}'\nsleep {seconds}\n")
        hook.chmod(0o755)
        return marker

    def repo(self, full_name: str) -> Repo:
        repo = self.repos.get(full_name.lower())
        if repo is None:
            raise ApiError(404, "Not Found")
        return repo

    # -- CI -----------------------------------------------------------------------------------------

    def settle(self) -> int:
        """Start workflows for every new push, run every queued run; returns how many runs ran."""
        ran = 0
        with self.ci_lock:
            while True:
                self._queue_pushes()
                queued = self._next_queued()
                if queued is None:
                    return ran
                self._execute(*queued)
                ran += 1

    def _queue_pushes(self) -> None:
        with self.lock:
            for repo in self.repos.values():
                for branch, sha in sorted(repo.bare.branches().items()):
                    if repo.seen.get(branch) == sha:
                        continue
                    repo.seen[branch] = sha
                    for wf in self._workflows_at(repo, sha):
                        if triggers_on_push(wf, branch):
                            self._new_run(repo, wf, branch, sha)

    def _workflows_at(self, repo: Repo, sha: str) -> list[WorkflowFile]:
        found = []
        for path in sorted(repo.bare.list_dir(sha, ".github/workflows")):
            if not path.endswith((".yml", ".yaml")):
                continue
            blob = repo.bare.read(sha, path)
            wf = parse_workflow(path, blob[1]) if blob else None
            if wf is not None:
                found.append(wf)
                if path not in repo.workflows:
                    repo.workflows[path] = Workflow(next(self.ids), wf.name, path)
        return found

    def _new_run(self, repo: Repo, wf: WorkflowFile, branch: str, sha: str) -> Run:
        message = repo.bare.repo.commit(sha).message
        title = (message if isinstance(message, str) else message.decode()).strip().splitlines()[0]
        number = 1 + sum(1 for r in repo.runs if r.path == wf.path)
        run = Run(
            next(self.ids),
            number,
            wf.name,
            wf.path,
            repo.workflows[wf.path].id,
            branch,
            sha,
            "push",
            title,
            iso(),
        )
        run.updated_at = run.created_at
        run.jobs[1] = [Job(next(self.ids), key, name, 1) for key, name in job_names(wf)]
        repo.runs.append(run)
        return run

    def _next_queued(self) -> tuple[Repo, Run] | None:
        with self.lock:
            for repo in self.repos.values():
                for run in repo.runs:
                    if run.status == "queued":
                        run.status = "in_progress"
                        run.started_at = run.started_at or iso()
                        return repo, run
        return None

    def _execute(self, repo: Repo, run: Run) -> None:
        blob = repo.bare.read(run.head_sha, run.path)
        wf = parse_workflow(run.path, blob[1]) if blob else None
        env = {
            **self.job_env,
            "GITHUB_RUN_ID": str(run.id),
            "GITHUB_RUN_ATTEMPT": str(run.attempt),
            "GITHUB_SHA": run.head_sha,
            "GITHUB_REF_NAME": run.branch,
            "GITHUB_REPOSITORY": repo.full_name,
            "GITHUB_ACTIONS": "true",
        }
        for jb in run.current_jobs():
            if jb.status == "completed":
                continue  # carried over from the previous attempt by a rerun of failed jobs
            with self.lock:
                jb.status, jb.started_at = "in_progress", iso()
            if wf is None:
                result = JobResult(
                    jb.key,
                    jb.name,
                    "failure",
                    [StepResult("Set up job", "failure")],
                    f"{shapes.EPOCH} ##[error]Invalid workflow file {run.path}\n",
                )
            else:
                result = run_job(
                    wf,
                    jb.key,
                    lambda dest: repo.bare.checkout(run.head_sha, dest),
                    env,
                    minute_seconds=self.minute_seconds,
                )
            with self.lock:
                jb.status, jb.conclusion, jb.steps = "completed", result.conclusion, result.steps
                jb.log, jb.completed_at = result.log, iso()
        with self.lock:
            conclusions = [j.conclusion for j in run.current_jobs()]
            run.status = "completed"
            run.conclusion = "failure" if "failure" in conclusions else "success"
            run.updated_at = iso()

    def rerun(self, repo: Repo, run: Run, *, failed_only: bool) -> None:
        if run.status != "completed":
            raise ApiError(403, "This workflow is already running")
        attempt = run.attempt + 1
        jobs = []
        for old in run.current_jobs():
            if failed_only and old.conclusion == "success":
                jobs.append(old)
            else:
                jobs.append(Job(next(self.ids), old.key, old.name, attempt))
        run.jobs[attempt] = jobs
        run.attempt, run.status, run.conclusion, run.updated_at = attempt, "queued", None, iso()

    def serve(self, port: int = 0, *, auto_ci: bool = True) -> str:
        """Listen on 127.0.0.1 (a free port when 0) in background threads; returns the base URL."""
        server = ThreadingHTTPServer(("127.0.0.1", port), _handler_class(self))
        server.daemon_threads = True
        self._server = server
        self.base_url = f"http://127.0.0.1:{server.server_address[1]}"
        threads = [threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True)]
        if auto_ci:
            threads.append(threading.Thread(target=self._ci_loop, name="sandbox-ci", daemon=True))
        for thread in threads:
            thread.start()
        self._threads = threads
        return self.base_url

    def _ci_loop(self) -> None:
        while not self._stop.wait(0.2):
            self.settle()

    def close(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for thread in self._threads:
            thread.join(timeout=30)

    def inject(self, fault: Fault) -> None:
        with self.lock:
            self.faults.append(fault)

    # -- HTTP dispatch --------------------------------------------------------------------------------

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        parsed = urllib.parse.urlsplit(raw_path)
        path = urllib.parse.unquote(parsed.path).rstrip("/") or "/"
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        if path.startswith("/_sandbox/"):
            return self._hook(method, path, body)
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after:
            status, out_headers, payload = self._fault_response(fault)
        else:
            status, out_headers, payload = self._api(method, path, query, headers, body)
            if fault is not None:
                time.sleep(fault.delay)
        with self.lock:
            self.requests.append({"method": method, "path": path, "query": parsed.query, "status": status})
        return status, out_headers, payload

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if fault.times > 0 and fault.method.upper() in (method, "*") and re.search(fault.path, path):
                    fault.times -= 1
                    return fault
        return None

    def _fault_response(self, fault: Fault) -> tuple[int, dict[str, str], bytes]:
        if fault.delay:
            time.sleep(fault.delay)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if fault.retry_after is not None:
            headers["Retry-After"] = str(fault.retry_after)
        payload = (
            fault.body.encode()
            if fault.body is not None
            else json.dumps(
                {"message": "Injected fault", "documentation_url": DOCS, "status": str(fault.status)}
            ).encode()
        )
        return fault.status, headers, payload

    def _api(
        self, method: str, path: str, query: dict[str, str], headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        out = {
            "Content-Type": "application/json; charset=utf-8",
            "X-GitHub-Api-Version-Selected": "2022-11-28",
        }
        try:
            if re.fullmatch(r"/app/installations/\d+/access_tokens", path):
                headers = {**headers, "x-sandbox-jwt-app": self._app_from_jwt(headers)}
            else:
                self._authenticate(method, headers)
            handler, params = _route(method, path)
            data = json.loads(body) if body.strip() else {}
            with self.lock:
                response = handler(self, query=query, data=data, **params)
        except ApiError as exc:
            response = Response(
                exc.status,
                {
                    "message": exc.message,
                    "documentation_url": DOCS,
                    "status": str(exc.status),
                    **({"errors": exc.errors} if exc.errors else {}),
                },
            )
        except json.JSONDecodeError:
            response = Response(400, {"message": "Problems parsing JSON", "documentation_url": DOCS, "status": "400"})
        except Exception as exc:  # a sandbox bug must answer 500, like a server would, not drop the connection
            traceback.print_exc()
            response = Response(500, {"message": f"sandbox error: {exc}", "documentation_url": DOCS, "status": "500"})
        out.update(response.headers)
        if response.paginate:
            response.body, link = _paginate(self.base_url + path, query, response.body, response.page_key)
            if link:
                out["Link"] = link
        payload = b"" if response.body is None else json.dumps(response.body).encode()
        if method == "GET" and response.status == 200:
            etag = '"' + hashlib.sha256(payload).hexdigest()[:40] + '"'
            out["ETag"] = etag
            if headers.get("if-none-match") in (etag, f"W/{etag}"):
                out.update(self._rate_headers(charge=False))
                return 304, out, b""
        out.update(self._rate_headers(charge=path != "/rate_limit"))
        return response.status, out, payload

    def register_app(self, app_id: str, public_key_pem: str, installation_id: int) -> None:
        """A GitHub App whose JWTs (signed with the matching private key) may mint installation tokens."""
        with self.lock:
            self.apps[str(app_id)] = (public_key_pem, installation_id)

    def _authenticate(self, method: str, headers: dict[str, str]) -> None:
        auth = headers.get("authorization", "")
        if auth:
            scheme, _, value = auth.partition(" ")
            issued = self.issued.get(value)
            valid = value == self.token or (issued is not None and issued > time.time())
            if scheme.lower() not in ("token", "bearer") or not valid:
                raise ApiError(401, "Bad credentials")
        elif method != "GET":
            raise ApiError(401, "Requires authentication")

    def _app_from_jwt(self, headers: dict[str, str]) -> str:
        """The app id of a valid RS256 JWT in `Authorization: Bearer`, as GitHub checks it."""
        import jwt

        scheme, _, value = headers.get("authorization", "").partition(" ")
        try:
            claims = jwt.decode(value, options={"verify_signature": False}) if scheme.lower() == "bearer" else {}
            app_id = str(claims.get("iss", ""))
            if app_id not in self.apps:
                raise jwt.InvalidTokenError("unknown app")
            jwt.decode(value, self.apps[app_id][0], algorithms=["RS256"], options={"require": ["exp", "iat", "iss"]})
        except jwt.PyJWTError:
            raise ApiError(401, "A JSON web token could not be decoded") from None
        return app_id

    def _rate_headers(self, *, charge: bool) -> dict[str, str]:
        with self.lock:
            if charge:
                self.rate_used += 1
            return {
                "X-RateLimit-Limit": str(RATE_LIMIT),
                "X-RateLimit-Remaining": str(max(RATE_LIMIT - self.rate_used, 0)),
                "X-RateLimit-Used": str(self.rate_used),
                "X-RateLimit-Reset": str(self.rate_reset),
                "X-RateLimit-Resource": "core",
            }

    def _hook(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        headers = {"Content-Type": "application/json"}
        if path == "/_sandbox/requests" and method == "GET":
            with self.lock:
                return 200, headers, json.dumps(self.requests).encode()
        if path == "/_sandbox/requests" and method == "DELETE":
            with self.lock:
                self.requests.clear()
            return 204, headers, b""
        if path == "/_sandbox/faults" and method == "POST":
            try:
                self.inject(Fault(**json.loads(body)))
            except (TypeError, json.JSONDecodeError) as exc:
                return 400, headers, json.dumps({"message": str(exc)}).encode()
            return 201, headers, b"{}"
        if path == "/_sandbox/settle" and method == "POST":
            return 200, headers, json.dumps({"ran": self.settle()}).encode()
        match = re.fullmatch(r"/_sandbox/logs/([0-9a-f]+)", path)
        if match and method == "GET":
            with self.lock:
                entry = self.log_urls.get(match.group(1))
                job = self._job_by_id(entry[0]) if entry and entry[1] > time.time() else None
            if job is None:
                return (
                    403,
                    {"Content-Type": "application/xml"},
                    b"<Error><Code>AuthenticationFailed</Code></Error>",
                )
            return 200, {"Content-Type": "text/plain; charset=utf-8"}, job[2].log.encode()
        return 404, headers, b'{"message": "unknown sandbox hook"}'

    def _job_by_id(self, job_id: int) -> tuple[Repo, Run, Job] | None:
        for repo in self.repos.values():
            for run in repo.runs:
                for jobs in run.jobs.values():
                    for jb in jobs:
                        if jb.id == job_id:
                            return repo, run, jb
        return None


# -- routes ---------------------------------------------------------------------------------------------

ROUTES: list[tuple[str, re.Pattern[str], str]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern).replace("(?P<path>[^/]+)", "(?P<path>.+)")
        ROUTES.append((method, re.compile(f"^{regex}$"), fn.__name__))
        return fn

    return register


def _route(method: str, path: str) -> tuple[Handler, dict[str, str]]:
    allowed = False
    for verb, regex, name in ROUTES:
        match = regex.match(path)
        if match:
            if verb == method:
                return globals()[name], match.groupdict()
            allowed = True
    raise ApiError(405 if allowed else 404, "Method Not Allowed" if allowed else "Not Found")


def _paginate(url: str, query: dict[str, str], body: Any, key: str | None) -> tuple[Any, str]:
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


def _find_run(sb: Sandbox, repo: Repo, run_id: str) -> Run:
    for run in repo.runs:
        if str(run.id) == run_id:
            return run
    raise ApiError(404, "Not Found")


def _run_json(sb: Sandbox, repo: Repo, run: Run) -> dict[str, Any]:
    data = shapes.workflow_run(sb.base_url, repo, run)
    # as GitHub does: the open pull requests (of this repository) whose head is the run's branch
    data["pull_requests"] = [
        shapes.pull_request_minimal(sb.base_url, repo, item)
        for item in repo.items.values()
        if item.is_pull and item.state == "open" and item.head == run.branch
    ]
    return data


@route("GET", "/rate_limit")
def get_rate_limit(sb: Sandbox, **_: Any) -> Response:
    core = {
        "limit": RATE_LIMIT,
        "remaining": max(RATE_LIMIT - sb.rate_used, 0),
        "reset": sb.rate_reset,
        "used": sb.rate_used,
    }
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


@route("POST", "/app/installations/{installation_id}/access_tokens")
def create_installation_token(sb: Sandbox, installation_id: str, **_: Any) -> Response:
    # _api put the JWT's verified app id in the headers it passes on; here only the installation is checked
    installations = {str(installation) for _, installation in sb.apps.values()}
    if installation_id not in installations:
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


@route("GET", "/repos/{owner}/{repo}")
def get_repo(sb: Sandbox, owner: str, repo: str, **_: Any) -> Response:
    return Response(200, shapes.repository(sb.base_url, sb.repo(f"{owner}/{repo}")))


def _run_filters(query: dict[str, str]) -> Callable[[Run], bool]:
    status = query.get("status")
    created = query.get("created", "")

    def keep(run: Run) -> bool:
        if status and status not in (run.status, run.conclusion):
            return False
        for key, value in (("branch", run.branch), ("event", run.event), ("head_sha", run.head_sha)):
            if query.get(key) and query[key] != value:
                return False
        return _created_matches(created, run.created_at)

    return keep


def _created_matches(expr: str, when: str) -> bool:
    if not expr:
        return True
    if ".." in expr:
        low, high = expr.split("..", 1)
        return (low in ("*", "") or when >= _as_time(low)) and (high in ("*", "") or when <= _as_time(high, True))
    for op in (">=", "<=", ">", "<"):
        if expr.startswith(op):
            bound = _as_time(expr[len(op) :], op.startswith("<"))
            return {">=": when >= bound, "<=": when <= bound, ">": when > bound, "<": when < bound}[op]
    return when.startswith(expr)


def _as_time(value: str, end: bool = False) -> str:
    value = value.strip()
    if len(value) == 10:
        return value + ("T23:59:59Z" if end else "T00:00:00Z")
    return value.replace("+00:00", "Z")


def _runs_page(sb: Sandbox, repo: Repo, runs: list[Run], query: dict[str, str]) -> Response:
    chosen = sorted((r for r in runs if _run_filters(query)(r)), key=lambda r: r.id, reverse=True)
    body = {"total_count": len(chosen), "workflow_runs": [_run_json(sb, repo, r) for r in chosen]}
    return Response(200, body, page_key="workflow_runs", paginate=True)


@route("GET", "/repos/{owner}/{repo}/actions/runs")
def list_runs(sb: Sandbox, owner: str, repo: str, query: dict[str, str], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    return _runs_page(sb, r, r.runs, query)


@route("GET", "/repos/{owner}/{repo}/actions/workflows")
def list_workflows(sb: Sandbox, owner: str, repo: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    flows = [shapes.workflow(sb.base_url, r, wf) for wf in r.workflows.values()]
    return Response(200, {"total_count": len(flows), "workflows": flows}, page_key="workflows", paginate=True)


def _workflow(r: Repo, workflow_id: str) -> Workflow:
    for wf in r.workflows.values():
        if str(wf.id) == workflow_id or wf.path.rsplit("/", 1)[-1] == workflow_id:
            return wf
    raise ApiError(404, "Not Found")


@route("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}")
def get_workflow(sb: Sandbox, owner: str, repo: str, workflow_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    return Response(200, shapes.workflow(sb.base_url, r, _workflow(r, workflow_id)))


@route("GET", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs")
def list_workflow_runs(
    sb: Sandbox, owner: str, repo: str, workflow_id: str, query: dict[str, str], **_: Any
) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    wf = _workflow(r, workflow_id)
    return _runs_page(sb, r, [run for run in r.runs if run.workflow_id == wf.id], query)


@route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}")
def get_run(sb: Sandbox, owner: str, repo: str, run_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    return Response(200, _run_json(sb, r, _find_run(sb, r, run_id)))


@route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}")
def get_run_attempt(sb: Sandbox, owner: str, repo: str, run_id: str, attempt: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    run = _find_run(sb, r, run_id)
    if not attempt.isdigit() or int(attempt) not in run.jobs:
        raise ApiError(404, "Not Found")
    data = _run_json(sb, r, run)
    data["run_attempt"] = int(attempt)
    if int(attempt) != run.attempt:
        jobs = run.jobs[int(attempt)]
        data["status"] = "completed"
        data["conclusion"] = "failure" if any(j.conclusion == "failure" for j in jobs) else "success"
    return Response(200, data)


@route("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun-failed-jobs")
def rerun_failed(sb: Sandbox, owner: str, repo: str, run_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    sb.rerun(r, _find_run(sb, r, run_id), failed_only=True)
    return Response(201, {})


@route("POST", "/repos/{owner}/{repo}/actions/runs/{run_id}/rerun")
def rerun_all(sb: Sandbox, owner: str, repo: str, run_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    sb.rerun(r, _find_run(sb, r, run_id), failed_only=False)
    return Response(201, {})


@route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/jobs")
def list_jobs(sb: Sandbox, owner: str, repo: str, run_id: str, query: dict[str, str], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    run = _find_run(sb, r, run_id)
    if query.get("filter") == "all":
        jobs = [j for attempt in sorted(run.jobs) for j in run.jobs[attempt]]
    else:
        jobs = run.current_jobs()
    body = {"total_count": len(jobs), "jobs": [shapes.job(sb.base_url, r, run, j) for j in jobs]}
    return Response(200, body, page_key="jobs", paginate=True)


@route("GET", "/repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt}/jobs")
def list_attempt_jobs(sb: Sandbox, owner: str, repo: str, run_id: str, attempt: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    run = _find_run(sb, r, run_id)
    jobs = run.jobs.get(int(attempt) if attempt.isdigit() else -1)
    if jobs is None:
        raise ApiError(404, "Not Found")
    body = {"total_count": len(jobs), "jobs": [shapes.job(sb.base_url, r, run, j) for j in jobs]}
    return Response(200, body, page_key="jobs", paginate=True)


def _job(sb: Sandbox, r: Repo, job_id: str) -> tuple[Run, Job]:
    found = sb._job_by_id(int(job_id)) if job_id.isdigit() else None
    if found is None or found[0] is not r:
        raise ApiError(404, "Not Found")
    return found[1], found[2]


@route("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}")
def get_job(sb: Sandbox, owner: str, repo: str, job_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    run, jb = _job(sb, r, job_id)
    return Response(200, shapes.job(sb.base_url, r, run, jb))


@route("GET", "/repos/{owner}/{repo}/actions/jobs/{job_id}/logs")
def get_job_logs(sb: Sandbox, owner: str, repo: str, job_id: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    jb = _job(sb, r, job_id)[1]
    if jb.status != "completed":
        raise ApiError(404, "Not Found")
    token = secrets.token_hex(16)
    sb.log_urls[token] = (jb.id, time.time() + LOG_URL_TTL)
    return Response(302, None, {"Location": f"{sb.base_url}/_sandbox/logs/{token}"})


def _commit_for(r: Repo, ref: str | None) -> str:
    sha = r.bare.resolve(ref or r.default_branch)
    if sha is None:
        raise ApiError(404, f"No commit found for the ref {ref}")
    return sha


@route("GET", "/repos/{owner}/{repo}/contents/{path}")
def get_contents(sb: Sandbox, owner: str, repo: str, path: str, query: dict[str, str], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    ref = query.get("ref") or r.default_branch
    sha = _commit_for(r, ref)
    found = r.bare.read(sha, path)
    if found is not None:
        return Response(200, shapes.content_file(sb.base_url, r, path, found[0], found[1], ref, encode=True))
    entries = r.bare.list_dir(sha, path)
    if not entries:
        raise ApiError(404, "Not Found")
    names = sorted({f"{path}/{e.split('/', 1)[0]}" for e in entries})
    listing = []
    for name in names:
        blob = r.bare.read(sha, name)
        if blob is not None:
            listing.append(shapes.content_file(sb.base_url, r, name, blob[0], blob[1], ref, encode=False))
    return Response(200, listing)


def _branch_head(r: Repo, branch: str | None) -> tuple[str, str]:
    name = branch or r.default_branch
    sha = r.bare.ref_sha(name)
    if sha is None:
        raise ApiError(404, f"Branch {name} not found")
    return name, sha


def _commit_change(r: Repo, branch: str, head: str, path: str, data: bytes | None, message: str) -> tuple[str, str]:
    tree = r.bare.write_tree(head, {path: data})
    sha = r.bare.commit(tree, [head], message)
    try:
        r.bare.update_branch(branch, sha, old=head)
    except RefMismatch:
        raise ApiError(409, f"{branch} moved while updating {path}") from None
    return sha, tree


@route("PUT", "/repos/{owner}/{repo}/contents/{path}")
def put_contents(sb: Sandbox, owner: str, repo: str, path: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    if "message" not in data or "content" not in data:
        raise ApiError(422, 'Invalid request.\n\n"message" and "content" wasn\'t supplied.')
    branch, head = _branch_head(r, data.get("branch"))
    existing = r.bare.read(head, path)
    if existing is not None and data.get("sha") != existing[0]:
        if not data.get("sha"):
            raise ApiError(422, 'Invalid request.\n\n"sha" wasn\'t supplied.')
        raise ApiError(409, f"{path} does not match {data.get('sha')}")
    try:
        content = base64.b64decode(data["content"], validate=True)
    except ValueError:
        raise ApiError(422, "content is not valid Base64") from None
    sha, tree = _commit_change(r, branch, head, path, content, str(data["message"]))
    blob = r.bare.read(sha, path)
    assert blob is not None
    body = {
        "content": shapes.content_file(sb.base_url, r, path, blob[0], content, branch, encode=False),
        "commit": shapes.file_commit(sb.base_url, r, sha, tree, head, str(data["message"])),
    }
    return Response(200 if existing else 201, body)


@route("DELETE", "/repos/{owner}/{repo}/contents/{path}")
def delete_contents(sb: Sandbox, owner: str, repo: str, path: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    if "message" not in data or "sha" not in data:
        raise ApiError(422, 'Invalid request.\n\n"message" and "sha" wasn\'t supplied.')
    branch, head = _branch_head(r, data.get("branch"))
    existing = r.bare.read(head, path)
    if existing is None:
        raise ApiError(404, "Not Found")
    if data["sha"] != existing[0]:
        raise ApiError(409, f"{path} does not match {data['sha']}")
    sha, tree = _commit_change(r, branch, head, path, None, str(data["message"]))
    return Response(
        200,
        {
            "content": None,
            "commit": shapes.file_commit(sb.base_url, r, sha, tree, head, str(data["message"])),
        },
    )


def _ref_name(ref: str) -> str:
    if not ref.startswith("heads/"):
        raise ApiError(422, "Only branch refs (heads/...) are supported by the sandbox")
    return ref[len("heads/") :]


@route("GET", "/repos/{owner}/{repo}/git/ref/{path}")
def get_ref(sb: Sandbox, owner: str, repo: str, path: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    sha = r.bare.ref_sha(_ref_name(path))
    if sha is None:
        raise ApiError(404, "Not Found")
    return Response(200, shapes.git_ref(sb.base_url, r, f"refs/{path}", sha))


@route("POST", "/repos/{owner}/{repo}/git/refs")
def create_ref(sb: Sandbox, owner: str, repo: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    ref, sha = str(data.get("ref", "")), str(data.get("sha", ""))
    if not ref.startswith("refs/heads/") or not re.fullmatch(r"[0-9a-f]{40}", sha):
        raise ApiError(422, "Invalid request: ref must start with refs/heads/ and sha must be a commit SHA")
    branch = ref[len("refs/heads/") :]
    if r.bare.ref_sha(branch) is not None:
        raise ApiError(422, "Reference already exists")
    if r.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    r.bare.update_branch(branch, sha, old="")
    return Response(201, shapes.git_ref(sb.base_url, r, ref, sha))


@route("PATCH", "/repos/{owner}/{repo}/git/refs/{path}")
def update_ref(sb: Sandbox, owner: str, repo: str, path: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    branch = _ref_name(path)
    old = r.bare.ref_sha(branch)
    sha = str(data.get("sha", ""))
    if old is None:
        raise ApiError(422, "Reference does not exist")
    if r.bare.resolve(sha) is None:
        raise ApiError(422, "Object does not exist")
    if not data.get("force") and r.bare.merge(sha, old, "probe") != sha:
        raise ApiError(422, "Update is not a fast forward")
    r.bare.update_branch(branch, sha, old=old)
    return Response(200, shapes.git_ref(sb.base_url, r, f"refs/{path}", sha))


@route("DELETE", "/repos/{owner}/{repo}/git/refs/{path}")
def delete_ref(sb: Sandbox, owner: str, repo: str, path: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    branch = _ref_name(path)
    if r.bare.ref_sha(branch) is None:
        raise ApiError(422, "Reference does not exist")
    r.bare.delete_branch(branch)
    r.seen.pop(branch, None)
    return Response(204)


def _new_item(sb: Sandbox, r: Repo, title: str, body: str | None, **extra: Any) -> Item:
    number = max(r.items, default=0) + 1
    item = Item(next(sb.ids), number, title, body, iso(), **extra)
    item.updated_at = item.created_at
    r.items[number] = item
    return item


def _item(r: Repo, number: str, *, pull: bool = False) -> Item:
    item = r.items.get(int(number)) if number.isdigit() else None
    if item is None or (pull and not item.is_pull):
        raise ApiError(404, "Not Found")
    return item


def _pull_json(sb: Sandbox, r: Repo, item: Item, *, full: bool = True) -> dict[str, Any]:
    if item.state == "open":
        item.head_sha = r.bare.ref_sha(item.head) or item.head_sha
        item.base_sha = r.bare.ref_sha(item.base) or item.base_sha
    return shapes.pull_request(sb.base_url, r, item, full=full)


@route("GET", "/repos/{owner}/{repo}/pulls")
def list_pulls(sb: Sandbox, owner: str, repo: str, query: dict[str, str], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    state = query.get("state", "open")
    head = query.get("head", "")
    head_branch = head.split(":", 1)[1] if ":" in head else head
    chosen = [
        i
        for i in sorted(r.items.values(), key=lambda i: i.number, reverse=True)
        if i.is_pull
        and state in ("all", i.state)
        and (not head or i.head == head_branch)
        and (not query.get("base") or i.base == query["base"])
    ]
    return Response(200, [_pull_json(sb, r, i, full=False) for i in chosen], paginate=True)


@route("POST", "/repos/{owner}/{repo}/pulls")
def create_pull(sb: Sandbox, owner: str, repo: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    head, base = str(data.get("head", "")), str(data.get("base", ""))
    head = head.split(":", 1)[1] if ":" in head else head
    head_sha, base_sha = r.bare.ref_sha(head), r.bare.ref_sha(base)
    errors = [
        {"resource": "PullRequest", "field": f, "code": "invalid"}
        for f, sha in (("head", head_sha), ("base", base_sha))
        if sha is None
    ]
    if errors or not data.get("title"):
        raise ApiError(
            422,
            "Validation Failed",
            errors or [{"resource": "PullRequest", "field": "title", "code": "missing_field"}],
        )
    for item in r.items.values():
        if item.is_pull and item.state == "open" and item.head == head and item.base == base:
            raise ApiError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {owner}:{head}.",
                    }
                ],
            )
    item = _new_item(
        sb,
        r,
        str(data["title"]),
        data.get("body"),
        is_pull=True,
        head=head,
        base=base,
        head_sha=head_sha or "",
        base_sha=base_sha or "",
        draft=bool(data.get("draft")),
    )
    return Response(201, _pull_json(sb, r, item))


@route("GET", "/repos/{owner}/{repo}/pulls/{number}")
def get_pull(sb: Sandbox, owner: str, repo: str, number: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    return Response(200, _pull_json(sb, r, _item(r, number, pull=True)))


def _edit_item(item: Item, data: dict[str, Any]) -> None:
    if "title" in data:
        item.title = str(data["title"])
    if "body" in data:
        item.body = data["body"]
    if data.get("state") in ("open", "closed") and data["state"] != item.state:
        item.state = data["state"]
        item.closed_at = iso() if item.state == "closed" else None
    item.updated_at = iso()


@route("PATCH", "/repos/{owner}/{repo}/pulls/{number}")
def update_pull(sb: Sandbox, owner: str, repo: str, number: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number, pull=True)
    if item.merged_at and data.get("state") == "open":
        raise ApiError(422, "Validation Failed: cannot reopen a merged pull request")
    _edit_item(item, data)
    return Response(200, _pull_json(sb, r, item))


@route("PUT", "/repos/{owner}/{repo}/pulls/{number}/merge")
def merge_pull(sb: Sandbox, owner: str, repo: str, number: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number, pull=True)
    if item.state != "open":
        raise ApiError(405, "Pull Request is not mergeable")
    head, base = r.bare.ref_sha(item.head), r.bare.ref_sha(item.base)
    if head is None or base is None:
        raise ApiError(405, "Pull Request is not mergeable")
    if data.get("sha") and data["sha"] != head:
        raise ApiError(409, "Head branch was modified. Review and try the merge again.")
    merged = r.bare.merge(base, head, str(data.get("commit_message") or f"Merge pull request #{item.number}"))
    if merged is None:
        raise ApiError(405, "Pull Request is not mergeable")
    r.bare.update_branch(item.base, merged, old=base)
    item.head_sha, item.base_sha = head, base
    item.state, item.merged_at, item.closed_at, item.merge_commit_sha = "closed", iso(), iso(), merged
    return Response(200, {"sha": merged, "merged": True, "message": "Pull Request successfully merged"})


@route("POST", "/repos/{owner}/{repo}/issues")
def create_issue(sb: Sandbox, owner: str, repo: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    if not data.get("title"):
        raise ApiError(422, "Validation Failed", [{"resource": "Issue", "field": "title", "code": "missing_field"}])
    item = _new_item(sb, r, str(data["title"]), data.get("body"), labels=[str(x) for x in data.get("labels") or []])
    return Response(201, shapes.issue(sb.base_url, r, item))


@route("GET", "/repos/{owner}/{repo}/issues")
def list_issues(sb: Sandbox, owner: str, repo: str, query: dict[str, str], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    state = query.get("state", "open")
    wanted = {name for name in query.get("labels", "").split(",") if name}
    chosen = [
        i
        for i in sorted(r.items.values(), key=lambda i: i.number, reverse=True)
        if state in ("all", i.state) and wanted <= set(i.labels)
    ]
    return Response(200, [_issue_json(sb, r, i) for i in chosen], paginate=True)


def _issue_json(sb: Sandbox, r: Repo, item: Item) -> dict[str, Any]:
    data = shapes.issue(sb.base_url, r, item)
    if item.is_pull:
        data["pull_request"] = {
            "url": f"{sb.base_url}/repos/{r.full_name}/pulls/{item.number}",
            "html_url": f"{sb.base_url}/{r.full_name}/pull/{item.number}",
            "diff_url": None,
            "patch_url": None,
        }
    return data


@route("GET", "/repos/{owner}/{repo}/issues/{number}")
def get_issue(sb: Sandbox, owner: str, repo: str, number: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    return Response(200, _issue_json(sb, r, _item(r, number)))


@route("PATCH", "/repos/{owner}/{repo}/issues/{number}")
def update_issue(sb: Sandbox, owner: str, repo: str, number: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number)
    _edit_item(item, data)
    return Response(200, shapes.issue(sb.base_url, r, item))


@route("GET", "/repos/{owner}/{repo}/issues/{number}/comments")
def list_comments(sb: Sandbox, owner: str, repo: str, number: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number)
    return Response(200, [shapes.comment(sb.base_url, r, item.number, c) for c in item.comments], paginate=True)


@route("POST", "/repos/{owner}/{repo}/issues/{number}/comments")
def create_comment(sb: Sandbox, owner: str, repo: str, number: str, data: dict[str, Any], **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number)
    if not isinstance(data.get("body"), str) or not data["body"]:
        raise ApiError(
            422, "Validation Failed", [{"resource": "IssueComment", "field": "body", "code": "missing_field"}]
        )
    if len(data["body"]) > 65536:
        raise ApiError(
            422,
            "Validation Failed",
            [
                {
                    "resource": "IssueComment",
                    "field": "body",
                    "code": "custom",
                    "message": "body is too long (maximum is 65536 characters)",
                }
            ],
        )
    cmt = Comment(next(sb.ids), data["body"], iso())
    item.comments.append(cmt)
    return Response(201, shapes.comment(sb.base_url, r, item.number, cmt))


@route("POST", "/repos/{owner}/{repo}/issues/{number}/labels")
def add_labels(sb: Sandbox, owner: str, repo: str, number: str, data: Any, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number)
    names = data.get("labels", []) if isinstance(data, dict) else data
    for name in names:
        if str(name) not in item.labels:
            item.labels.append(str(name))
    return Response(200, [shapes.label(sb.base_url, r, n, 100 + i) for i, n in enumerate(item.labels)])


@route("GET", "/repos/{owner}/{repo}/issues/{number}/labels")
def list_labels(sb: Sandbox, owner: str, repo: str, number: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    item = _item(r, number)
    return Response(200, [shapes.label(sb.base_url, r, n, 100 + i) for i, n in enumerate(item.labels)], paginate=True)


def _latest_jobs_for(r: Repo, sha: str) -> list[tuple[Run, Job]]:
    return [(run, jb) for run in r.runs if run.head_sha == sha for jb in run.current_jobs()]


@route("GET", "/repos/{owner}/{repo}/commits/{ref}/check-runs")
def list_check_runs(sb: Sandbox, owner: str, repo: str, ref: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    sha = _commit_for(r, ref)
    runs = [shapes.check_run(sb.base_url, r, run, jb) for run, jb in _latest_jobs_for(r, sha)]
    return Response(200, {"total_count": len(runs), "check_runs": runs}, page_key="check_runs", paginate=True)


@route("GET", "/repos/{owner}/{repo}/commits/{ref}/status")
def combined_status(sb: Sandbox, owner: str, repo: str, ref: str, **_: Any) -> Response:
    r = sb.repo(f"{owner}/{repo}")
    sha = _commit_for(r, ref)
    api = f"{sb.base_url}/repos/{r.full_name}"
    return Response(
        200,
        {
            "state": "pending",
            "sha": sha,
            "total_count": 0,
            "statuses": [],
            "repository": shapes.repository(sb.base_url, r, full=False),
            "commit_url": f"{api}/commits/{sha}",
            "url": f"{api}/commits/{sha}/status",
        },
    )


def _handler_class(sandbox: Sandbox) -> type[BaseHTTPRequestHandler]:
    class SandboxHandler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, out, payload = sandbox.handle(self.command, self.path, headers, body)
            self.send_response(status)
            for key, value in out.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if payload and self.command != "HEAD":
                self.wfile.write(payload)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

        def log_message(self, format: str, *args: Any) -> None:
            return

    return SandboxHandler
