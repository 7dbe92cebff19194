"""Fast, typed population of a world without EWS: the bulk-load path used by the admin
plane, the demo tenant, the tenant generator and tests.

Everything still goes through Mailbox.add_item / create_folder, so loaded content has
journal entries, ChangeKeys and timestamps exactly like content created over EWS.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from ..errors import ErrorFolderNotFound
from .mailbox import Mailbox
from .model import Attendee, CalendarItem, FileAttachment, Folder, Item, Recipient, Recurrence, to_epoch

Address = str | tuple[str, str]  # "a@b" or (display name, "a@b")
When = datetime | int | None


def _epoch(value: When) -> int | None:
    if value is None or isinstance(value, int):
        return value
    return to_epoch(value)


def folder_by_path(mailbox: Mailbox, path: str, create: bool = True, folder_class: str | None = None) -> Folder:
    """``inbox/Projects/2024``: a first segment that is a distinguished id starts there,
    any other path starts at Top of Information Store.  Missing folders are created when
    ``create`` is true (with ``folder_class`` for the last one, else the parent's class,
    else IPF.Note)."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts:
        raise ErrorFolderNotFound("An empty folder path names no folder.")
    if parts[0].lower() in mailbox.distinguished:
        folder = mailbox.distinguished[parts[0].lower()]
        parts = parts[1:]
    else:
        folder = mailbox.distinguished["msgfolderroot"]
    for index, name in enumerate(parts):
        found = next((c for c in folder.children.values() if c.name.lower() == name.lower()), None)
        if found is None:
            if not create:
                raise ErrorFolderNotFound(f"No folder {name!r} under {folder.name!r}.")
            last = index == len(parts) - 1
            cls = (folder_class if last else None) or folder.folder_class or "IPF.Note"
            found = mailbox.create_folder(folder, name, cls)
        folder = found
    return folder


def recipient(mailbox: Mailbox, address: Address) -> Recipient:
    if isinstance(address, tuple):
        name, email = address
        return mailbox.world.recipient(name, email)
    return mailbox.world.recipient(None, address)


def recipients(mailbox: Mailbox, addresses: Iterable[Address]) -> tuple[Recipient, ...]:
    return tuple(recipient(mailbox, a) for a in addresses)


def new_message(
    mailbox: Mailbox,
    folder: Folder,
    subject: str | None = None,
    body: str | None = None,
    sender: Address | None = None,
    to: Sequence[Address] = (),
    cc: Sequence[Address] = (),
    received: When = None,
    sent: When = None,
    is_read: bool = False,
    is_draft: bool = False,
    sensitivity: str = "Normal",
    importance: str = "Normal",
    categories: Sequence[str] = (),
    item_class: str | None = None,
    size: int | None = None,
    message_id: str | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
    kind: str = "Message",
) -> Item:
    item = mailbox.new_item(folder, kind, item_class)
    item.subject = subject
    item.body = body
    item.from_ = item.sender = recipient(mailbox, sender) if sender else None
    item.to = recipients(mailbox, to)
    item.cc = recipients(mailbox, cc)
    item.received = _epoch(received) or 0
    item.sent = _epoch(sent)
    item.is_read = is_read
    item.is_draft = is_draft
    item.sensitivity = sensitivity
    item.importance = importance
    item.categories = tuple(categories)
    item.message_id = message_id
    if attachments:
        item.attachments = [
            FileAttachment(name, content, number=n, last_modified=item.received)
            for n, (name, content) in enumerate(attachments, start=1)
        ]
    if size:
        item.size = size
    return mailbox.add_item(item)


def new_calendar_item(
    mailbox: Mailbox,
    folder: Folder,
    subject: str,
    start: datetime | int,
    end: datetime | int,
    location: str | None = None,
    is_all_day: bool = False,
    sensitivity: str = "Normal",
    organizer: Address | None = None,
    required: Sequence[Address] = (),
    optional: Sequence[Address] = (),
    recurrence: Recurrence | None = None,
    body: str | None = None,
    uid: str | None = None,
    attachments: Sequence[tuple[str, bytes]] = (),
) -> CalendarItem:
    item = mailbox.new_item(folder, "CalendarItem")
    assert isinstance(item, CalendarItem)
    item.subject = subject
    item.body = body
    item.start = _epoch(start) or 0
    item.end = _epoch(end) or 0
    item.location = location
    item.is_all_day = is_all_day
    item.sensitivity = sensitivity
    item.organizer = (
        recipient(mailbox, organizer) if organizer else mailbox.world.recipient(mailbox.display_name, mailbox.email)
    )
    item.required = tuple(Attendee(recipient(mailbox, a)) for a in required)
    item.optional = tuple(Attendee(recipient(mailbox, a)) for a in optional)
    item.recurrence = recurrence
    item.uid = uid or f"{mailbox.world.ids.token(24)}"
    item.is_read = True
    if attachments:
        item.attachments = [FileAttachment(name, content, number=n) for n, (name, content) in enumerate(attachments, 1)]
    mailbox.add_item(item)
    return item
