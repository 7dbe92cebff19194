"""SyncFolderHierarchy: folder creates, updates (rename, move) and deletes below the
SyncFolderId (the whole mailbox when none is given), always in one page (EWS gives
this operation no page size)."""

from __future__ import annotations

from ..soap.folders import parse_folder_shape, render_folder
from ..soap.xml import m
from ..store.sync import Cursor, folder_changes
from ..store.syncstate import SyncState
from .base import Operation

_ON_ERROR = "<m:SyncState></m:SyncState><m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>"


class SyncFolderHierarchy(Operation):
    name = "SyncFolderHierarchy"

    def execute(self) -> str:
        return self.single(self._sync, _ON_ERROR)

    def _sync(self) -> str:
        shape = parse_folder_shape(self.request.find(m("FolderShape")))
        sync_folder = self.request.find(m("SyncFolderId"))
        root = (
            self.target_folder(sync_folder)
            if sync_folder is not None
            else self.ctx.check_access(self.ctx.acting_mailbox()).root
        )
        codec = self.world.sync_states
        state_text = (self.request.findtext(m("SyncState")) or "").strip()
        since = codec.decode(state_text, "H", root.id, root.generation, self.world.seq).p if state_text else 0
        changes, watermark = folder_changes(root, since)
        parts = []
        for change in changes:
            if change.folder is None:
                parts.append(f'<t:Delete><t:FolderId Id="{change.folder_id}"/></t:Delete>')
            else:
                parts.append(f"<t:{change.kind}>{render_folder(change.folder, shape, self.world)}</t:{change.kind}>")
        new_state = codec.encode(SyncState("H", root.id, root.generation, Cursor(watermark, watermark, watermark)))
        return self.ok(
            f"<m:SyncState>{new_state}</m:SyncState>"
            "<m:IncludesLastFolderInRange>true</m:IncludesLastFolderInRange>"
            f"<m:Changes>{''.join(parts)}</m:Changes>"
        )
