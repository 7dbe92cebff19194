"""Items as RFC 5322 MIME and back (item:MimeContent), with the stdlib ``email`` package.

An item created from MIME keeps that MIME as given (in its ``extra``, base64, so it is
saved with the world) and GetItem returns it byte for byte, as Exchange returns what
was uploaded; any other item gets MIME generated from its properties: Subject, From,
To, Cc, Date, Message-ID, the body as text/plain or text/html, and file attachments.
"""

from __future__ import annotations

import base64
import binascii
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, parsedate_to_datetime
from typing import TYPE_CHECKING

from ..errors import ErrorMimeContentConversionFailed, ErrorMimeContentInvalidBase64String
from .model import FileAttachment, Item, Recipient, from_epoch

if TYPE_CHECKING:
    from .world import World

#: where an item keeps the MIME it was created from
MIME_KEY = "MimeContent"


def item_mime(item: Item) -> bytes:
    """The item's MIME: as uploaded, or generated from its properties."""
    kept = item.get_extra(MIME_KEY)
    if isinstance(kept, str):
        return base64.b64decode(kept)
    return generate(item)


def keep_mime(item: Item, data: bytes) -> None:
    item.set_extra(MIME_KEY, base64.b64encode(data).decode())


def _address(r: Recipient) -> Address:
    user, _, domain = r.email.partition("@")
    return Address(display_name=r.name or "", username=user, domain=domain)


def generate(item: Item) -> bytes:
    msg = EmailMessage(policy=policy.SMTP)
    if item.from_ is not None:
        msg["From"] = _address(item.from_)
    for header, recipients in (("To", item.to), ("Cc", item.cc)):
        if recipients:
            msg[header] = [_address(r) for r in recipients]
    msg["Subject"] = item.subject or ""
    msg["Date"] = format_datetime(from_epoch(item.sent or item.received or item.created))
    if item.message_id:
        msg["Message-ID"] = item.message_id
    subtype = "html" if item.body_type == "HTML" else "plain"
    msg.set_content(item.body or "", subtype=subtype, charset="utf-8")
    for att in item.attachments or ():
        if not isinstance(att, FileAttachment):
            continue  # an attached item is not written into the MIME (not modelled)
        maintype, _, sub = att.content_type.partition("/")
        msg.add_attachment(
            att.content, maintype=maintype or "application", subtype=sub or "octet-stream", filename=att.name
        )
    return msg.as_bytes()


def parse(data: bytes, world: World) -> tuple[dict[str, object], list[FileAttachment]]:
    """Store field values and file attachments read from MIME."""
    try:
        msg = BytesParser(policy=policy.default).parsebytes(data)
        values = _headers(msg, world)
        values.update(_body(msg))
        attachments = [_attachment(part) for part in msg.iter_attachments()]
    except (ValueError, LookupError, TypeError) as exc:
        raise ErrorMimeContentConversionFailed() from exc
    return values, attachments


def _attachment(part: EmailMessage) -> FileAttachment:
    payload = part.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    return FileAttachment(part.get_filename() or "attachment", content, part.get_content_type())


def _headers(msg: EmailMessage, world: World) -> dict[str, object]:
    values: dict[str, object] = {"subject": str(msg.get("Subject", ""))}
    for header, field in (("From", "from_"), ("To", "to"), ("Cc", "cc")):
        found = msg.get(header)
        if found is None:
            continue
        addresses = tuple(world.recipient(a.display_name or None, a.addr_spec) for a in found.addresses if a.addr_spec)
        values[field] = addresses[0] if field == "from_" and addresses else addresses
    if isinstance(values.get("from_"), tuple):
        values.pop("from_")
    date = msg.get("Date")
    if date is not None:
        when = parsedate_to_datetime(str(date))
        if when.tzinfo is not None:
            values["sent"] = values["received"] = int(when.timestamp())
    if msg.get("Message-ID"):
        values["message_id"] = str(msg["Message-ID"]).strip()
    return values


def _body(msg: EmailMessage) -> dict[str, object]:
    part = msg.get_body(preferencelist=("html", "plain"))
    if part is None:
        return {}
    content = part.get_content()
    text = content if isinstance(content, str) else content.decode("utf-8", "replace")
    return {"body": text, "body_type": "HTML" if part.get_content_subtype() == "html" else "Text"}


def decode_base64(text: str | None) -> bytes:
    try:
        return base64.b64decode((text or "").strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ErrorMimeContentInvalidBase64String() from exc


def apply_mime(item: Item, data: bytes, world: World, replace: bool = False) -> None:
    """Populate ``item`` from MIME and keep the MIME as given; ``replace`` (UpdateItem)
    drops the attachments the item had, since the new MIME carries its own."""
    values, attachments = parse(data, world)
    if replace:
        item.attachments = None
    for name, value in values.items():
        setattr(item, name, value)
    item.sender = item.sender or item.from_
    number = max((a.number for a in item.attachments or ()), default=0)
    for att in attachments:
        number += 1
        att.number = number
        att.last_modified = world.now_epoch()
    item.attachments = (item.attachments or []) + attachments or None
    keep_mime(item, data)
