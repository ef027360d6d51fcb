"""Several hosts on one PostgreSQL, a fleet of repositories, a GitHub 50 ms away that enforces its secondary limit.

    .venv/bin/python benchmarks/fleet_hosts.py            # 1,000 repositories (a few minutes)
    .venv/bin/python benchmarks/fleet_hosts.py --full     # 20,000 repositories (about an hour)

Part 1, the fleet: `--hosts` agent processes (`agent run --watch`, default config: the request budget at 720
points a minute, the lease 30 s) share one real PostgreSQL (started here, as the tests start theirs) and poll a
loopback GitHub (`fleet_poll.FleetGitHub`) that takes `--latency` per request and refuses (403, retry-after) any
request past 900 in 60 seconds, as GitHub's secondary limit does. The fleet starts idle: every repository's
ETag is in the store already (a first sweep answered 200 costs the token's primary limit, 4,000 requests an
hour by default: 5 hours for 20,000 repositories, so it is not what is measured). Measured: two idle sweeps
(every repository answers 304) against the budget's bound (repositories / 720 a minute), the refusals (target
0), the requests of each host (one token per host), each host's memory (RSS), and, once the leader is killed
with SIGKILL, how long until another host polls again (the leader's takeover).

Part 2, one host: an idle cycle over `--single` repositories with the budget off, on SQLite and on PostgreSQL
(target: PostgreSQL within 1.5x of SQLite), so the store's own cost shows.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "tests"), str(ROOT / "benchmarks")]

import postgres  # noqa: E402
from fleet_poll import FleetGitHub, cycle  # noqa: E402

from cicd_agent.config.settings import StateConfig  # noqa: E402
from cicd_agent.remediation.poll import window_start  # noqa: E402
from cicd_agent.store import Store  # noqa: E402
from cicd_agent.store.postgres import PostgresBackend  # noqa: E402

GITHUB_POINTS = 900  # GitHub's secondary limit: points a minute (a read costs 1)
BUDGET_POINTS = 720  # the agent's default budget


def fleet_config(repos: int, extra: str = "") -> str:
    names = "".join(f'[[repos]]\nname = "fleet/repo-{i:05d}"\n' for i in range(repos))
    return f"[github]\nwrite_interval = 0\n[schedule]\npoll_interval = 1\n{extra}{names}"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_for(what: str, condition: object, within: float) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise SystemExit(f"gave up after {within:g}s waiting for {what}")


def seed_cursors(url: str, repos: int, generation: int) -> None:
    """Every repository's ETag as a sweep would have stored it (`FleetGitHub` answers 304 to it)."""
    since, _ = window_start(time.time(), StateConfig().dedup_ttl)
    store = Store(PostgresBackend(url))
    cursors = [(name, f'"{generation}-{name}"', since) for name in (f"fleet/repo-{i:05d}" for i in range(repos))]
    store.set_cursors(cursors, now=time.time())
    store.close()


def fleet(server: postgres.Server, args: argparse.Namespace, work: Path) -> None:
    github = FleetGitHub(args.latency, points_per_minute=GITHUB_POINTS)
    github.repos = args.repos
    github.rotate()
    url = server.database()
    seed_cursors(url, args.repos, github.generation)
    (work / "cicd-agent.toml").write_text(fleet_config(args.repos))
    bound = args.repos / BUDGET_POINTS * 60
    print(f"## {args.hosts} hosts, {args.repos} repositories, {args.latency * 1000:g} ms a request, one PostgreSQL")
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = []
    for n in range(args.hosts):
        token = f"host-{n}"
        log = (work / f"{token}.log").open("wb")
        logs.append(log)
        env = {**os.environ, "GITHUB_API_URL": github.url, "GITHUB_TOKEN": token, "CICD_AGENT_STATE_URL": url}
        procs[token] = subprocess.Popen(
            [sys.executable, "-m", "cicd_agent", "run", "--watch"],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    started = time.monotonic()
    try:
        wait_for("the first sweep", lambda: len(github.swept) >= 1, within=bound * 3 + 120)
        wait_for("the second sweep", lambda: len(github.swept) >= 2, within=bound * 3 + 120)
        first, idle = github.swept[0] - started, github.swept[1] - github.swept[0]
        answers = github.take_answers()
        requests = dict(sorted(github.by_token.items()))
        memory = {token: rss_mib(proc.pid) for token, proc in procs.items()}
        leader = github.last_poll[1]
        print(f"- first idle sweep (all 304): {first:.1f} s from the hosts' start")
        print(f"- second idle sweep: {idle:.1f} s; the budget's bound {bound:.1f} s ({BUDGET_POINTS} a minute)")
        print(f"- answers: {answers}; secondary-limit refusals: {github.refused}")
        print(f"- requests per host: {requests}")
        print(f"- memory per host (RSS): {', '.join(f'{t} {m:.0f} MiB' for t, m in memory.items())}")
        os.killpg(procs[leader].pid, signal.SIGKILL)
        killed = time.monotonic()
        procs.pop(leader).wait(30)
        wait_for(
            "another host to poll",
            lambda: github.last_poll[0] > killed and github.last_poll[1] != leader,
            within=300,
        )
        when, by = github.last_poll
        print(f"- leader {leader} killed (SIGKILL): {by} polled {when - killed:.1f} s later")
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs.values():
            proc.wait(60)
        for log in logs:
            log.close()


def single_host(server: postgres.Server, args: argparse.Namespace, work: Path) -> None:
    print(f"## one host, {args.single} repositories, budget off: SQLite vs PostgreSQL (idle cycle, median of 3)")
    print("| latency | SQLite | PostgreSQL | ratio (target <= 1.5) |")
    print("|---:|---:|---:|---:|")
    for latency in (args.latency, 0.0):
        github = FleetGitHub(latency)
        os.environ.update(GITHUB_API_URL=github.url, GITHUB_TOKEN="single")
        figures = []
        for url in ("", server.database()):
            os.chdir(tempfile.mkdtemp(prefix="single-", dir=work))
            budget_off = "[budget]\nin_flight = 0\npoints_per_minute = 0\nrequests_per_hour = 0\n"
            Path("cicd-agent.toml").write_text(fleet_config(args.single, budget_off))
            if url:
                os.environ["CICD_AGENT_STATE_URL"] = url
            else:
                os.environ.pop("CICD_AGENT_STATE_URL", None)
            github.rotate()
            cycle()  # every repository answers 200: the ETags are stored
            figures.append(sorted(cycle() for _ in range(3))[1])
        os.environ.pop("CICD_AGENT_STATE_URL", None)
        sqlite, pg = figures
        print(f"| {latency * 1000:g} ms | {sqlite:.2f} s | {pg:.2f} s | {pg / sqlite:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--full", action="store_true", help="20,000 repositories")
    parser.add_argument("--hosts", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds per request")
    parser.add_argument("--single", type=int, default=1000, help="repositories of the one-host comparison")
    args = parser.parse_args()
    if args.full:
        args.repos = 20000
    why = postgres.unavailable()
    if why:
        raise SystemExit(why)
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    server = postgres.start()
    work = Path(tempfile.mkdtemp(prefix="fleet-hosts-"))
    try:
        fleet(server, args, work)
        single_host(server, args, work)
    finally:
        server.stop()
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
