"""UploadItems: items from ExportItems' Data into a folder — CreateNew (a new item with
a new id), Update (written over the named item, which keeps its id) or UpdateOrCreate."""

from __future__ import annotations

import base64
import binascii

from ..errors import ErrorFolderNotFound, ErrorInvalidOperation, ErrorItemNotFound, ErrorSchemaValidation
from ..soap.xml import Element, children, m, t
from ..store.model import Item
from ..store.persist import import_item
from .base import Operation

CREATE_ACTIONS = ("CreateNew", "Update", "UpdateOrCreate")


class UploadItems(Operation):
    name = "UploadItems"

    def execute(self) -> str:
        return self.batch(children(self.request.find(m("Items"))), self._upload)

    def _upload(self, elem: Element) -> str:
        action = elem.get("CreateAction", "CreateNew")
        if action not in CREATE_ACTIONS:
            raise ErrorSchemaValidation(f"CreateAction {action!r} is not valid.")
        parent = elem.find(t("ParentFolderId"))
        if parent is None:
            raise ErrorSchemaValidation("UploadItems needs a ParentFolderId.")
        folder_id = parent.get("Id", "")
        folder = self._mailbox_of(folder_id, ErrorFolderNotFound).folder(folder_id)
        try:
            data = base64.b64decode(elem.findtext(t("Data")) or "", validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ErrorSchemaValidation("Data is not valid base64.") from exc
        existing = self._existing(elem, action)
        mailbox = folder.mailbox
        try:
            item = import_item(data, mailbox, folder, existing)
        except ValueError as exc:
            raise ErrorInvalidOperation(f"The data is not an exported item: {exc}.") from exc
        if existing is None:
            mailbox.add_item(item)
        else:
            mailbox.touch_item(item)
        return f'<m:ItemId Id="{item.id}" ChangeKey="{self.world.change_key(item.last_seq)}"/>'

    def _existing(self, elem: Element, action: str) -> Item | None:
        id_elem = elem.find(t("ItemId"))
        if action == "CreateNew" or id_elem is None:
            if action == "Update":
                raise ErrorSchemaValidation("CreateAction Update needs an ItemId.")
            return None
        try:
            return self.item(id_elem)
        except ErrorItemNotFound:
            if action == "Update":
                raise
            return None
