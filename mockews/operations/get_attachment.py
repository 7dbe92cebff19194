"""GetAttachment: file attachments with their base64 Content, item attachments with the
attached item's properties (and its own attachments, recursively)."""

from __future__ import annotations

from ..errors import ErrorInvalidAttachmentId
from ..soap.attachments import render_attachment
from ..soap.xml import Element, children, m
from .base import Operation


class GetAttachment(Operation):
    name = "GetAttachment"

    def execute(self) -> str:
        def one(elem: Element) -> str:
            aid = elem.get("Id", "")
            item, attachment = self._mailbox_of(aid, ErrorInvalidAttachmentId).attachment(aid)
            prefix = aid.rpartition("_")[0]  # the holder's id: the item's, or an attached item's
            return f"<m:Attachments>{render_attachment(item, attachment, self.world, True, prefix)}</m:Attachments>"

        return self.batch(children(self.request.find(m("AttachmentIds"))), one)
