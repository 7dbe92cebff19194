"""CreateItem: SaveOnly stores a draft (or an item in any folder); SendOnly and
SendAndSaveCopy deliver to the recipients' Inbox in the same world.

Populating tools (ours, and QA scripts against real Exchange) create "received" mail by
setting MAPI properties Exchange otherwise computes: PidTagMessageFlags (0x0E07: read,
unsent), PidTagMessageDeliveryTime (0x0E06), PidTagClientSubmitTime (0x0039) and
PidTagMessageClass (0x001A, e.g. Enterprise Vault shortcuts).  They are honoured here
as Exchange honours them.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import cast

from ..errors import ErrorInvalidOperation, ErrorMissingInformationReferenceItemId, ErrorSchemaValidation
from ..soap.attachments import parse_attachment
from ..soap.item_properties import MIME_FIELD, parse_datetime
from ..soap.items import ID_AND_ATTACHMENTS, ID_ONLY, ParsedItem, parse_item, render_item
from ..soap.xml import Element, children, local_name, m, t
from ..store import meetings
from ..store.delivery import deliver, stamp_sent
from ..store.mailbox import Mailbox, set_field
from ..store.mime import apply_mime
from ..store.model import Attachment, CalendarItem, ExtendedValue, Folder, Item
from .base import Operation
from .response_objects import RESPONSE_OBJECTS, build_response

DISPOSITIONS = ("SaveOnly", "SendOnly", "SendAndSaveCopy")
MEETING_REPLIES = (*meetings.REPLIES, "CancelCalendarItem")
MSGFLAG_READ = 0x1
MSGFLAG_UNSENT = 0x8
PID_TAG_MESSAGE_FLAGS = 0x0E07
PID_TAG_MESSAGE_DELIVERY_TIME = 0x0E06
PID_TAG_CLIENT_SUBMIT_TIME = 0x0039
PID_TAG_MESSAGE_CLASS = 0x001A


def _tag_number(tag: str | None) -> int | None:
    """PropertyTag as clients write it: ``0x0E07``, ``0xe07`` or decimal."""
    if not tag:
        return None
    try:
        return int(tag, 16) if tag.lower().startswith("0x") else int(tag)
    except ValueError:
        return None


def apply_extended(item: Item, values: list[ExtendedValue]) -> None:
    """Store extended properties; the MAPI ones Exchange maps onto item state are
    applied to that state too."""
    if not values:
        return
    stored = item.get_extra("extended")
    table = dict(stored) if isinstance(stored, dict) else {}
    for value in values:
        tag = _tag_number(value.key.tag)
        first = value.values[0] if value.values else ""
        try:
            if tag == PID_TAG_MESSAGE_FLAGS:
                flags = int(first)
                item.is_read = bool(flags & MSGFLAG_READ)
                item.is_draft = bool(flags & MSGFLAG_UNSENT)
            elif tag == PID_TAG_MESSAGE_DELIVERY_TIME:
                item.received = parse_datetime(first)
            elif tag == PID_TAG_CLIENT_SUBMIT_TIME:
                item.sent = parse_datetime(first)
            elif tag == PID_TAG_MESSAGE_CLASS and first:
                item.item_class = first
        except ValueError as exc:
            raise ErrorSchemaValidation(f"Extended property {value.key.tag} has an invalid value.") from exc
        table[value.key] = value
    item.set_extra("extended", table)


def build_item(mailbox: Mailbox, folder: Folder, parsed: ParsedItem) -> tuple[Item, list[Element]]:
    """A new, not yet stored item from a parsed request element."""
    values = dict(parsed.values)
    attachments_elem = values.pop("attachments", None)
    item_class = values.pop("item_class", None)
    item = mailbox.new_item(folder, parsed.kind, item_class if isinstance(item_class, str) and item_class else None)
    mime = values.pop(MIME_FIELD, None)
    if isinstance(mime, str):
        # MIME first: properties sent beside it win, as on Exchange
        apply_mime(item, base64.b64decode(mime), mailbox.world)
    for name, value in values.items():
        set_field(item, name, value)
    if parsed.kind == "Message":
        item.is_draft = True  # until sent, or unless PidTagMessageFlags says otherwise
    if parsed.kind in ("Message", "PostItem"):
        item.sender = item.sender or item.from_  # Exchange stamps Sender from From
    if isinstance(item, CalendarItem) and item.organizer is None:
        item.organizer = mailbox.world.recipient(mailbox.display_name, mailbox.email)  # the owner organises
    apply_extended(item, parsed.extended)
    attachments = children(attachments_elem) if isinstance(attachments_elem, Element) else []
    return item, attachments


class CreateItem(Operation):
    name = "CreateItem"

    def execute(self) -> str:
        disposition = self.request.get("MessageDisposition", "SaveOnly")
        if disposition not in DISPOSITIONS:
            raise ErrorSchemaValidation(f"MessageDisposition {disposition!r} is not valid.")
        saved = self.request.find(m("SavedItemFolderId"))
        target = self.target_folder(saved) if saved is not None else None
        return self.batch(children(self.request.find(m("Items"))), lambda e: self._create(e, disposition, target))

    def _create(self, elem: Element, disposition: str, target: Folder | None) -> str:
        if local_name(elem) in RESPONSE_OBJECTS:
            return self._respond_to(elem, disposition, target)
        if local_name(elem) in MEETING_REPLIES:
            return self._meeting_reply(elem)
        parsed = parse_item(elem, self.world)
        if disposition != "SaveOnly" and parsed.kind != "Message":
            raise ErrorInvalidOperation("Only messages can be sent.")
        mailbox = target.mailbox if target is not None else self.ctx.check_access(self.ctx.acting_mailbox())
        if target is None:
            default = {"SaveOnly": "drafts", "SendOnly": "sentitems", "SendAndSaveCopy": "sentitems"}[disposition]
            if parsed.kind == "CalendarItem":
                default = "calendar"
            target = mailbox.well_known(default)
        item, attachment_elems = build_item(mailbox, target, parsed)
        attachments = [parse_attachment(a, item) for a in attachment_elems]
        invitations = self.request.get("SendMeetingInvitations", "SendToNone")
        invite = isinstance(item, CalendarItem) and invitations in meetings.INVITATION_MODES

        def send_invitations() -> None:
            meetings.send_invitations(cast(CalendarItem, item), mailbox, invitations == "SendToAllAndSaveCopy")

        return self._finish(item, mailbox, disposition, attachments, send_invitations if invite else None)

    def _finish(
        self,
        item: Item,
        mailbox: Mailbox,
        disposition: str,
        attachments: list[Attachment],
        after_store: Callable[[], None] | None = None,
    ) -> str:
        """Store and/or send a built item; the answer names it only when it was saved
        without sending (Exchange returns no ids for sent messages).  ``after_store``
        (a meeting's invitations) runs before the answer, so the ChangeKey it names is
        the item's after it."""
        if disposition != "SaveOnly":
            stamp_sent(item, mailbox)
            item.attachments = (item.attachments or []) + attachments or None
            now = mailbox.world.now_epoch()
            for number, attachment in enumerate(item.attachments or (), start=1):
                attachment.number, attachment.last_modified = number, now  # distinct AttachmentIds
            deliver(item, mailbox)
            if disposition == "SendAndSaveCopy":
                item.is_read = True
                mailbox.add_item(item)
            return "<m:Items/>"
        mailbox.add_item(item)
        for attachment in attachments:
            mailbox.add_attachment(item, attachment)
        if after_store is not None:
            after_store()
        # Exchange names the attachments it created (exchangelib sets attachment_id from it)
        shape = ID_AND_ATTACHMENTS if item.attachments else ID_ONLY
        return f"<m:Items>{render_item(item, shape, self.render_ctx)}</m:Items>"

    def _meeting_reply(self, elem: Element) -> str:
        """AcceptItem / TentativelyAcceptItem / DeclineItem / CancelCalendarItem: the
        meeting workflow (store/meetings.py); sent, so the answer names no item."""
        reference = elem.find(t("ReferenceItemId"))
        if reference is None:
            raise ErrorMissingInformationReferenceItemId()
        original = self.item(reference)
        if local_name(elem) == "CancelCalendarItem":
            meetings.cancel(original)
        else:
            meetings.respond(original, local_name(elem))
        return "<m:Items/>"

    def _respond_to(self, elem: Element, disposition: str, target: Folder | None) -> str:
        reference = elem.find(t("ReferenceItemId"))
        if reference is None:
            raise ErrorSchemaValidation(f"{local_name(elem)} needs a ReferenceItemId.")
        original = self.item(reference)
        mailbox = original.mailbox
        default = "drafts" if disposition == "SaveOnly" else "sentitems"
        folder = target if target is not None and target.mailbox is mailbox else mailbox.well_known(default)
        return self._finish(build_response(elem, original, mailbox, folder), mailbox, disposition, [])
