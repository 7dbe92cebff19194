"""ArchiveItem: move items into the owner's archive mailbox.

ArchiveSourceFolderId names where they go, as a folder of the primary mailbox (the
items land in the archive folder at the same path under Top of Information Store,
created as needed, so Inbox → the archive's Inbox) or a folder of the archive itself.
A mailbox without an archive answers ErrorInvalidOperation: Exchange's own code for it
(ErrorArchiveMailboxNotEnabled) is unknown to exchangelib, which would read it as a
transport error.
"""

from __future__ import annotations

from ..errors import ErrorInvalidOperation
from ..soap.items import ID_ONLY, render_item
from ..soap.xml import Element, children, m
from ..store.mailbox import Mailbox
from ..store.model import Folder
from .base import Operation


def archive_folder_for(folder: Folder) -> Folder:
    """The archive folder that mirrors ``folder`` (a primary folder under Top of
    Information Store), created along the path as ArchiveItem does."""
    mailbox = folder.mailbox
    if mailbox.archive_of is not None:
        return folder
    archive = mailbox.archive
    if archive is None:
        raise ErrorInvalidOperation(f"The mailbox {mailbox.email} has no archive mailbox.")
    top = mailbox.distinguished["msgfolderroot"]
    if not folder.is_within(top):
        raise ErrorInvalidOperation("Only folders under Top of Information Store can be archived.")
    return _mirror(archive, _path(folder, top))


def _path(folder: Folder, top: Folder) -> list[Folder]:
    path: list[Folder] = []
    node: Folder | None = folder
    while node is not None and node is not top:
        path.append(node)
        node = node.parent
    return list(reversed(path))


def _mirror(archive: Mailbox, path: list[Folder]) -> Folder:
    target = archive.distinguished["msgfolderroot"]
    for source in path:
        found = next((c for c in target.children.values() if c.name.lower() == source.name.lower()), None)
        target = found or archive.create_folder(target, source.name, source.folder_class)
    return target


class ArchiveItem(Operation):
    name = "ArchiveItem"

    def execute(self) -> str:
        destination = self.target_folder(self.request.find(m("ArchiveSourceFolderId")))

        def one(elem: Element) -> str:
            item = self.item(elem)
            target = archive_folder_for(destination)
            if target.mailbox.archive_of is not item.mailbox:
                raise ErrorInvalidOperation("Items can only be archived into their own mailbox's archive.")
            moved = item.mailbox.archive_item(item, target)
            return f"<m:Items>{render_item(moved, ID_ONLY, self.render_ctx)}</m:Items>"

        return self.batch(children(self.request.find(m("ItemIds"))), one)
