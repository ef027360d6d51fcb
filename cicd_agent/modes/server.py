"""The one HTTP server for everything the agent serves: GitHub's webhook deliveries (`agent serve`), `/metrics`
and `/healthz` (the watcher), read-only pages. A small WSGI app with a table of routes, served by waitress
(docs/architecture.md says why) with every limit set for a server that faces strangers:

- the declared length is checked before a byte of the body is read: missing (or chunked) 411, not a number
  or negative 400, over the route's cap 413, all answered at once; a body is read only up to the cap;
- a connection must send its whole request within `read_timeout` of its first byte (or of connecting), and
  one with nothing to say is closed after `idle_timeout`: a slow or stalled client holds nothing for long;
- at most `connections` connections (file descriptors raised to fit), one request at a time each, a fixed
  pool of worker threads: the work queued is bounded by the connections;
- a client that goes away costs no traceback; refusals are counted and logged as one summary line per
  interval (`Refusals`), never a line each, so a flood grows a counter, not the log.
"""

from __future__ import annotations

import collections
import json
import resource
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher
from waitress.utilities import Error
from waitress.wasyncore import close_all, loop

from cicd_agent.errors import AgentError
from cicd_agent.text import redact

REASONS = {200: "OK", 202: "Accepted", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found"}
REASONS |= {405: "Method Not Allowed", 411: "Length Required", 413: "Content Too Large", 500: "Internal Server Error"}
REASONS |= {503: "Service Unavailable"}


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    client: str
    query: str = ""


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes = b""
    content_type: str = "application/json"
    refused: str = ""  # why the request was refused (counted, never logged one by one)
    about: str = ""  # which request it was, for the summary's example ("delivery X")

    @classmethod
    def json(cls, status: int, data: object, *, refused: str = "", about: str = "") -> Response:
        return cls(status, json.dumps(data).encode(), refused=refused, about=about)

    @classmethod
    def text(cls, status: int, text: str, content_type: str = "text/plain; charset=utf-8") -> Response:
        return cls(status, text.encode(), content_type)


Handler = Callable[[Request], Response]


@dataclass(frozen=True)
class Route:
    path: str
    handler: Handler
    method: str = "GET"
    max_body: int = 0  # the largest body a request may carry (bytes)


class Refusals:
    """Refused requests counted by reason; `flush` logs what was counted since the last line as one summary,
    at most once per `every` seconds (the server's maintenance calls it every second, `close` at the end)."""

    def __init__(
        self, echo: Callable[[str], None], label: str, every: float = 60.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.echo, self.label, self.every, self.clock = echo, label, every, clock
        self.totals: collections.Counter[str] = collections.Counter()
        self._pending: collections.Counter[str] = collections.Counter()
        self._last_example = ""
        self._since = clock()
        self._lock = threading.Lock()

    def count(self, reason: str, example: str = "") -> None:
        with self._lock:
            self.totals[reason] += 1
            self._pending[reason] += 1
            self._last_example = example or self._last_example

    def total(self) -> int:
        with self._lock:
            return sum(self.totals.values())

    def flush(self, *, force: bool = False) -> None:
        now = self.clock()
        with self._lock:
            if not self._pending or (not force and now - self._since < self.every):
                return
            pending, example = self._pending, self._last_example
            self._pending, self._last_example, since, self._since = collections.Counter(), "", self._since, now
        n = sum(pending.values())
        reasons = ", ".join(f"{count:,} {reason}" for reason, count in pending.most_common())
        last = f" (the last: {example})" if example else ""
        self.echo(f"{self.label}: refused {n:,} request{'s' * (n != 1)} in {now - since:.0f} s: {reasons}{last}")


class App:
    """The WSGI application: one route per path, the declared length checked before the body is read, every
    answer JSON or text with its length, any error in a handler one logged line and a 500."""

    def __init__(self, routes: Iterable[Route], refusals: Refusals) -> None:
        self.routes = {route.path: route for route in routes}
        self.refusals = refusals

    @property
    def max_body(self) -> int:
        return max((route.max_body for route in self.routes.values()), default=0)

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
        response = self.respond(environ)
        if response.refused:
            self.refusals.count(response.refused, response.about or f"from {environ.get('REMOTE_ADDR', '?')}")
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {REASONS.get(response.status, 'Error')}", headers)
        return [response.body]

    def respond(self, environ: dict[str, Any]) -> Response:
        route = self.routes.get(environ.get("PATH_INFO", ""))
        method = environ.get("REQUEST_METHOD", "")
        if route is None:
            return Response.json(404, {"message": "Not Found"}, refused="unknown path")
        if method != route.method:
            return Response.json(405, {"message": f"{route.path} answers {route.method}"}, refused="wrong method")
        declared = environ.get("CONTENT_LENGTH")
        if declared is None or declared == "":
            if route.max_body:
                return Response.json(411, {"message": "a Content-Length is required"}, refused="no Content-Length")
            declared = "0"
        if not declared.isascii() or not declared.isdigit():
            return Response.json(400, {"message": "Content-Length is not a number"}, refused="bad Content-Length")
        length = int(declared)
        if length > route.max_body:
            return Response.json(413, {"message": f"at most {route.max_body:,} bytes"}, refused="body too large")
        body = environ["wsgi.input"].read(length) if length else b""
        if len(body) != length:
            return Response.json(400, {"message": "the body is shorter than declared"}, refused="short body")
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        request = Request(
            method, route.path, headers, body, environ.get("REMOTE_ADDR", ""), environ.get("QUERY_STRING", "")
        )
        try:
            return route.handler(request)
        except Exception as exc:  # a bug answers 500 and is logged in one line, never a traceback to a stranger
            self.refusals.echo(
                f"{self.refusals.label}: error answering {route.path}: {type(exc).__name__}: {redact(str(exc))}"
            )
            return Response.json(500, {"message": "internal error"})


@dataclass(frozen=True)
class Limits:
    connections: int = 2000
    read_timeout: float = 5.0  # a request's headers and body arrive within this, from its first byte
    idle_timeout: int = 5  # a connection with no request in progress is closed after this
    threads: int = 4
    header_bytes: int = 64 * 1024


# -- waitress, with a deadline for a whole request and counted refusals ---------------------------------------


class _LengthRequired(Error):
    code = 411
    reason = "Length Required"


class _Parser(HTTPRequestParser):
    """A chunked body (no declared length) is refused at once rather than read: 411."""

    def parse_header(self, header_plus: bytes) -> None:
        super().parse_header(header_plus)
        if getattr(self, "chunked", False):
            self.chunked = False
            self.body_rcv = None
            self.error = _LengthRequired("a Content-Length is required")


class _CountedError(ErrorTask):
    """waitress's own refusals (a bad or too large Content-Length, headers too large) counted like the app's."""

    def execute(self) -> None:
        error = self.request.error
        reason = {400: "bad Content-Length or malformed request", 413: "body too large", 431: "headers too large"}
        self.channel.server.refusals.count(reason.get(error.code, error.reason.lower()), f"from {self.channel.addr[0]}")
        super().execute()


class _Channel(HTTPChannel):
    parser_class = _Parser
    error_task_class = _CountedError

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.waiting_since: float | None = self.creation_time  # a new connection owes a request

    def received(self, data: bytes) -> bool:
        if data and self.request is None and self.waiting_since is None:
            self.waiting_since = time.time()
        done: bool = super().received(data)
        if self.request is None:
            self.waiting_since = None
        return done


class _Server(TcpWSGIServer):
    channel_class = _Channel

    def __init__(self, *args: Any, refusals: Refusals, read_timeout: float, **kwargs: Any) -> None:
        self.refusals, self.read_timeout = refusals, read_timeout
        super().__init__(*args, **kwargs)

    def maintenance(self, now: float) -> None:
        super().maintenance(now)  # idle connections
        for channel in list(self.active_channels.values()):
            since = getattr(channel, "waiting_since", None)
            if since is not None and not channel.requests and now - since > self.read_timeout:
                channel.will_close = True
                channel.waiting_since = None
                self.refusals.count(
                    f"stalled (no whole request within {self.read_timeout:g} s)", f"from {channel.addr[0]}"
                )
        self.refusals.flush()

    def readable(self) -> bool:
        was = self.in_connection_overflow
        ready: bool = super().readable()
        if self.in_connection_overflow and not was:
            self.refusals.count(f"waited: {self.adj.connection_limit:,} connections open (the limit)")
        return ready


@dataclass
class Listener:
    """An `App` served on host:port by waitress in a daemon thread until `close()`."""

    host: str
    port: int
    app: App
    limits: Limits = field(default_factory=Limits)
    fix: str = "pick another port or address"
    _map: dict[int, Any] = field(default_factory=dict)
    _thread: threading.Thread | None = None
    _servers: list[_Server] = field(default_factory=list)
    _dispatcher: ThreadedTaskDispatcher | None = None

    def start(self) -> Listener:
        limits = self.limits
        connections = _room_for(limits.connections)
        adj = Adjustments(
            host=self.host,
            port=self.port,
            threads=limits.threads,
            connection_limit=connections,
            channel_timeout=limits.idle_timeout,
            cleanup_interval=1,
            max_request_body_size=self.app.max_body + 1,  # waitress refuses a declared length >= this
            max_request_header_size=limits.header_bytes,
            asyncore_use_poll=True,  # select() stops at 1,024 descriptors
            log_socket_errors=False,  # a client that went away is not an error of ours
            expose_tracebacks=False,
            ident="cicd-agent",
        )
        self._dispatcher = ThreadedTaskDispatcher()
        self._dispatcher.set_thread_count(limits.threads)
        try:
            for info in adj.listen:
                self._servers.append(
                    _Server(
                        self.app,
                        self._map,
                        dispatcher=self._dispatcher,
                        adj=adj,
                        sockinfo=info,
                        refusals=self.app.refusals,
                        read_timeout=limits.read_timeout,
                    )
                )
        except OSError as exc:
            self._dispatcher.shutdown()
            close_all(self._map, ignore_all=True)
            where = f"{self.app.refusals.label} on {self.host}:{self.port}"
            raise AgentError(f"cannot serve {where}: {exc}", fix=self.fix) from None
        self.port = self._servers[0].effective_port
        self._thread = threading.Thread(target=self._serve, name=f"http:{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        loop(timeout=1.0, map=self._map, use_poll=True)

    def close(self) -> None:
        """Stop accepting, close every connection, stop the workers, log the last refusals."""
        if self._servers and self._thread is not None:
            try:
                self._servers[0].trigger.pull_trigger(lambda: close_all(self._map, ignore_all=True))
            except OSError:  # the wake-up pipe is already gone: close from here; the loop ends with its map empty
                close_all(self._map, ignore_all=True)
            self._thread.join(timeout=10)
        if self._dispatcher is not None:
            self._dispatcher.shutdown(timeout=5)
        self.app.refusals.flush(force=True)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def _room_for(connections: int) -> int:
    """`connections`, with the process's descriptor limit raised to fit them (else as many as it allows)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = connections + 64  # the listening sockets, the state database, git, the GitHub connections
    if soft != resource.RLIM_INFINITY and soft < wanted:
        target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return connections
    return max(1, min(connections, soft - 64))


def serve(
    name: str,
    host: str,
    port: int,
    routes: Iterable[Route],
    echo: Callable[[str], None],
    *,
    limits: Limits | None = None,
    fix: str = "pick another port or address",
) -> Listener:
    """Serve `routes` on host:port (port 0: any free port); refusals summarised through `echo` under `name`."""
    return Listener(host, port, App(routes, Refusals(echo, name)), limits or Limits(), fix).start()
