"""File attachments on the wire (CreateItem, CreateAttachment, GetAttachment)."""

from __future__ import annotations

import base64
import binascii

from ..errors import ErrorInvalidOperation, ErrorSchemaValidation
from ..store.mailbox import Mailbox
from ..store.model import FileAttachment, Item
from ..store.world import World
from .render import boolean, dt, el, esc
from .xml import Element, local_name, parse_bool, t


def parse_file_attachment(elem: Element) -> FileAttachment:
    kind = local_name(elem)
    if kind == "ItemAttachment":
        raise ErrorInvalidOperation("Item attachments are not supported by this server; attach files.")
    if kind != "FileAttachment":
        raise ErrorSchemaValidation(f"{kind} is not an attachment element.")
    try:
        content = base64.b64decode(elem.findtext(t("Content")) or "", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ErrorSchemaValidation("Attachment Content is not valid base64.") from exc
    inline = elem.findtext(t("IsInline"))
    return FileAttachment(
        name=elem.findtext(t("Name")) or "attachment",
        content=content,
        content_type=elem.findtext(t("ContentType")) or "application/octet-stream",
        content_id=elem.findtext(t("ContentId")),
        is_inline=parse_bool(inline) if inline else False,
    )


def attachment_id(item: Item, attachment: FileAttachment, world: World) -> str:
    aid = Mailbox.attachment_id(item, attachment)
    return f'<t:AttachmentId Id="{aid}" RootItemId="{item.id}" RootItemChangeKey="{world.change_key(item.last_seq)}"/>'


def render_file_attachment(item: Item, attachment: FileAttachment, world: World, content: bool) -> str:
    cid = el("ContentId", esc(attachment.content_id)) if attachment.content_id else ""
    body = el("Content", base64.b64encode(attachment.content).decode()) if content else ""
    return (
        f"<t:FileAttachment>{attachment_id(item, attachment, world)}{el('Name', esc(attachment.name))}"
        f"{el('ContentType', esc(attachment.content_type))}{cid}{el('Size', str(attachment.size))}"
        f"{el('LastModifiedTime', dt(attachment.last_modified))}{el('IsInline', boolean(attachment.is_inline))}"
        f"{el('IsContactPhoto', 'false')}{body}</t:FileAttachment>"
    )
