"""How GitHub's answers and the transport's failures become the agent's errors, and when a request is asked
again: `AgentRetry` (reads after a 5xx, never a write; rate limits up to `max_rate_limit_wait`), `http_error`
and `transport_error` (every failure mapped once, for `github.api`)."""

from __future__ import annotations

import functools
import inspect
import json
import re
import time
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any, TypeVar

import requests
from github import GithubException, GithubRetry, RateLimitExceededException
from github.GithubException import RateLimitExceededExceedsMaxWait
from urllib3 import HTTPResponse, Retry
from urllib3.connectionpool import ConnectionPool

from cicd_agent.errors import AgentError, PermissionMissing
from cicd_agent.text import redact

T = TypeVar("T")


class ApiUnavailable(AgentError):
    """GitHub did not answer this request (a 5xx, a timeout): this repository or failure waits for the next cycle.
    A write that ended so may still have been done: the effects gateway finds out before anything is retried."""


class HostUnreachable(ApiUnavailable):
    """The API host cannot be reached at all (refused, DNS, connect timeout): stop talking to it this cycle."""


class RateLimited(ApiUnavailable):
    """A rate limit whose wait is longer than `max_rate_limit_wait` (or that retries did not outlast): end the
    cycle, resume after `wait` seconds. Never counts as an error of the failure being handled."""

    def __init__(self, message: str, *, wait: float | None = None, fix: str | None = None) -> None:
        super().__init__(message, fix=fix or "the cycle ends here; a later one resumes")
        self.wait = wait


def rate_limited(what: str, wait: float | None) -> RateLimited:
    when = f"; it resets in about {int(wait)} s" if wait is not None else ""
    return RateLimited(f"rate limited by GitHub while {what}{when}", wait=wait)


class SecondaryRateLimit(RateLimited):
    """GitHub asked the agent to slow down (a secondary rate limit: too many requests at once or too fast):
    wait `wait` seconds, then ask again with fewer requests in flight (the polling pool does)."""

    def __init__(self, message: str, *, wait: float) -> None:
        super().__init__(
            message, wait=wait, fix="the agent polls with fewer requests in flight; lower github.poll_concurrency"
        )
        self.wait: float = wait


def secondary_rate_limit(status: int, headers: Mapping[str, Any], message: str) -> float | None:
    """The wait GitHub asks for when this answer is a secondary rate limit (None: it is not one). GitHub's rules:
    a 403 or 429 whose primary limit is not spent; `retry-after` seconds, else at least a minute."""
    lower = {str(k).lower(): str(v) for k, v in headers.items()}
    if status not in (403, 429) or lower.get("x-ratelimit-remaining") == "0":
        return None
    after = lower.get("retry-after", "").strip()
    if not (after.isdigit() or status == 429 or "secondary rate limit" in message.lower()):
        return None  # a 403 that is a refusal (a permission), not a limit
    return float(after) if after.isdigit() else 60.0


class Refused(AgentError):
    """GitHub refused the agent's credentials: the token itself, or a permission it lacks for this call. A person
    must fix them: the work it stopped is never counted as failing or given up, and resumes once they do."""


class TokenRefused(Refused):
    """A 401: the token is not accepted at all (revoked, expired, mistyped). Every request would meet it."""


class ScopeMissing(Refused):
    """A 403 "Resource not accessible by ..." (or "must have push access"): the token lacks a scope or permission
    this call needs. Only the work that needs it stops."""


REFUSED_FIX = "nothing is counted against the work it stopped, which resumes once the credentials are fixed"
SCOPE_WORDS = re.compile(r"not accessible by|must have (?:push|admin|write)|requires? (?:the )?`?\w+`? scope", re.I)


def ends_cycle(exc: object) -> bool:
    """Errors every repository would meet alike (the API host unreachable, the rate limit spent, the token
    refused): the cycle stops asking GitHub and a later one resumes."""
    return isinstance(exc, (HostUnreachable, RateLimited, TokenRefused))


def counts(exc: object) -> bool:
    """Does this error count toward giving up the work it stopped? Outages, rate limits and refused credentials
    do not: they say nothing of the work, and it resumes once they are over."""
    return not isinstance(exc, (ApiUnavailable, Refused))


class AlreadyExists(AgentError):
    """GitHub refused to create something because it exists (a PR for that head, a ref): someone was first."""


class BadResponse(AgentError):
    """GitHub (or something in between) answered a body the agent cannot read: counted like a 4xx."""


class LogUnavailable(AgentError):
    """A job's log cannot be downloaded (expired link, log storage unreachable or refusing): the failure is
    explained from what the API still gives instead."""


ACTIONS_MAY_NOT_OPEN_PRS = (
    "the repository setting Settings > Actions > General > Workflow permissions > "
    '"Allow GitHub Actions to create and approve pull requests" (also at the organisation level)'
)
PULL_REQUESTS_WRITE = (
    "`pull-requests: write` (the workflow's `permissions:`, the GitHub App's Pull requests permission, "
    "or a personal token allowed to open pull requests)"
)


