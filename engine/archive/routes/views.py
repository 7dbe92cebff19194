"""The Live and Full Views of a mailbox (its folder tree and each folder's items) and
its calendar replica (C1), for the console's Exchange Folders browser and for sites;
a folder's messages as the archived index describes them, for the console only."""

from __future__ import annotations

from datetime import datetime

from engine.errors import NotFound
from engine.webapi import Query, Resource
from engine.wire.console_archive import MessagesPage
from engine.wire.views import CalendarReplica, FolderTree, ItemsPage

from ..store import ArchiveStore
from .auth import Caller, reaches
from .common import AS_OF, MAILBOX_PATH, SCOPED, VIEW

routes: Resource[ArchiveStore] = Resource("views")


@routes.route(
    "GET",
    "/api/views/<mailbox>/folders",
    auth="any",
    query=[VIEW, AS_OF],
    path_rules=[MAILBOX_PATH],
    responses=SCOPED,
    answer=FolderTree,
)
def folder_tree(
    store: ArchiveStore, caller: Caller, mailbox: str, view: str | None, as_of: datetime | None
) -> FolderTree:
    """Folder tree of the Live or Full View"""
    reaches(store, caller, mailbox)
    return {
        "mailbox": mailbox,
        "view": "full" if view == "full" else "live",
        "folders": store.folder_tree(mailbox.lower(), view or "live", as_of),
    }


@routes.route(
    "GET",
    "/api/views/<mailbox>/items",
    auth="any",
    query=[
        Query("folder", required=True),
        VIEW,
        AS_OF,
        Query("offset", int, minimum=0, maximum=10_000_000),
        Query("limit", int, minimum=1, maximum=1000),
    ],
    path_rules=[MAILBOX_PATH],
    responses=SCOPED,
    answer=ItemsPage,
)
def folder_items(
    store: ArchiveStore,
    caller: Caller,
    mailbox: str,
    folder: str,
    view: str | None,
    as_of: datetime | None,
    offset: int | None,
    limit: int | None,
) -> ItemsPage:
    """Items of one folder of the Live or Full View, paged"""
    reaches(store, caller, mailbox)
    return store.folder_items(mailbox.lower(), folder, view or "live", as_of, offset or 0, limit or 100)


@routes.route(
    "GET",
    "/api/views/<mailbox>/messages",
    auth="admin",
    query=[
        Query("folder", required=True, description="the folder's id (as the folder tree gives it)"),
        VIEW,
        AS_OF,
        Query("offset", int, minimum=0, maximum=10_000_000),
        Query("limit", int, minimum=1, maximum=1000),
    ],
    path_rules=[MAILBOX_PATH],
    responses={404: "The folder is not in this view (as of that time)"},
    answer=MessagesPage,
)
def folder_messages(
    store: ArchiveStore,
    _: Caller,
    mailbox: str,
    folder: str,
    view: str | None,
    as_of: datetime | None,
    offset: int | None,
    limit: int | None,
) -> MessagesPage:
    """A folder's messages with subject, sender, dates and size (the console's Exchange Folders)"""
    # the admin token only: what a message says of itself (subject, sender) is the
    # archive's to tell the console, not a site's to read back
    found = store.folder_messages(mailbox.lower(), folder, view or "live", as_of, offset or 0, limit or 100)
    if found is None:
        raise NotFound("folder", "no such folder in this view of the mailbox")
    return found


@routes.route(
    "GET",
    "/api/views/<mailbox>/calendars",
    auth="any",
    path_rules=[MAILBOX_PATH],
    responses=SCOPED,
    answer=CalendarReplica,
)
def calendar_replica(store: ArchiveStore, caller: Caller, mailbox: str) -> CalendarReplica:
    """C1: the calendar replica"""
    reaches(store, caller, mailbox)
    return store.calendar_replica(mailbox.lower())
