"""Exchange Folders: a mailbox's Live View, or its Full View as of a time, browsed
from the archive platform over its API (architecture promise 2): the folder tree with
each folder's item count, and a folder's messages with subject, sender, dates and
size; in the Full View a deleted message or folder is marked with when (R2, R3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import request

from engine.errors import DomainError, NotFound
from engine.model import valid_address
from engine.wire.console_archive import MessagesPage
from engine.wire.views import ViewFolder

from ..archive_client import ArchiveClient
from ..context import ConsoleContext
from .base import Pages, render, viewer_zone
from .text import time_text

pages = Pages()
#: messages a page lists (a folder may hold a hundred thousand: the page says so and pages on)
PAGE_SIZE = 50
MAX_OFFSET = 10_000_000  # as far as the archive pages
#: what the "as of" field accepts, as its error says
AS_OF_EXAMPLE = "2026-03-02 09:30"


def size_text(size: int | None) -> str:
    """A message's size as people write it: "1 byte", "812 bytes", "14.2 KB", "3.1 MB"."""
    if not size:  # unknown (an index entry ingested without its size says 0: no message is empty)
        return "—"
    if size < 1024:
        return "1 byte" if size == 1 else f"{size} bytes"
    units = ("KB", "MB", "GB", "TB")
    value, step = size / 1024, 0
    while value >= 1024 and step < len(units) - 1:
        value, step = value / 1024, step + 1
    return f"{value:.1f} {units[step]}"


def parse_as_of(text: str, zone: str) -> datetime:
    """An "as of" as typed or picked (2026-03-02T09:30, 2026-03-02 09:30:15, a date, or
    with an offset); without an offset it is read in the viewer's ``zone`` (the page
    labels the field with it).  ValueError in words."""
    try:
        moment = datetime.fromisoformat(text.strip())
        return (moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo(zone))).astimezone(UTC)
    except (ValueError, OverflowError):
        shown = text if len(text) <= 40 else text[:40] + "…"
        raise ValueError(f"“{shown}” is not a date and time: write it like {AS_OF_EXAMPLE}") from None


@dataclass
class FolderQuery:
    """What the page is asked to show; ``errors`` holds, by field, what makes no sense."""

    mailbox: str = ""
    view: str = "live"  # or full
    as_of_text: str = ""
    as_of: datetime | None = None  # the Full View as of this time (None: now)
    folder: str = ""
    offset: int = 0
    zone: str = "UTC"  # the viewer's: "as of" is read and every instant written in it
    errors: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of_request(cls) -> FolderQuery:
        args = request.args
        view = args.get("view", "live")
        offset = args.get("offset", "0") or "0"
        q = cls(
            mailbox=(args.get("mailbox") or "").strip(),
            view=view if view in ("live", "full") else "live",
            as_of_text=(args.get("as_of") or "").strip(),
            folder=args.get("folder", ""),
            offset=min(int(offset), MAX_OFFSET) if offset.isdigit() and len(offset) < 12 else 0,
            zone=viewer_zone(),
        )
        if q.mailbox:
            try:
                q.mailbox = valid_address(q.mailbox)
            except ValueError:
                q.errors["mailbox"] = f"“{q.mailbox[:80]}” is not an email address"
        if q.as_of_text:
            try:
                as_of = parse_as_of(q.as_of_text, q.zone)
            except ValueError as exc:
                q.errors["as_of"] = str(exc)
            else:
                if q.view == "full":
                    q.as_of = as_of
                else:
                    q.notes["as_of"] = "The Live View is what the latest run read: “as of” applies to the Full View."
        return q

    @property
    def as_of_value(self) -> str:
        """The picker's value: the time asked, in the viewer's zone (a bad one is not kept
        there, the error next to it quotes it)."""
        if "as_of" in self.errors or not self.as_of_text:
            return ""
        return f"{parse_as_of(self.as_of_text, self.zone).astimezone(ZoneInfo(self.zone)):%Y-%m-%dT%H:%M:%S}"

    def when(self, moment: str | None) -> str:
        """The one way this page writes an instant: in the viewer's zone, labelled."""
        return time_text(moment, self.zone)


@dataclass
class Shown:
    """What the archive answered for the page."""

    tree: list[dict[str, Any]] = field(default_factory=list)
    listing: MessagesPage | None = None
    folder: dict[str, Any] | None = None  # the open folder, as the tree shows it
    error: DomainError | None = None


def fetch(archive: ArchiveClient, q: FolderQuery) -> Shown:
    shown = Shown()
    try:
        shown.tree = nest(archive.folders(q.mailbox, q.view, q.as_of))
        shown.folder = next((f for f in shown.tree if f["id"] == q.folder), None)
        if shown.folder is not None:
            shown.listing = archive.messages(q.mailbox, q.folder, q.view, q.as_of, q.offset, PAGE_SIZE)
    except NotFound:
        shown.folder = None  # gone between the two calls: shown as not in this view
    except DomainError as exc:
        shown.error = exc  # the archive is unreachable or refused: said at the top
    return shown


@pages.route("/exchange-folders")
def folders(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    q = FolderQuery.of_request()
    archive = console.archive
    shown = Shown()
    if q.mailbox and archive is not None and not q.errors:
        shown = fetch(archive, q)
    store = console.store
    mailboxes = sorted({m["mailbox"] for t in store.tasks() for m in store.task(t["id"]).get("mailboxes", [])})
    page = render(
        "folders.html",
        admin,
        q=q,
        view_name="Live View" if q.view == "live" else "Full View",
        tree=shown.tree,
        total_items=sum(f["items"] for f in shown.tree),
        folder=shown.folder,
        listing=shown.listing,
        page_size=PAGE_SIZE,
        error=shown.error,
        mailboxes=mailboxes,
        archive=archive is not None,
        zone_name=q.zone,
        as_of_shown=q.when(q.as_of.isoformat()) if q.as_of else "",
        when=q.when,
        size=size_text,
    )
    return page, 400 if q.errors else 200


def nest(folders: list[ViewFolder]) -> list[dict[str, Any]]:
    """The archive's flat folder list in tree order, each folder with its ``depth``
    (a folder whose parent is not in the view is a root)."""
    ids = {f["id"] for f in folders}
    children: dict[str | None, list[ViewFolder]] = {}
    for f in folders:
        children.setdefault(f["parent_id"] if f["parent_id"] in ids else None, []).append(f)
    out: list[dict[str, Any]] = []
    stack = [(f, 0) for f in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        folder, depth = stack.pop()
        if folder["id"] in seen:
            continue
        seen.add(folder["id"])
        out.append({**folder, "depth": depth})
        stack.extend((child, depth + 1) for child in reversed(children.get(folder["id"], [])))
    out.extend({**f, "depth": 0} for f in folders if f["id"] not in seen)  # parent cycles in bad data
    return out
