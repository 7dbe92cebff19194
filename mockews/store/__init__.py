"""The mock Exchange store: plain Python state and rules, no XML (architecture §3)."""

from .mailbox import WELL_KNOWN_FOLDERS, Mailbox
from .model import (
    EV_SHORTCUT_CLASS,
    Attendee,
    CalendarItem,
    ExtendedKey,
    ExtendedValue,
    FileAttachment,
    Folder,
    Item,
    Recipient,
    Recurrence,
    from_epoch,
    to_epoch,
)
from .world import Account, ServerVersion, World

__all__ = [
    "EV_SHORTCUT_CLASS",
    "WELL_KNOWN_FOLDERS",
    "Account",
    "Attendee",
    "CalendarItem",
    "ExtendedKey",
    "ExtendedValue",
    "FileAttachment",
    "Folder",
    "Item",
    "Mailbox",
    "Recipient",
    "Recurrence",
    "ServerVersion",
    "World",
    "from_epoch",
    "to_epoch",
]
