"""The item properties the mock knows, keyed by FieldURI, in EWS schema order.

Each property knows how to render itself from a store Item, how to parse a client's
element into a store value (writable ones), which store field it sets, and how to read
a comparable value for Restrictions and SortOrder.  Rendering walks this table in
order, so elements come out in schema order for strict clients.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache

from ..errors import ErrorCalendarInvalidRecurrence, ErrorInvalidValueForProperty, ErrorSchemaValidation
from ..store import occurrences
from ..store.mime import MIME_KEY, decode_base64, item_mime
from ..store.model import (
    MEETING_KINDS,
    Attendee,
    CalendarItem,
    ExtendedKey,
    ExtendedValue,
    Item,
    Occurrence,
    Recipient,
    Recurrence,
)
from ..store.recurrence import InvalidRecurrence, parse_date, validate
from ..store.world import World
from .computed_values import (
    STATUS_DESCRIPTIONS,
    contact_display_name,
    extra_str,
    is_from_me,
    parse_percent,
    parse_task_status,
    render_appointment_state,
    render_complete_name,
    render_conversation_index,
    render_culture,
    render_duration,
    render_my_response,
    render_owner,
    render_reminder_due_by,
    render_text_body,
    task_status,
    web_query,
)
from .render import boolean, dt, el, esc
from .xml import Element, children, local_name, parse_bool, parse_int, t

#: meeting messages are messages too (From, To, IsRead …); a request also carries the
#: meeting's calendar properties, as Exchange's MeetingRequestMessageType does
MEETING = frozenset(MEETING_KINDS)
MESSAGE = frozenset({"Message"}) | MEETING
POST = frozenset({"PostItem"})
MESSAGE_POST = MESSAGE | POST
CALENDAR = frozenset({"CalendarItem", "MeetingRequest"})
CONTACT = frozenset({"Contact"})
DIST_LIST = frozenset({"DistributionList"})
TASK = frozenset({"Task"})
ALL_KINDS = frozenset({"Message", "CalendarItem", "Contact", "DistributionList", "Task", "PostItem", "Item"}) | MEETING

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
    value_type: str = "text"  # how restriction constants are read: text, bool, int, float, datetime
    in_all: bool = True  # part of the AllProperties shape (TextBody is returned only when asked for)


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
    uri: str,
    field: str,
    kinds: frozenset[str] = ALL_KINDS,
    default: bool = False,
    writable: bool = True,
    unset: bool | None = None,
) -> ItemProperty:
    """``unset``: what Exchange shows when the flag was never set (None: the element is
    left out), e.g. IsCancelled false on every calendar item."""
    tag = uri.split(":", 1)[1]
    get = _getter(field)

    def render(item: Item, ctx: RenderContext) -> str:
        value = get(item)
        if value is None:
            value = unset
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
    get = _getter(field)

    def render(item: Item, ctx: RenderContext) -> str:
        value = get(item)
        return el(tag, dt(value)) if isinstance(value, int) else ""

    parse: Parser | None = (lambda e, w: parse_datetime(e.text)) if writable else None
    return ItemProperty(
        uri, tag, kinds, render, field if writable else None, parse, get, default, value_type="datetime"
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


def with_offset(tag: str, value: str) -> str:
    """Exchange returns a recurrence's StartDate/EndDate with the zone's offset
    (``2026-03-02Z``; exchangelib reads a bare date as a datetime)."""
    return value + "Z" if tag in ("StartDate", "EndDate") and len(value) == 10 else value


def canonical_xml(elem: Element, leaf: Callable[[str, str], str] | None = None) -> str:
    """A client's element as Exchange returns it: ``t:`` prefix, attributes kept, the
    whitespace between child elements dropped, ``leaf`` applied to each leaf's text.
    Fields the mock gives no meaning are kept in this form, so they come back equal to
    what was written."""
    tag = local_name(elem)
    attrs = "".join(f' {k!s}="{esc(str(v))}"' for k, v in elem.attrib.items() if "}" not in str(k))
    kids = children(elem)
    if kids:
        inner = "".join(canonical_xml(c, leaf) for c in kids)
    else:
        inner = esc(leaf(tag, elem.text or "") if leaf else elem.text or "")
    return f"<t:{tag}{attrs}>{inner}</t:{tag}>"


def xml_prop(
    uri: str,
    kinds: frozenset[str],
    tag: str | None = None,
    leaf: Callable[[str, str], str] | None = None,
    get: Getter | None = None,
) -> ItemProperty:
    """A structured field with no semantics in the mock (text lists, time zones, task
    recurrence, distribution list members …): the element itself, canonical, in the
    item's extra dict — one string, no slot."""
    tag = tag or uri.split(":", 1)[1]
    key = "xml." + tag

    def render(item: Item, ctx: RenderContext) -> str:
        value = item.get_extra(key)
        return value if isinstance(value, str) else ""

    return ItemProperty(uri, tag, kinds, render, "extra." + key, lambda e, w: canonical_xml(e, leaf), get)


