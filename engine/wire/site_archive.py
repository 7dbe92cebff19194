"""What a site sends the archive with its binding key and what it is answered: the
batches of a run, a directory group's members (T7), the archived check (S2, M2) and
what it did in Exchange (S3, M3, M4)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, NotRequired

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, with_config
from typing_extensions import TypedDict

from engine.model import Bool, Int

from .body import StrictBody
from .mailbox import ForTaskMailbox, Mailbox

# -- submissions --------------------------------------------------------------------------


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


#: why an item left a folder of the Live View ("private": an item that became private
#: leaves it, domain.md §R1's eligible items)
RemovalReason = Literal["moved", "deleted", "excluded", "private"]


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
    reason: NotRequired[RemovalReason]  # default: deleted


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


class FolderSent(TypedDict):
    """A folder as a site sends it (the JSON of :class:`FolderIn`)."""

    id: str
    name: str
    parent_id: str | None
    well_known: NotRequired[str | None]


class RemovedFolderSent(TypedDict):
    id: str
    reason: NotRequired[Literal["deleted", "moved", "excluded"]]


class CalendarSent(TypedDict):
    id: str
    name: str


class BatchContent(TypedDict):
    """What a batch holds, as a run gathers it (the JSON of :class:`SubmissionIn` less
    its identity).  The site builds these plain dicts, not model instances of a hundred
    thousand placements only to dump them again."""

    kind: NotRequired[Literal["mfr", "calendar"]]
    folders: NotRequired[list[FolderSent]]
    removed_folders: NotRequired[list[RemovedFolderSent]]
    placements: NotRequired[list[Placement]]
    removed_placements: NotRequired[list[Removal]]
    calendars: NotRequired[list[CalendarSent]]
    calendar_items: NotRequired[list[dict[str, Any]]]  # every field of the appointment (C1)
    removed_calendar_items: NotRequired[list[str]]
    reset_calendars: NotRequired[list[str]]
    complete: NotRequired[bool]
    full: NotRequired[bool]


class BatchBody(BatchContent):
    """A batch ready to send but for the task and mailbox, which the site's outbox adds."""

    batch_id: str


class Submission(BatchBody):
    """What a site posts to /api/submissions."""

    task_id: int
    mailbox: str


class Submitted(TypedDict):
    """``applied`` False: the batch was seen before (acknowledged again, no effect)."""

    applied: bool
    sequence: int  # the task's Sequence after it


class MailboxesIn(StrictBody):
    mailboxes: list[Mailbox] = Field(max_length=100_000)


class Declared(TypedDict):
    task_id: int
    declared: int


class TaskSequence(TypedDict):
    task_id: int
    sequence: int


# -- the archived check (S2, M2) ------------------------------------------------------------


class CheckIn(ForTaskMailbox):
    items: list[str] = Field(max_length=10_000)


class CheckResult(TypedDict):
    item: str
    archived: bool
    readable: bool  # by this mailbox


class Checked(TypedDict):
    mailbox: str
    results: list[CheckResult]


# -- what a site did in Exchange (S3, M3, M4) -----------------------------------------------


StubAction = Literal[
    "message_delete",
    "full_stub",
    "attachment_stub",
    "attachment_stub_universal",
    "move_to_deleted_items",
    "soft_delete",
    "hard_delete",
]


class StubEntry(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    action: StubAction


class StubSent(TypedDict):
    """An entry of :class:`StubsIn` as a site sends it."""

    item: str
    action: StubAction


class StubsIn(ForTaskMailbox):
    entries: list[StubEntry] = Field(max_length=100_000)


class Recorded(TypedDict):
    recorded: int


class ExpireIn(ForTaskMailbox):
    items: list[str] = Field(max_length=100_000)


class Expired(TypedDict):
    expired: int


class PurgeEntry(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    received: datetime
    lifespan_days: Int = Field(ge=1, le=36500)


class PurgeSent(TypedDict):
    """An entry of :class:`PurgeIn` as a site sends it."""

    item: str
    received: str  # ISO 8601
    lifespan_days: int


class PurgeIn(ForTaskMailbox):
    entries: list[PurgeEntry] = Field(max_length=100_000)


class Purged(TypedDict):
    """How many entries got a purge date, and why the others did not."""

    set: int
    held: int
    unknown: int
    unreadable: int


__all__ = [
    "BatchBody",
    "BatchContent",
    "CalendarIn",
    "CalendarItemIn",
    "CalendarSent",
    "CheckIn",
    "CheckResult",
    "Checked",
    "Declared",
    "ExpireIn",
    "Expired",
    "FolderIn",
    "FolderSent",
    "MailboxesIn",
    "Placement",
    "PurgeEntry",
    "PurgeIn",
    "PurgeSent",
    "Purged",
    "Recorded",
    "Removal",
    "RemovalReason",
    "RemovedFolder",
    "RemovedFolderSent",
    "StubAction",
    "StubEntry",
    "StubSent",
    "StubsIn",
    "Submission",
    "SubmissionIn",
    "Submitted",
    "TaskSequence",
]
