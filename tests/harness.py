"""What tests drive the agent with: the CLI runner's result, and the end-to-end loop over the sandbox."""

from __future__ import annotations

import base64
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from cicd_agent.config.parse import load_config
from cicd_agent.effects.gateway import Effects
from cicd_agent.effects.notify import Notifier
from cicd_agent.github.client import GitHubClient
from cicd_agent.modes.demo import DEMO_SETTINGS, host_actions
from cicd_agent.modes.wiring import build_ports
from cicd_agent.remediation.context import Ports
from cicd_agent.sandbox import Sandbox
from cicd_agent.sandbox.scenarios import SCENARIOS, install_scenarios
from cicd_agent.store import MIGRATIONS, Store
from cicd_agent.store.backend import Backend


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


Agent = Callable[..., Result]  # agent("run", "--json") -> Result
OpenStore = Callable[[], Store]  # one more connection to the test's store (conftest's `new_store`), as a host


# the demo's settings (no waiting, workflow edits allowed), failing fast on outages, a killed cycle's claims taken
# over at once (one agent at a time), a request budget no test reaches (tests/e2e/test_budget.py holds to a small
# one); `extra` lands in [policy]
SETTINGS = (
    "[state]\nlease = 0\n"
    "[budget]\npoints_per_minute = 60000\ncreations_per_minute = 6000\ncreations_per_hour = 60000\n"
    + DEMO_SETTINGS.replace("write_interval = 0\n", "write_interval = 0\nmax_retries = 1\n")
    + "{extra}\n"
)


# A configured command fixer for the bad-fix scenario that tries a different change each time, every one broken
# (it pins the broken package with a fresh comment): a failure whose fixes keep failing, so its breaker counts
# each. The built-in fixer proposes the same change every time, and a change once rolled back is never proposed
# again for the same failure.
FLAILING = (
    '[[rules]]\nname = "flailing"\ncategory = "dependency.missing-module"\nstrategy = "fix"\npriority = 1\n'
    f'command = [{json.dumps(sys.executable)}, "-c", '
    "\"import time; open('requirements.txt', 'a').write(f'notarealpkg==1.0  # try {time.time_ns()}\\\\n')\"]\n"
)


class Loop:
    def __init__(self, sandbox: Sandbox, agent: Agent) -> None:
        self.sandbox = sandbox
        self.agent = agent
        self.repos: list[str] = []

    def setup(self, *names: str, extra: str = "") -> None:
        install_scenarios(self.sandbox, list(names))
        host_actions(self.sandbox, list(names))
        self.repos = [s.repo for s in SCENARIOS if s.name in names]
        self.configure(extra)
        self.sandbox.settle()

    def setup_repo(self, name: str, files: dict[str, bytes], *, extra: str = "") -> None:
        """A repository of the test's own (not a scenario), watched on main, its first CI settled. Its CI can
        install the scenarios' stub packages (`$SANDBOX_WHEELHOUSE`, also the package index)."""
        install_scenarios(self.sandbox, [])
        self.sandbox.add_repo(name, files)
        self.repos = [name]
        self.configure(extra)
        self.sandbox.settle()

    def configure(self, extra: str = "") -> None:
        """The config file: the test settings (`extra` lands in [policy], or opens sections of its own) and
        every repository in `self.repos`."""
        repos = "".join(f'[[repos]]\nname = "{r}"\nbranches = ["main"]\n' for r in self.repos)
        Path("cicd-agent.toml").write_text(SETTINGS.format(extra=extra) + repos)

    def edit_config(self, old: str, new: str) -> None:
        path = Path("cicd-agent.toml")
        text = path.read_text()
        assert old in text, f"{old!r} is not in the config"
        path.write_text(text.replace(old, new))

    def fail_on(self, repo: str, branch: str) -> int:
        """The failure of main on another branch too (a copy of main, watched): its run's id."""
        self.edit_config('branches = ["main"]', f'branches = ["main", "{branch}"]')
        bare = self.sandbox.repo(repo).bare
        bare.update_branch(branch, bare.branches()["main"])
        self.sandbox.settle()
        return next(r.id for r in self.sandbox.repo(repo).runs if r.branch == branch)

    def cycle(self, *args: str) -> dict[str, Any]:
        result = self.agent("run", "--json", *args)
        assert result.code in (0, 1), result.err
        data: dict[str, Any] = json.loads(result.out)
        return data

    def decisions(self, *args: str) -> list[str]:
        return [d["decision"] for d in self.cycle(*args)["decisions"]]

    def api(self, method: str, path: str, body: Any = None, *, token: str | None = None) -> Any:
        """A REST call as the agent's account, or as the person whose `token` (`Sandbox.add_person`) is given."""
        response = requests.request(
            method,
            self.sandbox.base_url + path,
            json=body,
            timeout=10,
            headers={"Authorization": f"token {token or self.sandbox.token}"},
        )
        assert response.status_code < 400, response.text
        return response.json() if response.content else None

    def commit(self, repo: str, path: str = "NOTES.md", text: str = "notes\n") -> None:
        """A person's unrelated commit on main, its CI settled: a failure on main happens again."""
        body = {"message": "unrelated change", "content": base64.b64encode(text.encode()).decode(), "branch": "main"}
        found = requests.get(
            f"{self.sandbox.base_url}/repos/{repo}/contents/{path}?ref=main",
            headers={"Authorization": f"token {self.sandbox.token}"},
            timeout=10,
        )
        if found.ok:
            body["sha"] = found.json()["sha"]
        self.api("PUT", f"/repos/{repo}/contents/{path}", body)
        self.sandbox.settle()

    def store(self) -> Store:
        return Store(Path(".cicd-agent") / "state.db")

    def ports(self, store: Store, now: Callable[[], float] = time.time) -> Ports:
        """The ports a cycle gets, in this process: the config file, the sandbox as the agent, `store`."""
        github = GitHubClient(self.sandbox.base_url, self.sandbox.token, seconds_between_writes=0)
        return build_ports(
            load_config("cicd-agent.toml"),
            github,
            Effects(github, notifier=Notifier([])),
            store,
            state_dir=Path(".cicd-agent"),
            token=self.sandbox.token,
            echo=lambda message: None,
            now=now,
        )

    def pulls(self, repo: str, state: str = "all") -> list[dict[str, Any]]:
        return list(self.api("GET", f"/repos/{repo}/pulls?state={state}"))

    def unexplained_branches(self) -> list[str]:
        """The agent's branches (`cicd-agent/...`) that nothing on GitHub explains: no pull request from them and
        no issue, pull request or comment of the agent's naming them. Read from the sandbox's own refs."""
        agent = self.sandbox.agent.login
        found = []
        for repo in self.sandbox.repos.values():
            items = list(repo.items.values())
            said = [i.body or "" for i in items if i.user.login == agent]
            said += [c.body for i in items for c in i.comments if c.author.login == agent]
            for branch in repo.bare.branches():
                if not branch.startswith("cicd-agent/"):
                    continue
                if any(i.is_pull and i.head == branch for i in items) or any(branch in text for text in said):
                    continue
                found.append(f"{repo.full_name}:{branch}")
        return found


