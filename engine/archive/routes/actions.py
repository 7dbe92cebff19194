"""What sites record doing in Exchange and what it means for the archive: storage
management's stubs and deletes (S3), Expire View (M3) and Archive Purge (M4)."""

from __future__ import annotations

from typing import Any

from engine.webapi import Query, Resource
from engine.wire.console_archive import StubLog
from engine.wire.site_archive import Expired, ExpireIn, Purged, PurgeIn, Recorded, StubsIn

from ..store import ArchiveStore
from .auth import Caller, authorize
from .common import MAILBOX, SCOPED

routes: Resource[ArchiveStore] = Resource("actions")


@routes.route("POST", "/api/stubs", auth="site", body=StubsIn, responses=SCOPED, answer=Recorded)
def stubs(store: ArchiveStore, caller: Caller, body: StubsIn) -> Recorded:
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
    answer=StubLog,
)
def stub_log(store: ArchiveStore, _: Any, mailbox: str) -> StubLog:
    """What storage management and managed folders recorded doing in a mailbox (S3, M2)"""
    return {"mailbox": mailbox.lower(), "entries": store.stub_log(mailbox.lower())}


@routes.route("POST", "/api/expire", auth="site", body=ExpireIn, responses=SCOPED, answer=Expired)
def expire(store: ArchiveStore, caller: Caller, body: ExpireIn) -> Expired:
    """M3: the items leave the Live and Full Views"""
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    return {"expired": store.expire(body.mailbox.lower(), body.items)}


@routes.route("POST", "/api/purge", auth="site", body=PurgeIn, responses=SCOPED, answer=Purged)
def purge(store: ArchiveStore, caller: Caller, body: PurgeIn) -> Purged:
    """M4: set purge dates (received + lifespan; held messages are not purged) of messages the mailbox may read (others
    are counted 'unreadable' and left alone)"""
    authorize(store, caller, body.task_id, body.mailbox, ("managed_folders",))
    entries = [(e.item, e.received.timestamp(), e.lifespan_days) for e in body.entries]
    return store.purge(body.mailbox.lower(), entries)
