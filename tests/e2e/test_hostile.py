"""Hostile strings through every place the agent writes: 0 pings, 0 injections, 0 executions.

Two sandbox repositories whose workflow, job and step names, branch and job log carry mentions, team
mentions, HTML, Markdown links and images, workflow commands, shell metacharacters, terminal escape
sequences (CSI, OSC, DCS), control characters, NUL, invalid UTF-8 and a forged metadata block. One failure is
fixed (a pull request, its rollback and the notifications that follow), the other reported (an issue) and
handled in the Action mode (job summary, outputs, workflow commands). Then everything the agent wrote is
checked: Markdown on GitHub as GitHub would render it, titles, chat payloads, workflow command output, every
terminal line, and the file system for traces of execution.
"""

from __future__ import annotations

import json
import os
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import hostile
import pytest
from harness import SETTINGS, Loop, Result

from cicd_agent.modes.demo import demo_index
from cicd_agent.sandbox.scenarios import INSTALL, install_scenarios
from cicd_agent.text import read_metadata

BRANCH = (
    "feat/@octocat/<img_src=x_onerror=alert(1)>/$(touch${IFS}pwned)/`touch${IFS}pwned2`;x|y&z#1/\"q'@org/team"
    "/\u202egnp.exe\u2066\u200f\u061c\ufeff\u200b"
)
NAME = hostile.yaml_name(hostile.NAME)


def _workflow(steps: str) -> bytes:
    return (
        f"name: {NAME}\n"
        "on:\n  push:\n    branches: ['**']\n"
        "permissions:\n  contents: read\n"
        f"jobs:\n  test:\n    name: {NAME}\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v4\n" + steps
    ).encode()


FIXABLE = {  # the bad-fix scenario (its fix fails: a rollback, then notifications), with hostile names and log
    "app/__init__.py": b"import notarealpkg\n\nVERSION = notarealpkg.__name__\n",
    "requirements.txt": b"sandbox-greeting==1.0\n",
    "hostile.log": hostile.log_bytes(),
    ".github/workflows/ci.yml": _workflow(
        INSTALL.replace("      - name: Import the package\n", f"      - name: {NAME}\n").replace(
            "run: PYTHONPATH", "run: cat hostile.log && PYTHONPATH"
        )
    ),
}
REPORTED = {
    "hostile.log": hostile.log_bytes(),
    ".github/workflows/ci.yml": _workflow(
        f"      - name: {NAME}\n        run: |\n"
        "          cat hostile.log\n          echo 'AssertionError: 2 != 4'\n          exit 1\n"
    ),
}


