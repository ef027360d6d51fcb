"""Webhook deliveries, by the GUID GitHub sends as `X-GitHub-Delivery` (the same on every redelivery): a delivery is
handled once, whichever copy comes first (the original, a redelivery the agent asked for, a retry), on whichever
host; and a redelivery is asked for by one host only, a bounded number of times. An insert that
does nothing on a conflict, then a guarded update, each answering by its row count."""

from __future__ import annotations

from cicd_agent.store.base import StoreBase

MAX_REDELIVERIES = 3  # redeliveries asked for one delivery: one that keeps failing is left to the poll sweep


class DeliveryQueries(StoreBase):
    def claim_delivery(self, guid: str, event: str, *, now: float) -> bool:
        """True for the first copy of a delivery to arrive (handle it), False for any later one (a duplicate)."""
        with self.transaction():
            inserted = self.sql.insert(
                "webhook_deliveries",
                {"guid": guid, "event": event, "received_at": now, "redelivered_at": 0, "redeliveries": 0},
                ignore=True,
            )
            claimed = inserted == 1 or (
                self.sql.execute(
                    "UPDATE webhook_deliveries SET received_at = ? WHERE guid = ? AND received_at = 0", [now, guid]
                )
                == 1
            )
        if claimed:
            self._wrote("store.delivery", guid)
        return claimed

    def handled_deliveries(self, guids: list[str]) -> set[str]:
        """Which of these deliveries were received and handled."""
        found: set[str] = set()
        for start in range(0, len(guids), 500):
            chunk = guids[start : start + 500]
            marks = ", ".join("?" for _ in chunk)
            rows = self.sql.rows(
                f"SELECT guid FROM webhook_deliveries WHERE received_at > 0 AND guid IN ({marks})", chunk
            )
            found |= {row["guid"] for row in rows}
        return found

    def claim_redelivery(self, guid: str, event: str, *, now: float, attempted_since: float) -> bool:
        """Whether this host may ask GitHub to redeliver `guid` now: it was not received, fewer than
        MAX_REDELIVERIES were asked for, and none since `attempted_since` (GitHub's last attempt of it: a
        redelivery asked for after that has not been tried yet)."""
        with self.transaction():
            inserted = self.sql.insert(
                "webhook_deliveries",
                {"guid": guid, "event": event, "received_at": 0, "redelivered_at": now, "redeliveries": 1},
                ignore=True,
            )
            claimed = inserted == 1 or (
                self.sql.execute(
                    "UPDATE webhook_deliveries SET redelivered_at = ?, redeliveries = redeliveries + 1"
                    " WHERE guid = ? AND received_at = 0 AND redelivered_at < ? AND redeliveries < ?",
                    [now, guid, attempted_since, MAX_REDELIVERIES],
                )
                == 1
            )
        if claimed:
            self._wrote("store.redelivery", guid)
        return claimed

    def release_redelivery(self, guid: str) -> None:
        """A redelivery that could not be asked for after all (GitHub refused the request, or did not answer): the
        claim is given back, so a later look may ask again."""
        with self.transaction():
            self.sql.execute(
                "UPDATE webhook_deliveries SET redelivered_at = 0, redeliveries = redeliveries - 1"
                " WHERE guid = ? AND received_at = 0 AND redeliveries > 0",
                [guid],
            )

    def forget_deliveries(self, *, before: float) -> None:
        """Drop what is older than GitHub keeps deliveries for: they can come back no more."""
        with self.transaction():
            self.sql.execute(
                "DELETE FROM webhook_deliveries WHERE received_at < ? AND redelivered_at < ?", [before, before]
            )
