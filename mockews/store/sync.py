"""What changed since a sync state: the rules of SyncFolderItems and SyncFolderHierarchy.

One coalesced change per member since the client's watermark S:

* present now, entered after S          → Create (create-then-update is one Create)
* present now and at S, content changed → Update
* present now and at S, only read flag  → ReadFlagChange
* gone now, known at S                  → Delete (carries only the id)
* entered and gone after S              → nothing

Changes come out in the order of each member's newest change, so a page that stops
after N changes can hand out the seq of the N-th as the new watermark: every member
whose newest change is at or below it has been reported.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Generic, Literal, TypeVar

from .model import Folder, Item

ChangeKind = Literal["Create", "Update", "Delete", "ReadFlagChange"]


@dataclass(frozen=True, slots=True)
class ItemChange:
    kind: ChangeKind
    item_id: str
    item: Item | None  # None for Delete


@dataclass(frozen=True, slots=True)
class FolderChange:
    kind: ChangeKind
    folder_id: str
    folder: Folder | None  # None for Delete


T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SyncPage(Generic[T]):
    changes: list[T]
    seq: int  # the new watermark
    includes_last: bool


MAX_CHANGES = 512


def item_changes(folder: Folder, since: int, max_changes: int, ignore: Collection[str] = ()) -> SyncPage[ItemChange]:
    journal = folder.journal
    items = folder.items
    tombstones = journal.tombstones
    changes: list[ItemChange] = []
    watermark = since
    for seq, key in journal.since(since):
        item = items.get(key)
        if item is not None:
            if item.last_seq != seq:
                continue  # superseded by a newer entry of the same item
            if item.entered_seq > since:
                kind: ChangeKind = "Create"
            elif item.content_seq > since:
                kind = "Update"
            else:
                kind = "ReadFlagChange"
        else:
            tomb = tombstones.get(key)
            if tomb is None or tomb.deleted_seq != seq or tomb.entered_seq > since:
                watermark = seq
                continue
            kind = "Delete"
        if key in ignore:
            watermark = seq
            continue
        if len(changes) == max_changes:
            return SyncPage(changes, watermark, includes_last=False)
        changes.append(ItemChange(kind, key, item))
        watermark = seq
    return SyncPage(changes, max(watermark, journal.last_seq, since), includes_last=True)


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


def folder_changes(root: Folder, since: int, max_changes: int) -> SyncPage[FolderChange]:
    """Changes of the folders strictly below ``root`` (the SyncFolderId)."""
    mailbox = root.mailbox
    journal = mailbox.hierarchy
    changes: list[FolderChange] = []
    watermark = since
    for seq, key in journal.since(since):
        obj = mailbox.objects.get(key)
        folder = obj if isinstance(obj, Folder) else None
        kind: ChangeKind | None = None
        if folder is not None:
            if folder.last_seq != seq:
                continue
            was_inside = _within_at(folder, root, since)
            if folder is not root and folder.is_within(root):
                kind = "Update" if was_inside else "Create"
            elif was_inside:
                kind = "Delete"  # moved out of the synced subtree
        else:
            tomb = journal.tombstones.get(key)
            if tomb is None or tomb.deleted_seq != seq:
                continue
            gone = tomb.obj
            if isinstance(gone, Folder) and _within_at(gone, root, since):
                kind = "Delete"
        if kind is None:
            watermark = seq
            continue
        if len(changes) == max_changes:
            return SyncPage(changes, watermark, includes_last=False)
        changes.append(FolderChange(kind, key, folder if kind != "Delete" else None))
        watermark = seq
    return SyncPage(changes, max(watermark, journal.last_seq, since), includes_last=True)
