"""Notifications: Slack incoming webhooks, Telegram bots and plain JSON webhooks, per event.

Text is escaped for each target by `cicd_agent.text` (Slack `&<>`, Telegram HTML; controls dropped, mentions
broken), and cut to each target's size. A failing channel is retried with backoff (honouring `Retry-After`),
counted, and never raises: a notification must not break a cycle. Secrets (webhook URLs, bot tokens) come from
environment variables named in the config and never appear in messages or errors.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import requests

from cicd_agent.config import NotificationsConfig
from cicd_agent.text import break_mentions, html, slack, terminal

EVENTS = ("breaker_opened", "rollback", "rollback_partial", "fix_healthy", "storm")
SLACK_LIMIT = 39_000
TELEGRAM_LIMIT = 4_096
RETRY_STATUSES = {429, 500, 502, 503, 504}


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

    def payload(self, event: str, text: str) -> dict[str, object]:
        if self.kind == "slack":
            return {"text": slack_text(event, text)}
        if self.kind == "telegram":
            return {
                "chat_id": self.chat_id,
                "text": telegram_text(event, text),
                "parse_mode": "HTML",
                "disable_web_page_preview": True,
            }
        return {"source": "cicd-agent", "event": event, "text": break_mentions(terminal(text))}


def channels_from(config: NotificationsConfig, env: dict[str, str] | None = None) -> list[Channel]:
    env = dict(os.environ) if env is None else env
    found = []
    if config.slack_webhook_env and env.get(config.slack_webhook_env):
        found.append(Channel("slack", env[config.slack_webhook_env]))
    if config.telegram_token_env and env.get(config.telegram_token_env) and config.telegram_chat_id:
        token = env[config.telegram_token_env]
        found.append(
            Channel(
                "telegram", f"{config.telegram_api_url.rstrip('/')}/bot{token}/sendMessage", config.telegram_chat_id
            )
        )
    url = config.webhook_url or (env.get(config.webhook_url_env, "") if config.webhook_url_env else "")
    if url:
        found.append(Channel("webhook", url))
    return found


@dataclass
class Notifier:
    channels: list[Channel]
    events: tuple[str, ...] = EVENTS
    echo: Callable[[str], None] = lambda message: None
    retries: int = 3
    backoff: float = 1.0
    sleep: Callable[[float], None] = time.sleep
    timeout: float = 10.0
    sent: int = 0
    failed: int = 0
    log: list[tuple[str, str]] = field(default_factory=list)

    def send(self, event: str, text: str) -> None:
        self.log.append((event, text))
        self.echo(f"[notify] {event}: {text}")
        if event not in self.events:
            return
        for channel in self.channels:
            if self._deliver(channel, event, text):
                self.sent += 1
            else:
                self.failed += 1
                self.echo(f"warning: the {channel.kind} notification for {event} could not be delivered")

    def _deliver(self, channel: Channel, event: str, text: str) -> bool:
        payload = channel.payload(event, text)
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
