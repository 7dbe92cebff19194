"""DeleteItem: HardDelete removes; SoftDelete moves to Recoverable Items\\Deletions;
MoveToDeletedItems moves to Deleted Items (from there, soft-deletes)."""

from __future__ import annotations

from ..soap.xml import Element, children, m
from .base import Operation
from .delete_folder import delete_type


class DeleteItem(Operation):
    name = "DeleteItem"

    def execute(self) -> str:
        mode = delete_type(self.request)

        def one(elem: Element) -> str:
            item = self.item(elem)
            item.mailbox.delete_item(item, mode)
            return ""

        return self.batch(children(self.request.find(m("ItemIds"))), one)
