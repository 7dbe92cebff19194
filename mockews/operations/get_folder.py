"""GetFolder: folders by id or distinguished id, each with its own ResponseMessage."""

from __future__ import annotations

from ..soap.folders import parse_folder_shape, render_folder
from ..soap.xml import m
from .base import Operation


class GetFolder(Operation):
    name = "GetFolder"

    def execute(self) -> str:
        shape = parse_folder_shape(self.request.find(m("FolderShape")))
        return self.batch(
            self.folders(self.request.find(m("FolderIds"))),
            lambda e: f"<m:Folders>{render_folder(self.folder(e), shape, self.world)}</m:Folders>",
        )
