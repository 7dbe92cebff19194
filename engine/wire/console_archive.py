"""What the console does at the archive with its admin token: register a site's key and
its tasks, reset a removed task's Full Views (R9), and keep the archived index
(journaling or legacy ingestion, litigation hold)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any, Literal

from pydantic import Field
from typing_extensions import TypedDict

from engine.model import MAX_INT, Bool, Int, TaskType

from .body import StrictBody
from .mailbox import Mailbox

TaskKind = Literal["mfr", "calendar", "msm", "managed_folders"]


class TaskIn(StrictBody):
    """A task as the console registers it: its owner is the site it is registered with."""

    id: Int = Field(ge=1, le=MAX_INT)
    type: TaskKind
    created: str = Field(min_length=1, max_length=40)  # the task's identity beside its number
    mailboxes: list[Mailbox] | None = Field(
        default=None, max_length=10_000
    )  # the addresses of single-mailbox and list targets; null: a directory group the site resolves


class TaskRegistration(TypedDict):
    """A task as the console sends it (the JSON of :class:`TaskIn`)."""

    id: int
    type: TaskType  # a str: it goes out as its value
    created: str
    mailboxes: list[str] | None


class SiteIn(StrictBody):
    site_id: Int = Field(ge=1, le=MAX_INT)
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100_000)


class SiteRegistration(TypedDict):
    """The JSON of :class:`SiteIn`, as the console sends it."""

    site_id: int
    key_hash: str
    tasks: list[TaskRegistration]


class Registered(TypedDict):
    site_id: int
    tasks: int  # how many tasks the registration holds


class Reset(TypedDict):
    """R9: the mailboxes whose Full Views were reset; the task is forgotten."""

    task_id: int
    mailboxes: list[str]


# -- the archived index ----------------------------------------------------------------------


class ArchivedIn(StrictBody):
    item: str = Field(min_length=1, max_length=1000)
    subject: str = Field(default="", max_length=1000)
    sender: str = Field(default="", max_length=1000)  # "Name <address>" or an address, as journaling saw it
    received: datetime | None = None
    size: Int = Field(default=0, ge=0, le=MAX_INT)
    readers: list[str] = Field(default_factory=list, max_length=10_000)


class ArchivedBatch(StrictBody):
    messages: list[ArchivedIn] = Field(max_length=100_000)


#: messages per POST /api/archived a client sends (well under the limit; bodies stay small)
ARCHIVED_PER_POST = 20_000


def archived_batches(messages: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The bodies of POST /api/archived that index ``messages``, in batches."""
    for start in range(0, len(messages), ARCHIVED_PER_POST):
        yield {"messages": messages[start : start + ARCHIVED_PER_POST]}


class Indexed(TypedDict):
    indexed: int


class HoldIn(StrictBody):
    items: list[str] = Field(max_length=100_000)
    held: Bool = True


class Changed(TypedDict):
    changed: int


class ArchivedMessage(TypedDict):
    item: str
    subject: str
    sender: str
    held: bool
    purge_at: str | None  # M4
    readers: list[str]


class StubRecord(TypedDict):
    task_id: int
    item: str
    action: str
    at: str | None


class StubLog(TypedDict):
    """What storage management and managed folders recorded doing in a mailbox (S3, M2)."""

    mailbox: str
    entries: list[StubRecord]


# -- a folder's messages, for the Exchange Folders page ----------------------------------------


class ViewMessage(TypedDict):
    """One message of a folder of a view, with what the archived index knows of it
    (``archived`` false: the index does not hold it, and only its archive key tells its
    Message-ID and sent time).  In the Full View ``deleted_at`` is when the message was
    found deleted, its last known location (R3); null while it is not."""

    item: str  # the archive key: Message-ID + "|" + sent time
    message_id: str
    sent: str | None
    archived: bool
    subject: str | None
    sender: str | None
    received: str | None
    size: int | None  # bytes
    first_seen: str | None  # Full View: first recorded at a run boundary
    deleted_at: str | None


class MessagesPage(TypedDict):
    """A page of a folder's messages, newest received first (messages the index does
    not hold come last, by archive key)."""

    mailbox: str
    view: Literal["live", "full"]
    folder: str
    as_of: str | None
    total: int
    offset: int
    limit: int
    messages: list[ViewMessage]


__all__ = [
    "ARCHIVED_PER_POST",
    "ArchivedBatch",
    "ArchivedIn",
    "ArchivedMessage",
    "Changed",
    "HoldIn",
    "Indexed",
    "MessagesPage",
    "Registered",
    "Reset",
    "SiteIn",
    "SiteRegistration",
    "StubLog",
    "StubRecord",
    "TaskIn",
    "TaskKind",
    "TaskRegistration",
    "ViewMessage",
    "archived_batches",
]
