"""EmptyFolder: delete a folder's items (and optionally its subfolders)."""

from __future__ import annotations

from ..soap.xml import Element, m, parse_bool
from .base import Operation
from .delete_folder import delete_type


class EmptyFolder(Operation):
    name = "EmptyFolder"

    def execute(self) -> str:
        mode = delete_type(self.request)
        subfolders = parse_bool(self.request.get("DeleteSubFolders", "false"))

        def one(elem: Element) -> str:
            folder = self.folder(elem)
            folder.mailbox.empty_folder(folder, mode, subfolders)
            return ""

        return self.batch(self.folders(self.request.find(m("FolderIds"))), one)
