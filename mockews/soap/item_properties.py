"""The item properties the mock knows, keyed by FieldURI, in EWS schema order.

Each property knows how to render itself from a store Item, how to parse a client's
element into a store value (writable ones), which store field it sets, and how to read
a comparable value for Restrictions and SortOrder.  Rendering walks this table in
order, so elements come out in schema order for strict clients.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from ..errors import ErrorInvalidValueForProperty, ErrorSchemaValidation
from ..store.mime import MIME_KEY, decode_base64, item_mime
from ..store.model import Attendee, CalendarItem, ExtendedKey, ExtendedValue, Item, Recipient, Recurrence
from ..store.world import World
from .render import boolean, dt, el, esc
from .xml import Element, children, local_name, parse_bool, parse_int, t

MESSAGE = frozenset({"Message"})
CALENDAR = frozenset({"CalendarItem"})
ALL_KINDS = frozenset({"Message", "CalendarItem", "Contact", "Task", "PostItem", "Item"})

#: FindItem returns string properties cut to this many characters (GetItem: whole)
FIND_TRUNCATE = 255
#: Exchange stores at most this many characters of a Subject (the rest is cut on write)
SUBJECT_LIMIT = 255


@dataclass(frozen=True, slots=True)
class RenderContext:
    world: World
    truncate: bool = False


Renderer = Callable[[Item, RenderContext], str]
Parser = Callable[[Element, World], object]
Getter = Callable[[Item], object]


@dataclass(frozen=True, slots=True)
class ItemProperty:
    uri: str
    tag: str
    kinds: frozenset[str]
    render: Renderer
    field: str | None = None  # store field for Set/Delete; None = read-only
    parse: Parser | None = None
    get: Getter | None = None  # comparable value for restrictions and sorting
    default: bool = False  # part of the Default shape
    appendable: bool = False
    value_type: str = "text"  # how restriction constants are read: text, bool, int, datetime


# -- value helpers --------------------------------------------------------------------


def parse_datetime(text: str | None) -> int:
    """EWS datetimes (``Z`` or an offset; a bare date means midnight UTC) → epoch."""
    value = (text or "").strip()
    try:
        if len(value) == 10:
            return int(datetime.combine(date.fromisoformat(value), datetime.min.time(), UTC).timestamp())
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise ErrorSchemaValidation(f"{value!r} is not a valid xs:dateTime.") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return int(parsed.timestamp())


def _truncated(text: str, ctx: RenderContext) -> str:
    return text[:FIND_TRUNCATE] if ctx.truncate and len(text) > FIND_TRUNCATE else text


def render_mailbox(r: Recipient) -> str:
    return (
        f"<t:Mailbox><t:Name>{esc(r.name)}</t:Name><t:EmailAddress>{esc(r.email)}</t:EmailAddress>"
        f"<t:RoutingType>{r.routing_type}</t:RoutingType><t:MailboxType>{r.mailbox_type}</t:MailboxType></t:Mailbox>"
    )


def parse_mailbox(elem: Element, world: World) -> Recipient:
    """``t:Mailbox`` (or any element holding one) → an interned Recipient."""
    box = elem if local_name(elem) == "Mailbox" else elem.find(t("Mailbox"))
    if box is None:
        raise ErrorSchemaValidation(f"{local_name(elem)} needs a Mailbox.")
    address = (box.findtext(t("EmailAddress")) or "").strip()
    if not address:
        raise ErrorInvalidValueForProperty("A mailbox needs an EmailAddress.")
    return world.recipient(
        box.findtext(t("Name")),
        address,
        (box.findtext(t("RoutingType")) or "SMTP").strip(),
        (box.findtext(t("MailboxType")) or "Mailbox").strip(),
    )


# -- property factories ---------------------------------------------------------------


def text_prop(
    uri: str, field: str, kinds: frozenset[str] = ALL_KINDS, default: bool = False, max_length: int | None = None
) -> ItemProperty:
    """A text field; ``max_length``: Exchange keeps only that many characters of what is
    written (the Subject: 255), silently, as it does."""
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value = getattr(item, field)
        return "" if value is None else el(tag, esc(_truncated(value, ctx)))

    def parse(elem: Element, _: World) -> str:
        return (elem.text or "")[:max_length]

    return ItemProperty(uri, tag, kinds, render, field, parse, lambda i: getattr(i, field), default)


def extra_text_prop(uri: str, kinds: frozenset[str] = ALL_KINDS) -> ItemProperty:
    tag = uri.split(":", 1)[1]
    key = "extra." + tag

    def render(item: Item, ctx: RenderContext) -> str:
        value = item.get_extra(tag)
        return "" if value is None else el(tag, esc(_truncated(str(value), ctx)))

    return ItemProperty(uri, tag, kinds, render, key, lambda e, w: e.text or "", lambda i: i.get_extra(tag))


def _getter(field: str) -> Getter:
    """Reads a store field; ``extra.X`` names live in the item's extra dict."""
    if field.startswith("extra."):
        name = field[6:]
        return lambda item: item.get_extra(name)
    return lambda item: getattr(item, field)


