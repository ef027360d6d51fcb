"""The dashboard: a read-only HTML page the watcher and `agent serve` serve beside `/metrics` (the same address
rules), for people who would rather look than read. `/dashboard` is the fleet (its repositories, open
remediations, breakers by state, health checks due, storms, flaky tests, recent outcomes); `/dashboard/remediation?id=N`
one remediation's timeline (failure, decisions, pull request, health checks, outcome, with links).

Plain HTML and CSS, rendered here from `remediation.fleet_view`'s values by pure functions: no JavaScript, no
build chain, nothing fetched from elsewhere (a Content-Security-Policy forbids it), strangers' text escaped by
`text.page` and links kept to http(s) by `text.page_url`. The fleet page reloads itself every 30 seconds."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager
from dataclasses import dataclass

from cicd_agent.breaker import State
from cicd_agent.config.settings import Config
from cicd_agent.model import Remediation
from cicd_agent.modes.server import Request, Response, Route
from cicd_agent.remediation import fleet_view
from cicd_agent.remediation.breaker_service import Breakers
from cicd_agent.remediation.fleet_view import Fleet, Timeline
from cicd_agent.store import Store
from cicd_agent.text import iso8601, page, page_url

REFRESH_SECONDS = 30
COLOURS = {
    State.CLOSED: "#2da44e",
    State.HALF_OPEN: "#bf8700",
    State.OPEN: "#cf222e",
    State.FORCED_OPEN: "#8250df",
    State.DISABLED: "#6e7781",
}
STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 72rem; padding: 1rem; color: #1f2328; }
h1 { font-size: 1.4rem; margin: 0 0 .25rem; } h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.muted { color: #59636e; } .banner { background: #fff8c5; border: 1px solid #d4a72c; padding: .5rem .75rem; }
.cards { display: flex; flex-wrap: wrap; gap: .75rem; margin: 1rem 0; }
.card { border: 1px solid #d1d9e0; border-radius: 6px; padding: .5rem .9rem; min-width: 9rem; }
.card b { display: block; font-size: 1.6rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .3rem .5rem; }
th { border-bottom: 2px solid #d1d9e0; } td { border-bottom: 1px solid #eef1f4; vertical-align: top; }
code { font-size: .9em; } .state { font-weight: 600; }
ol.timeline { list-style: none; padding: 0; border-left: 3px solid #d1d9e0; margin-left: .5rem; }
ol.timeline li { margin: 0 0 .9rem; padding-left: 1rem; position: relative; }
ol.timeline li::before { content: ""; position: absolute; left: -.55rem; top: .35rem; width: .7rem;
  height: .7rem; border-radius: 50%; background: #59636e; }
ol.timeline li.failure::before { background: #cf222e; } ol.timeline li.outcome::before { background: #2da44e; }
.kind { font-size: .8em; text-transform: uppercase; letter-spacing: .04em; color: #59636e; }
"""
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


@dataclass(frozen=True)
class Page:
    status: int
    html: str


def when(ts: float | None) -> str:
    return page(iso8601(ts) or "-")


def link(text: str, url: str) -> str:
    """An anchor when `url` is a safe http(s) URL, else the text alone."""
    target = page_url(url)
    return f'<a href="{target}">{page(text)}</a>' if target else page(text)


