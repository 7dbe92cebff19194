"""GetItem: items by id in the requested shape, strings whole (unlike FindItem)."""

from __future__ import annotations

from ..soap.items import parse_item_shape, render_item
from ..soap.xml import Element, children, m
from .base import Operation


class GetItem(Operation):
    name = "GetItem"

    def execute(self) -> str:
        shape = parse_item_shape(self.request.find(m("ItemShape")))

        def one(elem: Element) -> str:
            return f"<m:Items>{render_item(self.item(elem), shape, self.render_ctx)}</m:Items>"

        return self.batch(children(self.request.find(m("ItemIds"))), one)