def bool_prop(
    uri: str, field: str, kinds: frozenset[str] = ALL_KINDS, default: bool = False, writable: bool = True
) -> ItemProperty:
    tag = uri.split(":", 1)[1]
    get = _getter(field)

    def render(item: Item, ctx: RenderContext) -> str:
        value = get(item)
        return "" if value is None else el(tag, boolean(bool(value)))

    parse: Parser | None = (lambda e, w: parse_bool(e.text)) if writable else None
    return ItemProperty(uri, tag, kinds, render, field if writable else None, parse, get, default, value_type="bool")


def int_prop(uri: str, field: str, kinds: frozenset[str] = ALL_KINDS, writable: bool = True) -> ItemProperty:
    tag = uri.split(":", 1)[1]
    get = _getter(field)

    def render(item: Item, ctx: RenderContext) -> str:
        value = get(item)
        return "" if value is None else el(tag, str(value))

    parse: Parser | None = (lambda e, w: parse_int(e.text, tag)) if writable else None
    return ItemProperty(uri, tag, kinds, render, field if writable else None, parse, get, value_type="int")


def datetime_prop(
    uri: str, field: str, kinds: frozenset[str] = ALL_KINDS, writable: bool = False, default: bool = False
) -> ItemProperty:
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value = getattr(item, field)
        return "" if value is None else el(tag, dt(value))

    parse: Parser | None = (lambda e, w: parse_datetime(e.text)) if writable else None
    return ItemProperty(
        uri,
        tag,
        kinds,
        render,
        field if writable else None,
        parse,
        lambda i: getattr(i, field),
        default,
        value_type="datetime",
    )


def choice_prop(
    uri: str, field: str, choices: tuple[str, ...], kinds: frozenset[str] = ALL_KINDS, default: bool = False
) -> ItemProperty:
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        return el(tag, getattr(item, field))

    def parse(elem: Element, world: World) -> object:
        value = (elem.text or "").strip()
        if value not in choices:
            raise ErrorInvalidValueForProperty(f"{value!r} is not a valid {tag}.", Name=tag, Value=value)
        return value

    return ItemProperty(uri, tag, kinds, render, field, parse, lambda i: getattr(i, field), default)


def mailbox_prop(uri: str, field: str, kinds: frozenset[str], writable: bool = True) -> ItemProperty:
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value: Recipient | None = getattr(item, field)
        return "" if value is None else f"<t:{tag}>{render_mailbox(value)}</t:{tag}>"

    def get(item: Item) -> object:
        value: Recipient | None = getattr(item, field)
        return None if value is None else value.email.lower()

    return ItemProperty(uri, tag, kinds, render, field if writable else None, parse_mailbox if writable else None, get)


