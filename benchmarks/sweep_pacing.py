"""Polling as a burst or as a paced sweep: when the failed-run list requests of a fleet reach GitHub.

    .venv/bin/python benchmarks/sweep_pacing.py [--repos 300] [--interval 60] [--latency 0.05]

On the loopback GitHub of `fleet_poll.py` (any repository's failed-run list, after `latency` seconds): one
`agent run` cycle (every repository at once, on the polling pool), then `agent serve` with `poll_interval =
interval` for one interval (webhooks lead: each repository polled at its own moment). Printed for each: the
requests, the seconds from the first to the last, the most in any one second, and the even rate (repos /
interval) the sweep aims at. The sweep ticks once a second, so a window of one second can hold two ticks'
batches.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "benchmarks")]

from fleet_poll import FleetGitHub  # noqa: E402

from cicd_agent.cli.main import invoke  # noqa: E402


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def peak(times: list[float], window: float) -> int:
    """The most requests in any window of `window` seconds."""
    times = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(times):
        while at - times[start] >= window:
            start += 1
        most = max(most, end - start + 1)
    return most


def burst(github: FleetGitHub) -> list[float]:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        code = invoke(["run"])
    if code != 0:
        raise SystemExit(f"agent run exited {code}")
    return github.times


def sweep(github: FleetGitHub, interval: float) -> list[float]:
    env = {**os.environ, "CICD_AGENT_WEBHOOK_SECRET": "bench-secret"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "serve", "--port", str(free_port())],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + interval + 30
    while not github.times and time.monotonic() < deadline:  # the first poll: the sweep has started
        time.sleep(0.05)
    time.sleep(interval)  # one whole round
    serve.send_signal(signal.SIGTERM)
    _, err = serve.communicate(timeout=120)
    if serve.returncode != 0:
        raise SystemExit(f"agent serve exited {serve.returncode}: {err[-2000:]}")
    return github.times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--interval", type=float, default=60.0, help="poll_interval, seconds")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    args = parser.parse_args()
    github = FleetGitHub(args.latency)
    os.environ.update(GITHUB_API_URL=github.url, GITHUB_TOKEN="bench-token")
    os.chdir(tempfile.mkdtemp(prefix="sweep-bench-"))
    names = "".join(f'[[repos]]\nname = "fleet/repo-{i:04d}"\n' for i in range(args.repos))
    Path("cicd-agent.toml").write_text(
        "[github]\nwrite_interval = 0\n"
        f'[schedule]\npoll_interval = {args.interval:g}\nhealth_interval = "1h"\n'
        f"[webhook]\nredeliver_window = 0\n{names}"
    )
    print(f"{args.repos} repositories, poll_interval {args.interval:g} s, {args.latency * 1000:g} ms per request")
    print("| polling | requests | first to last | most in any 1 s | most in any 10 s | even rate |")
    print("|---|---:|---:|---:|---:|---:|")
    even = f"{args.repos / args.interval:.1f}/s"
    for name, measure in (("agent run (burst)", burst), ("agent serve (sweep)", lambda g: sweep(g, args.interval))):
        github.rotate()
        github.times = []
        times = measure(github)
        span = max(times) - min(times) if times else 0.0
        print(f"| {name} | {len(times)} | {span:.1f} s | {peak(times, 1)} | {peak(times, 10)} | {even} |", flush=True)


if __name__ == "__main__":
    main()
