"""CreateFolder: one new folder per element under one parent."""

from __future__ import annotations

from ..soap.folders import folder_id_only, parse_folder
from ..soap.xml import Element, children, m
from .base import Operation


class CreateFolder(Operation):
    name = "CreateFolder"

    def execute(self) -> str:
        parent = self.target_folder(self.request.find(m("ParentFolderId")))

        def one(elem: Element) -> str:
            _, name, folder_class = parse_folder(elem)
            folder = parent.mailbox.create_folder(parent, name or "", folder_class)
            return folder_id_only(folder, self.world)

        return self.batch(children(self.request.find(m("Folders"))), one)
