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

from engine.errors import Forbidden, NotFound, Unauthorized
from engine.model import MAX_INT, Bool, Int
from engine.webapi import Api, Query, http_error_response

from .registry import TaskRegistration
from .store import ArchiveStore, Submission


class _Model(BaseModel):
    # patterns read the way the OpenAPI fuzzers (and Python clients) read them: `$` also
    # before a final newline, as in Python, not only at the very end as in Rust's regex
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


#: a mailbox address as the archive keys it (lower-cased by the API).  Python counts
#: \x1c-\x1f and \x85 as whitespace, JavaScript's \s does not: both are named, so the
#: schema means the same to either reader
MAILBOX = r"^[^@\s\x1c-\x1f\x85/]+@[^@\s\x1c-\x1f\x85/]+$"


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
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
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
    full: Bool = False  # the first batch of a full replication: it replaces the mailbox's Live View


class TaskIn(_Model):
    """A task as the console registers it: its owner is the site it is registered with."""

    id: Int = Field(ge=1, le=MAX_INT)
    type: Literal["mfr", "calendar", "msm", "managed_folders"]
    created: str = Field(min_length=1, max_length=40)  # the task's identity beside its number
    mailboxes: list[Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=MAILBOX)]] | None = Field(
        default=None, max_length=10_000
    )  # the addresses of single-mailbox and list targets; null: a directory group the site resolves


class SiteIn(_Model):
    site_id: Int = Field(ge=1, le=MAX_INT)
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100_000)


class MailboxesIn(_Model):
    mailboxes: list[Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=MAILBOX)]] = Field(
        max_length=100_000
    )


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
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
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
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    entries: list[StubEntry] = Field(max_length=100_000)


class ExpireIn(_Model):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    items: list[str] = Field(max_length=100_000)


class PurgeEntry(_Model):
    item: str = Field(min_length=1, max_length=1000)
    received: datetime
    lifespan_days: Int = Field(ge=1, le=36500)


class PurgeIn(_Model):
    task_id: Int = Field(ge=1, le=MAX_INT)
    mailbox: str = Field(min_length=3, max_length=254, pattern=MAILBOX)
    entries: list[PurgeEntry] = Field(max_length=100_000)


