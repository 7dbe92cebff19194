"""The archived index: messages journaling or legacy ingestion put in the archive,
litigation hold, and whether a mailbox's messages are archived and readable (S2, M2)."""

from __future__ import annotations

from typing import Any

from engine.errors import NotFound
from engine.webapi import Resource
from engine.wire.console_archive import ArchivedBatch, ArchivedMessage, Changed, HoldIn, Indexed
from engine.wire.site_archive import Checked, CheckIn

from ..store import ArchiveStore
from .auth import Caller, authorize
from .common import SCOPED

routes: Resource[ArchiveStore] = Resource("index")


@routes.route("POST", "/api/archived", auth="admin", body=ArchivedBatch, answer=Indexed)
def ingest(store: ArchiveStore, _: Any, body: ArchivedBatch) -> Indexed:
    """Index messages journaling or legacy ingestion put in the archive"""
    rows = [
        {
            "item": m.item,
            "subject": m.subject,
            "sender": m.sender,
            "received": m.received.timestamp() if m.received else None,
            "size": m.size,
            "readers": m.readers,
        }
        for m in body.messages
    ]
    return {"indexed": store.ingest_archived(rows)}


@routes.route("POST", "/api/archived/hold", auth="admin", body=HoldIn, answer=Changed)
def hold(store: ArchiveStore, _: Any, body: HoldIn) -> Changed:
    """Set or clear litigation hold"""
    return {"changed": store.hold(body.items, body.held)}


@routes.route("POST", "/api/archived/check", auth="any", body=CheckIn, responses=SCOPED, answer=Checked)
def check(store: ArchiveStore, caller: Caller, body: CheckIn) -> Checked:
    """S2/M2: archived and readable by this mailbox?"""
    authorize(store, caller, body.task_id, body.mailbox, ())
    return {"mailbox": body.mailbox, "results": store.check(body.mailbox, body.items)}


@routes.route("GET", "/api/archived/<path:item>", auth="admin", responses={404: "Not archived"}, answer=ArchivedMessage)
def archived_message(store: ArchiveStore, _: Any, item: str) -> ArchivedMessage:
    """One archived message (readers, hold, purge date)"""
    found = store.archived_message(item)
    if found is None:
        raise NotFound("item", "not in the archive")
    return found
