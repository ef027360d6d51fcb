"""`agent serve` under a flood of bad requests, on loopback: how fast valid deliveries are answered and how much
memory the process takes while 1,000 stalled connections and 100 oversized requests arrive (issue 20).

    .venv/bin/python benchmarks/webhook_flood.py [--stalled 1000] [--oversized 100] [--seconds 20]
    .venv/bin/python benchmarks/webhook_flood.py --source /work/main   # the same flood against another checkout

A real `agent serve` process (its own sandbox GitHub, polling once an hour) is started; then, all at once:
- `--stalled` connections that send part of a request's headers and stop (half of them then send one more
  byte a second, which an idle timeout alone never cuts off);
- `--oversized` requests streaming a body bigger than GitHub's 25 MiB cap: half declare it (26 MiB), half
  declare `Content-Length: -1`; each sends at most 40 MiB and stops when the server closes;
- a signed `ping` delivery every 0.25 s for `--seconds`, each timed (GitHub gives a receiver 10 s).
The process's resident memory is sampled every 0.2 s. Everything stops by itself after `--seconds` (plus a
10 s grace for the last answers) and only loopback is used.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import hmac
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cicd_agent.sandbox import Sandbox  # noqa: E402
from cicd_agent.sandbox.scenarios import install_scenarios  # noqa: E402

SECRET = "flood-benchmark-secret"
MIB = 1024 * 1024


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def threads_of(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def start_agent(work: Path, source: Path, port: int, sandbox: Sandbox) -> subprocess.Popen[str]:
    (work / "cicd-agent.toml").write_text(
        '[schedule]\npoll_interval = "1h"\nhealth_interval = "1h"\n'
        '[[repos]]\nname = "demo/failing-test"\nbranches = ["main"]\n'
    )
    env = {
        **os.environ,
        "PYTHONPATH": str(source),
        "GITHUB_API_URL": sandbox.base_url,
        "GITHUB_TOKEN": sandbox.token,
        "CICD_AGENT_WEBHOOK_SECRET": SECRET,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cicd_agent", "serve", "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_listening(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"the agent did not listen on {url}")


def stall(port: int, count: int, stop: threading.Event) -> tuple[int, list[socket.socket]]:
    """`count` connections with half a request's headers; half of them trickle a byte a second afterwards."""
    opened: list[socket.socket] = []
    for _ in range(count):
        try:
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\nX-Slow: ")
            sock.setblocking(False)
            opened.append(sock)
        except OSError:
            pass

    def trickle() -> None:
        while not stop.wait(1.0):
            for sock in opened[::2]:
                with contextlib.suppress(OSError):
                    sock.send(b"a")

    threading.Thread(target=trickle, daemon=True).start()
    return len(opened), opened


def oversized(port: int, declared: str, cut: list[int]) -> None:
    """A body past the cap, 1 MiB at a time, until the server closes (or 40 MiB went)."""
    chunk = b"x" * MIB
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(f"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: {declared}\r\n\r\n".encode())
            for _ in range(40):
                sock.sendall(chunk)
    except OSError:
        cut.append(1)  # the server stopped reading and closed: the rest was never taken


