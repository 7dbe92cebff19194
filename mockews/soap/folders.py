"""Folder shapes, rendering and parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from ..errors import ErrorInvalidPropertyRequest, ErrorSchemaValidation
from ..store.model import Folder, FolderPermission
from ..store.world import World
from .render import boolean, el, esc
from .xml import Element, child, children, local_name, parse_bool, t

FOLDER_KINDS = ("Folder", "CalendarFolder", "ContactsFolder", "SearchFolder", "TasksFolder")

_EFFECTIVE_RIGHTS = (
    "<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated><t:CreateContents>true</t:CreateContents>"
    "<t:CreateHierarchy>true</t:CreateHierarchy><t:Delete>true</t:Delete><t:Modify>true</t:Modify>"
    "<t:Read>true</t:Read><t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>"
)


def _folder_id(f: Folder, world: World) -> str:
    return f'<t:FolderId Id="{f.id}" ChangeKey="{world.change_key(f.last_seq)}"/>'


def _parent_id(f: Folder, world: World) -> str:
    if f.parent is None:
        return ""
    return f'<t:ParentFolderId Id="{f.parent.id}" ChangeKey="{world.change_key(f.parent.last_seq)}"/>'


def _permission_tags(f: Folder) -> tuple[str, str]:
    """A calendar's PermissionSet lists CalendarPermissions (with free/busy levels)."""
    if f.kind == "CalendarFolder":
        return "CalendarPermissions", "CalendarPermission"
    return "Permissions", "Permission"


def _permission_set(f: Folder, w: World) -> str:
    if f.permissions is None:
        return ""
    outer, inner = _permission_tags(f)
    entries = "".join(
        f"<t:{inner}><t:UserId>{''.join(el(k, esc(v)) for k, v in p.user)}</t:UserId>"
        f"{''.join(el(k, esc(v)) for k, v in p.values)}</t:{inner}>"
        for p in f.permissions
    )
    return f"<t:PermissionSet><t:{outer}>{entries}</t:{outer}></t:PermissionSet>"


_PERMISSION_FLAGS = frozenset(
    {"CanCreateItems", "CanCreateSubFolders", "IsFolderOwner", "IsFolderVisible", "IsFolderContact"}
)


def _permission_value(elem: Element) -> str:
    # kept as Exchange returns it: clients send flags as 1/0 but read only true/false
    text = elem.text or ""
    return boolean(parse_bool(text)) if local_name(elem) in _PERMISSION_FLAGS else text


def parse_permission_set(elem: Element | None) -> tuple[FolderPermission, ...]:
    """``t:PermissionSet`` → its entries, whichever list (Permissions or
    CalendarPermissions) the client sent."""
    if elem is None:
        raise ErrorSchemaValidation("SetFolderField of folder:PermissionSet needs a PermissionSet.")
    entries: list[FolderPermission] = []
    for listing in children(elem):
        if local_name(listing) not in ("Permissions", "CalendarPermissions"):
            continue  # UnknownEntries: answered by the server, ignored when sent
        for entry in children(listing):
            user = child(entry, t("UserId"))
            if user is None:
                raise ErrorSchemaValidation("A permission needs a UserId.")
            values = tuple((local_name(c), _permission_value(c)) for c in children(entry) if c is not user)
            entries.append(FolderPermission(tuple((local_name(c), c.text or "") for c in children(user)), values))
    return tuple(entries)


@dataclass(frozen=True, slots=True)
class FolderProperty:
    uri: str
    render: Callable[[Folder, World], str]
    default: bool = False


PROPERTIES: tuple[FolderProperty, ...] = (
    FolderProperty("folder:FolderId", _folder_id, default=True),
    FolderProperty("folder:ParentFolderId", _parent_id),
    FolderProperty("folder:FolderClass", lambda f, w: el("FolderClass", esc(f.folder_class)) if f.folder_class else ""),
    FolderProperty("folder:DisplayName", lambda f, w: el("DisplayName", esc(f.name)), default=True),
    FolderProperty("folder:TotalCount", lambda f, w: el("TotalCount", str(len(f.items))), default=True),
    FolderProperty("folder:ChildFolderCount", lambda f, w: el("ChildFolderCount", str(len(f.children))), default=True),
    FolderProperty("folder:EffectiveRights", lambda f, w: _EFFECTIVE_RIGHTS),
    FolderProperty(
        "folder:DistinguishedFolderId",
        lambda f, w: el("DistinguishedFolderId", f.distinguished) if f.distinguished else "",
    ),
    FolderProperty("folder:UnreadCount", lambda f, w: el("UnreadCount", str(f.unread_count)), default=True),
    FolderProperty("folder:PermissionSet", _permission_set),
)
BY_URI = {p.uri: p for p in PROPERTIES}
WRITABLE = {"folder:DisplayName": "name", "folder:FolderClass": "folder_class"}


