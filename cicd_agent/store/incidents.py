"""The store's storm tables: sightings of explained failures and the incidents they add up to."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from typing import TYPE_CHECKING, Any

from cicd_agent.model import Incident, Sighting
from cicd_agent.store.backend import Backend


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

    sql: Backend

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...

        def _wrote(self, action: str, target: str) -> None: ...

    def add_sighting(self, sighting: Sighting) -> None:
        """Record an explained failure once (seeing the same run attempt again changes nothing)."""
        with self.transaction():
            self.sql.insert("sightings", dataclasses.asdict(sighting), ignore=True)
        self._wrote("store.sighting", f"{sighting.repo} run {sighting.run_id}#{sighting.run_attempt}")

    def sighting_repos(self, signature: str, *, since: float) -> frozenset[str]:
        """The repositories that showed this signature since `since`."""
        rows = self.sql.rows("SELECT DISTINCT repo FROM sightings WHERE signature = ? AND at >= ?", [signature, since])
        return frozenset(str(row["repo"]) for row in rows)

    def save_incident(self, incident: Incident) -> Incident:
        """Insert a new incident (id 0) or replace the stored one; returns it with its id."""
        row = {**dataclasses.asdict(incident), "repos": json.dumps(list(incident.repos))}
        with self.transaction():
            if incident.id:
                self.sql.update("incidents", {"id": incident.id}, {k: v for k, v in row.items() if k != "id"})
                saved = incident
            else:
                row.pop("id")
                saved = dataclasses.replace(incident, id=self.sql.add("incidents", row))
        self._wrote("store.incident", f"#{saved.id} {incident.signature[:12]}")
        return saved

    def active_incident(self, signature: str) -> Incident | None:
        row = self.sql.one("SELECT * FROM incidents WHERE signature = ? AND ended_at IS NULL ORDER BY id", [signature])
        return incident_of(row) if row else None

    def incidents(self, *, active: bool | None = None) -> list[Incident]:
        where = {True: "ended_at IS NULL", False: "ended_at IS NOT NULL", None: "1 = 1"}[active]
        return [incident_of(r) for r in self.sql.rows(f"SELECT * FROM incidents WHERE {where} ORDER BY id")]
