"""What changed since a sync state: the rules of SyncFolderItems and SyncFolderHierarchy.

Items.  A client's item state is a cursor ``(W, T, P)``:

* W — creation watermark: the client knows exactly the items that entered the folder
  at or before W and were still there when they were handed out;
* T — base: its copy of every known item is at least as new as T;
* P — change cursor: every change of a known item up to P has been reported.

A page first reports changes of known items after P, in the order of their newest
change (part a): Update, ReadFlagChange (only the read flag changed since T) or Delete.
Only when part a is exhausted are all known items current, so T and P move to the
folder's newest change; then items that entered after W are reported as Create in the
order they entered (part b), and W moves past them.  Either part can be cut by
MaxChangesReturned and resumed from the cut.

Why not one watermark: ordering by newest change and handing out "the seq of the last
change reported" loses items created before the cut but changed after it — they would
later come as Update of an item the client never saw.  (The Hypothesis state machine
in tests/unit found exactly that.)

One coalesced change per item: create-then-update before the client saw it is one
Create; an item created and deleted between two syncs is not reported at all.

Folders (SyncFolderHierarchy, which has no page size in EWS) are always answered in
one page, so a single watermark is exact there; ancestry at the watermark comes from
each folder's parent history.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from .model import Folder, Item

ChangeKind = Literal["Create", "Update", "Delete", "ReadFlagChange"]
MAX_CHANGES = 512
T_ = TypeVar("T_")


@dataclass(frozen=True, slots=True)
class Cursor:
    w: int = 0
    t: int = 0
    p: int = 0

    def valid(self, newest: int) -> bool:
        return 0 <= self.w <= self.t <= self.p <= newest


#: (kind, item id, item — None for Delete).  A plain tuple: a page builds hundreds.
ItemChange = tuple[ChangeKind, str, Item | None]


@dataclass(frozen=True, slots=True)
class FolderChange:
    kind: ChangeKind
    folder_id: str
    folder: Folder | None  # None for Delete


@dataclass(frozen=True, slots=True)
class SyncPage(Generic[T_]):
    changes: list[T_]
    includes_last: bool


@dataclass(frozen=True, slots=True)
class ItemSyncPage(SyncPage[ItemChange]):
    cursor: Cursor


def item_changes(folder: Folder, cursor: Cursor, max_changes: int, ignore: Collection[str] = ()) -> ItemSyncPage:
    journal = folder.journal
    items = folder.items
    tombstones = journal.tombstones
    w, t, p = cursor.w, cursor.t, cursor.p
    changes: list[ItemChange] = []

    # (a) changes of items the client knows, in the order of their newest change
    for seq, key in journal.changed.since(p):
        item = items.get(key)
        if item is not None:
            if item.last_seq != seq or item.entered_seq > w:
                continue  # superseded, or not known to the client (part b reports it)
            kind: ChangeKind = "Update" if item.content_seq > t else "ReadFlagChange"
        else:
            tomb = tombstones.get(key)
            if tomb is None or tomb.deleted_seq != seq or tomb.entered_seq > w:
                continue
            kind = "Delete"
        if key in ignore:
            continue
        if len(changes) == max_changes:
            return ItemSyncPage(changes, False, Cursor(w, t, p))
        changes.append((kind, key, item))
        p = seq

    # Every known item is now current: the base moves to the folder's newest change.
    t = p = journal.last_seq
    # (b) items that entered after W, in the order they entered (the hot loop of an
    # initial sync: written for speed)
    start, seqs, keys = journal.created.window(w)
    get = items.get
    append = changes.append
    room = max_changes - len(changes)
    for index in range(start, len(keys)):
        key = keys[index]
        item = get(key)
        # An item gone before it was handed out is skipped: the client never needs it.
        if item is not None and not (ignore and key in ignore):
            if room == 0:
                cut = seqs[index - 1] if index > start else w
                return ItemSyncPage(changes, False, Cursor(cut, t, p))
            append(("Create", key, item))
            room -= 1
    return ItemSyncPage(changes, True, Cursor(max(w, journal.created.last_seq), t, p))


def _parent_at(folder: Folder, seq: int) -> Folder | None:
    """Where ``folder`` hung at watermark ``seq`` (moves are rare, so history is short)."""
    if folder.parent_history:
        for moved_at, previous in folder.parent_history:
            if moved_at > seq:
                return previous
    return folder.parent


def _within_at(folder: Folder, ancestor: Folder, seq: int) -> bool:
    """Whether ``folder`` existed at ``seq`` strictly below ``ancestor``."""
    if folder.entered_seq > seq or folder is ancestor:
        return False
    node = _parent_at(folder, seq)
    hops = 0
    while node is not None and hops < 10_000:
        if node is ancestor:
            return True
        node = _parent_at(node, seq)
        hops += 1
    return False


def folder_changes(root: Folder, since: int) -> tuple[list[FolderChange], int]:
    """Every change of the folders strictly below ``root`` (the SyncFolderId) since the
    watermark, and the new watermark."""
    mailbox = root.mailbox
    hierarchy = mailbox.hierarchy
    changes: list[FolderChange] = []
    for seq, key in hierarchy.log.since(since):
        obj = mailbox.objects.get(key)
        if isinstance(obj, Folder):
            if obj.last_seq != seq:
                continue
            was_inside = _within_at(obj, root, since)
            if obj is not root and obj.is_within(root):
                changes.append(FolderChange("Update" if was_inside else "Create", key, obj))
            elif was_inside:
                changes.append(FolderChange("Delete", key, None))  # moved out of the synced subtree
            continue
        tomb = hierarchy.tombstones.get(key)
        if tomb is None or tomb.deleted_seq != seq:
            continue
        if isinstance(tomb.obj, Folder) and _within_at(tomb.obj, root, since):
            changes.append(FolderChange("Delete", key, None))
    return changes, max(since, hierarchy.last_seq)
