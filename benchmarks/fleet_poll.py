"""One polling cycle over a fleet: 1,000 repositories on a loopback GitHub that takes 50 ms per request.

    .venv/bin/python benchmarks/fleet_poll.py [--repos 1000] [--latency 0.05] [--pools 4,10]

For each pool size (`github.poll_concurrency`) the real CLI (`agent run`, in-process) runs three cycles on a
fresh state directory: the first (every repository answers 200: no ETag yet), an idle one (every repository
answers 304 to its ETag), and one where every repository answers 200 again (new ETags, as when the polling
window rolls over each day). Printed: the idle cycle against n x latency / pool size (target within 1.3x),
and the all-200 cycle against the idle one (target within 2x: no SQLite write per repository).

The loopback server is a minimal GitHub for this one request: the failed-run list of each repository, with an
ETag, a 304 when If-None-Match matches it, and the rate-limit headers; anything else is answered 404 and
counted (a cycle over idle repositories must ask nothing else).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import re
import socket
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.cli.main import invoke  # noqa: E402

RUNS = re.compile(r"^/repos/([^/]+/[^/?]+)/actions/runs\?")


class FleetGitHub:
    """`GET /repos/{owner}/{name}/actions/runs` for any repository, after `latency` seconds. With
    `points_per_minute`, GitHub's secondary limit: a request past that many in any 60 seconds is refused (403 with
    `retry-after`) and counted in `refused`. Requests are counted per token (`by_token`: one per host) and polls
    per repository (`polls`, with the time each repository was first polled the Nth time in `swept`)."""

    def __init__(self, latency: float, *, points_per_minute: int = 0) -> None:
        self.latency = latency
        self.points_per_minute = points_per_minute
        self.generation = 0
        self.answers: dict[int, int] = {}
        self.times: list[float] = []  # when each failed-run list was answered (time.monotonic())
        self.refused = 0
        self.by_token: dict[str, int] = {}
        self.polls: dict[str, int] = {}
        self.swept: list[float] = []  # when every repository had been polled once, twice, ...
        self.repos = 0  # how many repositories make a sweep (set by the caller)
        self.last_poll: tuple[float, str] = (0.0, "")  # when, and by which token
        self._recent: collections.deque[float] = collections.deque()
        self._reached: dict[int, int] = {}  # polls -> how many repositories were polled that often
        self.lock = threading.Lock()
        github = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self) -> None:
                super().setup()
                # headers and body leave in separate writes: without this, Nagle's algorithm and the client's
                # delayed ACK add about 40 ms to every answer (GitHub's servers do not)
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def do_GET(self) -> None:
                time.sleep(github.latency)
                token = self.headers.get("Authorization", "").rpartition(" ")[2]
                if not github.admit(token):
                    self._answer(
                        403, b'{"message": "You have exceeded a secondary rate limit."}', {"Retry-After": "60"}
                    )
                    return
                match = RUNS.match(self.path)
                if match is None:
                    self._answer(404, b'{"message": "Not Found"}', {})
                    return
                github.polled(match.group(1), token)
                etag = f'"{github.generation}-{match.group(1)}"'
                if self.headers.get("If-None-Match") == etag:
                    self._answer(304, b"", {"ETag": etag})
                else:
                    self._answer(200, b'{"total_count": 0, "workflow_runs": []}', {"ETag": etag})

            def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                with github.lock:
                    github.answers[status] = github.answers.get(status, 0) + 1
                    if status != 404:
                        github.times.append(time.monotonic())
                self.send_response(status)
                for key, value in {
                    **headers,
                    "Content-Type": "application/json; charset=utf-8",
                    "X-RateLimit-Limit": "5000",
                    "X-RateLimit-Remaining": "4999",
                    "X-RateLimit-Reset": str(int(time.time()) + 3600),
                }.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.request_queue_size = 128
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def admit(self, token: str) -> bool:
        """Count the request (one point: a read); False when it is past the secondary limit."""
        now = time.monotonic()
        with self.lock:
            self.by_token[token] = self.by_token.get(token, 0) + 1
            if not self.points_per_minute:
                return True
            while self._recent and self._recent[0] <= now - 60:
                self._recent.popleft()
            if len(self._recent) >= self.points_per_minute:
                self.refused += 1
                return False
            self._recent.append(now)
            return True

    def polled(self, repo: str, token: str) -> None:
        with self.lock:
            count = self.polls[repo] = self.polls.get(repo, 0) + 1
            self.last_poll = (time.monotonic(), token)
            if (
                self.repos
                and count > len(self.swept)
                and sum(1 for c in self.polls.values() if c >= count) == self.repos
            ):
                self.swept.append(time.monotonic())

    def rotate(self) -> None:
        """Every repository's list changes: the next poll of each is answered 200."""
        self.generation += 1

    def take_answers(self) -> dict[int, int]:
        with self.lock:
            answers, self.answers = self.answers, {}
        return answers


def cycle() -> float:
    out = io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        code = invoke(["run", "--json"])
    took = time.perf_counter() - started
    report = json.loads(out.getvalue())
    if code != 0 or report["errors"] or report["decisions"]:
        raise SystemExit(f"the cycle did not go as planned (exit {code}): {report['errors'][:3]}")
    return took


def measure(github: FleetGitHub, repos: int, pool: int) -> dict[str, float]:
    os.chdir(tempfile.mkdtemp(prefix="fleet-bench-"))
    names = "".join(f'[[repos]]\nname = "fleet/repo-{i:04d}"\n' for i in range(repos))
    Path("cicd-agent.toml").write_text(f"[github]\nwrite_interval = 0\npoll_concurrency = {pool}\n{names}")
    github.rotate()
    figures = {"first": cycle()}
    assert github.take_answers() == {200: repos}
    figures["idle"] = cycle()
    assert github.take_answers() == {304: repos}
    github.rotate()
    figures["all_200"] = cycle()
    assert github.take_answers() == {200: repos}
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--pools", default="4,10", help="pool sizes to measure (4 is the default)")
    args = parser.parse_args()
    github = FleetGitHub(args.latency)
    os.environ.update(GITHUB_API_URL=github.url, GITHUB_TOKEN="bench-token")
    print(f"{args.repos} repositories, {args.latency * 1000:g} ms per request")
    print("| pool size | n x latency / pool | idle cycle (all 304) | ratio (target <= 1.3) | all 200 | / idle (<= 2) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for pool in (int(p) for p in args.pools.split(",")):
        figures = measure(github, args.repos, pool)
        bound = args.repos * args.latency / pool
        idle, all_200 = figures["idle"], figures["all_200"]
        ratio = f"{idle / bound:.2f}" if bound else "-"
        print(
            f"| {pool} | {bound:.2f} s | {idle:.2f} s | {ratio} | {all_200:.2f} s | {all_200 / idle:.2f} |", flush=True
        )


if __name__ == "__main__":
    main()
