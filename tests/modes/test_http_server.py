"""The HTTP server (`modes/server.py`) as an attacker meets it, over loopback sockets: lengths judged before any
body is read, stalled and slow clients cut off, a bounded number of connections, no traceback for a client
that leaves, refusals summarised rather than logged one by one."""

from __future__ import annotations

import logging
import socket
import time
from collections.abc import Iterator

import pytest
import requests
from harness import wait_for

from cicd_agent.modes import server
from cicd_agent.modes.server import Limits, Listener, Refusals, Request, Response, Route

CAP = 1000


def _echo(request: Request) -> Response:
    return Response.json(200, {"bytes": len(request.body)})


def _broken(request: Request) -> Response:
    raise ValueError("a bug with the token ghp_" + "x" * 36)


@pytest.fixture
def served() -> Iterator[tuple[Listener, list[str]]]:
    logged: list[str] = []
    routes = [Route("/in", _echo, "POST", max_body=CAP), Route("/page", _echo), Route("/broken", _broken)]
    limits = Limits(read_timeout=0.5, idle_timeout=1, connections=50)
    listener = server.serve("test", "127.0.0.1", 0, routes, logged.append, limits=limits)
    yield listener, logged
    listener.close()


def _connect(listener: Listener) -> socket.socket:
    return socket.create_connection(("127.0.0.1", listener.port), timeout=10)


def _answer(sock: socket.socket) -> bytes:
    """What the server says until it closes the connection or goes quiet."""
    data = b""
    sock.settimeout(10)
    try:
        while chunk := sock.recv(65536):
            data += chunk
            if b"\r\n\r\n" in data and b"Content-Length" in data:
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int(head.split(b"Content-Length: ")[1].split(b"\r\n")[0])
                if len(rest) >= length:
                    break
    except (ConnectionResetError, TimeoutError):
        pass
    return data


def _status(data: bytes) -> int:
    return int(data.split(b" ", 2)[1]) if data.startswith(b"HTTP/1.1 ") else 0


@pytest.mark.parametrize(
    ("length", "status"),
    [("-1", 400), ("abc", 400), ("1e3", 400), ("+5", 400), (str(CAP + 1), 413), (str(10**30), 413)],
)
def test_a_declared_length_is_judged_before_any_body_is_sent(
    served: tuple[Listener, list[str]], length: str, status: int
) -> None:
    listener, _ = served
    with _connect(listener) as sock:
        sock.sendall(f"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode())
        assert _status(_answer(sock)) == status  # no body sent: the answer came without waiting for one


def test_no_declared_length_is_411_and_a_chunked_body_is_not_read(served: tuple[Listener, list[str]]) -> None:
    listener, _ = served
    with _connect(listener) as sock:
        sock.sendall(b"POST /in HTTP/1.1\r\nHost: x\r\n\r\n")
        assert _status(_answer(sock)) == 411
    with _connect(listener) as sock:
        sock.sendall(b"POST /in HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffff\r\n")
        assert _status(_answer(sock)) == 411


def test_a_body_within_the_cap_is_read_whole(served: tuple[Listener, list[str]]) -> None:
    listener, _ = served
    assert requests.post(listener.url + "/in", data=b"x" * CAP, timeout=10).json() == {"bytes": CAP}
    assert requests.post(listener.url + "/page", data=b"x", timeout=10).status_code == 405
    assert requests.get(listener.url + "/page", data=b"x", timeout=10).status_code == 413  # a GET carries no body
    assert requests.get(listener.url + "/nowhere", timeout=10).status_code == 404


def test_a_stalled_request_and_a_slow_one_are_cut_off_after_the_read_timeout(
    served: tuple[Listener, list[str]],
) -> None:
    listener, _ = served
    silent, stalled, slow = _connect(listener), _connect(listener), _connect(listener)
    stalled.sendall(b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
    started = time.monotonic()
    slow_closed = False
    while time.monotonic() - started < 8 and not slow_closed:  # a byte every 0.2 s keeps it active, not alive
        try:
            slow.sendall(b"X")
        except OSError:
            slow_closed = True
        time.sleep(0.2)
    assert slow_closed
    for sock in (silent, stalled):
        assert _answer(sock) == b""  # closed without an answer
        sock.close()
    slow.close()
    assert listener.app.refusals.totals["stalled (no whole request within 0.5 s)"] == 3
    assert requests.post(listener.url + "/in", data=b"ok", timeout=10).status_code == 200  # still serving


def test_connections_are_bounded_and_the_ones_waiting_are_served_once_room_is_made() -> None:
    logged: list[str] = []
    limits = Limits(read_timeout=1.0, idle_timeout=1, connections=5)
    listener = server.serve("test", "127.0.0.1", 0, [Route("/in", _echo, "POST", CAP)], logged.append, limits=limits)
    try:
        room = listener._servers[0].adj.connection_limit
        stalled = [_connect(listener) for _ in range(room)]
        wait_for(lambda: listener.app.refusals.total() > 0, "the limit to be reached")
        started = time.monotonic()
        answer = requests.post(listener.url + "/in", data=b"ok", timeout=30)  # waits for a stalled one to be cut
        assert answer.status_code == 200 and time.monotonic() - started < 10
        for sock in stalled:
            sock.close()
    finally:
        listener.close()
    (summary,) = logged
    assert "connections open (the limit)" in summary and "stalled" in summary


def test_a_client_that_goes_away_costs_no_traceback(
    served: tuple[Listener, list[str]], caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    listener, logged = served
    caplog.set_level(logging.DEBUG)
    for _ in range(20):
        sock = _connect(listener)
        sock.sendall(b"POST /in HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + b"x" * 500)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")  # a reset
        sock.close()
    assert requests.post(listener.url + "/in", data=b"ok", timeout=10).status_code == 200
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err + caplog.text and not logged


def test_a_handler_error_is_a_500_and_one_redacted_line(served: tuple[Listener, list[str]]) -> None:
    listener, logged = served
    answer = requests.get(listener.url + "/broken", timeout=10)
    assert answer.status_code == 500 and "ghp_" not in answer.text
    (line,) = logged
    assert line.startswith("test: error answering /broken: ValueError: a bug with the token") and "ghp_x" not in line


def test_refusals_are_one_summary_line_per_interval() -> None:
    now = [0.0]
    logged: list[str] = []
    refusals = Refusals(logged.append, "webhook", every=60, clock=lambda: now[0])
    for _ in range(1000):
        refusals.count("bad or missing X-Hub-Signature-256", "delivery d-1 from 10.0.0.1")
    refusals.count("body too large", "from 10.0.0.2")
    refusals.flush()
    assert logged == []  # not yet a minute
    now[0] = 61.0
    refusals.flush()
    refusals.flush()
    assert logged == [
        "webhook: refused 1,001 requests in 61 s: 1,000 bad or missing X-Hub-Signature-256, 1 body too large "
        "(the last: from 10.0.0.2)"
    ]
    now[0] = 200.0
    refusals.flush(force=True)  # nothing new: nothing logged
    assert len(logged) == 1 and refusals.total() == 1001