def mailboxes_prop(uri: str, field: str, kinds: frozenset[str], default: bool = False) -> ItemProperty:
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value: tuple[Recipient, ...] = getattr(item, field)
        if not value:
            return ""
        return f"<t:{tag}>{''.join(render_mailbox(r) for r in value)}</t:{tag}>"

    def parse(elem: Element, world: World) -> object:
        return tuple(parse_mailbox(box, world) for box in children(elem))

    def get(item: Item) -> object:
        return [r.email.lower() for r in getattr(item, field)]

    return ItemProperty(uri, tag, kinds, render, field, parse, get, default, appendable=True)


def attendees_prop(uri: str, field: str) -> ItemProperty:
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value: tuple[Attendee, ...] = getattr(item, field)
        if not value:
            return ""
        parts = []
        for a in value:
            last = "" if a.last_response is None else el("LastResponseTime", dt(a.last_response))
            parts.append(
                f"<t:Attendee>{render_mailbox(a.recipient)}{el('ResponseType', a.response_type)}{last}</t:Attendee>"
            )
        return f"<t:{tag}>{''.join(parts)}</t:{tag}>"

    def parse(elem: Element, world: World) -> object:
        out = []
        for attendee in children(elem):
            response = attendee.findtext(t("ResponseType")) or "Unknown"
            last = attendee.findtext(t("LastResponseTime"))
            out.append(
                Attendee(parse_mailbox(attendee, world), response.strip(), parse_datetime(last) if last else None)
            )
        return tuple(out)

    def get(item: Item) -> object:
        return [a.recipient.email.lower() for a in getattr(item, field)]

    return ItemProperty(uri, tag, CALENDAR, render, field, parse, get, appendable=True)


# -- individual properties ------------------------------------------------------------


def _render_item_id(item: Item, ctx: RenderContext) -> str:
    return f'<t:ItemId Id="{item.id}" ChangeKey="{ctx.world.change_key(item.last_seq)}"/>'


def _render_parent(item: Item, ctx: RenderContext) -> str:
    folder = item.folder
    return f'<t:ParentFolderId Id="{folder.id}" ChangeKey="{ctx.world.change_key(folder.last_seq)}"/>'


def _render_body(item: Item, ctx: RenderContext) -> str:
    if item.body is None:
        return ""
    return f'<t:Body BodyType="{item.body_type}">{esc(item.body)}</t:Body>'


def _parse_body(elem: Element, world: World) -> object:
    body_type = elem.get("BodyType", "Text")
    if body_type not in ("Text", "HTML", "Best"):
        raise ErrorInvalidValueForProperty(f"BodyType {body_type!r} is not valid.")
    return (elem.text or "", "HTML" if body_type == "HTML" else "Text")


def _render_attachments(item: Item, ctx: RenderContext) -> str:
    if not item.attachments:
        return ""
    from .attachments import render_attachment

    parts = "".join(render_attachment(item, a, ctx.world, content=False) for a in item.attachments)
    return f"<t:Attachments>{parts}</t:Attachments>"


def _render_categories(item: Item, ctx: RenderContext) -> str:
    if not item.categories:
        return ""
    return f"<t:Categories>{''.join(el('String', esc(c)) for c in item.categories)}</t:Categories>"


def _parse_categories(elem: Element, world: World) -> object:
    return tuple((s.text or "") for s in children(elem))


def _display(field: str, tag: str) -> ItemProperty:
    def render(item: Item, ctx: RenderContext) -> str:
        names = "; ".join(r.name for r in getattr(item, field))
        return el(tag, esc(_truncated(names, ctx)))

    return ItemProperty(
        f"item:{tag}", tag, ALL_KINDS, render, get=lambda i: "; ".join(r.name for r in getattr(i, field))
    )


def _render_recurrence(item: Item, ctx: RenderContext) -> str:
    rec = item.recurrence if isinstance(item, CalendarItem) else None
    if rec is None:
        return ""
    pattern = "".join(el(k, esc(v)) for k, v in rec.pattern_fields)
    rng = "".join(el(k, esc(v)) for k, v in rec.range_fields)
    return (
        f"<t:Recurrence><t:{rec.pattern}>{pattern}</t:{rec.pattern}><t:{rec.range}>{rng}</t:{rec.range}></t:Recurrence>"
    )


