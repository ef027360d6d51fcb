"""Notifications: Slack incoming webhooks, Telegram bots and plain JSON webhooks, per event.

Text is escaped for each target by `cicd_agent.text` (Slack `&<>`, Telegram HTML; controls dropped, mentions
broken), and cut to each target's size. Sending never holds the cycle: notices go into a bounded queue that
one background thread delivers (a full queue drops the newest, counted), drained at exit within a time
limit. A failing channel is retried with backoff (honouring `Retry-After`), counted, and never raises.
Secrets (webhook URLs, bot tokens) come from environment variables named in the config and never appear in
messages or errors.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from cicd_agent.config.settings import EVENTS, NotificationsConfig
from cicd_agent.config.urls import check_url
from cicd_agent.text import break_mentions, html, iso8601, slack, terminal

SLACK_LIMIT = 39_000
TELEGRAM_LIMIT = 4_096
RETRY_STATUSES = {429, 500, 502, 503, 504}
QUEUE_SIZE = 100


@dataclass(frozen=True)
class Notice:
    """One event for people, with the facts a machine reading a webhook wants as fields."""

    event: str
    text: str
    repo: str = ""
    branch: str = ""
    signature: str = ""
    url: str = ""  # the pull request or issue it is about
    run: str = ""  # the failed run: "<id>#<attempt>"
    at: float = field(default_factory=time.time)

    def fields(self) -> dict[str, object]:
        """The webhook's JSON payload: missing facts are null."""
        return {
            "source": "cicd-agent",
            "event": self.event,
            "text": break_mentions(terminal(self.text)),
            "repo": self.repo or None,
            "branch": self.branch or None,
            "signature": self.signature or None,
            "url": self.url or None,
            "run": self.run or None,
            "at": iso8601(self.at),
        }


def slack_text(event: str, text: str) -> str:
    return f"*cicd-agent* `{slack(event)}`: {slack(text)}"[:SLACK_LIMIT]


def telegram_text(event: str, text: str) -> str:
    body = f"<b>cicd-agent</b> <code>{html(event)}</code>: "
    escaped = html(text)
    room = TELEGRAM_LIMIT - len(body)
    if len(escaped) > room:  # cut, without leaving half an entity like "&am"
        escaped = escaped[: room - 1]
        escaped = escaped[: escaped.rfind("&")] if escaped.rfind("&") > escaped.rfind(";") else escaped
        escaped += "…"
    return body + escaped


@dataclass(frozen=True)
class Channel:
    kind: str  # slack | telegram | webhook
    url: str  # secret: never printed
    chat_id: str = ""

    def payload(self, notice: Notice) -> dict[str, object]:
        if self.kind == "slack":
            return {"text": slack_text(notice.event, notice.text)}
        if self.kind == "telegram":
            return {
                "chat_id": self.chat_id,
                "text": telegram_text(notice.event, notice.text),
                "parse_mode": "HTML",
                "disable_web_page_preview": True,
            }
        return notice.fields()


def channels_from(config: NotificationsConfig, env: dict[str, str] | None = None) -> list[Channel]:
    """The configured channels; a URL from the environment is held to the same rule as the config file's
    (`config/urls.py`: https, or plain http only to this machine), since each carries a secret."""
    env = dict(os.environ) if env is None else env
    found = []
    fix = "use https (plain http only to 127.0.0.1, ::1 or localhost)"
    if config.slack_webhook_env and env.get(config.slack_webhook_env):
        where = f"${config.slack_webhook_env}"
        url = check_url(env[config.slack_webhook_env], what="the Slack webhook URL", where=where, fix=fix)
        found.append(Channel("slack", url))
    if config.telegram_token_env and env.get(config.telegram_token_env) and config.telegram_chat_id:
        token = env[config.telegram_token_env].strip()
        api = check_url(
            config.telegram_api_url, what="the Telegram API URL", where="notifications.telegram_api_url", fix=fix
        )
        found.append(Channel("telegram", f"{api}/bot{token}/sendMessage", config.telegram_chat_id))
    url = config.webhook_url or (env.get(config.webhook_url_env, "") if config.webhook_url_env else "")
    if url:
        where = "notifications.webhook_url" if config.webhook_url else f"${config.webhook_url_env}"
        found.append(Channel("webhook", check_url(url, what="the notification webhook URL", where=where, fix=fix)))
    return found


@dataclass
class Notifier:
    channels: list[Channel]
    events: tuple[str, ...] = EVENTS
    echo: Callable[[str], None] = lambda message: None
    warn: Callable[[str], None] | None = None  # a channel that failed (default: echo)
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 10.0
    queue_size: int = QUEUE_SIZE
    sent: int = 0
    failed: int = 0
    dropped: int = 0
    log: list[tuple[str, str]] = field(default_factory=list)
    _queue: queue.Queue[Notice | None] | None = None
    _worker: threading.Thread | None = None

    def send(self, notice: Notice) -> None:
        """Queue the notice for its channels and return at once."""
        self.log.append((notice.event, notice.text))
        self.echo(f"[notify] {notice.event}: {notice.text}")
        if notice.event not in self.events or not self.channels:
            return
        if self._queue is None:
            self._queue = queue.Queue(self.queue_size)
            self._worker = threading.Thread(target=self._deliver_queued, name="notify", daemon=True)
            self._worker.start()
        try:
            self._queue.put_nowait(notice)
        except queue.Full:
            self.dropped += 1
            self._warn(f"the notification queue is full ({self.queue_size}): {notice.event} dropped")

    def pending(self) -> int:
        return self._queue.unfinished_tasks if self._queue is not None else 0

    def close(self, limit: float | None = None) -> int:
        """Let the queued notices go out, waiting at most `limit` seconds; returns how many were left."""
        if self._queue is None or self._worker is None:
            return 0
        try:
            self._queue.put(None, timeout=limit)  # the end: the worker stops once it has sent what came before
            ended = True
        except queue.Full:
            ended = False
        self._worker.join(limit)
        left = max(self.pending() - (1 if ended and self._worker.is_alive() else 0), 0)
        if left:
            self._warn(f"{left} notification(s) not sent within {limit:g}s at exit")
        self._queue = self._worker = None
        return left

    def _warn(self, message: str) -> None:
        if self.warn is not None:
            self.warn(message)
        else:
            self.echo(f"warning: {message}")

    def _deliver_queued(self) -> None:
        assert self._queue is not None
        work = self._queue
        while (notice := work.get()) is not None:
            try:
                for channel in self.channels:
                    if self._deliver(channel, notice):
                        self.sent += 1
                    else:
                        self.failed += 1
                        self._warn(f"the {channel.kind} notification for {notice.event} could not be delivered")
            finally:
                work.task_done()
        work.task_done()

    def _deliver(self, channel: Channel, notice: Notice) -> bool:
        payload = channel.payload(notice)
        for attempt in range(self.retries + 1):
            wait = self.backoff * (2**attempt)
            try:
                response = requests.post(channel.url, json=payload, timeout=self.timeout)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code < 300:
                return True
            if response is not None and response.status_code not in RETRY_STATUSES:
                return False  # a 4xx will not get better by asking again
            if response is not None and response.headers.get("Retry-After", "").isdigit():
                wait = min(float(response.headers["Retry-After"]), 60.0)
            if attempt < self.retries:
                self.sleep(wait)
        return False
