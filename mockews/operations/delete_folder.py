"""DeleteFolder: HardDelete removes the subtree; SoftDelete and MoveToDeletedItems move it."""

from __future__ import annotations

from typing import cast

from ..errors import ErrorSchemaValidation
from ..soap.xml import Element, m
from ..store.mailbox import DeleteMode
from .base import Operation

DELETE_TYPES = ("HardDelete", "SoftDelete", "MoveToDeletedItems")


def delete_type(request: Element) -> DeleteMode:
    value = request.get("DeleteType", "")
    if value not in DELETE_TYPES:
        raise ErrorSchemaValidation(f"DeleteType {value!r} is not valid.")
    return cast(DeleteMode, value)


class DeleteFolder(Operation):
    name = "DeleteFolder"

    def execute(self) -> str:
        mode = delete_type(self.request)

        def one(elem: Element) -> str:
            folder = self.folder(elem)
            folder.mailbox.delete_folder(folder, mode)
            return ""

        return self.batch(self.folders(self.request.find(m("FolderIds"))), one)
