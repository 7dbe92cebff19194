"""CopyItem: MoveItem that leaves the original in place."""

from __future__ import annotations

from ..store.model import Folder, Item
from .move_item import MoveItem


class CopyItem(MoveItem):
    name = "CopyItem"

    def transfer(self, item: Item, target: Folder) -> Item:
        return item.mailbox.copy_item(item, target)
