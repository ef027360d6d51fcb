"""The App's webhook deliveries (its JWT only, as GitHub): every attempt listed newest first, paged by a cursor in
the `Link` header (`GET /app/hook/deliveries`), and a redelivery asked for (`POST
/app/hook/deliveries/{delivery_id}/attempts`, answered 202; the new attempt is made in the background)."""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Any

from cicd_agent.sandbox.model import ApiError, Call, Response, iso
from cicd_agent.sandbox.routes import RootRoutes
from cicd_agent.sandbox.webhooks import Delivery

if TYPE_CHECKING:
    from cicd_agent.sandbox.app import Sandbox


def simple_delivery(d: Delivery) -> dict[str, Any]:
    """GitHub's "simple webhook delivery"."""
    return {
        "id": d.id,
        "guid": d.guid,
        "delivered_at": iso(d.delivered_at),
        "redelivery": d.redelivery,
        "duration": round(d.duration, 3),
        "status": d.status_text,
        "status_code": d.status or 0,
        "event": d.event,
        "action": d.action or None,
        "installation_id": d.installation_id,
        "repository_id": d.repository_id,
        "throttled_at": None,
    }


def list_deliveries(sb: Sandbox, call: Call) -> Response:
    attempts = sb.webhooks.attempts()
    try:
        per_page = min(max(int(call.query.get("per_page", 30)), 1), 100)
        cursor = int(call.query["cursor"]) if "cursor" in call.query else None
    except ValueError:
        raise ApiError(400, "Bad Request") from None
    start = next((i for i, d in enumerate(attempts) if d.id == cursor), 0) if cursor is not None else 0
    page = attempts[start : start + per_page]
    headers = {}
    if start + per_page < len(attempts):
        query = urllib.parse.urlencode({"per_page": per_page, "cursor": attempts[start + per_page].id})
        headers["Link"] = f'<{sb.base_url}/app/hook/deliveries?{query}>; rel="next"'
    return Response(200, [simple_delivery(d) for d in page], headers=headers)


def redeliver(sb: Sandbox, call: Call) -> Response:
    if sb.webhooks.redeliver(int(call.params["delivery_id"])) is None:
        raise ApiError(404, "Not Found")
    return Response(202, {})


ROOT_ROUTES: RootRoutes = [
    ("GET", "/app/hook/deliveries", list_deliveries),
    ("POST", "/app/hook/deliveries/{delivery_id}/attempts", redeliver),
]