def _parse_recurrence(elem: Element, world: World) -> object:
    parts = children(elem)
    if len(parts) != 2:
        raise ErrorSchemaValidation("Recurrence needs a pattern and a range.")
    pattern, rng = parts
    return Recurrence(
        local_name(pattern),
        tuple((local_name(c), (c.text or "").strip()) for c in children(pattern)),
        local_name(rng),
        tuple((local_name(c), (c.text or "").strip()) for c in children(rng)),
    )


def _calendar_datetime(uri: str, field: str) -> ItemProperty:
    prop = datetime_prop(uri, field, CALENDAR, writable=True)
    return prop


def _render_calendar_type(item: Item, ctx: RenderContext) -> str:
    if not isinstance(item, CalendarItem):
        return ""
    return el("CalendarItemType", "RecurringMaster" if item.recurrence else item.calendar_type)


def _render_is_recurring(item: Item, ctx: RenderContext) -> str:
    return el("IsRecurring", boolean(isinstance(item, CalendarItem) and item.recurrence is not None))


def _render_is_meeting(item: Item, ctx: RenderContext) -> str:
    meeting = isinstance(item, CalendarItem) and bool(item.required or item.optional or item.resources)
    return el("IsMeeting", boolean(meeting))


def _render_effective_rights(item: Item, ctx: RenderContext) -> str:
    return (
        "<t:EffectiveRights><t:CreateAssociated>false</t:CreateAssociated><t:CreateContents>false"
        "</t:CreateContents><t:CreateHierarchy>false</t:CreateHierarchy><t:Delete>true</t:Delete>"
        "<t:Modify>true</t:Modify><t:Read>true</t:Read><t:ViewPrivateItems>true</t:ViewPrivateItems>"
        "</t:EffectiveRights>"
    )


def _render_conversation_id(item: Item, ctx: RenderContext) -> str:
    topic = (item.subject or "").lower().removeprefix("re: ").removeprefix("fw: ")
    token = base64.b64encode(topic.encode()[:24]).decode() or "AAAA"
    return f'<t:ConversationId Id="{token}"/>'


#: the store field MimeContent writes: the MIME as given, kept base64 in the item's extra
MIME_FIELD = "extra." + MIME_KEY


def _render_mime(item: Item, ctx: RenderContext) -> str:
    return f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(item_mime(item)).decode()}</t:MimeContent>'


def _parse_mime(elem: Element, world: World) -> object:
    """The base64 text as sent (checked): CreateItem/UpdateItem populate the item from it."""
    data = decode_base64(elem.text)
    return base64.b64encode(data).decode()


