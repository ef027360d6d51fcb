"""Every request a paced client sends to its API host waits for its budget first (`budget.Budget.before`) and
reports its answer after (`Budget.after`).

PyGithub has one public way in: `Requester.injectConnectionClasses`, the classes that send each request. The
classes here are PyGithub's own with the budget around `request`/`getresponse`. A connection is made with its
client's urllib3 `Retry` (PyGithub hands it down to every requester it derives), which finds the client's budget;
a request to another host (a log's storage) or from a client without one is left as it was. Injected classes make
PyGithub build a connection per request, so these keep one HTTP session per client, host and thread, and
keep-alive still works.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import requests
from github.Requester import HTTPRequestsConnectionClass, HTTPSRequestsConnectionClass, Requester

from cicd_agent.github.budget import Budget

_budgets: weakref.WeakKeyDictionary[Any, tuple[str, int, Budget]] = weakref.WeakKeyDictionary()
# per client (its urllib3 Retry, alive as long as the client), per host and thread: one session
_sessions: weakref.WeakKeyDictionary[Any, dict[tuple[str, int, int], requests.Session]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


_installed = False


def install() -> None:
    """The paced connection classes, for every PyGithub requester made from now on (before a client is made:
    a requester keeps the class it was made with)."""
    global _installed
    with _lock:
        if not _installed:
            Requester.injectConnectionClasses(PacedHTTP, PacedHTTPS)
            _installed = True


def pace(retries: list[Any], host: str, port: int, budget: Budget | None) -> None:
    """Requests to `host:port` from the clients made with `retries` wait for `budget` from now on (None: no
    longer). The clients were made after `install()`."""
    with _lock:
        for retry in retries:
            if budget is None:
                _budgets.pop(retry, None)
            else:
                _budgets[retry] = (host, port, budget)


def budget_for(retry: Any, host: str, port: int) -> Budget | None:
    try:
        found = _budgets.get(retry)
    except TypeError:  # not a Retry object (a bare count): no budget can be found by it
        return None
    return found[2] if found is not None and found[:2] == (host, port) else None


class _Paced:
    """Mixed before PyGithub's connection class: its session is shared, its requests paced."""

    host: str
    port: int
    session: requests.Session
    retry: Any
    verb: str
    _budget: Budget | None = None

    def _share_session(self) -> None:
        key = (self.host, int(self.port), threading.get_ident())
        with _lock:
            try:
                mine = _sessions.setdefault(self.retry, {})
            except TypeError:  # no Retry object (a bare count): nothing to share it by
                return
            shared = mine.get(key)
            if shared is None:
                mine[key] = self.session
                return
        self.session.close()
        self.session = shared

    def request(self, verb: str, url: str, input: Any, headers: dict[str, str], stream: bool = False) -> None:
        self._budget = budget_for(self.retry, self.host, int(self.port))
        if self._budget is not None:
            self._budget.before(verb)
        super().request(verb, url, input, headers, stream)  # type: ignore[misc]

    def getresponse(self) -> Any:
        status = 0
        try:
            response = super().getresponse()  # type: ignore[misc]
            status = int(response.status)
            return response
        finally:
            if self._budget is not None:
                self._budget.after(status)
                self._budget = None

    def close(self) -> None:
        """The session stays for the next request (PyGithub closes each connection once it made another)."""


class PacedHTTPS(_Paced, HTTPSRequestsConnectionClass):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._share_session()


class PacedHTTP(_Paced, HTTPRequestsConnectionClass):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._share_session()
