"""Attachments on the wire (CreateItem, CreateAttachment, GetAttachment, GetItem): file
attachments, and item attachments — an item inside an item, recursively."""

from __future__ import annotations

import base64
import binascii

from ..errors import ErrorSchemaValidation
from ..store.mailbox import set_field
from ..store.mime import apply_mime
from ..store.model import Attachment, CalendarItem, FileAttachment, Item, ItemAttachment
from ..store.world import World
from .render import boolean, dt, el, esc
from .xml import Element, children, local_name, parse_bool, t


def parse_attachment(elem: Element, parent: Item) -> Attachment:
    """A ``t:FileAttachment`` or ``t:ItemAttachment`` of ``parent`` (not yet added)."""
    kind = local_name(elem)
    if kind == "FileAttachment":
        return parse_file_attachment(elem)
    if kind == "ItemAttachment":
        return parse_item_attachment(elem, parent)
    raise ErrorSchemaValidation(f"{kind} is not an attachment element.")


def parse_file_attachment(elem: Element) -> FileAttachment:
    if local_name(elem) != "FileAttachment":
        raise ErrorSchemaValidation(f"{local_name(elem)} is not a file attachment.")
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


def parse_item_attachment(elem: Element, parent: Item) -> ItemAttachment:
    from .items import ITEM_KINDS

    inner = next((c for c in children(elem) if local_name(c) in ITEM_KINDS), None)
    if inner is None:
        raise ErrorSchemaValidation("An ItemAttachment needs an item.")
    embedded = build_embedded(inner, parent)
    inline = elem.findtext(t("IsInline"))
    return ItemAttachment(
        name=elem.findtext(t("Name")) or embedded.subject or "item",
        item=embedded,
        is_inline=parse_bool(inline) if inline else False,
        content_id=elem.findtext(t("ContentId")),
    )


def build_embedded(elem: Element, parent: Item) -> Item:
    """The detached item of an ItemAttachment, with its own attachments numbered."""
    from .item_properties import MIME_FIELD
    from .items import parse_item

    world = parent.folder.mailbox.world
    parsed = parse_item(elem, world)
    values = dict(parsed.values)
    nested = values.pop("attachments", None)
    item_class = values.pop("item_class", None)
    mime = values.pop(MIME_FIELD, None)
    folder = parent.folder  # never listed there: it only gives the embedded item a home
    embedded: Item
    if parsed.kind == "CalendarItem":
        embedded = CalendarItem("", folder)
    else:
        embedded = Item("", folder, parsed.kind, str(item_class or _default_class(parsed.kind)))
    if isinstance(mime, str):
        apply_mime(embedded, base64.b64decode(mime), world)
    for name, value in values.items():
        set_field(embedded, name, value)
    now = world.now_epoch()
    embedded.created = embedded.modified = now
    attachments = [parse_attachment(a, embedded) for a in children(nested)] if isinstance(nested, Element) else []
    for number, attachment in enumerate(attachments, start=1):
        attachment.number, attachment.last_modified = number, now
    embedded.attachments = attachments or None
    embedded.size = embedded.compute_size()
    return embedded


def _default_class(kind: str) -> str:
    return {"CalendarItem": "IPM.Appointment", "Contact": "IPM.Contact", "Task": "IPM.Task"}.get(kind, "IPM.Note")


def attachment_id(item: Item, attachment: Attachment, world: World, prefix: str | None = None) -> str:
    """``prefix``: the id of the attachment holding an embedded item's attachments."""
    aid = f"{prefix or item.id}_{attachment.number}"
    return f'<t:AttachmentId Id="{aid}" RootItemId="{item.id}" RootItemChangeKey="{world.change_key(item.last_seq)}"/>'


def render_attachment(
    item: Item, attachment: Attachment, world: World, content: bool, prefix: str | None = None
) -> str:
    """One attachment of ``item`` (the root item); ``content`` adds a file's bytes or an
    attached item's properties."""
    if isinstance(attachment, FileAttachment):
        return render_file_attachment(item, attachment, world, content, prefix)
    return render_item_attachment(item, attachment, world, content, prefix)


def render_file_attachment(
    item: Item, attachment: FileAttachment, world: World, content: bool, prefix: str | None = None
) -> str:
    cid = el("ContentId", esc(attachment.content_id)) if attachment.content_id else ""
    body = el("Content", base64.b64encode(attachment.content).decode()) if content else ""
    return (
        f"<t:FileAttachment>{attachment_id(item, attachment, world, prefix)}{el('Name', esc(attachment.name))}"
        f"{el('ContentType', esc(attachment.content_type))}{cid}{el('Size', str(attachment.size))}"
        f"{el('LastModifiedTime', dt(attachment.last_modified))}{el('IsInline', boolean(attachment.is_inline))}"
        f"{el('IsContactPhoto', 'false')}{body}</t:FileAttachment>"
    )


def render_item_attachment(
    item: Item, attachment: ItemAttachment, world: World, content: bool, prefix: str | None = None
) -> str:
    aid = f"{prefix or item.id}_{attachment.number}"
    cid = el("ContentId", esc(attachment.content_id)) if attachment.content_id else ""
    inner = render_embedded(item, attachment.item, world, aid) if content else ""
    return (
        f"<t:ItemAttachment>{attachment_id(item, attachment, world, prefix)}{el('Name', esc(attachment.name))}"
        f"{cid}{el('Size', str(attachment.size))}{el('LastModifiedTime', dt(attachment.last_modified))}"
        f"{el('IsInline', boolean(attachment.is_inline))}{inner}</t:ItemAttachment>"
    )


def render_embedded(root: Item, embedded: Item, world: World, aid: str) -> str:
    """An attached item with all its properties (it has no id or folder of its own) and
    its own attachments with their contents, so a client needs no further call."""
    from .item_properties import RenderContext
    from .items import EMBEDDED_SHAPE, render_item

    rendered = render_item(embedded, EMBEDDED_SHAPE, RenderContext(world))
    if not embedded.attachments:
        return rendered
    nested = "".join(render_attachment(root, a, world, True, aid) for a in embedded.attachments)
    # clients read the Attachments element wherever it stands among the properties
    close = f"</t:{embedded.kind}>"
    return f"{rendered[: -len(close)]}<t:Attachments>{nested}</t:Attachments>{close}"
