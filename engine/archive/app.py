"""The archive platform's HTTP API (its own Flask app; site-key and admin-token auth).

Sites submit what they replicate and ask whether messages are archived; the console
(with the archive admin token) registers site keys, resets Full Views (R9) and reads
the views for its Exchange Folders browser.
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from flask import Blueprint, Flask, Response, jsonify, request
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, with_config
from typing_extensions import TypedDict
from werkzeug.exceptions import HTTPException

from engine.model import MAX_INT, Bool, Int
from engine.webapi import Api, ApiError, Query, error_response, http_error_response

from .store import ArchiveError, ArchiveStore, Submission


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FolderIn(_Model):
    id: str = Field(min_length=1, max_length=600)
    name: str = Field(max_length=500)
    parent_id: str | None = Field(default=None, max_length=600)
    well_known: str | None = Field(default=None, max_length=40)


class RemovedFolder(_Model):
    id: str = Field(min_length=1, max_length=600)
    reason: Literal["deleted", "moved", "excluded"] = "deleted"


ItemKey = Annotated[str, StringConstraints(min_length=1, max_length=1000)]
FolderId = Annotated[str, StringConstraints(min_length=1, max_length=600)]


# Placements come by the hundred thousand: TypedDicts validate about six times faster
# than model instances (measured by `synceng bench archive`), and are plain dicts after.
@with_config(ConfigDict(extra="forbid"))
class Placement(TypedDict):
    item: ItemKey  # the archive key: Internet Message-ID + "|" + sent time
    folder_id: FolderId


@with_config(ConfigDict(extra="forbid"))
class Removal(TypedDict):
    item: ItemKey
    folder_id: FolderId
    reason: NotRequired[Literal["moved", "deleted", "excluded", "private"]]  # default: deleted


class CalendarIn(_Model):
    id: str = Field(min_length=1, max_length=600)
    name: str = Field(max_length=500)


class CalendarItemIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    uid: str = Field(min_length=1, max_length=1000)
    calendar_id: str = Field(min_length=1, max_length=600)


class SubmissionIn(_Model):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")
    batch_id: str = Field(min_length=1, max_length=200)
    kind: Literal["mfr", "calendar"] = "mfr"
    folders: list[FolderIn] = Field(default_factory=list, max_length=10_000)
    removed_folders: list[RemovedFolder] = Field(default_factory=list, max_length=10_000)
    placements: list[Placement] = Field(default_factory=list, max_length=100_000)
    removed_placements: list[Removal] = Field(default_factory=list, max_length=100_000)
    calendars: list[CalendarIn] = Field(default_factory=list, max_length=1_000)
    calendar_items: list[CalendarItemIn] = Field(default_factory=list, max_length=100_000)
    removed_calendar_items: list[str] = Field(default_factory=list, max_length=100_000)
    reset_calendars: list[str] = Field(default_factory=list, max_length=1_000)
    complete: Bool = False


class SiteIn(_Model):
    site_id: Int = Field(ge=1, le=MAX_INT)
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class ArchivedIn(_Model):
    item: str = Field(min_length=1, max_length=1000)
    subject: str = Field(default="", max_length=1000)
    received: datetime | None = None
    size: Int = Field(default=0, ge=0, le=MAX_INT)
    readers: list[str] = Field(default_factory=list, max_length=10_000)


class ArchivedBatch(_Model):
    messages: list[ArchivedIn] = Field(max_length=100_000)


class HoldIn(_Model):
    items: list[str] = Field(max_length=100_000)
    held: Bool = True


class CheckIn(_Model):
    mailbox: str = Field(min_length=3, max_length=254)
    items: list[str] = Field(max_length=10_000)


class StubEntry(_Model):
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


class StubsIn(_Model):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254)
    entries: list[StubEntry] = Field(max_length=100_000)


class ExpireIn(_Model):
    mailbox: str = Field(min_length=3, max_length=254)
    items: list[str] = Field(max_length=100_000)


class PurgeEntry(_Model):
    item: str = Field(min_length=1, max_length=1000)
    received: datetime
    lifespan_days: Int = Field(ge=1, le=36500)


class PurgeIn(_Model):
    entries: list[PurgeEntry] = Field(max_length=100_000)


#: the largest request body: 100,000 placements with long keys fit in about 20 MB
MAX_BODY = 64 * 1024 * 1024
VIEW = Query("view", choices=("live", "full"), description="live or full")
AS_OF = Query("as_of", datetime, description="Full View as of this time")


def create_archive_app(store: ArchiveStore, admin_token: str) -> Flask:
    app = Flask("archive")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # a larger body is refused with 413 before it is read
    bp = Blueprint("archive_api", __name__)

    def authenticate(level: str) -> Any:
        if level == "public":
            return None
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise ApiError(401, "Authorization", "a bearer token (site binding key or archive admin token) is required")
        secret = header[7:].strip()
        if hmac.compare_digest(secret, admin_token):
            if level in ("admin", "any"):
                return ("admin", None)
            raise ApiError(403, "Authorization", "this call is made with a site binding key")
        site_id = store.site_for_key(secret)
        if site_id is None:
            raise ApiError(401, "Authorization", "unknown key")
        if level in ("site", "any"):
            return ("site", site_id)
        raise ApiError(403, "Authorization", "this call needs the archive admin token")

    api = Api(
        bp,
        "synceng archive platform",
        "1.0",
        authenticate,
        security={"bearer": {"type": "http", "scheme": "bearer"}},
        auth_schemes={"site": ["bearer"], "admin": ["bearer"], "any": ["bearer"]},
    )

    @bp.errorhandler(ArchiveError)
    def archive_error(exc: ArchiveError) -> tuple[Response, int]:
        return error_response(exc.status, exc.field, exc.message)

    @api.route("GET", "/api/openapi.json", "This document", auth="public", tags=["meta"])
    def openapi(_: Any) -> dict[str, Any]:
        return api.openapi()

    @api.route(
        "POST", "/api/sites", "Register a site's binding key (its SHA-256)", auth="admin", body=SiteIn, tags=["admin"]
    )
    def register_site(_: Any, body: SiteIn) -> dict[str, Any]:
        store.register_site(body.site_id, body.key_hash)
        return {"site_id": body.site_id}

    @api.route(
        "POST",
        "/api/submissions",
        "Submit one batch of a run (idempotent by task, mailbox and batch id)",
        auth="site",
        body=SubmissionIn,
        tags=["submissions"],
        responses={403: "Another site's task"},
    )
    def submit(principal: Any, body: SubmissionIn) -> dict[str, Any]:
        sub = Submission(
            task_id=body.task_id,
            mailbox=body.mailbox.lower(),
            batch_id=body.batch_id,
            kind=body.kind,
            folders=[f.model_dump() for f in body.folders],
            removed_folders=[(f.id, f.reason) for f in body.removed_folders],
            placements=[(p["item"], p["folder_id"]) for p in body.placements],
            removed_placements=[
                (r["item"], r["folder_id"], r.get("reason", "deleted")) for r in body.removed_placements
            ],
            calendars=[c.model_dump() for c in body.calendars],
            calendar_items=[i.model_dump() for i in body.calendar_items],
            removed_calendar_items=body.removed_calendar_items,
            reset_calendars=body.reset_calendars,
            complete=body.complete,
        )
        return store.submit(principal[1], sub)

    @api.route(
        "GET",
        "/api/tasks/<int:task_id>/sequence",
        "The task's Sequence (accepted submissions)",
        auth="any",
        tags=["submissions"],
    )
    def sequence(_: Any, task_id: int) -> dict[str, Any]:
        return {"task_id": task_id, "sequence": store.sequence(task_id)}

    @api.route(
        "POST",
        "/api/tasks/<int:task_id>/reset",
        "R9: reset the Full View of every mailbox the task processed",
        auth="admin",
        tags=["admin"],
    )
    def reset(_: Any, task_id: int) -> dict[str, Any]:
        return {"task_id": task_id, "mailboxes": store.reset_task(task_id)}

    @api.route(
        "GET",
        "/api/views/<mailbox>/folders",
        "Folder tree of the Live or Full View",
        auth="any",
        query=[VIEW, AS_OF],
        tags=["views"],
    )
    def folder_tree(_: Any, mailbox: str, view: str | None, as_of: datetime | None) -> dict[str, Any]:
        return {
            "mailbox": mailbox,
            "view": view or "live",
            "folders": store.folder_tree(mailbox.lower(), view or "live", as_of),
        }

    @api.route(
        "GET",
        "/api/views/<mailbox>/items",
        "Items of one folder of the Live or Full View, paged",
        auth="any",
        query=[
            Query("folder", required=True),
            VIEW,
            AS_OF,
            Query("offset", int, minimum=0, maximum=10_000_000),
            Query("limit", int, minimum=1, maximum=1000),
        ],
        tags=["views"],
    )
    def folder_items(
        _: Any,
        mailbox: str,
        folder: str,
        view: str | None,
        as_of: datetime | None,
        offset: int | None,
        limit: int | None,
    ) -> dict[str, Any]:
        return store.folder_items(mailbox.lower(), folder, view or "live", as_of, offset or 0, limit or 100)

    @api.route("GET", "/api/views/<mailbox>/calendars", "C1: the calendar replica", auth="any", tags=["views"])
    def calendar_replica(_: Any, mailbox: str) -> dict[str, Any]:
        return store.calendar_replica(mailbox.lower())

    @api.route(
        "POST",
        "/api/archived",
        "Index messages journaling or legacy ingestion put in the archive",
        auth="admin",
        body=ArchivedBatch,
        tags=["index"],
    )
    def ingest(_: Any, body: ArchivedBatch) -> dict[str, Any]:
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

    @api.route("POST", "/api/archived/hold", "Set or clear litigation hold", auth="admin", body=HoldIn, tags=["index"])
    def hold(_: Any, body: HoldIn) -> dict[str, Any]:
        return {"changed": store.hold(body.items, body.held)}

    @api.route(
        "POST",
        "/api/archived/check",
        "S2/M2: archived and readable by this mailbox?",
        auth="any",
        body=CheckIn,
        tags=["index"],
    )
    def check(_: Any, body: CheckIn) -> dict[str, Any]:
        return {"mailbox": body.mailbox, "results": store.check(body.mailbox, body.items)}

    @api.route(
        "GET",
        "/api/archived/<path:item>",
        "One archived message (readers, hold, purge date)",
        auth="admin",
        tags=["index"],
        responses={404: "Not archived"},
    )
    def archived_message(_: Any, item: str) -> dict[str, Any]:
        found = store.archived_message(item)
        if found is None:
            raise ApiError(404, "item", "not in the archive")
        return found

    @api.route("POST", "/api/stubs", "Record what storage management did", auth="site", body=StubsIn, tags=["actions"])
    def stubs(_: Any, body: StubsIn) -> dict[str, Any]:
        entries = [(e.item, e.action) for e in body.entries]
        return {"recorded": store.record_stubs(body.task_id, body.mailbox.lower(), entries)}

    @api.route(
        "POST",
        "/api/expire",
        "M3: the items leave the Live and Full Views",
        auth="site",
        body=ExpireIn,
        tags=["actions"],
    )
    def expire(_: Any, body: ExpireIn) -> dict[str, Any]:
        return {"expired": store.expire(body.mailbox.lower(), body.items)}

    @api.route(
        "POST",
        "/api/purge",
        "M4: set purge dates (received + lifespan; held messages are not purged)",
        auth="site",
        body=PurgeIn,
        tags=["actions"],
    )
    def purge(_: Any, body: PurgeIn) -> dict[str, Any]:
        return store.purge([(e.item, e.received.timestamp(), e.lifespan_days) for e in body.entries])

    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return http_error_response(exc)

    app.extensions["archive_api"] = api
    return app


__all__ = ["SubmissionIn", "create_archive_app", "jsonify"]
