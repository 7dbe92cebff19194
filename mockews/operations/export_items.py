"""ExportItems: each item's properties as opaque Data for UploadItems (a backup and
restore path; Exchange's format is its own binary stream and so is ours)."""

from __future__ import annotations

import base64

from ..soap.xml import Element, children, m
from ..store.persist import export_item
from .base import Operation


class ExportItems(Operation):
    name = "ExportItems"

    def execute(self) -> str:
        def one(elem: Element) -> str:
            item = self.item(elem)
            data = base64.b64encode(export_item(item)).decode()
            change_key = self.world.change_key(item.last_seq)
            return f'<m:ItemId Id="{item.id}" ChangeKey="{change_key}"/><m:Data>{data}</m:Data>'

        return self.batch(children(self.request.find(m("ItemIds"))), one)
