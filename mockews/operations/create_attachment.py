"""CreateAttachment: add file attachments to an item; each answer carries the new
RootItemChangeKey (the item's ChangeKey changes with its attachments)."""

from __future__ import annotations

from ..errors import ErrorSchemaValidation
from ..soap.attachments import attachment_id, parse_file_attachment
from ..soap.xml import Element, children, m
from .base import Operation


class CreateAttachment(Operation):
    name = "CreateAttachment"

    def execute(self) -> str:
        parent = self.request.find(m("ParentItemId"))
        if parent is None:
            raise ErrorSchemaValidation("CreateAttachment needs a ParentItemId.")
        item = self.item(parent)

        def one(elem: Element) -> str:
            attachment = item.mailbox.add_attachment(item, parse_file_attachment(elem))
            return (
                f"<m:Attachments><t:FileAttachment>{attachment_id(item, attachment, self.world)}"
                f"</t:FileAttachment></m:Attachments>"
            )

        return self.batch(children(self.request.find(m("Attachments"))), one)
