"""Conditional reads: what the agent reads again and again while it waits (a fix's pull request, runs and jobs, a
draft's comments and events, the repository) is asked with the validator of the last answer (`If-None-Match`
with its ETag, else `If-Modified-Since` with its Last-Modified). GitHub answers `304 Not Modified` when
nothing changed, which costs nothing against the primary rate limit, and the answer kept with the validator is
used again.

Only a whole answer is kept: a list that runs to a second page is read in full each time (a change on a later
page would not change the first page's validator).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

from github import GithubException

from cicd_agent.github.errors import json_or_text

MEMORY_ENTRIES = 1_000  # answers a process keeps when it has no store to keep them in


Cached = tuple[str, str]  # (validator: the ETag `"..."`/`W/"..."` or the Last-Modified date; the JSON text)


class ResponseCache(Protocol):
    """Where the answers are kept: `MemoryCache`, or the store (across processes)."""

    def cached_response(self, key: str) -> Cached | None: ...

    def cache_response(self, key: str, validator: str, body: str) -> None: ...


class MemoryCache:
    """The answers of this process only (the newest `MEMORY_ENTRIES`); the store keeps them across processes."""

    def __init__(self, entries: int = MEMORY_ENTRIES) -> None:
        self._entries: OrderedDict[str, Cached] = OrderedDict()
        self._limit = entries
        self._lock = threading.Lock()

    def cached_response(self, key: str) -> Cached | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def cache_response(self, key: str, validator: str, body: str) -> None:
        with self._lock:
            self._entries[key] = (validator, body)
            self._entries.move_to_end(key)
            while len(self._entries) > self._limit:
                self._entries.popitem(last=False)


def validator_header(validator: str) -> dict[str, str]:
    if validator.startswith(('"', 'W/"')):
        return {"If-None-Match": validator}
    return {"If-Modified-Since": validator}


@dataclass(frozen=True)
class Answer:
    data: Any  # the JSON answer (the kept one when GitHub said 304)
    next_page: bool  # the list goes on past this page
    unchanged: bool  # GitHub answered 304


def get_json(requester: Any, cache: ResponseCache, url: str, params: dict[str, Any] | None = None) -> Answer:
    """GET `url` (a full API URL or a path) conditionally. Errors are PyGithub's `GithubException`, as its own
    calls raise them (the port's `@api` turns them into the agent's errors)."""
    key = url + ("?" + "&".join(f"{k}={v}" for k, v in sorted(params.items())) if params else "")
    kept = cache.cached_response(key)
    headers = validator_header(kept[0]) if kept is not None else None
    status, answered, body = requester.requestJson("GET", url, params, headers)
    answered = {str(k).lower(): v for k, v in answered.items()}
    if status == 304 and kept is not None:
        return Answer(json.loads(kept[1]), False, True)
    if status >= 400 or status == 304:  # a 304 to an unconditional request: GitHub never sends one
        raise GithubException(status, json_or_text(body), answered)
    more = 'rel="next"' in str(answered.get("link") or "")
    validator = str(answered.get("etag") or answered.get("last-modified") or "")
    if validator and not more:
        cache.cache_response(key, validator, body)
    return Answer(json.loads(body), more, False)
