"""Prometheus metrics (text exposition) from the store and this process, and a tiny HTTP server for them."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cicd_agent import ops
from cicd_agent.breakers import Breakers
from cicd_agent.config import Config
from cicd_agent.store import Store


def _metric(name: str, kind: str, doc: str, samples: list[tuple[dict[str, str], float]]) -> list[str]:
    lines = [f"# HELP {name} {doc}", f"# TYPE {name} {kind}"]
    for labels, value in samples:
        rendered = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
        lines.append(f"{name}{{{rendered}}} {value:g}" if rendered else f"{name} {value:g}")
    return lines


def exposition(store: Store, config: Config, now: float, process: dict[str, Any] | None = None) -> str:
    """The metrics as Prometheus text. `process` adds what only a running watcher knows."""
    status = ops.status(Breakers(store, config), now)
    last = status["last_cycle"] or {}
    lines: list[str] = []
    lines += _metric(
        "cicd_agent_failures_seen_total",
        "counter",
        "Failed runs handled (each run attempt once).",
        [({}, status["failures_seen"])],
    )
    lines += _metric(
        "cicd_agent_duplicates_total",
        "counter",
        "Failed runs seen again within the dedup TTL.",
        [({}, status["duplicates"])],
    )
    lines += _metric(
        "cicd_agent_remediations",
        "gauge",
        "Remediations by state.",
        [({"state": k}, v) for k, v in sorted(status["remediations"].items())],
    )
    lines += _metric(
        "cicd_agent_breakers",
        "gauge",
        "Circuit breakers by state.",
        [({"state": k}, v) for k, v in sorted(status["breakers"].items())],
    )
    lines += _metric(
        "cicd_agent_pending_health_checks",
        "gauge",
        "Health checks not yet decided.",
        [({}, status["pending_health_checks"])],
    )
    lines += _metric(
        "cicd_agent_storms",
        "gauge",
        "Storm incidents (one failure in many repositories) by state.",
        [({"state": "active"}, len(status["storms"])), ({"state": "ended"}, status["storms_ended"])],
    )
    lines += _metric(
        "cicd_agent_storm_repositories",
        "gauge",
        "Repositories in active storm incidents.",
        [({}, sum(len(i["repos"]) for i in status["storms"]))],
    )
    lines += _metric(
        "cicd_agent_paused", "gauge", "1 while remediation is paused.", [({}, 1 if status["paused"] else 0)]
    )
    if last:
        lines += _metric(
            "cicd_agent_last_cycle_timestamp_seconds",
            "gauge",
            "When the last cycle ended.",
            [({}, float(last.get("at", 0)))],
        )
        lines += _metric(
            "cicd_agent_cycle_duration_seconds",
            "gauge",
            "How long the last cycle took.",
            [({}, float(last.get("duration", 0)))],
        )
    for name, value in sorted((process or {}).items()):
        lines += _metric(f"cicd_agent_{name}", "gauge", f"{name.replace('_', ' ')} (this process).", [({}, value)])
    return "\n".join(lines) + "\n"


def serve(port: int, render: Callable[[], str], alive: Callable[[], bool]) -> ThreadingHTTPServer:
    """`/metrics` and a liveness `/healthz` on 127.0.0.1:port, in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                status, body, kind = 200, render().encode(), "text/plain; version=0.0.4"
            elif self.path == "/healthz":
                ok = alive()
                status, body, kind = (200 if ok else 503), json.dumps({"alive": ok}).encode(), "application/json"
            else:
                status, body, kind = 404, b"not found\n", "text/plain"
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
