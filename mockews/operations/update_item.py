"""UpdateItem: SetItemField / AppendToItemField / DeleteItemField per ItemChange.

ChangeKeys are enforced only with ConflictResolution=NeverOverwrite
(ErrorIrresolvableConflict), as on Exchange.  The item keeps its id; its ChangeKey
changes.  A draft updated with a Send disposition is sent; a sent meeting updated with
SendMeetingInvitationsOrCancellations sends its attendees the update.
"""

from __future__ import annotations

import base64
from typing import cast

from ..errors import ErrorInvalidPropertyDelete, ErrorInvalidPropertySet, ErrorSchemaValidation
from ..soap.item_properties import MIME_FIELD, ItemProperty
from ..soap.items import (
    ID_ONLY,
    IndexedPath,
    fields_of,
    indexed_change_target,
    item_change_target,
    parse_item,
    render_item,
)
from ..soap.xml import Element, children, local_name, m, t
from ..store import meetings
from ..store.delivery import deliver, stamp_sent
from ..store.mime import MIME_KEY, apply_mime
from ..store.model import CalendarItem, ExtendedKey, ExtendedValue, Item
from .base import Operation
from .create_item import DISPOSITIONS, apply_extended

CONFLICT_RESOLUTIONS = ("NeverOverwrite", "AutoResolve", "AlwaysOverwrite")


