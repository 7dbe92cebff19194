"""CreateAttachment: add file or item attachments to an item; each answer carries the
AttachmentId with the new RootItemChangeKey (the item's ChangeKey changes with its
attachments)."""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..soap.attachments import attachment_id, parse_attachment
from ..soap.xml import Element, children, local_name, m
from .base import Operation


class CreateAttachment(Operation):
    name = "CreateAttachment"

    def execute(self) -> str:
        parent = self.request.find(m("ParentItemId"))
        if parent is None:
            raise ErrorSchemaValidation("CreateAttachment needs a ParentItemId.")
        item = self.item(parent)

        def one(elem: Element) -> str:
            attachment = item.mailbox.add_attachment(item, parse_attachment(elem, item))
            tag = local_name(elem)
            return f"<m:Attachments><t:{tag}>{attachment_id(item, attachment, self.world)}</t:{tag}></m:Attachments>"

        return self.batch(children(self.request.find(m("Attachments"))), one)