class Inbox:
    """A chat and webhook endpoint on loopback: every notification payload the agent posts."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                inbox.received.append((self.path, json.loads(self.rfile.read(length))))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, format: str, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    box = Inbox()
    yield box
    box.close()


def _setup(loop: Loop, inbox: Inbox, monkeypatch: pytest.MonkeyPatch) -> None:
    install_scenarios(loop.sandbox, [])  # the wheelhouse the install step uses,
    demo_index(loop.sandbox)  # which is also the package index the fixer looks names up in
    for name, files in (("evil/fixable", FIXABLE), ("evil/reported", REPORTED)):
        repo = loop.sandbox.add_repo(name, files)
        repo.bare.update_branch(BRANCH, repo.bare.branches()["main"])
    loop.sandbox.settle()
    monkeypatch.setenv("HOSTILE_SLACK_URL", inbox.url + "/slack")
    monkeypatch.setenv("HOSTILE_TELEGRAM", "4242:chat-bot")
    repos = "".join(f'[[repos]]\nname = "{r}"\nbranches = ["feat/*"]\n' for r in ("evil/fixable", "evil/reported"))
    notifications = (
        '[notifications]\nslack_webhook_env = "HOSTILE_SLACK_URL"\ntelegram_token_env = "HOSTILE_TELEGRAM"\n'
        f'telegram_chat_id = "42"\ntelegram_api_url = "{inbox.url}/telegram"\nwebhook_url = "{inbox.url}/hook"\n'
        'events = ["breaker_opened", "rollback", "rollback_partial", "fix_healthy"]\n'
    )
    Path("cicd-agent.toml").write_text(SETTINGS.format(extra="") + repos + notifications)


def _action_step(loop: Loop, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Result, str, str]:
    """The Action mode on a GitHub runner for the reported failure: its console, job summary and outputs."""
    run = next(r for r in loop.sandbox.repo("evil/reported").runs if r.branch == BRANCH)
    event = tmp_path / "event.json"
    payload = {
        "action": "completed",
        "workflow_run": loop.api("GET", f"/repos/evil/reported/actions/runs/{run.id}"),
        "repository": loop.api("GET", "/repos/evil/reported"),
    }
    event.write_text(json.dumps(payload))
    summary, outputs = tmp_path / "summary.md", tmp_path / "outputs"
    for key, value in (("GITHUB_ACTIONS", "true"), ("GITHUB_STEP_SUMMARY", summary), ("GITHUB_OUTPUT", outputs)):
        monkeypatch.setenv(key, str(value))
    result = loop.agent("--state-dir", str(tmp_path / "runner"), "run", "--event", str(event))
    for key in ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_OUTPUT"):
        monkeypatch.delenv(key)
    return result, summary.read_text(), outputs.read_text()


def test_hostile_strings_ping_nobody_inject_nothing_execute_nothing(
    loop: Loop, inbox: Inbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _setup(loop, inbox, monkeypatch)
    consoles: dict[str, Result] = {}

    action, summary, outputs = _action_step(loop, monkeypatch, tmp_path)
    assert action.code == 0, action.err
    consoles["run --event"] = action
    plan = tmp_path / "plan.md"
    consoles["dry run"] = loop.agent("--dry-run", "--report", str(plan), "run")
    consoles["run"] = first = loop.agent("run")
    assert first.code == 0, first.err
    assert "fix_opened" in first.err and "reported" in first.err  # decisions are for people: stderr
    loop.sandbox.settle()  # the fix's CI fails: rolled back, notified
    consoles["run again"] = second = loop.agent("run")
    assert "rolled_back" in second.err, second.out + second.err
    failed = next(r for r in loop.sandbox.repo("evil/reported").runs if r.branch == BRANCH)
    consoles["explain"] = loop.agent("explain", "--repo", "evil/reported", str(failed.id))
    log = tmp_path / "job.log"
    log.write_bytes(b"2026-01-01T00:00:00.0000000Z setting up\n" * 300 + hostile.log_bytes())
    consoles["signature"] = loop.agent("signature", str(log))
    consoles["signature -v"] = loop.agent("-v", "signature", str(log))
    for command in ("history", "status"):
        consoles[command] = loop.agent(command)
    consoles["history --json"] = history = loop.agent("history", "--json")
    assert {d["branch"] for d in history.json()} >= {BRANCH}  # the data exact; only its characters escaped
    consoles["breaker list"] = loop.agent("breaker", "list")
    consoles["snapshots list"] = loop.agent("snapshots", "list")

    # everything written on GitHub: Markdown as GitHub renders it, titles as plain text
    own_links = (loop.sandbox.base_url + "/",)
    written = 0
    for name in ("evil/fixable", "evil/reported"):
        for item in loop.sandbox.repo(name).items.values():
            texts = [item.body or "", *(c.body for c in item.comments)]
            for text in texts:
                assert hostile.markdown_problems(text, own_links=own_links) == [], (item.title, text)
                written += 1
            assert hostile.written_problems(item.title) == [] and "@o" not in item.title, item.title
    assert written >= 3  # a PR, its rollback comment, an issue
    issue = next(i for i in loop.sandbox.repo("evil/reported").items.values() if not i.is_pull)
    meta = read_metadata(issue.body)
    assert meta is not None and meta["signature"] != "forged" and meta["branch"] == BRANCH  # the real block
    assert "hunter2" in issue.body and '"signature": "forged"' in issue.body  # the excerpt is there, made inert

    # the Action mode: only the agent's own workflow commands, an inert summary, exactly its outputs
    assert hostile.workflow_command_problems(action.out + action.err) == []
    assert hostile.markdown_problems(summary, own_links=own_links) == []
    assert sorted(line.split("<<")[0] for line in outputs.splitlines() if "<<EOF_" in line) == [
        "category",
        "decision",
        "pr-url",
        "signature",
    ]

    # chats: one payload per channel for the rollback, each escaped for its target
    channels = {path.split("/")[1]: payload for path, payload in inbox.received}
    assert set(channels) == {"slack", "telegram", "hook"}, inbox.received
    slack, telegram, hook = channels["slack"]["text"], channels["telegram"]["text"], channels["hook"]["text"]
    assert "<" not in slack.replace("&lt;", "") and "@o" not in slack and "&lt;img_src" in slack
    assert set(re.findall(r"</?(\w+)", telegram)) <= {"b", "code"} and "&lt;img_src" in telegram
    for text in (slack, telegram, hook):
        assert hostile.written_problems(text) == [] and "@o" not in text and "#1" not in text

    # terminals: no escape sequence or control character in any line the CLI printed
    for label, result in consoles.items():
        assert hostile.terminal_problems(result.out + result.err) == [], label
        assert "Traceback" not in result.err, label
    assert hostile.markdown_problems(plan.read_text(), own_links=own_links) == []

    # nothing executed: no marker file anywhere, no variable set
    traces = [p for p in tmp_path.parent.rglob(f"{hostile.MARKER}*")]
    assert traces == [] and "PWNED" not in os.environ
