"""Item shapes, item rendering and item parsing (CreateItem / UpdateItem payloads)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ErrorInvalidPropertyRequest, ErrorInvalidPropertySet, ErrorSchemaValidation
from ..store.model import MEETING_KINDS, ExtendedKey, ExtendedValue, Item
from ..store.world import World
from .item_properties import (
    ALL_URIS,
    BY_URI,
    DEFAULT_URIS,
    ITEM_ID,
    ItemProperty,
    RenderContext,
    ordered,
    parse_extended_property,
    parse_extended_uri,
    property_for_tag,
    render_extended,
)
from .xml import Element, child, children, local_name, m, t

ITEM_KINDS = ("Message", "CalendarItem", "Contact", "DistributionList", "Task", "PostItem", "Item", *MEETING_KINDS)


@dataclass(frozen=True)
class ItemShape:
    properties: tuple[ItemProperty, ...]
    extended: tuple[ExtendedKey, ...] = ()
    id_only: bool = False
    uris: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls, base: str, additional: frozenset[str] = frozenset(), extended: tuple[ExtendedKey, ...] = ()
    ) -> ItemShape:
        if base == "IdOnly":
            uris = frozenset({ITEM_ID.uri}) | additional
        elif base == "Default":
            uris = DEFAULT_URIS | additional
        elif base == "AllProperties":
            uris = ALL_URIS | additional
        else:
            raise ErrorSchemaValidation(f"BaseShape {base!r} is not valid.")
        props = ordered(uris)
        return cls(props, extended, id_only=props == (ITEM_ID,) and not extended, uris=uris)


ID_ONLY = ItemShape.of("IdOnly")
#: CreateItem's answer: the id, and the AttachmentIds of the attachments created with it
ID_AND_ATTACHMENTS = ItemShape.of("IdOnly", frozenset({"item:Attachments"}))
#: an attached item: every property but its identity and place (it has none); its
#: attachments are rendered with their contents by attachments.render_embedded
_EMBEDDED_URIS = (ALL_URIS | {"item:MimeContent"}) - {ITEM_ID.uri, "item:ParentFolderId", "item:Attachments"}
EMBEDDED_SHAPE = ItemShape(ordered(_EMBEDDED_URIS), uris=_EMBEDDED_URIS)


def parse_item_shape(elem: Element | None) -> ItemShape:
    """``m:ItemShape``: a BaseShape plus AdditionalProperties.  FieldURIs the mock does
    not model are accepted and simply not returned, as Exchange omits empty values."""
    if elem is None:
        raise ErrorSchemaValidation("ItemShape is required.")
    base = (elem.findtext(t("BaseShape")) or "").strip()
    additional: set[str] = set()
    extended: list[ExtendedKey] = []
    for prop in children(child(elem, t("AdditionalProperties"))):
        name = local_name(prop)
        if name == "FieldURI":
            uri = prop.get("FieldURI", "")
            if ":" not in uri:
                raise ErrorInvalidPropertyRequest(f"FieldURI {uri!r} is not valid.")
            if uri in BY_URI:
                additional.add(uri)
        elif name == "ExtendedFieldURI":
            extended.append(parse_extended_uri(prop))
        elif name == "IndexedFieldURI":
            additional.add(indexed_base_uri(prop.get("FieldURI", "")))
        elif name == "ExceptionFieldURI":
            continue  # occurrence details are not modelled
        else:
            raise ErrorSchemaValidation(f"Unexpected element {name} in AdditionalProperties.")
    return ItemShape.of(base, frozenset(additional), tuple(extended))


def render_item(item: Item, shape: ItemShape, ctx: RenderContext) -> str:
    kind = item.kind
    if shape.id_only:
        return f'<t:{kind}><t:ItemId Id="{item.id}" ChangeKey="{ctx.world.change_key(item.last_seq)}"/></t:{kind}>'
    parts = [p.render(item, ctx) for p in shape.properties if kind in p.kinds]
    if shape.extended:
        parts.append(render_extended(item, list(shape.extended)))
    return f"<t:{kind}>{''.join(parts)}</t:{kind}>"


@dataclass
class ParsedItem:
    kind: str
    values: dict[str, object]
    extended: list[ExtendedValue]


def fields_of(prop: ItemProperty) -> tuple[str, ...]:
    """The store fields a writable property sets (Body sets its text and its type)."""
    assert prop.field is not None
    return ("body", "body_type") if prop.field == "body" else (prop.field,)


def store_values(prop: ItemProperty, value: object) -> dict[str, object]:
    """A parsed property value as store field assignments (Body sets two fields)."""
    assert prop.field is not None
    if prop.field == "body" and isinstance(value, tuple):
        return {"body": value[0], "body_type": value[1]}
    return {prop.field: value}


def parse_item(elem: Element, world: World, allow_read_only: bool = False) -> ParsedItem:
    """An item element of a request (``t:Message``, ``t:CalendarItem`` …) → store values."""
    kind = local_name(elem)
    if kind not in ITEM_KINDS:
        raise ErrorSchemaValidation(f"{kind} is not an item element.")
    if kind in MEETING_KINDS:
        kind = "Message"
    values: dict[str, object] = {}
    extended: list[ExtendedValue] = []
    for prop_elem in children(elem):
        tag = local_name(prop_elem)
        if tag == "ExtendedProperty":
            extended.append(parse_extended_property(prop_elem))
            continue
        if tag == "Attachments":
            values["attachments"] = prop_elem  # handled by the caller (needs the new item)
            continue
        prop = property_for_tag(tag, kind)
        if prop is None:
            continue  # not modelled here (MimeContent: see CreateItem)
        if prop.parse is None or prop.field is None:
            if allow_read_only:
                continue
            # Exchange computes these and refuses a client's value
            raise ErrorInvalidPropertySet(f"The property {prop.uri} is read-only and cannot be set.")
        values.update(store_values(prop, prop.parse(prop_elem, world)))
    return ParsedItem(kind, values, extended)


#: exchangelib sends MeetingTimeZone only to Exchange 2007; the mock keeps every instant
#: in UTC and the Start/End zones (for expansion), so it is accepted and ignored
IGNORED_UPDATES = frozenset({"calendar:MeetingTimeZone"})


def indexed_base_uri(uri: str) -> str:
    """``contacts:PhysicalAddress:Street`` → ``contacts:PhysicalAddress``."""
    return ":".join(uri.split(":")[:2])


@dataclass(frozen=True)
class IndexedPath:
    """An IndexedFieldURI: one entry (``index``) of a contact dictionary, or one part of
    it (``part``, for PhysicalAddresses)."""

    index: str
    part: str | None


def indexed_change_target(field_elem: Element) -> tuple[ItemProperty, IndexedPath] | None:
    """The dictionary property and entry an IndexedFieldURI names, if it names one."""
    uri_elem = field_elem.find(t("IndexedFieldURI"))
    if uri_elem is None:
        return None
    uri = uri_elem.get("FieldURI", "")
    prop = BY_URI.get(indexed_base_uri(uri))
    index = uri_elem.get("FieldIndex", "")
    if prop is None or not index:
        raise ErrorInvalidPropertyRequest(f"The indexed property {uri} is not supported.")
    part = uri.split(":")[2] if uri.count(":") >= 2 else None
    return prop, IndexedPath(index, part)


def item_change_target(field_elem: Element) -> tuple[ItemProperty | None, ExtendedKey | None]:
    """The property a SetItemField/AppendToItemField/DeleteItemField names; (None, None)
    for one that is accepted and ignored."""
    uri_elem = field_elem.find(t("FieldURI"))
    if uri_elem is not None:
        uri = uri_elem.get("FieldURI", "")
        if uri in IGNORED_UPDATES:
            return None, None
        prop = BY_URI.get(uri)
        if prop is None:
            raise ErrorInvalidPropertyRequest(f"The property {uri} is not supported.")
        return prop, None
    ext = field_elem.find(t("ExtendedFieldURI"))
    if ext is not None:
        return None, parse_extended_uri(ext)
    raise ErrorSchemaValidation(f"{local_name(field_elem)} needs a FieldURI.")


def saved_folder_target(elem: Element) -> Element | None:
    target = elem.find(m("SavedItemFolderId"))
    return None if target is None else next(iter(children(target)), None)
