"""Exchange Folders: a mailbox's Live View, or its Full View as of a time, browsed
from the archive platform (over its API)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import request

from engine.errors import DomainError, Invalid
from engine.model import valid_address
from engine.wire.views import ViewFolder

from ..context import ConsoleContext
from .base import Pages, render

pages = Pages()
PAGE_SIZE = 50


@dataclass
class FolderQuery:
    """What the page is asked to show; ``error`` names a field that makes no sense."""

    mailbox: str = ""
    view: str = "live"  # or full
    as_of_text: str = ""
    as_of: datetime | None = None  # the Full View as of this time (UTC unless it says)
    folder: str = ""
    offset: int = 0
    error: DomainError | None = None

    @classmethod
    def of_request(cls) -> FolderQuery:
        args = request.args
        view = args.get("view", "live")
        offset = args.get("offset", "0") or "0"
        q = cls(
            mailbox=(args.get("mailbox") or "").strip().lower(),
            view=view if view in ("live", "full") else "live",
            as_of_text=args.get("as_of", ""),
            folder=args.get("folder", ""),
            offset=int(offset) if offset.isdigit() else 0,
        )
        if q.mailbox:
            try:
                q.mailbox = valid_address(q.mailbox)
            except ValueError as exc:
                q.error = Invalid("mailbox", str(exc))
        if q.as_of_text and q.view == "full" and q.error is None:
            try:
                as_of = datetime.fromisoformat(q.as_of_text)
                q.as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
            except ValueError:
                q.error = Invalid("as_of", "not a date and time")
        return q


@pages.route("/exchange-folders")
def folders(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    q = FolderQuery.of_request()
    tree: list[dict[str, Any]] = []
    listing = None
    archive = console.archive
    if q.mailbox and archive is not None and q.error is None:
        try:
            tree = nest(archive.folders(q.mailbox, q.view, q.as_of))
            if q.folder:
                listing = archive.items(q.mailbox, q.folder, q.view, q.as_of, q.offset, PAGE_SIZE)
        except DomainError as exc:
            q.error = exc
    store = console.store
    mailboxes = sorted({m["mailbox"] for t in store.tasks() for m in store.task(t["id"]).get("mailboxes", [])})
    return render(
        "folders.html",
        admin,
        mailbox=q.mailbox,
        view=q.view,
        as_of=q.as_of_text,
        tree=tree,
        listing=listing,
        folder=q.folder,
        offset=q.offset,
        error=q.error,
        mailboxes=mailboxes,
        archive=archive is not None,
    )


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
