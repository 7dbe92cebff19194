"""What sites record doing in Exchange and what it means for the archive: storage
management's stubs and deletes (S3), Expire View (M3) and Archive Purge (M4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from engine.model import Int
from engine.webapi import Query, Resource, StrictBody

from ..store import ArchiveStore
from .auth import Caller, authorize
from .common import MAILBOX, SCOPED, ForTaskMailbox

routes: Resource[ArchiveStore] = Resource("actions")


class StubEntry(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    action: Literal[
        "message_delete",
        "full_stub",
        "attachment_stub",
        "attachment_stub_universal",
        "move_to_deleted_items",
        "soft_delete",
        "hard_delete",
    ]


class StubsIn(ForTaskMailbox):
    entries: list[StubEntry] = Field(max_length=100_000)


class ExpireIn(ForTaskMailbox):
    items: list[str] = Field(max_length=100_000)


class PurgeEntry(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    received: datetime
    lifespan_days: Int = Field(ge=1, le=36500)


class PurgeIn(ForTaskMailbox):
    entries: list[PurgeEntry] = Field(max_length=100_000)


@routes.route("POST", "/api/stubs", auth="site", body=StubsIn, responses=SCOPED)
def stubs(store: ArchiveStore, caller: Caller, body: StubsIn) -> dict[str, Any]:
    # a removed task's last mailbox may still record what it did in Exchange (S3)
    """Record what storage management did"""
    authorize(store, caller, body.task_id, body.mailbox, ("msm", "managed_folders"), removed_too=True)
    entries = [(e.item, e.action) for e in body.entries]
    return {"recorded": store.record_stubs(body.task_id, body.mailbox.lower(), entries)}


@routes.route(
    "GET",
    "/api/stubs",
    auth="admin",
    query=[Query("mailbox", required=True, pattern=MAILBOX, description="a mailbox address")],
)
def stub_log(store: ArchiveStore, _: Any, mailbox: str) -> dict[str, Any]:
    """What storage management and managed folders recorded doing in a mailbox (S3, M2)"""
    return {"mailbox": mailbox.lower(), "entries": store.stub_log(mailbox.lower())}


@routes.route("POST", "/api/expire", auth="site", body=ExpireIn, responses=SCOPED)
def expire(store: ArchiveStore, caller: Caller, body: ExpireIn) -> dict[str, Any]:
    """M3: the items leave the Live and Full Views"""
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    return {"expired": store.expire(body.mailbox.lower(), body.items)}


@routes.route("POST", "/api/purge", auth="site", body=PurgeIn, responses=SCOPED)
def purge(store: ArchiveStore, caller: Caller, body: PurgeIn) -> dict[str, Any]:
    """M4: set purge dates (received + lifespan; held messages are not purged) of messages the mailbox may read (others
    are counted 'unreadable' and left alone)"""
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    entries = [(e.item, e.received.timestamp(), e.lifespan_days) for e in body.entries]
    return store.purge(body.mailbox.lower(), entries)
