"""`agent run --watch`: a real process on a short schedule, stopped by SIGTERM and restarted with a
health check still pending in the store; metrics and liveness over HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import requests
from harness import free_port, wait_for

from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import install_scenarios
from cicd_agent.store import Store

CONFIG = """
[github]
write_interval = 0
[schedule]
poll_interval = 1
health_interval = 1
[health]
delay = 4
interval = 1
max_wait = "10m"
[[repos]]
name = "demo/format-check"
"""


def _states() -> list[str]:
    path = Path(".cicd-agent") / "state.db"
    if not path.exists():
        return []
    store = Store(path)
    try:
        return [r.state for r in store.remediations()]
    finally:
        store.close()


def _watch(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "run", "--watch", "--metrics-port", str(port)],
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_watch_survives_a_restart_with_a_pending_health_check(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path / "sandbox")
    install_scenarios(sandbox, ["format"])
    sandbox.serve(auto_ci=True)  # CI runs by itself, as on GitHub
    try:
        sandbox.settle()
        Path("cicd-agent.toml").write_text(CONFIG)
        os.environ.update(GITHUB_API_URL=sandbox.base_url, GITHUB_TOKEN=sandbox.token)
        port = free_port()
        first = _watch(port)
        wait_for(lambda: _states() == ["pr_open"], "the first watcher to open the fix")
        first.send_signal(signal.SIGTERM)
        out, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        assert out == "" and err.count("fix_opened") == 1  # each decision once, for people on stderr
        assert "SIGTERM" in err and "stopped" in err
        store = Store(Path(".cicd-agent") / "state.db")
        assert store.pending_health_checks() == 1
        store.close()

        second = _watch(port)
        try:
            wait_for(lambda: _states() == ["healthy"], "the restarted watcher to finish the health check")
            metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            assert 'cicd_agent_remediations{state="healthy"} 1.0' in metrics
            assert "cicd_agent_pending_health_checks 0.0" in metrics
            assert "# TYPE cicd_agent_failures_seen_total counter" in metrics
            health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=10)
            assert health.status_code == 200 and health.json()["healthy"] is True
        finally:
            second.send_signal(signal.SIGINT)
            second.communicate(timeout=60)
        assert second.returncode == 0
        assert len([i for i in sandbox.repo("demo/format-check").items.values() if i.is_pull]) == 1
    finally:
        sandbox.close()
        for name in ("GITHUB_API_URL", "GITHUB_TOKEN"):
            os.environ.pop(name, None)


def test_watch_json_is_json_lines_and_healthz_fails_after_failed_cycles(tmp_path: Path) -> None:
    from cicd_agent.sandbox.model import Fault

    sandbox = Sandbox(tmp_path / "sandbox")
    install_scenarios(sandbox, ["format"])
    sandbox.serve(auto_ci=True)
    sandbox.inject(Fault("GET", r"/actions/runs$", status=502, times=10_000))  # GitHub is down
    try:
        Path("cicd-agent.toml").write_text(
            CONFIG.replace("write_interval = 0", "write_interval = 0\nmax_retries = 0")
            + "[metrics]\nunhealthy_after = 2\n"
        )
        os.environ.update(GITHUB_API_URL=sandbox.base_url, GITHUB_TOKEN=sandbox.token)
        port = free_port()
        watcher = subprocess.Popen(
            [sys.executable, "-m", "cicd_agent", "run", "--watch", "--metrics-port", str(port), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:

            def unhealthy() -> bool:
                try:
                    return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 503
                except requests.ConnectionError:
                    return False

            wait_for(unhealthy, "/healthz to report the failed cycles")
            verdict = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()
            assert verdict["healthy"] is False and verdict["failed_cycles_in_a_row"] >= 2
            assert "failed cycles in a row" in verdict["reason"]
        finally:
            watcher.send_signal(signal.SIGTERM)
            out, err = watcher.communicate(timeout=60)
        assert watcher.returncode == 0, err
        reports = [json.loads(line) for line in out.splitlines()]  # JSON Lines: one document per line
        assert len(reports) >= 2 and all(
            set(r) == {"decisions", "idle_repos", "deferred", "errors", "paused", "held"} for r in reports
        )
        assert any("502" in e for r in reports for e in r["errors"])
        assert "Traceback" not in err
    finally:
        sandbox.close()
        for name in ("GITHUB_API_URL", "GITHUB_TOKEN"):
            os.environ.pop(name, None)


def test_a_quiet_watcher_says_an_outage_once_for_every_repository(tmp_path: Path) -> None:
    """GitHub answering 502 for three repositories, cycle after cycle: one line, the repositories counted."""
    from cicd_agent.sandbox.model import Fault

    sandbox = Sandbox(tmp_path / "sandbox")
    install_scenarios(sandbox, ["format", "unfixable", "transient"])
    sandbox.serve(auto_ci=True)
    sandbox.inject(Fault("GET", r"/actions/runs$", status=502, times=10_000))
    try:
        repos = "".join(f'[[repos]]\nname = "{r}"\n' for r in ("demo/failing-test", "demo/flaky-network"))
        Path("cicd-agent.toml").write_text(
            CONFIG.replace("write_interval = 0", "write_interval = 0\nmax_retries = 0") + repos
        )
        os.environ.update(GITHUB_API_URL=sandbox.base_url, GITHUB_TOKEN=sandbox.token)
        port = free_port()
        watcher = _watch(port)
        try:

            def cycles() -> float:
                try:
                    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
                except requests.ConnectionError:
                    return 0.0
                found = [line for line in text.splitlines() if line.startswith("cicd_agent_cycles_total ")]
                return float(found[0].split()[1]) if found else 0.0

            wait_for(lambda: cycles() >= 4, "four failed cycles")
        finally:
            watcher.send_signal(signal.SIGTERM)
            _, err = watcher.communicate(timeout=60)
        assert watcher.returncode == 0, err
        outage = [line for line in err.splitlines() if "502" in line]
        assert len(outage) == 1, err  # said once, not once per repository and cycle
        assert outage[0].startswith("error: 3 repositories (demo/format-check, demo/failing-test, demo/flaky-network)")
    finally:
        sandbox.close()
        for name in ("GITHUB_API_URL", "GITHUB_TOKEN"):
            os.environ.pop(name, None)