def rate_limit_wait(status: int, headers: Mapping[str, str], now: float, secondary: float) -> float | None:
    """How long GitHub asks to wait before asking again (GitHub's rules: `retry-after`, else a spent primary
    limit's `x-ratelimit-reset`, else a minute for a 429); None when a 403 does not say (PyGithub then reads
    its body)."""
    lower = {k.lower(): v for k, v in headers.items()}
    after = str(lower.get("retry-after", "")).strip()
    if after.isdigit():
        return float(after)
    reset = str(lower.get("x-ratelimit-reset", "")).strip()
    if str(lower.get("x-ratelimit-remaining", "")).strip() == "0" and reset.isdigit():
        return max(int(reset) - now, 0) + 1
    return secondary if status == 429 else None


class AgentRetry(GithubRetry):
    """PyGithub's retry with two changes. A write (POST, PATCH, PUT, DELETE) is never sent again after a 5xx or
    a timeout, since it may have been done (the effects gateway looks first); only a rate-limited write, which
    GitHub did not perform, is. And a rate limit is waited for only up to `max_rate_limit_wait`: a longer wait
    raises at once instead of sleeping."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("allowed_methods", frozenset({"GET", "HEAD", "OPTIONS"}))
        super().__init__(**kwargs)

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if status_code in (403, 429):  # rate limited: the request was not performed, whatever its method
            return bool(self.total) or self.total is None
        return bool(super().is_retry(method, status_code, has_retry_after))

    def increment(  # type: ignore[override]
        self,
        method: str | None = None,
        url: str | None = None,
        response: HTTPResponse | None = None,
        error: Exception | None = None,
        _pool: ConnectionPool | None = None,
        _stacktrace: TracebackType | None = None,
    ) -> Retry:
        if response is not None and response.status in (403, 429):
            wait = rate_limit_wait(response.status, response.headers, time.time(), self.secondary_rate_wait)
            if wait is not None and self.max_rate_limit_wait is not None and wait > self.max_rate_limit_wait:
                raise RateLimitExceededExceedsMaxWait(
                    response.status, {"message": "rate limited"}, dict(response.headers), wait=wait
                )
            if response.status == 429:  # PyGithub only looks into 403s: count the try, wait as GitHub asks
                retry = Retry.increment(self, method, url, response, error, _pool, _stacktrace)
                retry.get_backoff_time = lambda: wait or 0.0  # type: ignore[method-assign]
                return retry
        return super().increment(method, url, response, error, _pool, _stacktrace)


def _message(exc: GithubException) -> str:
    message = exc.data.get("message") if isinstance(exc.data, dict) else str(exc.data)
    details = (
        [
            str(e.get("message") or e.get("code"))
            for e in (exc.data or {}).get("errors", []) or []
            if isinstance(e, dict)
        ]
        if isinstance(exc.data, dict)
        else []
    )
    return f"{message}: {'; '.join(details)}" if details else str(message)


def http_error(exc: GithubException, what: str) -> AgentError:
    message = _message(exc)
    headers = {str(k).lower(): str(v) for k, v in (exc.headers or {}).items()}
    if isinstance(exc, RateLimitExceededExceedsMaxWait):  # AgentRetry would not wait that long
        return rate_limited(what, exc.wait)
    spent = exc.status in (403, 429) and headers.get("x-ratelimit-remaining") == "0"
    if spent or (isinstance(exc, RateLimitExceededException) and "secondary" not in message.lower()):
        return rate_limited(what, rate_limit_wait(exc.status, headers, time.time(), 60))
    wait = secondary_rate_limit(exc.status, headers, message)
    if wait is not None:
        return SecondaryRateLimit(f"GitHub asked to slow down while {what}: {message}", wait=wait)
    if exc.status == 422 and "already exists" in message:
        return AlreadyExists(f"{what}: {message}")
    if exc.status >= 500:
        return ApiUnavailable(
            f"GitHub answered {exc.status} while {what}: {message}",
            fix="GitHub may be having an outage; the next cycle retries",
        )
    if exc.status == 401:
        return TokenRefused(
            f"the token was refused: GitHub answered 401 while {what}: {message}",
            fix=f"give the agent a valid token in GITHUB_TOKEN (or the variable [github] token_env names); "
            f"{REFUSED_FIX}",
        )
    if exc.status == 403 and "not permitted to create or approve pull requests" in message:
        return PermissionMissing(f"GitHub refused {what}: {message}", permission=ACTIONS_MAY_NOT_OPEN_PRS)
    if exc.status == 403 and what.startswith("opening a pull request") and "not accessible" in message:
        return PermissionMissing(f"GitHub refused {what}: {message}", permission=PULL_REQUESTS_WRITE)
    if exc.status == 403 and SCOPE_WORDS.search(message):
        return ScopeMissing(
            f"the token was refused while {what} (a permission it lacks): {message}",
            fix=f"grant the token the permission this needs (docs/deploy.md lists each and why); {REFUSED_FIX}",
        )
    if exc.status == 404:
        return AgentError(
            f"not found while {what}: {message}",
            fix="check the repository name and that the token can see it",
        )
    return AgentError(f"GitHub answered {exc.status} while {what}: {message}")


CANNOT_CONNECT = r"NewConnectionError|NameResolutionError|Failed to establish a new connection|ProxyError|SSLError"


def transport_error(exc: requests.RequestException, what: str, api_url: str, timeout: float) -> AgentError:
    """A request that got no usable answer: retries used up, no connection, no answer in time, or a request
    that could not even be made (a bad URL or header: a configuration problem, not an outage)."""
    exhausted = re.search(r"too many (\d{3}) error responses", str(exc))
    if exhausted:
        status = int(exhausted.group(1))
        if status in (403, 429):
            return rate_limited(what, None)
        return ApiUnavailable(
            f"GitHub answered {status} while {what}, also when asked again",
            fix="GitHub may be having an outage; the next cycle retries",
        )
    if isinstance(exc, requests.ConnectTimeout) or (
        isinstance(exc, requests.ConnectionError) and re.search(CANNOT_CONNECT, str(exc))
    ):
        return HostUnreachable(
            f"cannot reach GitHub at {api_url} while {what}: {type(exc).__name__}",
            fix="check GITHUB_API_URL and the network; the next cycle retries",
        )
    if isinstance(exc, requests.Timeout):
        return ApiUnavailable(
            f"GitHub did not answer within {timeout:g} s while {what}",
            fix="the next cycle retries; raise github.timeout if GitHub is often this slow",
        )
    if isinstance(exc, (requests.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        return ApiUnavailable(  # connected, then the answer broke off: the request may have been done
            f"the connection to GitHub broke while {what}: {type(exc).__name__}",
            fix="the next cycle retries",
        )
    return AgentError(f"cannot send the request while {what}: {type(exc).__name__}: {exc}"[:500])


# -- one mapping of every port call's failures, and the retry that says what it waits for --------------


def json_or_text(body: str) -> Any:
    """An error answer's body as GitHub's JSON, or its first characters when it is not JSON."""
    try:
        return json.loads(body or "{}")
    except json.JSONDecodeError:
        return {"message": body[:200]}


def _describe(template: str, method: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    bound = inspect.signature(method).bind_partial(None, *args, **kwargs)
    values = {k: (v[:12] if k == "sha" and isinstance(v, str) else v) for k, v in bound.arguments.items()}
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def api(what: str) -> Callable[[Callable[..., T]], Callable[..., T]]:
    """Map every failure of one port call once: GitHub's answers, transport errors and unreadable bodies
    become AgentErrors that say what the agent was doing (`what`, formatted with the call's arguments), with
    any token redacted."""

    def decorate(method: Callable[..., T]) -> Callable[..., T]:
        @functools.wraps(method)
        def wrapper(self: Any, *args: Any, **kwargs: Any) -> T:
            with self._calls_lock:  # polls count from several threads
                self.calls += 1
            doing = _describe(what, method, args, kwargs)
            try:
                return method(self, *args, **kwargs)
            except AgentError as exc:
                exc.what = redact(exc.what, self._token)
                raise
            except requests.RequestException as exc:
                error = transport_error(exc, doing, self.api_url, self.timeout)
            except GithubException as exc:
                error = http_error(exc, doing)
            except (ValueError, KeyError, TypeError, AttributeError) as exc:  # JSONDecodeError is a ValueError
                error = BadResponse(
                    f"GitHub answered something unreadable while {doing}: {type(exc).__name__}: {exc}"[:500],
                    fix="a proxy or GitHub itself sent a malformed body; the next cycle retries",
                )
            error.what = redact(error.what, self._token)
            raise error from None

        return wrapper

    return decorate


WAIT_NOTICE_SECONDS = 3.0  # a wait at least this long is announced


class AnnouncedRetry(AgentRetry):
    """The agent's retry, saying what it waits for before a wait of a few seconds or more (a rate limit's
    reset, a `Retry-After`, a backoff after a 5xx)."""

    on_wait: Callable[[str], None] | None = None

    def new(self, **kw: Any) -> AnnouncedRetry:
        retry = super().new(**kw)
        retry.on_wait = self.on_wait
        return retry

    def sleep(self, response: Any = None) -> None:
        after = self.get_retry_after(response) if response is not None and self.respect_retry_after_header else None
        wait = after or self.get_backoff_time()
        if wait >= WAIT_NOTICE_SECONDS and self.on_wait is not None:
            status = getattr(response, "status", None)
            why = (
                "GitHub's rate limit"
                if status in (403, 429)
                else f"GitHub after an HTTP {status}"
                if status
                else "GitHub after a failed connection"
            )
            self.on_wait(f"waiting {wait:.0f}s for {why}, then retrying ({self.total} retries left)")
        super().sleep(response)
