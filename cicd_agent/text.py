"""The one escaping layer: strangers' text (log lines, workflow, job, step and branch names, titles) made safe
for each place the agent writes it.

- terminals: `terminal` drops escape sequences (CSI, OSC, DCS, ...), C0/C1 controls, NUL, bidirectional and
  zero-width characters (`INVISIBLE`) and invalid UTF-8, so a log cannot move the cursor, retitle the window,
  reorder or hide text; every Markdown function below starts from it;
- JSON for people (`--json`): `json_for_people` writes those characters as `\\uXXXX` escapes, so the data stays
  exact for a program and shows as it is to a person;
- Markdown on GitHub: `inline` (prose), `code_span`, `fenced` (excerpts), `link`: no mention pings, no
  links, images or HTML from strangers' text; mentions and issue references are broken with a zero-width
  space, as Dependabot and Renovate do;
- chats: `html` (Telegram, HTML-ish contexts), `slack` (`&<>`);
- the agent's own web pages (the dashboard): `page` (text) and `page_url` (a link target), escaped for HTML
  and its attributes, so no tag, attribute or script from strangers' text is ever parsed;
- the Actions runner: `command_data`, `command_property`, `stop_commands`, so no `::set-env::`,
  `::add-mask::` ... hidden in text is ever executed;
- the agent's own metadata block, always the very end of its bodies (`with_metadata`, `read_metadata`);
- `redact`: tokens, passwords and secret URLs out of anything printed or logged (`remember_secrets` adds
  the ones this process was given).
"""

from __future__ import annotations

import html as _html
import json
import os
import re
import secrets as _secrets
import urllib.parse
from datetime import UTC, datetime
from typing import Any

ZWSP = "\u200b"
BODY_LIMIT = 65_536
METADATA_PREFIX = "<!-- cicd-agent "

# -- terminals ---------------------------------------------------------------------------------------

_STRING_END = r"(?:\x07|\x1b\\|\x9c|$)"
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"  # CSI (colours, cursor moves, screen clears)
    r"|\x9b[0-?]*[ -/]*[@-~]?"  # 8-bit CSI
    rf"|\x1b[\]PX^_][^\n]*?{_STRING_END}"  # OSC (titles, hyperlinks, clipboard), DCS, SOS, PM, APC
    rf"|[\x90\x98\x9d\x9e\x9f][^\n]*?{_STRING_END}"  # their 8-bit forms
    r"|\x1b[ -/]*[0-~]?",  # any other ESC sequence (charsets, keypad modes, a lone ESC)
    re.MULTILINE,
)
# invisible and direction-changing characters: a name or a log line can use them to show one thing and be another
# (Trojan Source): bidi embeddings, overrides and isolates, the Arabic letter mark, zero-width spaces and joiners,
# left-to-right and right-to-left marks, word joiners and invisible operators, line and paragraph separators,
# the byte order mark, interlinear annotations, the Mongolian vowel separator, the soft hyphen
INVISIBLE = "\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
_CONTROLS = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{INVISIBLE}]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


