"""What the site reads out of EWS answers: small records of the properties a task asked
for (:class:`ItemChange`, :class:`FolderChange`, :class:`ListedFolder`), read from the
answer's XML elements in one pass (:class:`ChildReader`) instead of through exchangelib's
model objects (ews-notes.md: building models is most of the client's cost).

Plain lxml and the EWS schema's namespace: nothing of exchangelib but its error type.
The lean services that hand these elements over live in
:mod:`engine.site.exchangelib_internals`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from exchangelib.errors import MalformedResponseError

#: the EWS types namespace (the protocol's, as the server writes it)
TNS = "http://schemas.microsoft.com/exchange/services/2006/types"

ITEM_ID = f"{{{TNS}}}ItemId"
FOLDER_ID = f"{{{TNS}}}FolderId"
CHANGE = {f"{{{TNS}}}Create": "create", f"{{{TNS}}}Update": "update", f"{{{TNS}}}Delete": "delete"}
READ_FLAG = f"{{{TNS}}}ReadFlagChange"


@dataclass(frozen=True, slots=True)
class At:
    """Where a value sits below an element: child tags (local names, types namespace),
    then the text of the last one or its ``attribute``."""

    tags: tuple[str, ...]
    attribute: str | None = None


class ChildReader:
    """``{name: value}`` for several :class:`At` below an element in one pass over its
    children: lxml's ``find`` goes through its Python path machinery at every call,
    which made reading a FindFolder answer a tenth of a mailbox's pass."""

    def __init__(self, paths: dict[str, At]) -> None:
        self.names = tuple(paths)
        self.heads: dict[str, list[tuple[str, At]]] = {}
        for name, at in paths.items():
            self.heads.setdefault(f"{{{TNS}}}{at.tags[0]}", []).append((name, at))

    def __call__(self, elem: Any) -> dict[str, str | None]:
        found: dict[str, str | None] = dict.fromkeys(self.names)
        heads = self.heads
        for child in elem:
            wanted = heads.get(child.tag)
            if wanted is None:
                continue
            for name, at in wanted:
                node = child
                for tag in at.tags[1:]:
                    node = node.find(f"{{{TNS}}}{tag}")
                    if node is None:
                        break
                if node is not None:
                    found[name] = node.text if at.attribute is None else node.get(at.attribute)
        return found


def required(value: str | None, what: str) -> str:
    if value is None:
        raise MalformedResponseError(f"a change or folder in the answer has no {what}")
    return value


@dataclass(frozen=True, slots=True)
class ItemChange:
    kind: str  # create | update | delete | read
    item_id: str
    props: dict[str, str | None]


@dataclass(frozen=True, slots=True)
class FolderChange:
    kind: str  # create | update | delete
    folder_id: str
    parent_id: str | None
    name: str
    folder_class: str | None


@dataclass(frozen=True, slots=True)
class ListedFolder:
    folder_id: str
    parent_id: str | None
    name: str
    folder_class: str | None
    commit: str | None  # PidTagLocalCommitTimeMax, if the server gives it


@dataclass
class SyncPage:
    changes: list[ItemChange]
    sync_state: str
    last: bool


@dataclass
class HierarchyPage:
    changes: list[FolderChange]
    sync_state: str
    last: bool


ID_KEY = "\0id"  # not a property name

#: a folder element of a FindFolder or SyncFolderHierarchy answer
READ_FOLDER = ChildReader(
    {
        "id": At(("FolderId",), "Id"),
        "parent": At(("ParentFolderId",), "Id"),
        "name": At(("DisplayName",)),
        "folder_class": At(("FolderClass",)),
        "commit": At(("ExtendedProperty", "Value")),
    }
)

#: where each property the engine asks for sits in an item element
ELEMENT_PATHS = {
    "item_class": At(("ItemClass",)),
    "sensitivity": At(("Sensitivity",)),
    "message_id": At(("InternetMessageId",)),
    "datetime_sent": At(("DateTimeSent",)),
    "datetime_received": At(("DateTimeReceived",)),
    "size": At(("Size",)),
    "is_read": At(("IsRead",)),
    "has_attachments": At(("HasAttachments",)),
    "subject": At(("Subject",)),
    "start": At(("Start",)),
    "end": At(("End",)),
    "is_all_day": At(("IsAllDayEvent",)),
    "location": At(("Location",)),
    "organizer": At(("Organizer", "Mailbox", "EmailAddress")),
    "uid": At(("UID",)),
    "is_recurring": At(("IsRecurring",)),
    "type": At(("CalendarItemType",)),
}
_ITEM_READERS: dict[tuple[str, ...], ChildReader] = {}


def item_reader(properties: tuple[str, ...]) -> ChildReader:
    """The reader of an item element's id (under :data:`ID_KEY`) and ``properties``."""
    reader = _ITEM_READERS.get(properties)
    if reader is None:
        paths = {ID_KEY: At(("ItemId",), "Id"), **{name: ELEMENT_PATHS[name] for name in properties}}
        reader = _ITEM_READERS[properties] = ChildReader(paths)
    return reader


def item_change(elem: Any, read: ChildReader) -> ItemChange:
    """One change element of a SyncFolderItems answer."""
    tag = elem.tag
    if tag == READ_FLAG:
        return ItemChange("read", elem.find(ITEM_ID).get("Id"), {})
    kind = CHANGE[tag]
    if kind == "delete":
        return ItemChange("delete", elem.find(ITEM_ID).get("Id"), {})
    found = read(elem[0])
    return ItemChange(kind, required(found.pop(ID_KEY), "ItemId"), found)


def folder_change(elem: Any) -> FolderChange:
    """One change element of a SyncFolderHierarchy answer."""
    kind = CHANGE[elem.tag]
    if kind == "delete":
        return FolderChange("delete", elem.find(FOLDER_ID).get("Id"), None, "", None)
    found = READ_FOLDER(elem[0])
    return FolderChange(
        kind, required(found["id"], "FolderId"), found["parent"], found["name"] or "", found["folder_class"]
    )


def listed_folder(elem: Any) -> ListedFolder:
    """One folder element of a FindFolder answer."""
    found = READ_FOLDER(elem)
    folder_id = required(found["id"], "FolderId")
    return ListedFolder(folder_id, found["parent"], found["name"] or "", found["folder_class"], found["commit"])


def folder_id_of(elem: Any) -> str | None:
    """The FolderId of one folder element of a GetFolder answer."""
    found: str | None = elem.find(FOLDER_ID).get("Id")
    return found


__all__ = [
    "At",
    "ChildReader",
    "FolderChange",
    "HierarchyPage",
    "ItemChange",
    "ListedFolder",
    "SyncPage",
    "folder_change",
    "folder_id_of",
    "item_change",
    "item_reader",
    "listed_folder",
]
