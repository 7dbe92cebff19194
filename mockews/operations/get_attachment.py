"""GetAttachment: file attachments with their base64 Content."""

from __future__ import annotations

from ..errors import ErrorInvalidAttachmentId
from ..soap.attachments import render_file_attachment
from ..soap.xml import Element, children, m
from .base import Operation


class GetAttachment(Operation):
    name = "GetAttachment"

    def execute(self) -> str:
        def one(elem: Element) -> str:
            aid = elem.get("Id", "")
            item, attachment = self._mailbox_of(aid, ErrorInvalidAttachmentId).attachment(aid)
            return (
                f"<m:Attachments>{render_file_attachment(item, attachment, self.world, content=True)}</m:Attachments>"
            )

        return self.batch(children(self.request.find(m("AttachmentIds"))), one)