def terminal(text: str | bytes, *, newlines: bool = True) -> str:
    """Text safe to print on a terminal: escape sequences and control characters dropped, invalid UTF-8 and
    lone surrogates shown as U+FFFD; tabs kept, and newlines unless `newlines` is False (then a space)."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = _SURROGATES.sub("\ufffd", text)
    text = text.replace("\r\n", "\n")
    if not newlines:
        text = text.replace("\n", " ")
    return _CONTROLS.sub("", _ESCAPES.sub("", text))


_INVISIBLE_IN_JSON = re.compile(f"[\\x7f-\\x9f{INVISIBLE}]")


def json_for_people(value: Any, **dumps: Any) -> str:
    """`json.dumps(value, ensure_ascii=False, **dumps)` with controls and invisible or direction-changing
    characters escaped (`\\u202e`): the same data for a program, nothing hidden or reordered on a screen."""
    text = json.dumps(value, ensure_ascii=False, **dumps)
    return _INVISIBLE_IN_JSON.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)


# -- Markdown (issue, PR and comment bodies, job summaries) -----------------------------------------

_MARKDOWN = re.compile(r"[\\`*_\[\]<>|~!&]")
_URL = re.compile(r"(?i)\b(https?|ftp|file|javascript|data)(:)(?=//)|\b(www)(\.)")


def break_mentions(text: str) -> str:
    """`@user`, `@org/team`, `#123` and `GH-123` would notify or link: a zero-width space inside stops it."""
    text = re.sub(r"@(?=[A-Za-z0-9])", "@" + ZWSP, text)
    text = re.sub(r"(?i)\b(GH-)(?=\d)", "\\1" + ZWSP, text)
    return re.sub(r"#(?=\d)", "#" + ZWSP, text)


def break_urls(text: str) -> str:
    """Bare URLs autolink on GitHub: a zero-width space in `https://` and `www.` stops it."""
    return _URL.sub(lambda m: f"{m.group(1) or m.group(3)}{m.group(2) or m.group(4)}{ZWSP}", text)


def inline(text: str) -> str:
    """One untrusted line inside Markdown prose (titles, list items, table cells): no formatting, link,
    image, HTML, mention or autolink survives; newlines become spaces."""
    escaped = _MARKDOWN.sub(lambda m: "\\" + m.group(0), terminal(text, newlines=False))
    return break_urls(break_mentions(escaped))


_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)")


def prose(text: str) -> str:
    """A sentence the agent composed around strangers' text (a fixer's rationale, a decision's reason): its
    `code spans` are kept as written (nothing inside code pings or links), everything else is `inline`."""
    text = terminal(text, newlines=False)
    parts, last = [], 0
    for match in _CODE_SPAN.finditer(text):
        parts += [inline(text[last : match.start()]), match.group(0)]
        last = match.end()
    return "".join([*parts, inline(text[last:])])


def title(text: str) -> str:
    """An issue or pull request title: plain text on one line, mentions and references broken."""
    return break_mentions(terminal(text, newlines=False)).strip()[:250]


def code_span(text: str) -> str:
    """An untrusted value as inline code: shown as is (nothing inside code pings or links), on one line."""
    value = terminal(text, newlines=False)
    longest = max((len(run) for run in re.findall(r"`+", value)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if value.startswith("`") or value.endswith("`") or not value.strip() else ""
    return f"{ticks}{pad}{value}{pad}{ticks}"


def fenced(text: str, lang: str = "text", *, exact: bool = False) -> str:
    """A code block no line of `text` can close early. Controls are dropped and mentions broken, unless
    `exact` (a patch meant to be applied: nothing inside a code block pings or renders anyway)."""
    if not exact:
        text = break_mentions(terminal(text))
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{lang}\n{text.rstrip(chr(10))}\n{fence}"


def safe_url(url: str) -> str | None:
    """An http(s) URL fit for a Markdown link target, or None (another scheme, spaces, brackets)."""
    url = url.strip()
    if not re.fullmatch(r"https?://[^\s<>()\"'`\\]+", url):
        return None
    return url


def link(text: str, url: str) -> str:
    """A Markdown link with untrusted text; an unsafe URL leaves the text alone, unlinked."""
    target = safe_url(url)
    label = inline(text)
    return f"[{label}]({target})" if target else label


# -- chats and HTML-ish contexts ---------------------------------------------------------------------


def html(text: str) -> str:
    """Untrusted text in HTML (Telegram's HTML mode, `<details>`): tags and entities shown, not parsed."""
    return _html.escape(break_mentions(terminal(text)), quote=True)


def page(text: str) -> str:
    """Untrusted text in an HTML page of the agent's own (element text or a quoted attribute value)."""
    return _html.escape(terminal(text), quote=True)


def page_url(url: str) -> str | None:
    """A link target for an HTML page: an http(s) URL (`safe_url`), escaped for a quoted attribute; None when
    it is anything else (`javascript:`, `data:`, relative)."""
    target = safe_url(url)
    return _html.escape(target, quote=True) if target else None


def slack(text: str) -> str:
    """Untrusted text in a Slack message: `&<>` escaped (which also stops `<!channel>` and `<url|text>`)."""
    escaped = terminal(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return break_mentions(escaped)


# -- the Actions runner's workflow commands ------------------------------------------------------------


def command_data(text: str) -> str:
    """The message of a workflow command (`::notice::MESSAGE`): GitHub's escaping of %, CR and LF."""
    return terminal(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def command_property(text: str) -> str:
    """A property of a workflow command (`title=...`): also `:` and `,` escaped."""
    return command_data(text).replace(":", "%3A").replace(",", "%2C")


def stop_commands(text: str) -> str:
    """Untrusted text between `::stop-commands::` and a random token: the runner ignores any
    `::set-env::`, `::add-mask::` ... hidden in it, and it cannot end the block early."""
    token = _secrets.token_hex(16)
    return f"::stop-commands::{token}\n{terminal(text)}\n::{token}::"


# -- what a person says in a comment --------------------------------------------------------------------

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_CODE_INDENT = re.compile(r"^ {0,3}\t| {4}")


def said_lines(body: str) -> str:
    """A comment's own words, where a person gives the agent a command (`/cicd-agent ...`): its lines outside
    fenced code blocks, and not indented as code (4 spaces or a tab), where a command is only shown (an
    example, a pasted log), never said. Quoted lines (`> `) stay: a command must start its line."""
    kept, fence = [], ""
    for line in body.splitlines():
        opened = _FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
            continue
        if opened:
            fence = opened.group(1)
            continue
        if not _CODE_INDENT.match(line):
            kept.append(line)
    return "\n".join(kept)


# -- the agent's own metadata block ------------------------------------------------------------------


def metadata_comment(data: dict[str, object]) -> str:
    """Machine-readable metadata in an HTML comment that no value can close."""
    payload = json.dumps(data, sort_keys=True).replace("--", "\\u002d\\u002d").replace(">", "\\u003e")
    return f"{METADATA_PREFIX}{payload} -->"


def with_metadata(body: str, data: dict[str, object]) -> str:
    """`body` (cut to fit GitHub's limit) followed by the metadata block, always the body's very end, on a line of
    its own and outside any code block: `read_metadata` takes the last such line, so a block quoted inside an
    excerpt is never taken for it."""
    block = metadata_comment(data)
    return clip(body.rstrip("\n"), BODY_LIMIT - len(block) - 2) + "\n\n" + block


def read_metadata(body: str | None) -> dict[str, Any] | None:
    """The agent's metadata block: the last line that is one, outside code blocks (where an excerpt or a patch
    quotes strangers' text), or None. The agent writes it at the very end (`with_metadata`); a person editing
    the body may have added text after it, which is not read."""
    text = (body or "").rstrip()
    last = text[text.rfind("\n") + 1 :]
    lines = [last] if last.startswith(METADATA_PREFIX) else said_lines(text).splitlines()  # the end, as written
    for line in reversed(lines):
        if not line.startswith(METADATA_PREFIX):
            continue
        match = re.fullmatch(r"(\{.*\}) -->\s*", line[len(METADATA_PREFIX) :])
        if not match:
            return None
        try:
            value = json.loads(match.group(1))
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, dict) else None
    return None


def clip(text: str, limit: int = BODY_LIMIT) -> str:
    if len(text) <= limit:
        return text
    note = "\n\n(truncated to fit GitHub's 65,536-character limit)"
    return text[: limit - len(note)] + note


def iso8601(ts: float | None) -> str | None:
    """A time for machines: ISO 8601, UTC, to the second (`2026-11-01T12:00:00Z`); None for "never"."""
    if not ts:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- strangers' documents ---------------------------------------------------------------------------

MAX_DEPTH = 64  # GitHub's event payloads nest about 6 deep, a config file 3


def nesting_depth(value: object) -> int:
    """How deep lists and dicts nest in `value` (a scalar: 0), found without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else None
        if children is not None:
            deepest = max(deepest, depth)
            stack.extend((child, depth + 1) for child in children)
    return deepest


def depth_problem(value: object, limit: int = MAX_DEPTH) -> str | None:
    depth = nesting_depth(value)
    return f"it nests {depth} levels deep (at most {limit})" if depth > limit else None


def load_json(text: str | bytes, limit: int = MAX_DEPTH) -> Any:
    """JSON from a stranger, nested at most `limit` deep: a ValueError for anything else, never a RecursionError
    (the parser's own limit ends a document nested thousands deep; `limit` the ones it still reads)."""
    try:
        value = json.loads(text)
    except RecursionError:
        raise ValueError(f"it nests deeper than Python's parser reads (at most {limit})") from None
    problem = depth_problem(value, limit)
    if problem:
        raise ValueError(problem)
    return value


# -- secrets -------------------------------------------------------------------------------------------

_TOKEN_SHAPES = [
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{16,}|github_pat_\w{20,})\b"), ""),  # GitHub's token formats
    (re.compile(r"(?i)(authorization:\s*(?:basic|bearer|token)\s+)\S+"), r"\1"),  # a header's value
    (re.compile(r"(?i)(['\"](?:token|bearer)\s+)[^'\"\s]+"), r"\1"),  # a header value quoted in an exception
    (re.compile(r"(x-access-token:)[^@\s]+"), r"\1"),
    # credentials in a URL (user:password@), to the authority's last @ (a password may hold one unencoded)
    (re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]+(?=@)"), r"\1"),
    (re.compile(r"\b(bot)?\d{6,12}:[A-Za-z0-9_-]{30,}"), r"\1"),  # a Telegram bot token
    (re.compile(r"((?:hooks\.slack\.com)?/(?:services|workflows|triggers)/)[A-Za-z0-9_/-]{16,}"), r"\1"),  # Slack
    # a query parameter named as a secret (access_token, sslpassword, client_secret, passwd, key, sig, code, ...)
    (re.compile(r"(?i)([?&](?:\w*(?:token|secret|passw(?:or)?d)|key|sig|signature|code)=)[^&#\s\"']+"), r"\1"),
    (re.compile(r"(?i)(_auth(?:Token)?\s*=\s*)\S+"), r"\1"),  # npm's .npmrc credentials
]
_SECRET_NAMES = re.compile(r"TOKEN|SECRET|PASSWORD|PRIVATE_KEY|WEBHOOK|API_KEY", re.IGNORECASE)
_REMEMBERED: set[str] = set()  # the secrets this process was given (`remember_secrets`)


def remember_secrets(*values: str | None) -> None:
    """Secrets this process was given (tokens, webhook URLs, bot tokens, passwords): `redact` removes them from
    everything it cleans from now on. Of a URL also its password and its path with query (a library's debug
    line shows `POST /services/T0/B0/XXXX`, not the URL), when long enough to be the secret."""
    for value in values:
        value = (value or "").strip()
        if len(value) < 6:
            continue
        _REMEMBERED.add(value)
        if "://" in value:
            parts = urllib.parse.urlsplit(value)
            path = parts.path + (f"?{parts.query}" if parts.query else "")
            _REMEMBERED.update(v for v in (parts.password or "", path) if len(v) >= 8)


def shown_url(url: str) -> str:
    """One URL as a message shows it: everything between its scheme and its last `@` replaced by `***` (its
    credentials, however they are written: a password may hold an unencoded `/`, `#`, `?`, `@` or space, which
    no parser reads as a password), then `redact`ed."""
    text = url.strip()
    scheme, sep, rest = text.partition("://")
    if sep and "@" in rest:
        text = f"{scheme}://***@{rest.rpartition('@')[2]}"
    return redact(text)


def redact(text: str, *known: str | None) -> str:
    """`text` with the given secrets, the remembered ones, the values of secret-looking environment variables,
    credentials inside URLs, and anything shaped like a GitHub token, an Authorization header value, a Telegram
    bot token or a Slack webhook's path replaced by `***`."""
    values = [k.strip() for k in known if k and len(k.strip()) >= 6] + list(_REMEMBERED)
    values += [v.strip() for name, v in os.environ.items() if _SECRET_NAMES.search(name) and len(v.strip()) >= 8]
    for value in sorted(set(values), key=len, reverse=True):
        text = text.replace(value, "***")
    for shape, keep in _TOKEN_SHAPES:
        text = shape.sub(keep + "***", text)
    return text
