"""GitHub's JSON shapes for accounts: the authenticated user, an app, a collaborator's permission, and the
events of an issue's timeline."""

from __future__ import annotations

from typing import Any

from cicd_agent.sandbox.model import App, Event, Person, Repo
from cicd_agent.sandbox.shapes import EPOCH, account, user


def private_user(base: str, who: Person) -> dict[str, Any]:
    """`GET /user`: the token's own account."""
    return {
        **account(base, who),
        "name": who.login,
        "company": None,
        "blog": "",
        "location": None,
        "email": None,
        "hireable": None,
        "bio": None,
        "twitter_username": None,
        "public_repos": 0,
        "public_gists": 0,
        "followers": 0,
        "following": 0,
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "private_gists": 0,
        "total_private_repos": 0,
        "owned_private_repos": 0,
        "disk_usage": 0,
        "collaborators": 0,
        "two_factor_authentication": True,
    }


def integration(base: str, app: App) -> dict[str, Any]:
    """`GET /app`: the app a JWT belongs to."""
    return {
        "id": int(app.id) if app.id.isdigit() else 0,
        "slug": app.slug,
        "node_id": f"A_{app.id}",
        "client_id": f"Iv1.{app.id}",
        "owner": user(base, "sandbox-org", 3, "Organization"),
        "name": app.slug,
        "description": None,
        "external_url": f"{base}/apps/{app.slug}",
        "html_url": f"{base}/apps/{app.slug}",
        "created_at": EPOCH,
        "updated_at": EPOCH,
        "permissions": {"contents": "write", "issues": "write", "pull_requests": "write", "actions": "write"},
        "events": ["workflow_run"],
        "installations_count": 1,
    }


def collaborator_permission(base: str, who: Person, permission: str) -> dict[str, Any]:
    """The `repository-collaborator-permission` of an account on a repository."""
    rank = ("none", "read", "write", "admin").index(permission)
    flags = {"pull": rank >= 1, "triage": rank >= 2, "push": rank >= 2, "maintain": rank >= 3, "admin": rank >= 3}
    collaborator = {**account(base, who), "permissions": flags, "role_name": permission}
    return {"permission": permission, "role_name": permission, "user": collaborator}


def issue_event(base: str, repo: Repo, event: Event) -> dict[str, Any]:
    api = f"{base}/repos/{repo.full_name}"
    data: dict[str, Any] = {
        "id": event.id,
        "node_id": f"E_{event.id}",
        "url": f"{api}/issues/events/{event.id}",
        "actor": account(base, event.actor),
        "event": event.event,
        "commit_id": event.commit_id,
        "commit_url": f"{api}/commits/{event.commit_id}" if event.commit_id else None,
        "created_at": event.created_at,
        "performed_via_github_app": None,
    }
    if event.label is not None:
        data["label"] = {"name": event.label, "color": "ededed"}
    return data
