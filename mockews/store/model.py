"""Plain Python objects of the mock Exchange world: no XML, no HTTP (architecture §3).

Memory matters (a medium tenant holds ~400k messages), so every class uses
``__slots__``, timestamps are stored as integer epoch seconds, recipients are interned
per world and shared by every item that names them, and rarely used properties live in
an optional ``extra`` dict instead of a slot each.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from .mailbox import Mailbox

Sensitivity = Literal["Normal", "Personal", "Private", "Confidential"]
Importance = Literal["Low", "Normal", "High"]
BodyType = Literal["Text", "HTML"]
SENSITIVITIES: tuple[str, ...] = ("Normal", "Personal", "Private", "Confidential")
IMPORTANCES: tuple[str, ...] = ("Low", "Normal", "High")

#: ItemClass of an Enterprise Vault shortcut (MFR skips these unless configured).
EV_SHORTCUT_CLASS = "IPM.Note.EnterpriseVault.Shortcut"


def to_epoch(when: datetime) -> int:
    if when.tzinfo is None:
        raise ValueError("timestamps must be timezone-aware")
    return int(when.timestamp())


def from_epoch(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


class Recipient:
    """A mailbox as it appears on items (From, To, Organizer …).  Interned per world:
    one object per (name, address), shared by every item that names it."""

    __slots__ = ("email", "mailbox_type", "name", "routing_type")

    def __init__(self, name: str, email: str, routing_type: str = "SMTP", mailbox_type: str = "Mailbox"):
        self.name = name
        self.email = email
        self.routing_type = routing_type
        self.mailbox_type = mailbox_type

    def __repr__(self) -> str:
        return f"Recipient({self.name!r}, {self.email!r})"


class Attendee:
    __slots__ = ("last_response", "recipient", "response_type")

    def __init__(self, recipient: Recipient, response_type: str = "Unknown", last_response: int | None = None):
        self.recipient = recipient
        self.response_type = response_type
        self.last_response = last_response


class FileAttachment:
    __slots__ = ("content", "content_id", "content_type", "is_inline", "last_modified", "name", "number")

    def __init__(
        self,
        name: str,
        content: bytes,
        content_type: str = "application/octet-stream",
        content_id: str | None = None,
        is_inline: bool = False,
        last_modified: int = 0,
        number: int = 0,
    ) -> None:
        self.name = name
        self.content = content
        self.content_type = content_type
        self.content_id = content_id
        self.is_inline = is_inline
        self.last_modified = last_modified
        self.number = number  # per-item ordinal; the AttachmentId is derived from it

    @property
    def size(self) -> int:
        return len(self.content)

    def copy(self) -> FileAttachment:
        return FileAttachment(
            self.name,
            self.content,
            self.content_type,
            self.content_id,
            self.is_inline,
            self.last_modified,
            self.number,
        )


class ItemAttachment:
    """An item inside an item (a forwarded message, a meeting attached to a mail).
    ``item`` is detached: in no folder's items, with no id of its own, and it may carry
    attachments of its own (recursively).  Embedded items are never changed once
    attached, so copies of the parent share them."""

    __slots__ = ("content_id", "is_inline", "item", "last_modified", "name", "number")

    def __init__(
        self,
        name: str,
        item: Item,
        is_inline: bool = False,
        content_id: str | None = None,
        last_modified: int = 0,
        number: int = 0,
    ) -> None:
        self.name = name
        self.item = item
        self.is_inline = is_inline
        self.content_id = content_id
        self.last_modified = last_modified
        self.number = number

    @property
    def size(self) -> int:
        return self.item.compute_size()

    def copy(self) -> ItemAttachment:
        return ItemAttachment(self.name, self.item, self.is_inline, self.content_id, self.last_modified, self.number)


#: what ``Item.attachments`` holds
Attachment = FileAttachment | ItemAttachment


@dataclass(frozen=True, slots=True)
class Recurrence:
    """A recurrence pattern as the client sent it: the pattern element (e.g.
    ``WeeklyRecurrence``) with its ordered child values, and the range element (e.g.
    ``EndDateRecurrence``) likewise.  recurrence.py expands it."""

    pattern: str
    pattern_fields: tuple[tuple[str, str], ...]
    range: str
    range_fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class ExtendedKey:
    """Identity of a MAPI extended property as EWS names it (ExtendedFieldURI)."""

    property_type: str
    distinguished_set: str | None = None
    set_id: str | None = None
    tag: str | None = None
    name: str | None = None
    prop_id: str | None = None


@dataclass(slots=True)
class ExtendedValue:
    key: ExtendedKey
    values: list[str] = field(default_factory=list)
    is_array: bool = False


@dataclass(frozen=True, slots=True)
class FolderPermission:
    """One entry of a folder's PermissionSet as EWS orders it: the UserId's parts
    (SID, PrimarySmtpAddress, DisplayName, DistinguishedUser) and the permission values
    (CanCreateItems … PermissionLevel or CalendarPermissionLevel), each (element, text)."""

    user: tuple[tuple[str, str], ...]
    values: tuple[tuple[str, str], ...]


ItemKind = Literal["Message", "CalendarItem", "Contact", "Task", "PostItem", "Item"]
#: meeting messages: CalendarItem objects (they carry the meeting) under these elements
MEETING_KINDS: tuple[str, ...] = ("MeetingRequest", "MeetingResponse", "MeetingCancellation")


class Item:
    """A message or any non-calendar item.  ``kind`` is the EWS element name.

    Journal bookkeeping (see journal.py): ``entered_seq`` is when the item entered its
    folder, ``content_seq`` the last change other than the read flag, ``last_seq`` the
    last change of any kind.  The ChangeKey is derived from ``last_seq``.
    """

    __slots__ = (
        "attachments",
        "bcc",
        "body",
        "body_type",
        "categories",
        "cc",
        "content_seq",
        "created",
        "entered_seq",
        "extra",
        "folder",
        "from_",
        "id",
        "importance",
        "is_draft",
        "is_read",
        "item_class",
        "kind",
        "last_seq",
        "message_id",
        "modified",
        "received",
        "sender",
        "sensitivity",
        "sent",
        "size",
        "subject",
        "to",
    )

    def __init__(self, item_id: str, folder: Folder, kind: str = "Message", item_class: str = "IPM.Note") -> None:
        self.id = item_id
        self.folder = folder
        self.kind = kind
        self.item_class = item_class
        self.subject: str | None = None
        self.body: str | None = None
        self.body_type: str = "Text"
        self.sensitivity: str = "Normal"
        self.importance: str = "Normal"
        self.is_read = False
        self.is_draft = False
        self.categories: tuple[str, ...] = ()
        self.size = 0
        self.received = 0
        self.sent: int | None = None
        self.created = 0
        self.modified = 0
        self.message_id: str | None = None
        self.from_: Recipient | None = None
        self.sender: Recipient | None = None
        self.to: tuple[Recipient, ...] = ()
        self.cc: tuple[Recipient, ...] = ()
        self.bcc: tuple[Recipient, ...] = ()
        self.attachments: list[Attachment] | None = None
        self.extra: dict[str, object] | None = None
        self.entered_seq = 0
        self.content_seq = 0
        self.last_seq = 0

    @property
    def mailbox(self) -> Mailbox:
        return self.folder.mailbox

    @property
    def has_attachments(self) -> bool:
        return bool(self.attachments)

    def get_extra(self, key: str) -> object | None:
        return None if self.extra is None else self.extra.get(key)

    def set_extra(self, key: str, value: object | None) -> None:
        if value is None:
            if self.extra is not None:
                self.extra.pop(key, None)
                if not self.extra:
                    self.extra = None
            return
        if self.extra is None:
            self.extra = {}
        self.extra[key] = value

    def compute_size(self) -> int:
        """Exchange's Size counts properties, body and attachments; a rough estimate is
        enough for storage-management criteria."""
        size = 512 + len(self.subject or "") + len((self.body or "").encode())
        if self.attachments:
            size += sum(a.size + 128 for a in self.attachments)
        return size

    def __repr__(self) -> str:
        return f"{self.kind}({self.id!r}, {self.subject!r})"


class CalendarItem(Item):
    __slots__ = (
        "calendar_type",
        "end",
        "free_busy",
        "is_all_day",
        "location",
        "optional",
        "organizer",
        "recurrence",
        "required",
        "resources",
        "start",
        "uid",
    )

    def __init__(self, item_id: str, folder: Folder, item_class: str = "IPM.Appointment") -> None:
        super().__init__(item_id, folder, kind="CalendarItem", item_class=item_class)
        self.start = 0
        self.end = 0
        self.is_all_day = False
        self.location: str | None = None
        self.organizer: Recipient | None = None
        self.required: tuple[Attendee, ...] = ()
        self.optional: tuple[Attendee, ...] = ()
        self.resources: tuple[Attendee, ...] = ()
        self.recurrence: Recurrence | None = None
        self.uid: str | None = None
        self.free_busy = "Busy"
        self.calendar_type = "Single"


class Occurrence(CalendarItem):
    """One occurrence of a recurring master, built on demand and never stored: its
    master keeps the pattern and the exceptions (occurrences.py).  ``index`` is
    Exchange's 1-based InstanceIndex; ``original_start`` where the pattern put it."""

    __slots__ = ("index", "master", "original_start")

    def __init__(self, item_id: str, master: CalendarItem, index: int, original_start: int) -> None:
        super().__init__(item_id, master.folder, master.item_class)
        self.master = master
        self.index = index
        self.original_start = original_start
        self.calendar_type = "Occurrence"


