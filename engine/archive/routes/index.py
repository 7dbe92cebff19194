"""The archived index: messages journaling or legacy ingestion put in the archive,
litigation hold, and whether a mailbox's messages are archived and readable (S2, M2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from engine.errors import NotFound
from engine.model import MAX_INT, Bool, Int
from engine.webapi import Resource, StrictBody

from ..store import ArchiveStore
from .auth import Caller, authorize
from .common import SCOPED, ForTaskMailbox

routes: Resource[ArchiveStore] = Resource("index")


class ArchivedIn(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    subject: str = Field(default="", max_length=1000)
    received: datetime | None = None
    size: Int = Field(default=0, ge=0, le=MAX_INT)
    readers: list[str] = Field(default_factory=list, max_length=10_000)


class ArchivedBatch(StrictBody):
    messages: list[ArchivedIn] = Field(max_length=100_000)


class HoldIn(StrictBody):
    items: list[str] = Field(max_length=100_000)
    held: Bool = True


class CheckIn(ForTaskMailbox):
    items: list[str] = Field(max_length=10_000)


@routes.route("POST", "/api/archived", auth="admin", body=ArchivedBatch)
def ingest(store: ArchiveStore, _: Any, body: ArchivedBatch) -> dict[str, Any]:
    """Index messages journaling or legacy ingestion put in the archive"""
    rows = [
        {
            "item": m.item,
            "subject": m.subject,
            "received": m.received.timestamp() if m.received else None,
            "size": m.size,
            "readers": m.readers,
        }
        for m in body.messages
    ]
    return {"indexed": store.ingest_archived(rows)}


@routes.route("POST", "/api/archived/hold", auth="admin", body=HoldIn)
def hold(store: ArchiveStore, _: Any, body: HoldIn) -> dict[str, Any]:
    """Set or clear litigation hold"""
    return {"changed": store.hold(body.items, body.held)}


@routes.route("POST", "/api/archived/check", auth="any", body=CheckIn, responses=SCOPED)
def check(store: ArchiveStore, caller: Caller, body: CheckIn) -> dict[str, Any]:
    """S2/M2: archived and readable by this mailbox?"""
    authorize(store, caller, body.task_id, body.mailbox, ())
    return {"mailbox": body.mailbox, "results": store.check(body.mailbox, body.items)}


@routes.route("GET", "/api/archived/<path:item>", auth="admin", responses={404: "Not archived"})
def archived_message(store: ArchiveStore, _: Any, item: str) -> dict[str, Any]:
    """One archived message (readers, hold, purge date)"""
    found = store.archived_message(item)
    if found is None:
        raise NotFound("item", "not in the archive")
    return found