class UpdateItem(Operation):
    name = "UpdateItem"

    def execute(self) -> str:
        conflict = self.request.get("ConflictResolution", "AutoResolve")
        if conflict not in CONFLICT_RESOLUTIONS:
            raise ErrorSchemaValidation(f"ConflictResolution {conflict!r} is not valid.")
        disposition = self.request.get("MessageDisposition", "SaveOnly")
        if disposition not in DISPOSITIONS:
            raise ErrorSchemaValidation(f"MessageDisposition {disposition!r} is not valid.")
        return self.batch(
            children(self.request.find(m("ItemChanges"))),
            lambda change: self._change(change, conflict == "NeverOverwrite", disposition),
        )

    def _change(self, change: Element, enforce: bool, disposition: str) -> str:
        id_elem = next((c for c in children(change) if local_name(c).endswith("ItemId")), None)
        if id_elem is None:
            raise ErrorSchemaValidation("An ItemChange needs an ItemId.")
        item = self.item(id_elem)
        mailbox = item.mailbox
        mailbox.check_change_key(item, id_elem.get("ChangeKey"), enforce)
        sets: dict[str, object] = {}
        deletes: list[str] = []
        extended: list[tuple[ExtendedKey, ExtendedValue | None]] = []
        for update in children(change.find(t("Updates"))):
            kind = local_name(update)
            indexed = indexed_change_target(update)
            if indexed is not None:
                self._indexed_change(item, update, *indexed, sets)
                continue
            prop, ext_key = item_change_target(update)
            if prop is None and ext_key is None:
                continue  # accepted and ignored (time zones)
            if kind == "DeleteItemField":
                if ext_key is not None:
                    extended.append((ext_key, None))
                    continue
                assert prop is not None
                if prop.field is None:
                    raise ErrorInvalidPropertyDelete(f"The property {prop.uri} cannot be deleted.")
                deletes.extend(fields_of(prop))
                continue
            holder = next((c for c in children(update) if not local_name(c).endswith("FieldURI")), None)
            if holder is None:
                raise ErrorSchemaValidation(f"{kind} needs an item element.")
            parsed = parse_item(holder, self.world)
            if ext_key is not None:
                extended.extend((v.key, v) for v in parsed.extended if v.key == ext_key)
                continue
            assert prop is not None
            if prop.field is None or item.kind not in prop.kinds:
                raise ErrorInvalidPropertySet(f"The property {prop.uri} cannot be set on {item.kind}.")
            values = {k: v for k, v in parsed.values.items() if k in fields_of(prop)}
            if kind == "AppendToItemField":
                values = self._appended(item, values)
            sets.update(values)
        mime = sets.get(MIME_FIELD)  # stays in sets: it is stored as given, and is a change
        if isinstance(mime, str):
            apply_mime(item, base64.b64decode(mime), self.world, replace=True)
        elif (set(sets) | set(deletes)) - {"is_read"}:
            # the uploaded MIME no longer describes the item: generated from now on (the
            # read flag is not part of MIME)
            item.set_extra(MIME_KEY, None)
        mailbox.update_item(item, sets, deletes)
        if extended:
            self._apply_extended(item, extended)
        invitations = self.request.get("SendMeetingInvitationsOrCancellations", "SendToNone")
        if invitations in meetings.UPDATE_MODES and meetings.is_sent_meeting(item):
            meetings.send_invitations(cast(CalendarItem, item), mailbox, save_copy="SaveCopy" in invitations)
        if disposition != "SaveOnly" and item.kind == "Message":
            stamp_sent(item, mailbox)
            deliver(item, mailbox)
            if disposition == "SendAndSaveCopy":
                mailbox.move_item(item, mailbox.well_known("sentitems"))
            else:
                mailbox.delete_item(item, "HardDelete")
            return "<m:Items/><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>"
        return (
            f"<m:Items>{render_item(item, ID_ONLY, self.render_ctx)}</m:Items>"
            "<m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>"
        )

    def _indexed_change(
        self, item: Item, update: Element, prop: ItemProperty, path: IndexedPath, sets: dict[str, object]
    ) -> None:
        """One entry (or one part of a PhysicalAddresses entry) set or deleted; the other
        entries stay, as Exchange merges a contact's dictionaries by Key."""
        assert prop.field is not None
        if item.kind not in prop.kinds:
            raise ErrorInvalidPropertySet(f"The property {prop.uri} cannot be set on {item.kind}.")
        current = sets.get(prop.field, item.get_extra(prop.tag))
        entries = dict(current) if isinstance(current, dict) else {}
        if local_name(update) == "DeleteItemField":
            _delete_entry(entries, path)
        else:
            holder = next((c for c in children(update) if not local_name(c).endswith("FieldURI")), None)
            if holder is None:
                raise ErrorSchemaValidation("SetItemField needs an item element.")
            given = parse_item(holder, self.world).values.get(prop.field)
            entry = given.get(path.index) if isinstance(given, dict) else None
            if entry is None:
                raise ErrorSchemaValidation(f"SetItemField for {prop.uri} needs the entry {path.index}.")
            old = entries.get(path.index)
            entries[path.index] = {**old, **entry} if isinstance(old, dict) and isinstance(entry, dict) else entry
        sets[prop.field] = entries or None

    @staticmethod
    def _appended(item: Item, values: dict[str, object]) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, value in values.items():
            current = getattr(item, name)
            if isinstance(current, tuple) and isinstance(value, tuple):
                out[name] = current + value
            elif name == "body" and isinstance(value, str):
                out[name] = (current or "") + value
            elif name == "body_type":
                out[name] = item.body_type if item.body else value
            else:
                raise ErrorInvalidPropertySet(f"The property {name} cannot be appended to.")
        return out

    def _apply_extended(self, item: Item, changes: list[tuple[ExtendedKey, ExtendedValue | None]]) -> None:
        stored = item.get_extra("extended")
        table = dict(stored) if isinstance(stored, dict) else {}
        additions: list[ExtendedValue] = []
        for key, value in changes:
            if value is None:
                table.pop(key, None)
            else:
                additions.append(value)
        item.set_extra("extended", table or None)
        apply_extended(item, additions)
        item.mailbox.touch_item(item)


def _delete_entry(entries: dict[str, object], path: IndexedPath) -> None:
    entry = entries.get(path.index)
    if path.part is not None and isinstance(entry, dict):
        rest = {k: v for k, v in entry.items() if k != path.part}
        if rest:
            entries[path.index] = rest
            return
    entries.pop(path.index, None)