_STRING = re.compile(r"<t:String>(.*?)</t:String>")


def string_list_prop(uri: str, kinds: frozenset[str]) -> ItemProperty:
    """An ArrayOfStrings field (Children, Companies, Contacts): kept as XML, searchable
    like Categories (any value matches)."""
    key = "xml." + uri.split(":", 1)[1]

    def get(item: Item) -> object:
        value = item.get_extra(key)
        return [html.unescape(v) for v in _STRING.findall(value)] if isinstance(value, str) else None

    return xml_prop(uri, kinds, get=get)


def indexed_getter(prop: ItemProperty, index: str, part: str | None) -> Getter:
    """The value of one entry (or one part of it) of a contact dictionary, for an
    IndexedFieldURI in a Restriction or SortOrder."""

    def get(item: Item) -> object:
        entries = item.get_extra(prop.tag)
        entry = entries.get(index) if isinstance(entries, dict) else None
        return entry.get(part) if isinstance(entry, dict) and part else entry if isinstance(entry, str) else None

    return get


#: the parts of a PhysicalAddresses entry, in schema order
ADDRESS_PARTS = ("Street", "City", "State", "CountryOrRegion", "PostalCode")


def indexed_prop(uri: str, tag: str, parts: tuple[str, ...] = ()) -> ItemProperty:
    """A contact dictionary (EmailAddresses, PhoneNumbers, ImAddresses, or with
    ``parts`` PhysicalAddresses), kept as ``{Key: text}`` or ``{Key: {part: text}}`` in
    the extra dict; UpdateItem merges it entry by entry (IndexedFieldURI)."""

    def render(item: Item, ctx: RenderContext) -> str:
        entries = item.get_extra(tag)
        if not isinstance(entries, dict) or not entries:
            return ""
        out = []
        for key, value in entries.items():
            inner = "".join(el(p, esc(value[p])) for p in parts if p in value) if parts else esc(value)
            out.append(f'<t:Entry Key="{esc(key)}">{inner}</t:Entry>')
        return f"<t:{tag}>{''.join(out)}</t:{tag}>"

    def parse(elem: Element, world: World) -> object:
        out: dict[str, object] = {}
        for entry in children(elem):
            key = entry.get("Key")
            if not key:
                raise ErrorSchemaValidation(f"An entry of {tag} needs a Key.")
            if parts:
                out[key] = {local_name(c): c.text or "" for c in children(entry) if local_name(c) in parts}
            else:
                out[key] = entry.text or ""
        return out

    def get(item: Item) -> object:
        entries = item.get_extra(tag)
        return [v for v in entries.values() if isinstance(v, str)] if isinstance(entries, dict) else None

    return ItemProperty(uri, tag, kinds=CONTACT, render=render, field="extra." + tag, parse=parse, get=get)


def stored(uri: str, kinds: frozenset[str], value_type: str = "text") -> ItemProperty:
    """A plain writable field the mock gives no meaning: kept in the extra dict, typed
    so that booleans and datetimes come back in Exchange's form."""
    field = "extra." + uri.split(":", 1)[1]
    if value_type == "bool":
        return bool_prop(uri, field, kinds)
    if value_type == "int":
        return int_prop(uri, field, kinds)
    if value_type == "datetime":
        return datetime_prop(uri, field, kinds, writable=True)
    return extra_text_prop(uri, kinds)