def _commit_time(f: Folder, w: World) -> str:
    """PidTagLocalCommitTimeMax: when the folder's contents last changed (the FILETIME
    epoch for a folder whose contents never did)."""
    when = f.journal.last_time
    value = datetime.fromtimestamp(when, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if when else "1601-01-01T00:00:00Z"
    return (
        '<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0x670a" PropertyType="SystemTime"/>'
        f"<t:Value>{value}</t:Value></t:ExtendedProperty>"
    )


def _message_size(f: Folder, w: World) -> str:
    """PR_MESSAGE_SIZE_EXTENDED (0x0E08, a Long): the bytes of the folder's own items —
    what Outlook shows as a folder's size, not counting its subfolders."""
    total = sum(item.size or 0 for item in f.items.values())
    return (
        '<t:ExtendedProperty><t:ExtendedFieldURI PropertyTag="0xe08" PropertyType="Long"/>'
        f"<t:Value>{total}</t:Value></t:ExtendedProperty>"
    )


#: extended folder properties the mock returns (by property tag); others are accepted
#: in a shape and not returned, as Exchange does for properties a folder lacks
EXTENDED: dict[int, Callable[[Folder, World], str]] = {0x670A: _commit_time, 0x0E08: _message_size}


@dataclass(frozen=True)
class FolderShape:
    properties: tuple[FolderProperty, ...]
    extended: tuple[int, ...] = ()

    @classmethod
    def of(cls, base: str, additional: frozenset[str] = frozenset(), extended: tuple[int, ...] = ()) -> FolderShape:
        if base == "IdOnly":
            uris = {"folder:FolderId"} | additional
        elif base == "Default":
            uris = {p.uri for p in PROPERTIES if p.default} | additional
        elif base == "AllProperties":
            uris = set(BY_URI)
        else:
            raise ErrorSchemaValidation(f"BaseShape {base!r} is not valid.")
        return cls(tuple(p for p in PROPERTIES if p.uri in uris), extended)


def parse_folder_shape(elem: Element | None) -> FolderShape:
    if elem is None:
        raise ErrorSchemaValidation("FolderShape is required.")
    base = (elem.findtext(t("BaseShape")) or "").strip()
    additional: set[str] = set()
    extended: list[int] = []
    for prop in children(child(elem, t("AdditionalProperties"))):
        if local_name(prop) == "FieldURI":
            uri = prop.get("FieldURI", "")
            if not uri.startswith("folder:"):
                raise ErrorInvalidPropertyRequest(f"FieldURI {uri!r} is not a folder property.")
            if uri in BY_URI:
                additional.add(uri)
        elif local_name(prop) == "ExtendedFieldURI":
            try:
                tag = int(prop.get("PropertyTag") or "-1", 0)
            except ValueError:
                tag = -1
            if tag in EXTENDED and tag not in extended:
                extended.append(tag)
    return FolderShape.of(base, frozenset(additional), tuple(extended))


def folder_id_only(folder: Folder, world: World) -> str:
    """The answer of CreateFolder/UpdateFolder/MoveFolder: the element with its id."""
    return f"<m:Folders><t:{folder.kind}>{_folder_id(folder, world)}</t:{folder.kind}></m:Folders>"


def render_folder(folder: Folder, shape: FolderShape, world: World) -> str:
    inner = "".join(p.render(folder, world) for p in shape.properties)
    inner += "".join(EXTENDED[tag](folder, world) for tag in shape.extended)
    return f"<t:{folder.kind}>{inner}</t:{folder.kind}>"


def parse_folder(elem: Element) -> tuple[str, str | None, str | None]:
    """A folder element of CreateFolder → (element kind, display name, folder class)."""
    kind = local_name(elem)
    if kind not in FOLDER_KINDS:
        raise ErrorSchemaValidation(f"{kind} is not a folder element.")
    name = elem.findtext(t("DisplayName"))
    folder_class = elem.findtext(t("FolderClass"))
    if folder_class is None:
        folder_class = {
            "CalendarFolder": "IPF.Appointment",
            "ContactsFolder": "IPF.Contact",
            "TasksFolder": "IPF.Task",
        }.get(kind)
    return kind, name, folder_class
