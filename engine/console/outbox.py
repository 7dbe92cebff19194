"""The console's outbox to the archive platform: what the archive must still be told,
committed in the same transaction as the change that calls for it, so that an archive
outage can delay a delivery but never lose it (issue 11; R9: a deleted task's Full
Views are reset even when the archive was away at the moment of the delete).

Entries are delivered in order, at least once: after the change itself, at start-up,
and at the next heartbeat of any site while some are pending.  What they ask of the
archive is idempotent (a reset of a task already reset and forgotten resets nothing
more), so a delivery whose answer was lost may safely be repeated.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select, update

from .schema import ArchiveOutboxRow
from .store import ConsoleStore

RESET_TASK = "reset_task"


@dataclass(frozen=True)
class OutboxEntry:
    id: int
    kind: str
    task_id: int
    site_id: int
    attempts: int
    last_error: str


class Outbox:
    def __init__(self, store: ConsoleStore) -> None:
        self.store = store

    def pending(self) -> list[OutboxEntry]:
        with self.store.session() as s:
            rows = s.scalars(select(ArchiveOutboxRow).order_by(ArchiveOutboxRow.id))
            return [OutboxEntry(r.id, r.kind, r.task_id, r.site_id, r.attempts, r.last_error) for r in rows]

    def delivered(self, entry: OutboxEntry) -> None:
        with self.store.session() as s:
            s.execute(delete(ArchiveOutboxRow).where(ArchiveOutboxRow.id == entry.id))

    def failed(self, entry: OutboxEntry, error: str) -> None:
        with self.store.session() as s:
            s.execute(
                update(ArchiveOutboxRow)
                .where(ArchiveOutboxRow.id == entry.id)
                .values(attempts=ArchiveOutboxRow.attempts + 1, last_error=error[:500])
            )


__all__ = ["RESET_TASK", "Outbox", "OutboxEntry"]