PROPERTIES: tuple[ItemProperty, ...] = (
    ItemProperty("item:MimeContent", "MimeContent", ALL_KINDS, _render_mime, MIME_FIELD, _parse_mime),
    ItemProperty("item:ItemId", "ItemId", ALL_KINDS, _render_item_id, get=lambda i: i.id, default=True),
    ItemProperty("item:ParentFolderId", "ParentFolderId", ALL_KINDS, _render_parent, get=lambda i: i.folder.id),
    text_prop("item:ItemClass", "item_class", default=True),
    text_prop("item:Subject", "subject", default=True, max_length=SUBJECT_LIMIT),
    choice_prop("item:Sensitivity", "sensitivity", ("Normal", "Personal", "Private", "Confidential"), default=True),
    ItemProperty(
        "item:Body",
        "Body",
        ALL_KINDS,
        _render_body,
        "body",
        _parse_body,
        lambda i: i.body,
        True,
        appendable=True,
    ),
    ItemProperty("item:Attachments", "Attachments", ALL_KINDS, _render_attachments, default=True),
    datetime_prop("item:DateTimeReceived", "received", default=True),
    int_prop("item:Size", "size", writable=False),
    ItemProperty(
        "item:Categories",
        "Categories",
        ALL_KINDS,
        _render_categories,
        "categories",
        _parse_categories,
        lambda i: list(i.categories),
        appendable=True,
    ),
    choice_prop("item:Importance", "importance", ("Low", "Normal", "High"), default=True),
    extra_text_prop("item:InReplyTo"),
    bool_prop("item:IsSubmitted", "extra.IsSubmitted"),
    bool_prop("item:IsDraft", "is_draft", writable=False),
    bool_prop("item:IsFromMe", "extra.IsFromMe"),
    datetime_prop("item:DateTimeSent", "sent", default=True),
    datetime_prop("item:DateTimeCreated", "created", default=True),
    bool_prop("item:ReminderIsSet", "extra.ReminderIsSet"),
    int_prop("item:ReminderMinutesBeforeStart", "extra.ReminderMinutesBeforeStart"),
    _display("cc", "DisplayCc"),
    _display("to", "DisplayTo"),
    bool_prop("item:HasAttachments", "has_attachments", default=True, writable=False),
    ItemProperty("item:EffectiveRights", "EffectiveRights", ALL_KINDS, _render_effective_rights),
    datetime_prop("item:LastModifiedTime", "modified"),
    ItemProperty(
        "item:IsAssociated",
        "IsAssociated",
        ALL_KINDS,
        lambda i, c: el("IsAssociated", "false"),
        get=lambda i: False,
        value_type="bool",
    ),
    ItemProperty("item:ConversationId", "ConversationId", MESSAGE, _render_conversation_id),
    # MessageType
    mailbox_prop("message:Sender", "sender", MESSAGE),
    mailboxes_prop("message:ToRecipients", "to", MESSAGE, default=True),
    mailboxes_prop("message:CcRecipients", "cc", MESSAGE, default=True),
    mailboxes_prop("message:BccRecipients", "bcc", MESSAGE),
    bool_prop("message:IsReadReceiptRequested", "extra.IsReadReceiptRequested", MESSAGE),
    bool_prop("message:IsDeliveryReceiptRequested", "extra.IsDeliveryReceiptRequested", MESSAGE),
    extra_text_prop("message:ConversationTopic", MESSAGE),
    mailbox_prop("message:From", "from_", MESSAGE),
    text_prop("message:InternetMessageId", "message_id", MESSAGE),
    bool_prop("message:IsRead", "is_read", MESSAGE, default=True),
    bool_prop("message:IsResponseRequested", "extra.IsResponseRequested", MESSAGE),
    extra_text_prop("message:References", MESSAGE),
    # CalendarItemType
    text_prop("calendar:UID", "uid", CALENDAR),
    _calendar_datetime("calendar:Start", "start"),
    _calendar_datetime("calendar:End", "end"),
    bool_prop("calendar:IsAllDayEvent", "is_all_day", CALENDAR),
    choice_prop(
        "calendar:LegacyFreeBusyStatus",
        "free_busy",
        ("Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"),
        CALENDAR,
    ),
    text_prop("calendar:Location", "location", CALENDAR),
    ItemProperty("calendar:IsMeeting", "IsMeeting", CALENDAR, _render_is_meeting),
    ItemProperty("calendar:IsCancelled", "IsCancelled", CALENDAR, lambda i, c: el("IsCancelled", "false")),
    ItemProperty("calendar:IsRecurring", "IsRecurring", CALENDAR, _render_is_recurring),
    ItemProperty("calendar:CalendarItemType", "CalendarItemType", CALENDAR, _render_calendar_type),
    mailbox_prop("calendar:Organizer", "organizer", CALENDAR),
    attendees_prop("calendar:RequiredAttendees", "required"),
    attendees_prop("calendar:OptionalAttendees", "optional"),
    attendees_prop("calendar:Resources", "resources"),
    ItemProperty("calendar:Recurrence", "Recurrence", CALENDAR, _render_recurrence, "recurrence", _parse_recurrence),
)

