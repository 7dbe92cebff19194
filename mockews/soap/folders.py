"""Folder shapes, rendering and parsing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..errors import ErrorInvalidPropertyRequest, ErrorSchemaValidation
from ..store.model import Folder
from ..store.world import World
from .render import el, esc
from .xml import Element, child, children, local_name, t

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
)
BY_URI = {p.uri: p for p in PROPERTIES}
WRITABLE = {"folder:DisplayName": "name", "folder:FolderClass": "folder_class"}


@dataclass(frozen=True)
class FolderShape:
    properties: tuple[FolderProperty, ...]

    @classmethod
    def of(cls, base: str, additional: frozenset[str] = frozenset()) -> FolderShape:
        if base == "IdOnly":
            uris = {"folder:FolderId"} | additional
        elif base == "Default":
            uris = {p.uri for p in PROPERTIES if p.default} | additional
        elif base == "AllProperties":
            uris = set(BY_URI)
        else:
            raise ErrorSchemaValidation(f"BaseShape {base!r} is not valid.")
        return cls(tuple(p for p in PROPERTIES if p.uri in uris))


def parse_folder_shape(elem: Element | None) -> FolderShape:
    if elem is None:
        raise ErrorSchemaValidation("FolderShape is required.")
    base = (elem.findtext(t("BaseShape")) or "").strip()
    additional: set[str] = set()
    for prop in children(child(elem, t("AdditionalProperties"))):
        if local_name(prop) == "FieldURI":
            uri = prop.get("FieldURI", "")
            if not uri.startswith("folder:"):
                raise ErrorInvalidPropertyRequest(f"FieldURI {uri!r} is not a folder property.")
            if uri in BY_URI:
                additional.add(uri)
        # Extended folder properties are accepted and not returned.
    return FolderShape.of(base, frozenset(additional))


def folder_id_only(folder: Folder, world: World) -> str:
    """The answer of CreateFolder/UpdateFolder/MoveFolder: the element with its id."""
    return f"<m:Folders><t:{folder.kind}>{_folder_id(folder, world)}</t:{folder.kind}></m:Folders>"


def render_folder(folder: Folder, shape: FolderShape, world: World) -> str:
    inner = "".join(p.render(folder, world) for p in shape.properties)
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
