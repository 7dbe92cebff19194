"""MoveItem: the moved item gets a new id (a Delete in the source folder's sync, a
Create in the target's)."""

from __future__ import annotations

from ..soap.items import ID_ONLY, render_item
from ..soap.xml import Element, children, m
from ..store.model import Folder, Item
from .base import Operation


class MoveItem(Operation):
    name = "MoveItem"

    def transfer(self, item: Item, target: Folder) -> Item:
        return item.mailbox.move_item(item, target)

    def execute(self) -> str:
        target = self.target_folder(self.request.find(m("ToFolderId")))

        def one(elem: Element) -> str:
            moved = self.transfer(self.item(elem), target)
            return f"<m:Items>{render_item(moved, ID_ONLY, self.render_ctx)}</m:Items>"

        return self.batch(children(self.request.find(m("ItemIds"))), one)
