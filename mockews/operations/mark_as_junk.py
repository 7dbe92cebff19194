"""MarkAsJunk: with MoveItem, the item moves to Junk Email (IsJunk) or back to the Inbox
and the answer carries its new id as ``m:MovedItemId``; without MoveItem nothing moves
and the message carries no id (exchangelib then leaves the item where it is).

Exchange also adds the sender to (or removes it from) the blocked-senders list; that
list is not modelled — nothing here reads it.
"""

from __future__ import annotations

from ..soap.render import esc
from ..soap.xml import Element, children, m, parse_bool
from ..store.ids import change_key
from ..store.model import Item
from .base import Operation


class MarkAsJunk(Operation):
    name = "MarkAsJunk"

    def execute(self) -> str:
        is_junk = parse_bool(self.request.get("IsJunk", "false"))
        move = parse_bool(self.request.get("MoveItem", "false"))

        def one(elem: Element) -> str:
            item = self.item(elem)
            if not move:
                return ""
            moved = self._move(item, "junkemail" if is_junk else "inbox")
            return f'<m:MovedItemId Id="{esc(moved.id)}" ChangeKey="{change_key(moved.last_seq)}"/>'

        return self.batch(children(self.request.find(m("ItemIds"))), one)

    @staticmethod
    def _move(item: Item, target_name: str) -> Item:
        target = item.mailbox.well_known(target_name)
        if item.folder is target:
            return item
        return item.mailbox.move_item(item, target)
