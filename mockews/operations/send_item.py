"""SendItem: send saved drafts; keep a copy in Sent Items (or the named folder) when
SaveItemToFolder is true."""

from __future__ import annotations

from ..errors import ErrorInvalidOperation
from ..soap.xml import Element, children, m, parse_bool
from ..store.delivery import deliver, stamp_sent
from .base import Operation


class SendItem(Operation):
    name = "SendItem"

    def execute(self) -> str:
        save = parse_bool(self.request.get("SaveItemToFolder", "true"))
        saved = self.request.find(m("SavedItemFolderId"))
        target = self.target_folder(saved) if saved is not None else None

        def one(elem: Element) -> str:
            item = self.item(elem)
            if item.kind != "Message":
                raise ErrorInvalidOperation("Only messages can be sent.")
            mailbox = item.mailbox
            mailbox.update_item(item, {})
            stamp_sent(item, mailbox)
            deliver(item, mailbox)
            if save:
                mailbox.move_item(item, target or mailbox.well_known("sentitems"))
            else:
                mailbox.delete_item(item, "HardDelete")
            return ""

        return self.batch(children(self.request.find(m("ItemIds"))), one)