#: the largest request body: 100,000 placements with long keys fit in about 20 MB
MAX_BODY = 64 * 1024 * 1024
VIEW = Query("view", choices=("live", "full"), description="live or full")
MAILBOX_PATH = Query("mailbox", pattern=MAILBOX, description="a mailbox address")
#: what a site key may be refused with, beside an unknown key
SCOPED = {
    403: "Not a task of this site, or a mailbox none of its tasks processes",
    410: "The task was removed (R9)",
}
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
            raise Unauthorized("Authorization", "a bearer token (site binding key or archive admin token) is required")
        secret = header[7:].strip()
        if hmac.compare_digest(secret, admin_token):
            if level in ("admin", "any"):
                return ("admin", None)
            raise Forbidden("Authorization", "this call is made with a site binding key")
        site_id = store.registry.site_for_key(secret)
        if site_id is None:
            raise Unauthorized("Authorization", "unknown key")
        if level in ("site", "any"):
            return ("site", site_id)
        raise Forbidden("Authorization", "this call needs the archive admin token")

    api = Api(
        bp,
        "synceng archive platform",
        "1.0",
        authenticate,
        security={"bearer": {"type": "http", "scheme": "bearer"}},
        auth_schemes={"site": ["bearer"], "admin": ["bearer"], "any": ["bearer"]},
    )

    def site_of(principal: Any) -> int | None:
        return int(principal[1]) if principal[0] == "site" else None

    def reaches(principal: Any, mailbox: str) -> None:
        site_id = site_of(principal)
        if site_id is not None:
            store.registry.site_reaches(site_id, mailbox.lower())

    def authorize(
        principal: Any, task_id: int, mailbox: str, types: tuple[str, ...], removed_too: bool = False
    ) -> None:
        site_id = site_of(principal)
        if site_id is not None:
            store.registry.authorize(site_id, task_id, mailbox.lower(), types, removed_too)

    @api.route("GET", "/api/openapi.json", "This document", auth="public", tags=["meta"])
    def openapi(_: Any) -> dict[str, Any]:
        return api.openapi()

    @api.route(
        "POST",
        "/api/sites",
        "Register a site's binding key (its SHA-256) and its tasks (owner, type, identity, addresses)",
        auth="admin",
        body=SiteIn,
        tags=["admin"],
        responses={409: "Another site holds this key"},
    )
    def register_site(_: Any, body: SiteIn) -> dict[str, Any]:
        registrations = [TaskRegistration(t.id, t.type, t.created, t.mailboxes) for t in body.tasks]
        return {
            "site_id": body.site_id,
            "tasks": store.registry.register_site(body.site_id, body.key_hash, registrations),
        }

    @api.route(
        "POST",
        "/api/tasks/<int:task_id>/mailboxes",
        "A directory-group task's members as the site resolved them (T7)",
        auth="site",
        body=MailboxesIn,
        tags=["submissions"],
        responses={**SCOPED, 409: "The task processes the addresses the console was given"},
    )
    def declare(principal: Any, task_id: int, body: MailboxesIn) -> dict[str, Any]:
        mailboxes = [m.lower() for m in body.mailboxes]
        return {"task_id": task_id, "declared": store.registry.declare_mailboxes(principal[1], task_id, mailboxes)}

    @api.route(
        "POST",
        "/api/submissions",
        "Submit one batch of a run (idempotent by task, mailbox and batch id)",
        auth="site",
        body=SubmissionIn,
        tags=["submissions"],
        responses={**SCOPED, 409: "Another MFR task replicates the mailbox (T8): mark it Duplicate"},
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
            full=body.full,
        )
        return store.submit(principal[1], sub)

    @api.route(
        "GET",
        "/api/tasks/<int:task_id>/sequence",
        "The task's Sequence (accepted submissions)",
        auth="any",
        tags=["submissions"],
        responses=SCOPED,
    )
    def sequence(principal: Any, task_id: int) -> dict[str, Any]:
        return {"task_id": task_id, "sequence": store.registry.task_sequence(site_of(principal), task_id)}

    @api.route(
        "POST",
        "/api/tasks/<int:task_id>/reset",
        "R9: reset the Full View of every mailbox the task processed; the task is forgotten",
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
        path_rules=[MAILBOX_PATH],
        responses=SCOPED,
    )
    def folder_tree(principal: Any, mailbox: str, view: str | None, as_of: datetime | None) -> dict[str, Any]:
        reaches(principal, mailbox)
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
        path_rules=[MAILBOX_PATH],
        responses=SCOPED,
    )
    def folder_items(
        principal: Any,
        mailbox: str,
        folder: str,
        view: str | None,
        as_of: datetime | None,
        offset: int | None,
        limit: int | None,
    ) -> dict[str, Any]:
        reaches(principal, mailbox)
        return store.folder_items(mailbox.lower(), folder, view or "live", as_of, offset or 0, limit or 100)

    @api.route(
        "GET",
        "/api/views/<mailbox>/calendars",
        "C1: the calendar replica",
        auth="any",
        tags=["views"],
        path_rules=[MAILBOX_PATH],
        responses=SCOPED,
    )
    def calendar_replica(principal: Any, mailbox: str) -> dict[str, Any]:
        reaches(principal, mailbox)
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
        responses=SCOPED,
    )
    def check(principal: Any, body: CheckIn) -> dict[str, Any]:
        authorize(principal, body.task_id, body.mailbox, ())
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
            raise NotFound("item", "not in the archive")
        return found

    @api.route(
        "POST",
        "/api/stubs",
        "Record what storage management did",
        auth="site",
        body=StubsIn,
        tags=["actions"],
        responses=SCOPED,
    )
    def stubs(principal: Any, body: StubsIn) -> dict[str, Any]:
        # a removed task's last mailbox may still record what it did in Exchange (S3)
        authorize(principal, body.task_id, body.mailbox, ("msm", "managed_folders"), removed_too=True)
        entries = [(e.item, e.action) for e in body.entries]
        return {"recorded": store.record_stubs(body.task_id, body.mailbox.lower(), entries)}

    @api.route(
        "GET",
        "/api/stubs",
        "What storage management and managed folders recorded doing in a mailbox (S3, M2)",
        auth="admin",
        query=[Query("mailbox", required=True, pattern=MAILBOX, description="a mailbox address")],
        tags=["actions"],
    )
    def stub_log(_: Any, mailbox: str) -> dict[str, Any]:
        return {"mailbox": mailbox.lower(), "entries": store.stub_log(mailbox.lower())}

    @api.route(
        "POST",
        "/api/expire",
        "M3: the items leave the Live and Full Views",
        auth="site",
        body=ExpireIn,
        tags=["actions"],
        responses=SCOPED,
    )
    def expire(principal: Any, body: ExpireIn) -> dict[str, Any]:
        authorize(principal, body.task_id, body.mailbox, ("managed_folders",))
        return {"expired": store.expire(body.mailbox.lower(), body.items)}

    @api.route(
        "POST",
        "/api/purge",
        "M4: set purge dates (received + lifespan; held messages are not purged) of messages the mailbox "
        "may read (others are counted 'unreadable' and left alone)",
        auth="site",
        body=PurgeIn,
        tags=["actions"],
        responses=SCOPED,
    )
    def purge(principal: Any, body: PurgeIn) -> dict[str, Any]:
        authorize(principal, body.task_id, body.mailbox, ("managed_folders",))
        entries = [(e.item, e.received.timestamp(), e.lifespan_days) for e in body.entries]
        return store.purge(body.mailbox.lower(), entries)

    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return http_error_response(exc)

    app.extensions["archive_api"] = api
    return app


__all__ = ["SubmissionIn", "create_archive_app", "jsonify"]