def computed(uri: str, kinds: frozenset[str], render: Renderer, get: Getter | None = None) -> ItemProperty:
    """A read-only property Exchange computes; writing it is ErrorInvalidPropertySet."""
    return ItemProperty(uri, uri.split(":", 1)[1], kinds, render, get=get)


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


def _range_date(text: str, item: CalendarItem) -> str:
    """A range date as Exchange returns it: the day with the offset of the series' start
    zone on that day (``2024-05-01+02:00``; ``Z`` in UTC), whatever the client sent."""
    try:
        day = parse_date(text)
    except InvalidRecurrence:
        return esc(text)
    zone = occurrences.zone_of(item)
    offset = datetime.combine(day, datetime.min.time(), zone).utcoffset()
    minutes = 0 if offset is None else int(offset.total_seconds()) // 60
    if minutes == 0:
        return f"{day.isoformat()}Z"
    sign = "+" if minutes > 0 else "-"
    return f"{day.isoformat()}{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def _render_recurrence(item: Item, ctx: RenderContext) -> str:
    rec = item.recurrence if isinstance(item, CalendarItem) else None
    if rec is None or not isinstance(item, CalendarItem):
        return ""
    pattern = "".join(el(k, esc(v)) for k, v in rec.pattern_fields)
    rng = "".join(el(k, _range_date(v, item) if k in ("StartDate", "EndDate") else esc(v)) for k, v in rec.range_fields)
    return (
        f"<t:Recurrence><t:{rec.pattern}>{pattern}</t:{rec.pattern}><t:{rec.range}>{rng}</t:{rec.range}></t:Recurrence>"
    )


def _parse_recurrence(elem: Element, world: World) -> object:
    parts = children(elem)
    if len(parts) != 2:
        raise ErrorSchemaValidation("Recurrence needs a pattern and a range.")
    pattern, rng = parts
    rec = Recurrence(
        local_name(pattern),
        tuple((local_name(c), (c.text or "").strip()) for c in children(pattern)),
        local_name(rng),
        tuple((local_name(c), (c.text or "").strip()) for c in children(rng)),
    )
    try:
        validate(rec)
    except InvalidRecurrence as exc:
        raise ErrorCalendarInvalidRecurrence(str(exc)) from exc
    return rec


def _occurrence_ref(tag: str, occ: Occurrence, ctx: RenderContext) -> str:
    """FirstOccurrence / LastOccurrence / a ModifiedOccurrences entry."""
    return (
        f'<t:{tag}><t:ItemId Id="{occ.id}" ChangeKey="{ctx.world.change_key(occ.last_seq)}"/>'
        f"{el('Start', dt(occ.start))}{el('End', dt(occ.end))}{el('OriginalStart', dt(occ.original_start))}</t:{tag}>"
    )


def _master(item: Item) -> CalendarItem | None:
    """``item`` when it is a recurring master (not one of its occurrences)."""
    if isinstance(item, CalendarItem) and not isinstance(item, Occurrence) and item.recurrence is not None:
        return item
    return None


def _render_first_occurrence(item: Item, ctx: RenderContext) -> str:
    master = _master(item)
    first = None if master is None else occurrences.first_and_last(master)[0]
    return "" if first is None else _occurrence_ref("FirstOccurrence", first, ctx)


def _render_last_occurrence(item: Item, ctx: RenderContext) -> str:
    master = _master(item)
    last = None if master is None else occurrences.first_and_last(master)[1]
    return "" if last is None else _occurrence_ref("LastOccurrence", last, ctx)


def _render_modified_occurrences(item: Item, ctx: RenderContext) -> str:
    master = _master(item)
    found = [] if master is None else occurrences.modified_occurrences(master)
    if not found:
        return ""
    inner = "".join(_occurrence_ref("Occurrence", o, ctx) for o in found)
    return f"<t:ModifiedOccurrences>{inner}</t:ModifiedOccurrences>"


def _render_deleted_occurrences(item: Item, ctx: RenderContext) -> str:
    master = _master(item)
    starts = [] if master is None else occurrences.deleted_starts(master)
    if not starts:
        return ""
    inner = "".join(f"<t:DeletedOccurrence>{el('Start', dt(s))}</t:DeletedOccurrence>" for s in starts)
    return f"<t:DeletedOccurrences>{inner}</t:DeletedOccurrences>"


