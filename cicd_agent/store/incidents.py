"""The store's storm tables: sightings of explained failures and the incidents they add up to."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import TYPE_CHECKING, Any

import sqlite_utils

from cicd_agent.model import Incident, Sighting


def incident_of(row: dict[str, Any]) -> Incident:
    values = {k: v for k, v in row.items() if k in INCIDENT_FIELDS}
    values["repos"] = tuple(json.loads(row["repos"] or "[]"))
    for name in ("issue_repo", "issue_url", "category"):
        values[name] = values.get(name) or ""
    values["issue_number"] = values.get("issue_number") or 0
    return Incident(**values)


INCIDENT_FIELDS = {f.name for f in dataclasses.fields(Incident)}


class IncidentQueries:
    """Mixed into `Store` (which provides the connection, transactions and write reporting)."""

    db: sqlite_utils.Database

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...

        def _wrote(self, action: str, target: str) -> None: ...

    def add_sighting(self, sighting: Sighting) -> None:
        """Record an explained failure once (seeing the same run attempt again changes nothing)."""
        with self.transaction():
            self.db.table("sightings").insert(dataclasses.asdict(sighting), ignore=True)
        self._wrote("store.sighting", f"{sighting.repo} run {sighting.run_id}#{sighting.run_attempt}")

    def sighting_repos(self, signature: str, *, since: float) -> frozenset[str]:
        """The repositories that showed this signature since `since`."""
        rows = self.db.execute(
            "SELECT DISTINCT repo FROM sightings WHERE signature = ? AND at >= ?", [signature, since]
        ).fetchall()
        return frozenset(str(row[0]) for row in rows)

    def save_incident(self, incident: Incident) -> Incident:
        """Insert a new incident (id 0) or replace the stored one; returns it with its id."""
        row = {**dataclasses.asdict(incident), "repos": json.dumps(list(incident.repos))}
        with self.transaction():
            table = self.db.table("incidents")
            if incident.id:
                table.update(incident.id, {k: v for k, v in row.items() if k != "id"})
                saved = incident
            else:
                row.pop("id")
                table.insert(row)
                saved = dataclasses.replace(incident, id=int(table.last_pk or 0))
        self._wrote("store.incident", f"#{saved.id} {incident.signature[:12]}")
        return saved

    def active_incident(self, signature: str) -> Incident | None:
        rows = list(self.db.table("incidents").rows_where("signature = ? AND ended_at IS NULL", [signature]))
        return incident_of(rows[0]) if rows else None

    def incidents(self, *, active: bool | None = None) -> list[Incident]:
        where = {True: "ended_at IS NULL", False: "ended_at IS NOT NULL", None: None}[active]
        return [incident_of(r) for r in self.db.table("incidents").rows_where(where, order_by="id")]
