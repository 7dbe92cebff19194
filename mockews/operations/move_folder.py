"""MoveFolder: same FolderId after the move (unlike MoveItem)."""

from __future__ import annotations

from ..soap.folders import folder_id_only
from ..soap.xml import Element, m
from .base import Operation


class MoveFolder(Operation):
    name = "MoveFolder"

    def execute(self) -> str:
        target = self.target_folder(self.request.find(m("ToFolderId")))

        def one(elem: Element) -> str:
            folder = self.folder(elem)
            folder.mailbox.move_folder(folder, target)
            return folder_id_only(folder, self.world)

        return self.batch(self.folders(self.request.find(m("FolderIds"))), one)