def _render_original_start(item: Item, ctx: RenderContext) -> str:
    if isinstance(item, Occurrence):
        return el("OriginalStart", dt(item.original_start))
    return el("OriginalStart", dt(item.start)) if isinstance(item, CalendarItem) else ""


def _render_recurrence_id(item: Item, ctx: RenderContext) -> str:
    return el("RecurrenceId", dt(item.original_start)) if isinstance(item, Occurrence) else ""


def _render_associated(item: Item, ctx: RenderContext) -> str:
    """The attendee's calendar copy a meeting message belongs to."""
    target = item.get_extra("AssociatedCalendarItemId")
    if not isinstance(target, str):
        return ""
    found = item.mailbox.objects.get(target)
    change_key = "" if found is None else f' ChangeKey="{ctx.world.change_key(found.last_seq)}"'
    return f'<t:AssociatedCalendarItemId Id="{target}"{change_key}/>'


def _zone_prop(uri: str, key: str) -> ItemProperty:
    """StartTimeZone / EndTimeZone: the zone's Windows id (what exchangelib reads back);
    occurrences are expanded in the start zone."""
    tag = uri.split(":", 1)[1]

    def render(item: Item, ctx: RenderContext) -> str:
        value = item.get_extra(key)
        return "" if value is None else f'<t:{tag} Id="{esc(str(value))}"/>'

    def parse(elem: Element, world: World) -> object:
        return (elem.get("Id") or elem.get("Name") or "").strip() or None

    return ItemProperty(uri, tag, CALENDAR, render, f"extra.{key}", parse, lambda i: i.get_extra(key))


def _calendar_datetime(uri: str, field: str) -> ItemProperty:
    prop = datetime_prop(uri, field, CALENDAR, writable=True)
    return prop


def _render_calendar_type(item: Item, ctx: RenderContext) -> str:
    if not isinstance(item, CalendarItem):
        return ""
    return el("CalendarItemType", "RecurringMaster" if item.recurrence else item.calendar_type)


def _render_is_recurring(item: Item, ctx: RenderContext) -> str:
    # Exchange answers true for the occurrences and exceptions of a series, and false
    # for its master (exchangelib's own tests assert this against Exchange).
    return el("IsRecurring", boolean(isinstance(item, Occurrence)))


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


def _render_conversation_topic(item: Item, ctx: RenderContext) -> str:
    topic = extra_str(item, "ConversationTopic") or item.subject
    return "" if topic is None else el("ConversationTopic", esc(_truncated(topic, ctx)))


def _received_by(tag: str) -> Renderer:
    """Mail that arrived (not a draft) was received by the mailbox owner."""

    def render(item: Item, ctx: RenderContext) -> str:
        if item.is_draft:
            return ""
        owner = ctx.world.recipient(item.mailbox.display_name, item.mailbox.email)
        return f"<t:{tag}>{render_mailbox(owner)}</t:{tag}>"

    return render


def _render_display_name(item: Item, ctx: RenderContext) -> str:
    name = contact_display_name(item)
    return "" if name is None else el("DisplayName", esc(_truncated(name, ctx)))


def _render_file_as(item: Item, ctx: RenderContext) -> str:
    """Written for a contact; a distribution list is filed as its name."""
    value = extra_str(item, "FileAs") if item.kind == "Contact" else contact_display_name(item)
    return "" if value is None else el("FileAs", esc(_truncated(value, ctx)))


#: the store field MimeContent writes: the MIME as given, kept base64 in the item's extra
MIME_FIELD = "extra." + MIME_KEY


def _render_mime(item: Item, ctx: RenderContext) -> str:
    return f'<t:MimeContent CharacterSet="UTF-8">{base64.b64encode(item_mime(item)).decode()}</t:MimeContent>'


def _parse_mime(elem: Element, world: World) -> object:
    """The base64 text as sent (checked): CreateItem/UpdateItem populate the item from it."""
    data = decode_base64(elem.text)
    return base64.b64encode(data).decode()


