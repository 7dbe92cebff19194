"""The archive's views of a mailbox — the Live and Full Views' folder trees and items,
and the calendar replica (C1) — as the console's Exchange Folders browser and sites
read them."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

from typing_extensions import TypedDict

ViewName = Literal["live", "full"]


class ViewFolder(TypedDict):
    id: str
    name: str  # in a Full View as of a past time: the name it had then
    parent_id: str | None
    well_known: str | None
    deleted: bool
    deleted_at: str | None  # Full View: when the folder was found deleted (as of the time asked)
    items: int


class FolderTree(TypedDict):
    mailbox: str
    view: ViewName
    folders: list[ViewFolder]


class ViewItem(TypedDict):
    item: str
    deleted: NotRequired[bool]  # Full View only
    first_seen: NotRequired[str | None]  # Full View only


class ItemsPage(TypedDict):
    total: int
    offset: int
    limit: int
    items: list[ViewItem]


class ReplicaCalendar(TypedDict):
    id: str
    name: str


class CalendarReplica(TypedDict):
    """C1: the calendars and their items as the site submitted them (items keep every
    field the site sent)."""

    calendars: list[ReplicaCalendar]
    items: list[dict[str, Any]]


__all__ = ["CalendarReplica", "FolderTree", "ItemsPage", "ReplicaCalendar", "ViewFolder", "ViewItem", "ViewName"]
