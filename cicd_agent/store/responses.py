"""The answers conditional reads are asked again with (`github.conditional`), kept across processes: a cron's
`agent run` or an Action step starts with the validators the last one got. A cache, not state: an entry not
used for `KEEP` seconds is dropped, and losing them all only costs full-price reads."""

from __future__ import annotations

import contextlib
import time
from typing import TYPE_CHECKING

from cicd_agent.store.backend import Backend

KEEP = 7 * 24 * 3600.0


class ResponseQueries:
    """Mixed into `Store` (which provides the connection and transactions). Not reported as writes: a dry run
    works on an in-memory copy of the store anyway, and what it keeps here is no decision."""

    sql: Backend

    if TYPE_CHECKING:

        def transaction(self) -> contextlib.AbstractContextManager[None]: ...

    def cached_response(self, key: str) -> tuple[str, str] | None:
        row = self.sql.one("SELECT validator, body FROM responses WHERE key = ?", [key])
        return (str(row["validator"]), str(row["body"])) if row else None

    def cache_response(self, key: str, validator: str, body: str) -> None:
        now = time.time()
        with self.transaction():
            self.sql.upsert(
                "responses", [{"key": key, "validator": validator, "body": body, "used_at": now}], pk=("key",)
            )
            self.sql.execute("DELETE FROM responses WHERE used_at < ?", [now - KEEP])