class Folder:
    """A mailbox folder.  ``items`` keeps insertion order; ``journal`` records item
    changes for SyncFolderItems.  Hierarchy bookkeeping mirrors Item's
    (``entered_seq``/``last_seq``) and ``parent_history`` lists earlier parents, so
    SyncFolderHierarchy can tell where a folder was at any earlier state."""

    __slots__ = (
        "children",
        "distinguished",
        "entered_seq",
        "folder_class",
        "generation",
        "id",
        "items",
        "journal",
        "kind",
        "last_seq",
        "mailbox",
        "name",
        "parent",
        "parent_history",
        "permissions",
    )

    def __init__(
        self,
        folder_id: str,
        mailbox: Mailbox,
        name: str,
        folder_class: str | None,
        parent: Folder | None,
        kind: str = "Folder",
        distinguished: str | None = None,
    ) -> None:
        from .journal import ItemJournal

        self.id = folder_id
        self.mailbox = mailbox
        self.name = name
        self.folder_class = folder_class
        self.parent = parent
        self.kind = kind  # EWS element: Folder, CalendarFolder, ContactsFolder, TasksFolder, SearchFolder
        self.distinguished = distinguished
        self.children: dict[str, Folder] = {}
        self.items: dict[str, Item] = {}
        self.journal = ItemJournal()
        self.entered_seq = 0
        self.last_seq = 0
        self.generation = 0  # bumped to invalidate every sync state of this folder
        self.parent_history: list[tuple[int, Folder | None]] | None = None
        self.permissions: tuple[FolderPermission, ...] | None = None  # None: never set

    def walk(self) -> list[Folder]:
        """This folder's descendants, depth first, in creation order."""
        out: list[Folder] = []
        stack = list(reversed(self.children.values()))
        while stack:
            f = stack.pop()
            out.append(f)
            stack.extend(reversed(f.children.values()))
        return out

    def is_within(self, ancestor: Folder) -> bool:
        node: Folder | None = self
        while node is not None:
            if node is ancestor:
                return True
            node = node.parent
        return False

    @property
    def unread_count(self) -> int:
        return sum(1 for i in self.items.values() if not i.is_read)

    def __repr__(self) -> str:
        return f"Folder({self.id!r}, {self.name!r})"
