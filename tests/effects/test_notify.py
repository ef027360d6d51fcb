"""Notifications at the HTTP level (responses): escaping, limits, retries, and never breaking a cycle."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
import responses
from harness import wait_for

from cicd_agent.config.parse import parse_config
from cicd_agent.effects.notify import (
    TELEGRAM_LIMIT,
    Channel,
    Notice,
    Notifier,
    channels_from,
    slack_text,
    telegram_text,
)
from cicd_agent.text import ZWSP

SLACK = "https://hooks.slack.test/services/T/B/SECRET"
TELEGRAM = "https://api.telegram.test/botTOKEN123/sendMessage"
HOOK = "https://hooks.example.test/cicd"


def _notifier(*channels: Channel, **kwargs: object) -> tuple[Notifier, list[float]]:
    waits: list[float] = []
    notifier = Notifier(list(channels), sleep=waits.append, **kwargs)  # type: ignore[arg-type]
    return notifier, waits


def test_slack_escapes_and_breaks_mentions() -> None:
    text = slack_text("rollback", "<!channel> ping @octocat & <https://evil.test|click>")
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text and "&amp;" in text
    assert f"@{ZWSP}octocat" in text


def test_telegram_escapes_html_and_fits_its_limit() -> None:
    text = telegram_text("breaker_opened", "<b>bold</b> & " + "x" * 10_000)
    assert "&lt;b&gt;bold&lt;/b&gt; &amp;" in text and len(text) <= TELEGRAM_LIMIT
    cut = telegram_text("rollback", "&" * 5_000)
    assert len(cut) <= TELEGRAM_LIMIT and cut.endswith("…") and not cut.rstrip("…").endswith(("&", "&a", "&am"))


@responses.activate
def test_each_channel_gets_its_own_payload() -> None:
    for url in (SLACK, TELEGRAM, HOOK):
        responses.add(responses.POST, url, json={"ok": True})
    notifier, _ = _notifier(Channel("slack", SLACK), Channel("telegram", TELEGRAM, "42"), Channel("webhook", HOOK))
    notice = Notice(
        "rollback",
        "demo/r main: rolled back #3 @team",
        repo="demo/r",
        branch="main",
        signature="ab" * 32,
        url="https://github.test/demo/r/pull/3",
        run="77#1",
        at=1_700_000_000.0,
    )
    notifier.send(notice)
    assert notifier.close(10) == 0
    bodies = {call.request.url: json.loads(call.request.body) for call in responses.calls}
    assert bodies[SLACK]["text"].startswith("*cicd-agent* `rollback`:")
    assert bodies[TELEGRAM]["chat_id"] == "42" and bodies[TELEGRAM]["parse_mode"] == "HTML"
    assert bodies[HOOK] == {
        "source": "cicd-agent",
        "event": "rollback",
        "text": f"demo/r main: rolled back #{ZWSP}3 @{ZWSP}team",
        "repo": "demo/r",
        "branch": "main",
        "signature": "ab" * 32,
        "url": "https://github.test/demo/r/pull/3",
        "run": "77#1",
        "at": "2023-11-14T22:13:20Z",
    }
    assert (notifier.sent, notifier.failed) == (3, 0)


@responses.activate
def test_retries_with_backoff_and_retry_after() -> None:
    responses.add(responses.POST, SLACK, status=503)
    responses.add(responses.POST, SLACK, status=429, headers={"Retry-After": "7"})
    responses.add(responses.POST, SLACK, status=200)
    notifier, waits = _notifier(Channel("slack", SLACK), backoff=0.5)
    notifier.send(Notice("breaker_opened", "x"))
    notifier.close(10)
    assert waits == [0.5, 7.0] and notifier.sent == 1 and len(responses.calls) == 3


@responses.activate
def test_a_failing_channel_is_counted_and_never_raises() -> None:
    responses.add(responses.POST, SLACK, body=requests.ConnectionError("down"))
    responses.add(responses.POST, HOOK, status=404)
    notifier, waits = _notifier(Channel("slack", SLACK), Channel("webhook", HOOK), retries=2, backoff=1.0)
    notifier.send(Notice("rollback_partial", "x"))
    notifier.close(10)
    assert (notifier.sent, notifier.failed) == (0, 2)
    assert waits == [1.0, 2.0]  # the slack retries; a 404 is not retried
    assert len([c for c in responses.calls if c.request.url == HOOK]) == 1


@responses.activate
def test_events_not_configured_are_not_sent() -> None:
    notifier, _ = _notifier(Channel("webhook", HOOK), events=("rollback",))
    notifier.send(Notice("fix_healthy", "green"))
    notifier.close(10)
    assert len(responses.calls) == 0 and notifier.log == [("fix_healthy", "green")]


def test_channels_come_from_named_environment_variables() -> None:
    config, problems = parse_config(
        '[notifications]\nslack_webhook_env = "SLACK_URL"\ntelegram_token_env = "TG"\ntelegram_chat_id = "9"\n'
        'webhook_url_env = "HOOK_URL"\nevents = ["rollback"]\n'
    )
    assert problems == []
    found = channels_from(config.notifications, {"SLACK_URL": SLACK, "TG": "tok", "HOOK_URL": HOOK})
    assert [(c.kind, c.url, c.chat_id) for c in found] == [
        ("slack", SLACK, ""),
        ("telegram", "https://api.telegram.org/bottok/sendMessage", "9"),
        ("webhook", HOOK, ""),
    ]
    assert channels_from(config.notifications, {}) == []


def test_unknown_event_is_a_config_error() -> None:
    _, problems = parse_config('[notifications]\nevents = ["rollback", "party"]\n')
    assert [p.key for p in problems] == ["notifications.events[1]"]


@pytest.mark.parametrize("event", ["breaker_opened", "rollback", "rollback_partial", "fix_healthy"])
@responses.activate
def test_secrets_never_appear_in_messages(event: str) -> None:
    responses.add(responses.POST, TELEGRAM, status=500)
    printed: list[str] = []
    notifier = Notifier([Channel("telegram", TELEGRAM, "1")], echo=printed.append, sleep=lambda _: None, retries=1)
    notifier.send(Notice(event, "text"))
    notifier.close(10)
    assert printed and not any("TOKEN123" in line for line in printed)


class _HangingHook:
    """A webhook on loopback that holds every request until released (a channel that hangs)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.received: list[dict[str, object]] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.release.wait(30)
                hook.received.append(json.loads(body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hanging_hook() -> Iterator[_HangingHook]:
    hook = _HangingHook()
    yield hook
    hook.close()


def test_sending_never_holds_the_caller_and_exit_drains_within_a_limit(hanging_hook: _HangingHook) -> None:
    warnings: list[str] = []
    notifier = Notifier([Channel("webhook", hanging_hook.url)], warn=warnings.append, retries=0, timeout=30)
    for n in range(3):
        notifier.send(Notice("rollback", f"r{n}"))  # each returns at once, while the first delivery hangs
    assert notifier.pending() == 3 and hanging_hook.received == []
    assert notifier.close(0.3) == 3
    assert warnings == ["3 notification(s) not sent within 0.3s at exit"]


def test_a_full_queue_drops_the_newest_and_counts(hanging_hook: _HangingHook) -> None:
    warnings: list[str] = []
    notifier = Notifier([Channel("webhook", hanging_hook.url)], warn=warnings.append, retries=0, queue_size=1)
    notifier.send(Notice("rollback", "first"))  # taken by the worker, held by the hook
    wait_for(lambda: notifier._queue is not None and notifier._queue.qsize() == 0, "the worker to take the first")
    notifier.send(Notice("rollback", "second"))  # fills the queue
    notifier.send(Notice("rollback", "third"))  # dropped
    hanging_hook.release.set()
    assert notifier.close(30) == 0
    assert (notifier.sent, notifier.dropped) == (2, 1)
    assert [r["text"] for r in hanging_hook.received] == ["first", "second"]
    assert warnings == ["the notification queue is full (1): rollback dropped"]
