"""What sites record doing in Exchange and what it means for the archive: storage
management's stubs and deletes (S3), Expire View (M3) and Archive Purge (M4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from engine.model import MAX_INT, Int
from engine.webapi import Query, Resource, StrictBody

from ..store import ArchiveStore
from .auth import Caller, authorize
from .common import MAILBOX, SCOPED

routes: Resource[ArchiveStore] = Resource()


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


class StubsIn(StrictBody):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    entries: list[StubEntry] = Field(max_length=100_000)


class ExpireIn(StrictBody):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    items: list[str] = Field(max_length=100_000)


class PurgeEntry(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    received: datetime
    lifespan_days: Int = Field(ge=1, le=36500)


class PurgeIn(StrictBody):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    entries: list[PurgeEntry] = Field(max_length=100_000)


@routes.route(
    "POST",
    "/api/stubs",
    "Record what storage management did",
    auth="site",
    body=StubsIn,
    tags=["actions"],
    responses=SCOPED,
)
def stubs(store: ArchiveStore, caller: Caller, body: StubsIn) -> dict[str, Any]:
    # a removed task's last mailbox may still record what it did in Exchange (S3)
    authorize(store, caller, body.task_id, body.mailbox, ("msm", "managed_folders"), removed_too=True)
    entries = [(e.item, e.action) for e in body.entries]
    return {"recorded": store.record_stubs(body.task_id, body.mailbox.lower(), entries)}


@routes.route(
    "GET",
    "/api/stubs",
    "What storage management and managed folders recorded doing in a mailbox (S3, M2)",
    auth="admin",
    query=[Query("mailbox", required=True, pattern=MAILBOX, description="a mailbox address")],
    tags=["actions"],
)
def stub_log(store: ArchiveStore, _: Any, mailbox: str) -> dict[str, Any]:
    return {"mailbox": mailbox.lower(), "entries": store.stub_log(mailbox.lower())}


@routes.route(
    "POST",
    "/api/expire",
    "M3: the items leave the Live and Full Views",
    auth="site",
    body=ExpireIn,
    tags=["actions"],
    responses=SCOPED,
)
def expire(store: ArchiveStore, caller: Caller, body: ExpireIn) -> dict[str, Any]:
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    return {"expired": store.expire(body.mailbox.lower(), body.items)}


@routes.route(
    "POST",
    "/api/purge",
    "M4: set purge dates (received + lifespan; held messages are not purged) of messages the mailbox "
    "may read (others are counted 'unreadable' and left alone)",
    auth="site",
    body=PurgeIn,
    tags=["actions"],
    responses=SCOPED,
)
def purge(store: ArchiveStore, caller: Caller, body: PurgeIn) -> dict[str, Any]:
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    entries = [(e.item, e.received.timestamp(), e.lifespan_days) for e in body.entries]
    return store.purge(body.mailbox.lower(), entries)
