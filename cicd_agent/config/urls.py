"""The one rule for a URL the agent sends a secret to (the GitHub API with its token, the Telegram API with
the bot's token, a Slack or JSON webhook whose URL is itself the secret), wherever it comes from: the config
file, the environment (`GITHUB_API_URL`, the variables the config names) or an option.

https to any host; plain http only to this machine written plainly: 127.0.0.1, ::1 or localhost, never
another spelling of them (2130706433, 0x7f.1, 127.1, ::ffff:127.0.0.1), which other parsers may read
otherwise; nothing in the host part but the characters a host, port and credentials use (no backslash,
space or control, on which parsers disagree)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from cicd_agent.errors import AgentError
from cicd_agent.text import shown_url

LOOPBACK = ("127.0.0.1", "::1", "localhost")
_AUTHORITY = re.compile(r"[A-Za-z0-9.\-_~%!$&'()*+,;=:@\[\]]+")
NOT_A_URL = "is not an http(s) URL"
UNCLEAR_CREDENTIALS = (
    "has a user or password holding @, /, ?, #, or a space as written (parsers read it as the host, a path or a "
    "query, and would show it): percent-encode them (%40, %2F, %3F, %23, %20)"
)


def unclear_credentials(url: str) -> bool:
    """Whether the part before the authority's last `@` holds what ends credentials (`@`, `/`, `?`, `#`, a space):
    one parser takes part of the password for the host (libpq stops at the first `@`, urllib at the last)."""
    _, sep, rest = url.strip().partition("://")
    credentials = rest.rpartition("@")[0] if sep else ""
    return any(c in "@/?#" or c.isspace() for c in credentials)


def url_problem(url: str, *, carries: str = "the token") -> str | None:
    """What is wrong with `url` (a phrase that follows the URL), or None. `carries`: what would leak."""
    text = url.strip()
    if unclear_credentials(text):
        return UNCLEAR_CREDENTIALS
    try:
        parts = urlsplit(text)
        host, _ = parts.hostname, parts.port  # a bad port or IPv6 literal raises
    except ValueError:
        return NOT_A_URL
    plain = not any(c.isspace() or not c.isprintable() for c in text) and _AUTHORITY.fullmatch(parts.netloc)
    if parts.scheme not in ("http", "https") or not host or not plain:
        return NOT_A_URL
    if parts.scheme == "http" and host not in LOOPBACK:
        return (
            f"is plain http to another machine ({carries} would cross the network unencrypted): plain http is only "
            "allowed to 127.0.0.1, ::1 or localhost, written so"
        )
    return None


def check_url(url: str, *, what: str, where: str, fix: str, carries: str = "the token") -> str:
    """`url` without surrounding space and trailing slash, or a clear error (the URL shown without credentials)."""
    problem = url_problem(url, carries=carries)
    if problem:
        raise AgentError(f"{what} {shown_url(url)!r} {problem}", where=where, fix=fix)
    return url.strip().rstrip("/")