class Inbox:
    """A loopback HTTP endpoint that records every POST (notification webhooks, GitHub webhook deliveries)."""

    def __init__(self, status: int = 200) -> None:
        self.posts: list[tuple[str, dict[str, str], bytes]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                inbox.posts.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def json(self) -> list[Any]:
        return [json.loads(body) for _, _, body in self.posts]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
    """Until `condition()` holds (a real process's progress); fails after `seconds` saying what it waited for."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


WEBHOOK_SECRET = "webhook-secret-for-tests"


def read_state(state_dir: Path, what: Callable[[Store], Any]) -> Any:
    """Something read from a running agent's state database (None before it exists)."""
    if not (state_dir / "state.db").exists():
        return None
    store = Store(state_dir / "state.db")
    try:
        return what(store)
    finally:
        store.close()


class AgentServer:
    """`agent serve` as a real process in its own directory, against a sandbox: its port is chosen at once (so the
    sandbox can deliver to it before it runs), `start` waits until it listens and its first cycle ended."""

    def __init__(
        self,
        root: Path,
        sandbox: Sandbox,
        config: str,
        *,
        env: dict[str, str] | None = None,
        token: bool = True,
        metrics: bool = False,
        args: tuple[str, ...] = (),
    ) -> None:
        """`args` go after `serve --port PORT` (`{port}` in them is that port)."""
        self.root = root
        self.sandbox = sandbox
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/webhook"
        self.metrics_port = free_port() if metrics else None
        self.args = [a.format(port=self.port) for a in args]
        self.secret = WEBHOOK_SECRET
        root.mkdir()
        (root / "cicd-agent.toml").write_text(config)
        self.env = {
            **os.environ,
            "GITHUB_API_URL": sandbox.base_url,
            "CICD_AGENT_WEBHOOK_SECRET": self.secret,
            **({"GITHUB_TOKEN": sandbox.token} if token else {}),
            **(env or {}),
        }
        self.process: subprocess.Popen[str] | None = None

    @property
    def state(self) -> Path:
        return self.root / ".cicd-agent"

    def start(self) -> AgentServer:
        metrics = ["--metrics-port", str(self.metrics_port)] if self.metrics_port else []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "cicd_agent", "serve", "--port", str(self.port), *metrics, *self.args],
            cwd=self.root,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        before = read_state(self.state, lambda s: s.get_meta("last_cycle"))
        wait_for(self._listening, "the receiver to listen")
        wait_for(lambda: read_state(self.state, lambda s: s.get_meta("last_cycle")) != before, "the first cycle")
        return self

    def _listening(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            raise AssertionError(f"agent serve exited {self.process.returncode}: {self.process.communicate()[1]}")
        try:
            return requests.get(self.url, timeout=1).status_code == 405
        except requests.RequestException:
            return False

    def metric(self, name: str) -> float | None:
        """One sample of its `/metrics` (None when absent)."""
        text = requests.get(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).text
        found = [line.split()[-1] for line in text.splitlines() if line.split(" ")[0] == name]
        return float(found[0]) if found else None

    def stop(self) -> tuple[str, str]:
        """SIGTERM, and its stdout and stderr once it exited (0, or the test fails)."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        out, err = self.process.communicate(timeout=60)
        assert self.process.returncode == 0, err
        self.process = None
        return out, err


def database_before(new_store: OpenStore, migration: str) -> Backend:
    """A state database (of the test's backend) as it was before `migration`: the earlier ones applied and
    recorded, through the backend itself (no `Store`, which would apply them all)."""
    probe = new_store()
    db = probe.sql.reopen()
    with db.transaction():
        for table in db.tables():
            db.execute(f"DROP TABLE {table}")
        db.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT)")
        for name, migrate in MIGRATIONS[: [n for n, _ in MIGRATIONS].index(migration)]:
            migrate(db)
            db.insert("_migrations", {"name": name, "applied_at": "then"})
    return db
