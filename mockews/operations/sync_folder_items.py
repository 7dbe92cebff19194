"""SyncFolderItems: coalesced changes since the client's state, at most
MaxChangesReturned (1 to 512) per page.  SyncState and IncludesLastItemInRange are sent
even on error (exchangelib reads them unconditionally)."""

from __future__ import annotations

from ..errors import ErrorInvalidOperation
from ..soap.items import ItemShape, parse_item_shape, render_item
from ..soap.render import boolean
from ..soap.xml import children, m, parse_int
from ..store.ids import CHANGE_KEY_PREFIX
from ..store.sync import MAX_CHANGES, Cursor, ItemChange, item_changes
from ..store.syncstate import SyncState
from .base import Operation

_ON_ERROR = "<m:SyncState></m:SyncState><m:IncludesLastItemInRange>true</m:IncludesLastItemInRange>"


class SyncFolderItems(Operation):
    name = "SyncFolderItems"

    def execute(self) -> str:
        return self.single(self._sync, _ON_ERROR)

    def _sync(self) -> str:
        shape = parse_item_shape(self.request.find(m("ItemShape")))
        folder = self.target_folder(self.request.find(m("SyncFolderId")))
        max_changes = parse_int(self.request.findtext(m("MaxChangesReturned"), "100"), "MaxChangesReturned")
        if not 1 <= max_changes <= MAX_CHANGES:
            raise ErrorInvalidOperation(f"MaxChangesReturned must be between 1 and {MAX_CHANGES}.")
        scope = self.request.findtext(m("SyncScope"), "NormalItems")
        if scope not in ("NormalItems", "NormalAndAssociatedItems"):
            raise ErrorInvalidOperation(f"SyncScope {scope!r} is not valid.")
        ignore = {e.get("Id", "") for e in children(self.request.find(m("Ignore")))}
        codec = self.world.sync_states
        state_text = (self.request.findtext(m("SyncState")) or "").strip()
        cursor = codec.decode(state_text, "I", folder.id, folder.generation, self.world.seq) if state_text else Cursor()
        page = item_changes(folder, cursor, max_changes, ignore)
        changes = self._render_changes(page.changes, shape)
        new_state = codec.encode(SyncState("I", folder.id, folder.generation, page.cursor))
        return self.ok(
            f"<m:SyncState>{new_state}</m:SyncState>"
            f"<m:IncludesLastItemInRange>{boolean(page.includes_last)}</m:IncludesLastItemInRange>"
            f"<m:Changes>{changes}</m:Changes>"
        )

    def _render_changes(self, changes: list[ItemChange], shape: ItemShape) -> str:
        # The hot path of every sync: ChangeKeys are formatted inline (see ids.change_key)
        # and IdOnly items skip the property machinery.
        ctx = self.render_ctx
        ck = CHANGE_KEY_PREFIX
        id_only = shape.id_only
        out: list[str] = []
        append = out.append
        for kind, key, item in changes:
            if item is None:
                append(f'<t:Delete><t:ItemId Id="{key}"/></t:Delete>')
            elif kind == "ReadFlagChange":
                append(
                    f'<t:ReadFlagChange><t:ItemId Id="{key}" ChangeKey="{ck}{item.last_seq}"/>'
                    f"<t:IsRead>{'true' if item.is_read else 'false'}</t:IsRead></t:ReadFlagChange>"
                )
            elif id_only:
                tag = item.kind
                append(
                    f'<t:{kind}><t:{tag}><t:ItemId Id="{key}" ChangeKey="{ck}{item.last_seq}"/></t:{tag}></t:{kind}>'
                )
            else:
                append(f"<t:{kind}>{render_item(item, shape, ctx)}</t:{kind}>")
        return "".join(out)