PROPERTIES: tuple[ItemProperty, ...] = (
    ItemProperty("item:MimeContent", "MimeContent", ALL_KINDS, _render_mime, MIME_FIELD, _parse_mime, in_all=False),
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
    computed("item:IsSubmitted", ALL_KINDS, lambda i, c: el("IsSubmitted", "false"), lambda i: False),
    bool_prop("item:IsDraft", "is_draft", writable=False),
    computed("item:IsFromMe", ALL_KINDS, is_from_me),
    computed("item:IsResend", ALL_KINDS, lambda i, c: el("IsResend", "false"), lambda i: False),
    computed("item:IsUnmodified", ALL_KINDS, lambda i, c: el("IsUnmodified", boolean(not i.is_draft))),
    datetime_prop("item:DateTimeSent", "sent", default=True),
    datetime_prop("item:DateTimeCreated", "created", default=True),
    ItemProperty(
        "item:ReminderDueBy",
        "ReminderDueBy",
        ALL_KINDS,
        render_reminder_due_by,
        "extra.ReminderDueBy",
        lambda e, w: parse_datetime(e.text),
        _getter("extra.ReminderDueBy"),
        value_type="datetime",
    ),
    bool_prop("item:ReminderIsSet", "extra.ReminderIsSet"),
    int_prop("item:ReminderMinutesBeforeStart", "extra.ReminderMinutesBeforeStart"),
    _display("cc", "DisplayCc"),
    _display("to", "DisplayTo"),
    bool_prop("item:HasAttachments", "has_attachments", default=True, writable=False),
    ItemProperty(
        "item:Culture", "Culture", ALL_KINDS, render_culture, "extra.Culture", lambda e, w: (e.text or "").strip()
    ),
    ItemProperty("item:EffectiveRights", "EffectiveRights", ALL_KINDS, _render_effective_rights),
    computed("item:LastModifiedName", ALL_KINDS, lambda i, c: el("LastModifiedName", esc(i.mailbox.display_name))),
    datetime_prop("item:LastModifiedTime", "modified"),
    ItemProperty(
        "item:IsAssociated",
        "IsAssociated",
        ALL_KINDS,
        lambda i, c: el("IsAssociated", "false"),
        get=lambda i: False,
        value_type="bool",
    ),
    computed("item:WebClientReadFormQueryString", ALL_KINDS, web_query("Read")),
    computed("item:WebClientEditFormQueryString", ALL_KINDS, web_query("Edit")),
    ItemProperty("item:ConversationId", "ConversationId", MESSAGE_POST, _render_conversation_id),
    ItemProperty("item:TextBody", "TextBody", ALL_KINDS, render_text_body, in_all=False),
    # MessageType
    mailbox_prop("message:Sender", "sender", MESSAGE_POST),
    mailboxes_prop("message:ToRecipients", "to", MESSAGE, default=True),
    mailboxes_prop("message:CcRecipients", "cc", MESSAGE, default=True),
    mailboxes_prop("message:BccRecipients", "bcc", MESSAGE),
    bool_prop("message:IsReadReceiptRequested", "extra.IsReadReceiptRequested", MESSAGE),
    bool_prop("message:IsDeliveryReceiptRequested", "extra.IsDeliveryReceiptRequested", MESSAGE),
    computed("message:ConversationIndex", MESSAGE_POST, render_conversation_index),
    computed("message:ConversationTopic", MESSAGE_POST, _render_conversation_topic),
    mailbox_prop("message:From", "from_", MESSAGE_POST),
    text_prop("message:InternetMessageId", "message_id", MESSAGE_POST),
    bool_prop("message:IsRead", "is_read", MESSAGE_POST, default=True),
    bool_prop("message:IsResponseRequested", "extra.IsResponseRequested", MESSAGE),
    extra_text_prop("message:References", MESSAGE_POST),
    xml_prop("message:ReplyTo", MESSAGE),
    computed("message:ReceivedBy", MESSAGE, _received_by("ReceivedBy")),
    computed("message:ReceivedRepresenting", MESSAGE, _received_by("ReceivedRepresenting")),
    # MeetingMessageType
    ItemProperty("meeting:AssociatedCalendarItemId", "AssociatedCalendarItemId", MEETING, _render_associated),
    extra_text_prop("meeting:ResponseType", MEETING),
    # CalendarItemType (and MeetingRequestMessageType)
    text_prop("calendar:UID", "uid", CALENDAR | MEETING),
    ItemProperty("calendar:RecurrenceId", "RecurrenceId", CALENDAR, _render_recurrence_id),
    extra_text_prop("meetingRequest:MeetingRequestType", frozenset({"MeetingRequest"})),
    ItemProperty(
        "meetingRequest:IntendedFreeBusyStatus",
        "IntendedFreeBusyStatus",
        frozenset({"MeetingRequest"}),
        lambda i, c: el("IntendedFreeBusyStatus", "Busy"),
    ),
    _calendar_datetime("calendar:Start", "start"),
    _calendar_datetime("calendar:End", "end"),
    ItemProperty("calendar:OriginalStart", "OriginalStart", CALENDAR, _render_original_start),
    bool_prop("calendar:IsAllDayEvent", "is_all_day", CALENDAR),
    choice_prop(
        "calendar:LegacyFreeBusyStatus",
        "free_busy",
        ("Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"),
        CALENDAR,
    ),
    text_prop("calendar:Location", "location", CALENDAR),
    stored("calendar:When", CALENDAR),
    ItemProperty("calendar:IsMeeting", "IsMeeting", CALENDAR, _render_is_meeting),
    bool_prop("calendar:IsCancelled", "extra.IsCancelled", CALENDAR, writable=False, unset=False),
    ItemProperty("calendar:IsRecurring", "IsRecurring", CALENDAR, _render_is_recurring),
    bool_prop("calendar:MeetingRequestWasSent", "extra.MeetingRequestWasSent", CALENDAR, writable=False, unset=False),
    stored("calendar:IsResponseRequested", CALENDAR, "bool"),
    ItemProperty("calendar:CalendarItemType", "CalendarItemType", CALENDAR, _render_calendar_type),
    computed("calendar:MyResponseType", CALENDAR, render_my_response),
    mailbox_prop("calendar:Organizer", "organizer", CALENDAR),
    attendees_prop("calendar:RequiredAttendees", "required"),
    attendees_prop("calendar:OptionalAttendees", "optional"),
    attendees_prop("calendar:Resources", "resources"),
    computed("calendar:Duration", CALENDAR, render_duration),
    computed("calendar:AppointmentSequenceNumber", CALENDAR, lambda i, c: el("AppointmentSequenceNumber", "0")),
    computed("calendar:AppointmentState", CALENDAR, render_appointment_state),
    ItemProperty("calendar:Recurrence", "Recurrence", CALENDAR, _render_recurrence, "recurrence", _parse_recurrence),
    ItemProperty("calendar:FirstOccurrence", "FirstOccurrence", CALENDAR, _render_first_occurrence),
    ItemProperty("calendar:LastOccurrence", "LastOccurrence", CALENDAR, _render_last_occurrence),
    ItemProperty("calendar:ModifiedOccurrences", "ModifiedOccurrences", CALENDAR, _render_modified_occurrences),
    ItemProperty("calendar:DeletedOccurrences", "DeletedOccurrences", CALENDAR, _render_deleted_occurrences),
    _zone_prop("calendar:StartTimeZone", occurrences.START_ZONE),
    _zone_prop("calendar:EndTimeZone", occurrences.END_ZONE),
    stored("calendar:ConferenceType", CALENDAR, "int"),
    stored("calendar:AllowNewTimeProposal", CALENDAR, "bool"),
    computed("calendar:IsOnlineMeeting", CALENDAR, lambda i, c: el("IsOnlineMeeting", "false")),
    stored("calendar:MeetingWorkspaceUrl", CALENDAR),
    stored("calendar:NetShowUrl", CALENDAR),
    # ContactItemType (and DistributionListType, which shares DisplayName and FileAs)
    ItemProperty(
        "contacts:FileAs", "FileAs", CONTACT | DIST_LIST, _render_file_as, "extra.FileAs", lambda e, w: e.text or ""
    ),
    stored("contacts:FileAsMapping", CONTACT),
    ItemProperty(
        "contacts:DisplayName",
        "DisplayName",
        CONTACT | DIST_LIST,
        _render_display_name,
        "extra.DisplayName",
        lambda e, w: e.text or "",
        contact_display_name,
    ),
    stored("contacts:GivenName", CONTACT),
    stored("contacts:Initials", CONTACT),
    stored("contacts:MiddleName", CONTACT),
    stored("contacts:Nickname", CONTACT),
    computed("contacts:CompleteName", CONTACT, render_complete_name),
    stored("contacts:CompanyName", CONTACT),
    indexed_prop("contacts:EmailAddress", "EmailAddresses"),
    indexed_prop("contacts:PhysicalAddress", "PhysicalAddresses", ADDRESS_PARTS),
    indexed_prop("contacts:PhoneNumber", "PhoneNumbers"),
    stored("contacts:AssistantName", CONTACT),
    stored("contacts:Birthday", CONTACT, "datetime"),
    stored("contacts:BusinessHomePage", CONTACT),
    string_list_prop("contacts:Children", CONTACT),
    string_list_prop("contacts:Companies", CONTACT),
    computed("contacts:ContactSource", CONTACT | DIST_LIST, lambda i, c: el("ContactSource", "Store")),
    stored("contacts:Department", CONTACT),
    stored("contacts:Generation", CONTACT),
    indexed_prop("contacts:ImAddress", "ImAddresses"),
    stored("contacts:JobTitle", CONTACT),
    stored("contacts:Manager", CONTACT),
    stored("contacts:Mileage", CONTACT),
    stored("contacts:OfficeLocation", CONTACT),
    stored("contacts:PostalAddressIndex", CONTACT),
    stored("contacts:Profession", CONTACT),
    stored("contacts:SpouseName", CONTACT),
    stored("contacts:Surname", CONTACT),
    stored("contacts:WeddingAnniversary", CONTACT, "datetime"),
    computed("contacts:HasPicture", CONTACT, lambda i, c: el("HasPicture", "false")),
    xml_prop("distributionlist:Members", DIST_LIST),
    # TaskType
    stored("task:ActualWork", TASK, "int"),
    stored("task:BillingInformation", TASK),
    string_list_prop("task:Companies", TASK),
    datetime_prop("task:CompleteDate", "extra.CompleteDate", TASK),
    string_list_prop("task:Contacts", TASK),
    computed("task:DelegationState", TASK, lambda i, c: el("DelegationState", "NoMatch")),
    stored("task:DueDate", TASK, "datetime"),
    computed("task:IsComplete", TASK, lambda i, c: el("IsComplete", boolean(task_status(i) == "Completed"))),
    computed(
        "task:IsRecurring", TASK, lambda i, c: el("IsRecurring", boolean(i.get_extra("xml.Recurrence") is not None))
    ),
    computed("task:IsTeamTask", TASK, lambda i, c: el("IsTeamTask", "false")),
    stored("task:Mileage", TASK),
    computed("task:Owner", TASK, render_owner),
    ItemProperty(
        "task:PercentComplete",
        "PercentComplete",
        TASK,
        lambda i, c: el("PercentComplete", esc(extra_str(i, "PercentComplete") or "0")),
        "extra.PercentComplete",
        parse_percent,
        lambda i: float(extra_str(i, "PercentComplete") or 0),
        value_type="float",
    ),
    xml_prop("task:Recurrence", TASK, leaf=with_offset),
    stored("task:StartDate", TASK, "datetime"),
    ItemProperty(
        "task:Status",
        "Status",
        TASK,
        lambda i, c: el("Status", task_status(i)),
        "extra.Status",
        parse_task_status,
        task_status,
    ),
    computed("task:StatusDescription", TASK, lambda i, c: el("StatusDescription", STATUS_DESCRIPTIONS[task_status(i)])),
    stored("task:TotalWork", TASK, "int"),
    # PostItemType
    computed("postitem:PostedTime", POST, lambda i, c: el("PostedTime", dt(i.sent or i.created))),
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
ALL_URIS = frozenset(p.uri for p in PROPERTIES if p.in_all)


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
