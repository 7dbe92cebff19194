"""DeleteAttachment: answers the root item's new ChangeKey (``m:RootItemId``)."""

from __future__ import annotations

from ..errors import ErrorInvalidAttachmentId
from ..soap.xml import Element, children, m
from .base import Operation


class DeleteAttachment(Operation):
    name = "DeleteAttachment"

    def execute(self) -> str:
        def one(elem: Element) -> str:
            aid = elem.get("Id", "")
            item, attachment = self._mailbox_of(aid, ErrorInvalidAttachmentId).attachment(aid)
            item.mailbox.delete_attachment(item, attachment)
            ck = self.world.change_key(item.last_seq)
            return f'<m:RootItemId RootItemId="{item.id}" RootItemChangeKey="{ck}"/>'

        return self.batch(children(self.request.find(m("AttachmentIds"))), one)
