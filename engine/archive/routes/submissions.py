"""What sites submit: batches of a run (idempotent by task, mailbox and batch id), the
members of a directory-group task as resolved (T7), and the task's Sequence."""

from __future__ import annotations

from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, with_config
from typing_extensions import TypedDict

from engine.model import Bool
from engine.webapi import Resource, StrictBody

from ..store import ArchiveStore, Submission
from .auth import Caller
from .common import SCOPED, ForTaskMailbox, Mailbox

routes: Resource[ArchiveStore] = Resource("submissions")


class FolderIn(StrictBody):
    id: str = Field(min_length=1, max_length=600)
    name: str = Field(max_length=500)
    parent_id: str | None = Field(default=None, max_length=600)
    well_known: str | None = Field(default=None, max_length=40)


class RemovedFolder(StrictBody):
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


class CalendarIn(StrictBody):
    id: str = Field(min_length=1, max_length=600)
    name: str = Field(max_length=500)


class CalendarItemIn(BaseModel):
    model_config = ConfigDict(extra="allow")
    uid: str = Field(min_length=1, max_length=1000)
    calendar_id: str = Field(min_length=1, max_length=600)


class SubmissionIn(ForTaskMailbox):
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

    def submission(self) -> Submission:
        """The batch as the store takes it (mailboxes are keyed lower-case)."""
        return Submission(
            task_id=self.task_id,
            mailbox=self.mailbox.lower(),
            batch_id=self.batch_id,
            kind=self.kind,
            folders=[f.model_dump() for f in self.folders],
            removed_folders=[(f.id, f.reason) for f in self.removed_folders],
            placements=[(p["item"], p["folder_id"]) for p in self.placements],
            removed_placements=[
                (r["item"], r["folder_id"], r.get("reason", "deleted")) for r in self.removed_placements
            ],
            calendars=[c.model_dump() for c in self.calendars],
            calendar_items=[i.model_dump() for i in self.calendar_items],
            removed_calendar_items=self.removed_calendar_items,
            reset_calendars=self.reset_calendars,
            complete=self.complete,
            full=self.full,
        )


class MailboxesIn(StrictBody):
    mailboxes: list[Mailbox] = Field(max_length=100_000)


@routes.route(
    "POST",
    "/api/tasks/<int:task_id>/mailboxes",
    auth="site",
    body=MailboxesIn,
    responses={**SCOPED, 409: "The task processes the addresses the console was given"},
)
def declare(store: ArchiveStore, caller: Caller, task_id: int, body: MailboxesIn) -> dict[str, Any]:
    """A directory-group task's members as the site resolved them (T7)"""
    mailboxes = [m.lower() for m in body.mailboxes]
    return {"task_id": task_id, "declared": store.registry.declare_mailboxes(caller.site, task_id, mailboxes)}


@routes.route(
    "POST",
    "/api/submissions",
    auth="site",
    body=SubmissionIn,
    responses={**SCOPED, 409: "Another MFR task replicates the mailbox (T8): mark it Duplicate"},
)
def submit(store: ArchiveStore, caller: Caller, body: SubmissionIn) -> dict[str, Any]:
    """Submit one batch of a run (idempotent by task, mailbox and batch id)"""
    return store.submit(caller.site, body.submission())


@routes.route("GET", "/api/tasks/<int:task_id>/sequence", auth="any", responses=SCOPED)
def sequence(store: ArchiveStore, caller: Caller, task_id: int) -> dict[str, Any]:
    """The task's Sequence (accepted submissions)"""
    return {"task_id": task_id, "sequence": store.registry.task_sequence(caller.site_id, task_id)}
