"""Item properties Exchange computes or constrains (issue 13: read-only fields are
returned where Exchange computes them): TextBody from the body, a contact's names, a
task's status description, a calendar item's duration …  Renderers and parsers only;
the property table (item_properties.py) says which property uses which."""

from __future__ import annotations

import base64
import hashlib
import html
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from ..errors import ErrorInvalidPercentCompleteValue, ErrorInvalidValueForProperty, ErrorSchemaValidation
from ..store.model import CalendarItem, Item
from ..store.world import World
from .render import boolean, dt, el, esc
from .xml import Element

if TYPE_CHECKING:
    from .item_properties import RenderContext

Renderer = Callable[[Item, "RenderContext"], str]


def extra_str(item: Item, key: str) -> str | None:
    value = item.get_extra(key)
    return value if isinstance(value, str) else None


_TAGS = re.compile(r"<[^>]*>")


def render_text_body(item: Item, ctx: RenderContext) -> str:
    """Exchange derives TextBody from the body: HTML loses its markup."""
    if item.body is None:
        return ""
    text = html.unescape(_TAGS.sub("", item.body)) if item.body_type == "HTML" else item.body
    return f'<t:TextBody BodyType="Text">{esc(text)}</t:TextBody>'


def render_reminder_due_by(item: Item, ctx: RenderContext) -> str:
    """What the client wrote; a calendar item's reminder is otherwise due at its start."""
    value = item.get_extra("ReminderDueBy")
    if not isinstance(value, int) and isinstance(item, CalendarItem):
        value = item.start
    return el("ReminderDueBy", dt(value)) if isinstance(value, int) else ""


def render_culture(item: Item, ctx: RenderContext) -> str:
    return el("Culture", esc(extra_str(item, "Culture") or "en-US"))


def is_from_me(item: Item, ctx: RenderContext) -> str:
    sender = item.from_ or item.sender
    return el("IsFromMe", boolean(sender is not None and sender.email.lower() == item.mailbox.email.lower()))


def web_query(view: str) -> Renderer:
    def render(item: Item, ctx: RenderContext) -> str:
        tag = "WebClientReadFormQueryString" if view == "Read" else "WebClientEditFormQueryString"
        return el(tag, esc(f"https://{ctx.world.domain}/owa/?ItemID={item.id}&exvsurl=1&viewmodel={view}Item"))

    return render


def render_conversation_index(item: Item, ctx: RenderContext) -> str:
    """A 22-byte header block (reserved byte, 5 bytes of FILETIME, 16-byte GUID), as
    Exchange stamps on every message; the GUID is derived from the conversation."""
    filetime = (item.created + 11644473600) * 10_000_000
    guid = hashlib.md5((item.subject or "").lower().encode(), usedforsecurity=False).digest()
    raw = b"\x01" + (filetime >> 16).to_bytes(8, "big")[3:] + guid
    return el("ConversationIndex", base64.b64encode(raw).decode())


def render_duration(item: Item, ctx: RenderContext) -> str:
    if not isinstance(item, CalendarItem):
        return ""
    minutes, _ = divmod(max(item.end - item.start, 0), 60)
    hours, minutes = divmod(minutes, 60)
    days, hours = divmod(hours, 24)
    return el("Duration", f"P{days}DT{hours}H{minutes}M0S")


def _organised_by_owner(item: Item) -> bool:
    organizer = item.organizer if isinstance(item, CalendarItem) else None
    return organizer is None or organizer.email.lower() == item.mailbox.email.lower()


def render_my_response(item: Item, ctx: RenderContext) -> str:
    """MyResponseType: the owner's answer to a meeting (kept when they answer); an item
    the owner organises is theirs; one organised elsewhere but never answered, Unknown."""
    value = item.get_extra("MyResponseType")
    if value is None:
        if item.kind != "CalendarItem":
            value = "NoResponseReceived"
        else:
            value = "Organizer" if _organised_by_owner(item) else "Unknown"
    return el("MyResponseType", str(value))


def render_appointment_state(item: Item, ctx: RenderContext) -> str:
    """Bit 0: a meeting; bit 1: received (not organised here)."""
    meeting = isinstance(item, CalendarItem) and bool(item.required or item.optional or item.resources)
    return el("AppointmentState", str((1 if meeting else 0) | (0 if _organised_by_owner(item) else 3)))


def contact_display_name(item: Item) -> str | None:
    """Exchange computes DisplayName from the name parts when none is written."""
    written = extra_str(item, "DisplayName")
    if written is not None:
        return written
    parts = [extra_str(item, k) for k in ("GivenName", "MiddleName", "Surname")]
    joined = " ".join(p for p in parts if p)
    return joined or None


_COMPLETE_NAME = (
    ("FirstName", "GivenName"),
    ("MiddleName", "MiddleName"),
    ("LastName", "Surname"),
    ("Suffix", "Generation"),
    ("Initials", "Initials"),
    ("FullName", None),
    ("Nickname", "Nickname"),
)


def render_complete_name(item: Item, ctx: RenderContext) -> str:
    parts = []
    for tag, key in _COMPLETE_NAME:
        value = extra_str(item, key) if key else contact_display_name(item)
        if value:
            parts.append(el(tag, esc(value)))
    return f"<t:CompleteName>{''.join(parts)}</t:CompleteName>"


TASK_STATUSES = ("NotStarted", "InProgress", "Completed", "WaitingOnOthers", "Deferred")
STATUS_DESCRIPTIONS = {
    "NotStarted": "Not Started",
    "InProgress": "In Progress",
    "Completed": "Completed",
    "WaitingOnOthers": "Waiting on someone else",
    "Deferred": "Deferred",
}


def task_status(item: Item) -> str:
    return extra_str(item, "Status") or "NotStarted"


def parse_task_status(elem: Element, world: World) -> object:
    value = (elem.text or "").strip()
    if value not in TASK_STATUSES:
        raise ErrorInvalidValueForProperty(f"{value!r} is not a valid Status.", Name="Status", Value=value)
    return value


def parse_percent(elem: Element, world: World) -> object:
    text = (elem.text or "").strip()
    try:
        value = float(text)
    except ValueError as exc:
        raise ErrorSchemaValidation(f"PercentComplete: {text!r} is not a number.") from exc
    if not 0 <= value <= 100:
        raise ErrorInvalidPercentCompleteValue()
    return text


def render_owner(item: Item, ctx: RenderContext) -> str:
    return el("Owner", esc(item.mailbox.display_name))