BY_URI: dict[str, ItemProperty] = {p.uri: p for p in PROPERTIES}
ITEM_ID = BY_URI["item:ItemId"]
#: element tag → property, per item kind (for parsing items in CreateItem/UpdateItem)
BY_TAG: dict[str, list[ItemProperty]] = {}
for _p in PROPERTIES:
    BY_TAG.setdefault(_p.tag, []).append(_p)


def property_for_tag(tag: str, kind: str) -> ItemProperty | None:
    for prop in BY_TAG.get(tag, ()):
        if kind in prop.kinds or (kind not in ALL_KINDS and prop.kinds is ALL_KINDS):
            return prop
    return None


@lru_cache(maxsize=256)
def ordered(uris: frozenset[str]) -> tuple[ItemProperty, ...]:
    """The properties named by ``uris`` in schema order (cached per shape)."""
    return tuple(p for p in PROPERTIES if p.uri in uris)


DEFAULT_URIS = frozenset(p.uri for p in PROPERTIES if p.default)
ALL_URIS = frozenset(p.uri for p in PROPERTIES if p.uri != "item:MimeContent")  # only when asked for, as Exchange


# -- extended properties --------------------------------------------------------------


def parse_extended_uri(elem: Element) -> ExtendedKey:
    return ExtendedKey(
        property_type=elem.get("PropertyType", "String"),
        distinguished_set=elem.get("DistinguishedPropertySetId"),
        set_id=elem.get("PropertySetId"),
        tag=elem.get("PropertyTag"),
        name=elem.get("PropertyName"),
        prop_id=elem.get("PropertyId"),
    )


def render_extended_uri(key: ExtendedKey) -> str:
    attrs = []
    if key.distinguished_set:
        attrs.append(f'DistinguishedPropertySetId="{esc(key.distinguished_set)}"')
    if key.set_id:
        attrs.append(f'PropertySetId="{esc(key.set_id)}"')
    if key.tag:
        attrs.append(f'PropertyTag="{esc(key.tag)}"')
    if key.name:
        attrs.append(f'PropertyName="{esc(key.name)}"')
    if key.prop_id:
        attrs.append(f'PropertyId="{esc(key.prop_id)}"')
    attrs.append(f'PropertyType="{esc(key.property_type)}"')
    return f"<t:ExtendedFieldURI {' '.join(attrs)}/>"


def _canonical(value: str, property_type: str) -> str:
    """Store values in the form Exchange returns them: clients send booleans as 1/0 and
    datetimes with offsets, but read back only true/false and ``…Z``."""
    base = property_type.removesuffix("Array")
    if base == "Boolean":
        return boolean(parse_bool(value))
    if base == "SystemTime":
        return dt(parse_datetime(value))
    return value


def parse_extended_property(elem: Element) -> ExtendedValue:
    uri = elem.find(t("ExtendedFieldURI"))
    if uri is None:
        raise ErrorSchemaValidation("ExtendedProperty needs an ExtendedFieldURI.")
    key = parse_extended_uri(uri)
    single = elem.find(t("Value"))
    if single is not None:
        return ExtendedValue(key, [_canonical(single.text or "", key.property_type)], is_array=False)
    values = elem.find(t("Values"))
    if values is None:
        raise ErrorSchemaValidation("ExtendedProperty needs a Value or Values.")
    return ExtendedValue(key, [_canonical(v.text or "", key.property_type) for v in children(values)], is_array=True)


def extended_properties(item: Item) -> dict[ExtendedKey, ExtendedValue]:
    found = item.get_extra("extended")
    return found if isinstance(found, dict) else {}


def render_extended(item: Item, keys: list[ExtendedKey]) -> str:
    props = extended_properties(item)
    parts = []
    for key in keys:
        value = props.get(key)
        if value is None:
            continue
        if value.is_array:
            inner = "<t:Values>" + "".join(el("Value", esc(v)) for v in value.values) + "</t:Values>"
        else:
            inner = el("Value", esc(value.values[0] if value.values else ""))
        parts.append(f"<t:ExtendedProperty>{render_extended_uri(key)}{inner}</t:ExtendedProperty>")
    return "".join(parts)
