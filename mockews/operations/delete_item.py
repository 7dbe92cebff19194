"""DeleteItem: HardDelete removes; SoftDelete moves to Recoverable Items\\Deletions;
MoveToDeletedItems moves to Deleted Items (from there, soft-deletes).  An ItemId that
carries a ChangeKey deletes only the version it names: a stale one is
ErrorInvalidChangeKey, as on Exchange (without a ChangeKey, any version goes)."""

from __future__ import annotations

from ..errors import ErrorInvalidChangeKey
from ..soap.xml import Element, children, m
from .base import Operation
from .delete_folder import delete_type


class DeleteItem(Operation):
    name = "DeleteItem"

    def execute(self) -> str:
        mode = delete_type(self.request)

        def one(elem: Element) -> str:
            item = self.item(elem)
            change_key = elem.get("ChangeKey")
            if change_key is not None and change_key != self.world.change_key(item.last_seq):
                raise ErrorInvalidChangeKey("The item has changed since this ChangeKey was read.")
            item.mailbox.delete_item(item, mode)
            return ""

        return self.batch(children(self.request.find(m("ItemIds"))), one)