def deliveries(url: str, seconds: float) -> list[tuple[float, int]]:
    """A signed ping every 0.25 s for `seconds`: (answer time, status); status 0 for no answer within 10 s."""
    body = json.dumps({"zen": "Keep it logically awesome.", "hook_id": 1}).encode()
    headers = {
        "X-GitHub-Event": "ping",
        "X-Hub-Signature-256": "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest(),
        "Content-Type": "application/json",
    }
    answers: list[tuple[float, int]] = []
    end = time.monotonic() + seconds
    n = 0
    while time.monotonic() < end:
        n += 1
        started = time.perf_counter()
        try:
            status = requests.post(url, data=body, headers={**headers, "X-GitHub-Delivery": f"d-{n}"}, timeout=10)
            answers.append((time.perf_counter() - started, status.status_code))
        except requests.RequestException:
            answers.append((time.perf_counter() - started, 0))
        time.sleep(max(0.0, 0.25 - (time.perf_counter() - started)))
    return answers


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stalled", type=int, default=1000)
    parser.add_argument("--oversized", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--source", type=Path, default=ROOT, help="the checkout whose agent is run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="webhook-flood-") as tmp:
        sandbox = Sandbox(Path(tmp) / "sandbox")
        install_scenarios(sandbox, ["unfixable"])
        sandbox.serve(auto_ci=False)
        port = free_port()
        work = Path(tmp) / "agent"
        work.mkdir()
        agent = start_agent(work, args.source, port, sandbox)
        url = f"http://127.0.0.1:{port}/webhook"
        samples: list[float] = []
        thread_counts: list[int] = []
        stop = threading.Event()
        try:
            wait_listening(url)
            time.sleep(1.0)
            idle = deliveries(url, 3.0)
            base = rss_mib(agent.pid)

            def sample() -> None:
                while not stop.wait(0.2):
                    samples.append(rss_mib(agent.pid))
                    thread_counts.append(threads_of(agent.pid))

            threading.Thread(target=sample, daemon=True).start()
            held, sockets = stall(port, args.stalled, stop)
            cut: list[int] = []
            senders = [
                threading.Thread(target=oversized, args=(port, str(26 * MIB) if i % 2 else "-1", cut), daemon=True)
                for i in range(args.oversized)
            ]
            for sender in senders:
                sender.start()
            flooded = deliveries(url, args.seconds)
            for sender in senders:
                sender.join(timeout=10)
            still_open = sum(1 for s in sockets if _open(s))
        finally:
            stop.set()
            agent.send_signal(signal.SIGTERM)
            try:
                _, err = agent.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                agent.kill()
                _, err = agent.communicate()
            sandbox.close()
    _report(args, base, samples, thread_counts, idle, flooded, held, still_open, len(cut), err)


def _open(sock: socket.socket) -> bool:
    """Whether the server still holds this stalled connection (it has neither closed nor answered it)."""
    try:
        return sock.recv(4096) == b"" and False
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.close()


def _report(
    args: argparse.Namespace,
    base: float,
    samples: list[float],
    thread_counts: list[int],
    idle: list[tuple[float, int]],
    flooded: list[tuple[float, int]],
    held: int,
    still_open: int,
    cut: int,
    err: str,
) -> None:
    def times(answers: list[tuple[float, int]]) -> str:
        taken = sorted(t for t, _ in answers)
        p95 = taken[int(len(taken) * 0.95) - 1] if len(taken) >= 20 else taken[-1]
        ok = sum(1 for _, status in answers if status == 200)
        late = sum(1 for t, status in answers if status != 200 or t > 10)
        return (
            f"{ok}/{len(answers)} answered 200, median {statistics.median(taken) * 1000:.0f} ms, "
            f"p95 {p95 * 1000:.0f} ms, slowest {taken[-1] * 1000:.0f} ms, {late} failed or over 10 s"
        )

    print(f"source: {args.source}; machine load (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"before the flood: {times(idle)}; {base:.0f} MiB resident")
    print(
        f"flood: {held} stalled connections opened (half trickling a byte a second), {args.oversized} oversized "
        f"requests (half 26 MiB declared, half Content-Length -1; {cut} cut off by the server before 40 MiB)"
    )
    print(f"during the flood: {times(flooded)}")
    if samples:
        print(f"memory during the flood: peak {max(samples):.0f} MiB resident (+{max(samples) - base:.0f} MiB)")
        print(f"threads during the flood: peak {max(thread_counts)}")
    print(f"stalled connections still open at the end: {still_open} of {held}")
    lines = err.splitlines()
    print(f"agent stderr: {len(lines)} lines, {sum('Traceback' in line for line in lines)} tracebacks")
    for line in [line for line in lines if "refused" in line][:3]:
        print(f"  {line[:300]}")


if __name__ == "__main__":
    main()