def _document(title: str, body: str, *, refresh: bool = False) -> str:
    reload = f'<meta http-equiv="refresh" content="{REFRESH_SECONDS}">' if refresh else ""
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">{reload}'
        f"<title>{page(title)}</title><style>{STYLE}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def _table(headers: Iterable[str], rows: list[list[str]], empty: str) -> str:
    """Cells are HTML already (escaped by whoever made them)."""
    if not rows:
        return f'<p class="muted">{page(empty)}</p>'
    head = "".join(f"<th>{page(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def breaker_chart(counts: dict[str, int]) -> str:
    """Breakers by state as one stacked bar (inline SVG) with its legend."""
    total = sum(counts.values())
    if not total:
        return '<p class="muted">no breakers yet</p>'
    x, bars, legend = 0.0, [], []
    for state in State:
        n = counts.get(str(state), 0)
        if not n:
            continue
        width = 600 * n / total
        bars.append(f'<rect x="{x:.1f}" y="0" width="{width:.1f}" height="24" fill="{COLOURS[state]}"/>')
        legend.append(f'<span class="state" style="color:{COLOURS[state]}">{page(str(state))} {n}</span>')
        x += width
    svg = (
        f'<svg role="img" aria-label="breakers by state" viewBox="0 0 600 24" width="600" height="24" '
        f'xmlns="http://www.w3.org/2000/svg">{"".join(bars)}</svg>'
    )
    return f'<div id="breaker-chart">{svg}<div>{" &nbsp; ".join(legend)}</div></div>'


def _timeline_link(rem: Remediation, text: str) -> str:
    return f'<a href="/dashboard/remediation?id={rem.id}">{page(text)}</a>'


def _pr(rem: Remediation) -> str:
    return link(f"#{rem.pr_number}", rem.pr_url) if rem.pr_number else '<span class="muted">-</span>'


def fleet_page(view: Fleet) -> str:
    """The fleet page (pure)."""
    parts = [
        "<h1>cicd-agent</h1>",
        f'<p class="muted">as of {when(view.at)}; last cycle '
        f"{when(view.last_cycle['at']) if view.last_cycle else 'never'}; this page reloads every "
        f"{REFRESH_SECONDS} s</p>",
    ]
    if view.paused:
        parts.append(
            f'<p class="banner" id="paused"><b>Paused</b> since {when(view.paused.get("at"))} by '
            f"{page(str(view.paused.get('by') or '-'))}: {page(str(view.paused.get('reason') or '-'))}. "
            f"{view.held_writes} write(s) held; <code>agent resume</code> lets the next cycle decide them again.</p>"
        )
    open_breakers = len(view.open_breakers)
    cards = [
        ("repositories", len(view.repos)),
        ("open remediations", len(view.open_remediations)),
        ("open breakers", open_breakers),
        ("health checks waiting", len(view.health_checks)),
        ("storms", len(view.storms)),
    ]
    parts.append('<div class="cards">' + "".join(f'<div class="card"><b>{n}</b>{page(t)}</div>' for t, n in cards))
    parts.append("</div>")
    parts += ["<h2>Breakers by state</h2>", breaker_chart(view.breakers)]
    parts.append("<h2>Repositories</h2>")
    rows = [
        [
            f"<code>{page(r.repo)}</code>",
            page(", ".join(r.branches)),
            str(r.open_remediations),
            str(r.open_breakers),
            str(r.health_checks),
            when(r.last_failure),
        ]
        for r in view.repos
    ]
    headers = ("repository", "branches", "open remediations", "open breakers", "health checks", "last failure")
    parts.append(_table(headers, rows, "no repositories configured"))
    parts += ["<h2>Open remediations</h2>", _remediations(view.open_remediations, "none open")]
    parts.append("<h2>Health checks waiting</h2>")
    rows = [
        [
            "now" if h["due_now"] else when(h["due_at"]),
            link(f"{h['repo']} #{h['pr_number']}" if h["pr_number"] else h["repo"], h["pr_url"]),
            page(h["awaiting"]),
            when(h["deadline"]),
        ]
        for h in view.health_checks
    ]
    parts.append(_table(("due", "for", "waits for", "gives up"), rows, "none waiting"))
    parts.append("<h2>Open breakers</h2>")
    rows = [
        [
            f'<span class="state" style="color:{COLOURS[State(b.state)]}">{page(b.state)}</span>',
            f"<code>{page(b.repo)}</code>",
            page(b.branch),
            f"<code>{page(b.signature[:12])}</code>",
            str(b.failures),
            when(b.half_open_at),
        ]
        for b in view.open_breakers
    ]
    parts.append(_table(("state", "repository", "branch", "signature", "failures", "half-open at"), rows, "none"))
    parts.append("<h2>Storms</h2>")
    rows = [
        [
            f"<code>{page(i.signature[:12])}</code> {page(i.category)}",
            page(", ".join(i.repos)),
            when(i.started_at),
            link(f"#{i.issue_number}", i.issue_url) if i.issue_url else "-",
        ]
        for i in view.storms
    ]
    parts.append(_table(("failure", "repositories", "since", "issue"), rows, "none"))
    parts.append("<h2>Flaky tests</h2>")
    rows = [
        [page(str(f.get("repo", ""))), page(str(f.get("test", ""))), page(str(f.get("seen", "")))] for f in view.flaky
    ]
    parts.append(_table(("repository", "test", "seen"), rows, "none recorded"))
    parts += ["<h2>Recent outcomes</h2>", _remediations(view.recent, "none yet")]
    return _document("cicd-agent dashboard", "\n".join(parts), refresh=True)


def _remediations(rems: list[Remediation], empty: str) -> str:
    rows = [
        [
            _timeline_link(rem, f"{rem.id}"),
            f"<code>{page(rem.repo)}</code>",
            page(rem.branch),
            page(str(rem.strategy)),
            f'<span class="state">{page(str(rem.state))}</span>',
            _pr(rem),
            when(rem.updated_at or rem.created_at),
        ]
        for rem in rems
    ]
    return _table(("timeline", "repository", "branch", "strategy", "state", "PR / issue", "updated"), rows, empty)


def timeline_page(view: Timeline) -> str:
    """One remediation's timeline (pure)."""
    rem = view.remediation
    parts = [
        '<p><a href="/dashboard">&larr; the fleet</a></p>',
        f"<h1>Remediation {rem.id}: <code>{page(rem.repo)}</code> {page(rem.branch)}</h1>",
        f'<p class="muted">signature <code>{page(rem.signature)}</code>; {page(str(rem.strategy))}'
        f"{page(f' with {rem.fixer}') if rem.fixer else ''}; now <b>{page(str(rem.state))}</b></p>",
        '<ol class="timeline">',
    ]
    for event in view.events:
        detail = f"<div>{page(event.detail)}</div>" if event.detail else ""
        target = f" {link('link', event.url)}" if page_url(event.url) else ""
        parts.append(
            f'<li class="{page(event.kind)}"><span class="kind">{page(event.kind.replace("_", " "))}</span> '
            f'<span class="muted">{when(event.at)}</span><div><b>{page(event.title)}</b>{target}</div>{detail}</li>'
        )
    parts.append("</ol>")
    return _document(f"cicd-agent: remediation {rem.id}", "\n".join(parts))


def not_found(message: str) -> str:
    body = f'<p><a href="/dashboard">&larr; the fleet</a></p><h1>Not found</h1><p>{page(message)}</p>'
    return _document("cicd-agent: not found", body)


def answer(path: str, query: str, fleet: Callable[[], Fleet], timeline: Callable[[int], Timeline | None]) -> Page:
    """The page for a GET of `path?query` (`/dashboard`, `/dashboard/remediation?id=N`)."""
    if path == "/dashboard":
        return Page(200, fleet_page(fleet()))
    params = dict(part.split("=", 1) for part in query.split("&") if "=" in part)
    number = params.get("id", "")
    if not number.isascii() or not number.isdigit() or len(number) > 12:
        return Page(400, not_found("give the remediation's number: /dashboard/remediation?id=N"))
    found = timeline(int(number))
    if found is None:
        return Page(404, not_found(f"no remediation {number}"))
    return Page(200, timeline_page(found))


def routes(
    reading: Callable[[], AbstractContextManager[Store]], config: Config, clock: Callable[[], float] = time.time
) -> list[Route]:
    """`/` and `/dashboard` (the fleet), `/dashboard/remediation?id=N` (a timeline), read from the store that
    `reading` opens for each request (a connection of its own, as /metrics reads it)."""
    web = fleet_view.web_url(config.api_url())

    def handle(request: Request) -> Response:
        with reading() as store:
            found = answer(
                "/dashboard" if request.path == "/" else request.path,
                request.query,
                lambda: fleet_view.fleet(Breakers(store, config), clock()),
                lambda number: fleet_view.timeline(store, number, web),
            )
        return Response.text(found.status, found.html, "text/html; charset=utf-8")

    return [Route("/", handle), Route("/dashboard", handle), Route("/dashboard/remediation", handle)]
