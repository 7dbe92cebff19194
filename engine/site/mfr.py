"""Mailbox Folder Replication (domain.md §3, R1 to R8) for one mailbox.

1. Deliver anything an interrupted run left in the outbox.
2. R7: a mailbox that needs its first full replication inside a full-sync exclusion
   window is deferred.
3. SyncFolderHierarchy below the message folder root: the folder tree, kept locally.
   A folder is included when it is a mail folder and not the excluded Inbox, Sent
   Items or Deleted Items or below one of them.  Newly included, renamed and moved
   folders are submitted; deleted folders are reported deleted; folders that became
   excluded are reported excluded (R4: their Full View entries stay) and forgotten,
   so a later re-inclusion reads them in full (R8).
4. SyncFolderItems per included folder, from its saved state, asking only for item
   class, sensitivity, Internet Message-ID and sent time.  Items that are Personal or
   Private, Enterprise Vault shortcuts (unless included), or without a Message-ID are
   not placed; one that becomes private leaves the Live View.  An EWS Delete carries
   only the item id: the local index gives its archive key and folder.
   ``ErrorInvalidSyncStateData`` → that folder is read again in full and items the
   index still holds there but the full read did not show are removed.
5. Changes go to the archive in batches through the outbox; the last batch marks the
   run boundary (``complete``).  Every folder state advances only with the batch that
   carries its changes.

Known limit: a full re-read after ``ErrorInvalidSyncStateData`` that is itself cut
short (a crash, or the mailbox failing mid-folder) resumes from the partial state it
reached, so items deleted while the old state was invalid and not yet passed by the
re-read stay in the Live View until the folder is read in full again.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any

from exchangelib.errors import ErrorInvalidSyncStateData

from engine.model import MfrDefinition
from engine.schedule import in_exclusion_window
from engine.wire.site_archive import BatchBody, FolderSent, Placement, Removal, RemovalReason, RemovedFolderSent

from .events import Cost, Event
from .ews import (
    FolderChange,
    ListedFolder,
    folder_listing,
    retrying,
    sync_hierarchy_page,
    sync_items_page,
    well_known_ids,
)
from .mail import EV_SHORTCUT, archive_key, is_mail_folder
from .state import HIERARCHY, Commit, FolderState
from .work import Job, MailboxFailed, Outcome, flush, submit

ROOT = "msgfolderroot"
#: well-known folders the archive is told about (and the three MFR may exclude)
WELL_KNOWN = ("msgfolderroot", "inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")
PROPERTIES = ("item_class", "sensitivity", "message_id", "datetime_sent")
PRIVATE = frozenset({"Personal", "Private"})
BOUNDARY_PENDING = "boundary_pending"  # batches were acknowledged but no boundary yet


@dataclass
class Batch:
    """The changes gathered since the last submission, and the state they advance."""

    folders: list[FolderSent] = field(default_factory=list)
    removed_folders: list[RemovedFolderSent] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    removals: list[Removal] = field(default_factory=list)
    commit: Commit = field(default_factory=Commit)
    overlay: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # item id → (folder, key) | gone

    def size(self) -> int:
        return len(self.placements) + len(self.removals) + len(self.folders) + len(self.removed_folders)


@dataclass
class HierarchyRead:
    """What SyncFolderHierarchy left: the tree, the folders gone, the state to save."""

    tree: dict[str, FolderState]
    deleted: set[str]
    sync_state: str | None


def apply_folder_changes(
    tree: dict[str, FolderState], deleted: set[str], listed: set[str] | None, changes: list[FolderChange]
) -> None:
    """One page of hierarchy changes: created, renamed and moved folders update the
    tree (keeping their item state and inclusion), deleted ones are set apart."""
    for change in changes:
        if listed is not None:
            listed.add(change.folder_id)
        if change.kind == "delete":
            deleted.add(change.folder_id)
            continue
        previous = tree.get(change.folder_id)
        tree[change.folder_id] = FolderState(
            change.folder_id,
            previous.sync_state if previous else None,
            change.name,
            change.parent_id,
            None,
            previous.included if previous else False,
            change.folder_class,
        )
        deleted.discard(change.folder_id)


def included(folder_id: str, tree: dict[str, FolderState], deleted: set[str], root_id: str, excluded: set[str]) -> bool:
    """Step 3's inclusion: a mail folder below the root and not at or below an
    excluded folder."""
    seen: set[str] = set()
    current: str | None = folder_id
    while current is not None and current != root_id:
        if current in excluded or current in seen or current not in tree or current in deleted:
            return False
        if not is_mail_folder(tree[current].folder_class):
            return False
        seen.add(current)
        current = tree[current].parent_id
    return current == root_id


class Replication:
    def __init__(self, job: Job) -> None:
        self.job = job
        self.spec = MfrDefinition.model_validate(job.definition)
        self.batch = Batch()
        self.batches = 0
        self.items = 0
        self.full = False  # a full replication: no hierarchy state for this task and mailbox

    # -- batches ------------------------------------------------------------------------------

    def lookup(self, item_ids: list[str]) -> dict[str, tuple[str, str]]:
        """item id → (folder, key), this batch's changes over the saved index."""
        found = {}
        unknown = []
        for item_id in item_ids:
            if item_id in self.batch.overlay:
                known = self.batch.overlay[item_id]
                if known is not None:
                    found[item_id] = known
            else:
                unknown.append(item_id)
        if unknown:
            found.update(self.job.state.indexed(self.job.task_id, self.job.mailbox, unknown))
        return found

    def send(self, complete: bool) -> Generator[Event, None, None]:
        batch, self.batch = self.batch, Batch()
        body: BatchBody = {
            "batch_id": self.job.batch_id(self.batches),
            "kind": "mfr",
            "folders": batch.folders,
            "removed_folders": batch.removed_folders,
            "placements": batch.placements,
            "removed_placements": batch.removals,
            "complete": complete,
            # the archive's Live View of the mailbox may hold what an earlier task (or an
            # earlier state of this site) placed and this one knows nothing of: a full
            # replication replaces it, starting with its first batch (R1, R9)
            "full": self.full and self.batches == 0,
        }
        batch.commit.flags[BOUNDARY_PENDING] = None if complete else "1"
        self.batches += 1
        yield from submit(self.job, body, batch.commit)

    def maybe_send(self) -> Generator[Event, None, None]:
        if self.batch.size() >= self.job.batch_size:
            yield from self.send(complete=False)

    # -- the run --------------------------------------------------------------------------------

    def run(self) -> Generator[Event, None, Outcome]:
        job = self.job
        yield from flush(job)
        known = job.state.folders(job.task_id, job.mailbox)
        hierarchy = known.pop(HIERARCHY, None)
        self.full = hierarchy is None
        if hierarchy is None and in_exclusion_window(self.spec.full_sync_exclusion_windows, job.zone, job.clock.now()):
            return Outcome("Skipped", "full replication deferred: inside a full-sync exclusion window (R7)")
        account = job.ews.account(job.mailbox)
        ids = job.state.well_known(job.mailbox)
        if not ids:
            ids = yield from retrying(lambda: well_known_ids(account, WELL_KNOWN), "GetFolder", job.policy)
            job.state.remember_well_known(job.mailbox, ids)
        if ROOT not in ids:
            raise MailboxFailed("the mailbox has no message folder root")
        read_at = job.clock.now().timestamp()
        commits: dict[str, str | None] = {}
        fetch = True
        if job.change_margin is not None:
            # one FindFolder: every folder with its PidTagLocalCommitTimeMax, read before
            # the folders are (a change after this read shows next time); when it shows
            # the tree as known, SyncFolderHierarchy has nothing to say and is skipped
            listing = yield from retrying(partial(folder_listing, account, ROOT), "FindFolder", job.policy)
            commits = {f.folder_id: f.commit for f in listing}
            fetch = hierarchy is None or not self.same_tree(listing, known, ids[ROOT])
        folders = yield from self.sync_hierarchy(account, hierarchy, known, ids, fetch)
        chosen = [
            f
            for f in sorted(folders.values(), key=lambda f: (f.parent_id or "", f.name, f.folder_id))
            if f.included and f.folder_id != ids[ROOT]
        ]
        for folder in chosen:
            commit = commits.get(folder.folder_id)
            if folder.sync_state and self.unchanged(folder, commit):
                continue  # its contents did not change since it was last read: no SyncFolderItems
            yield from self.sync_folder(account, folder, commit, read_at)
        unchanged = self.batch.size() == 0 and self.batches == 0 and hierarchy is not None
        if unchanged and not job.state.flag(job.task_id, job.mailbox, BOUNDARY_PENDING):
            # nothing to tell the archive: the states move on locally, no submission, no Sequence
            job.state.commit_now(job.task_id, job.mailbox, self.batch.commit)
        else:
            yield from self.send(complete=True)
        return Outcome("Success", "", self.items)

    def excluded_roots(self, ids: dict[str, str]) -> set[str]:
        out = set()
        for flag, name in (
            (self.spec.exclude_inbox, "inbox"),
            (self.spec.exclude_sent_items, "sentitems"),
            (self.spec.exclude_deleted_items, "deleteditems"),
        ):
            if flag and name in ids:
                out.add(ids[name])
        return out

    @staticmethod
    def same_tree(listing: list[ListedFolder], known: dict[str, FolderState], root_id: str) -> bool:
        """The folders below the root are the ones known, with the same names, parents
        and classes."""
        below = {k: v for k, v in known.items() if k != root_id}
        if len(listing) != len(below):
            return False
        for entry in listing:
            folder = below.get(entry.folder_id)
            if folder is None or (folder.name, folder.parent_id, folder.folder_class) != (
                entry.name,
                entry.parent_id,
                entry.folder_class,
            ):
                return False
        return True

    def sync_hierarchy(
        self,
        account: Any,
        state: FolderState | None,
        known: dict[str, FolderState],
        ids: dict[str, str],
        fetch: bool = True,
    ) -> Generator[Event, None, dict[str, FolderState]]:
        """Step 3: the folder tree after this run's hierarchy changes (none asked for
        when ``fetch`` is off); folder submissions and their state go into the batch."""
        root_id = ids[ROOT]
        read = yield from self.read_hierarchy(account, state.sync_state if state else None, known, root_id, fetch)
        tree, deleted = read.tree, read.deleted
        root = tree.get(root_id)
        tree[root_id] = FolderState(
            root_id, None, root.name if root else "Top of Information Store", None, ROOT, True, "IPF.Note"
        )
        excluded = self.excluded_roots(ids)
        names = {v: k for k, v in ids.items()}
        for folder_id, folder in sorted(tree.items()):
            before = known.get(folder_id)
            if folder_id in deleted:
                yield from self.folder_deleted(folder_id, before)
                continue
            now_included = folder_id == root_id or included(folder_id, tree, deleted, root_id, excluded)
            yield from self.folder_seen(folder, before, now_included, names.get(folder_id), root_id)
        self.batch.commit.folders.append(FolderState(HIERARCHY, read.sync_state, "", None, None, False))
        return {k: v for k, v in tree.items() if k not in deleted}

    def read_hierarchy(
        self, account: Any, sync_state: str | None, known: dict[str, FolderState], root_id: str, fetch: bool
    ) -> Generator[Event, None, HierarchyRead]:
        """SyncFolderHierarchy below the root from ``sync_state``, applied to the known
        tree.  R8: a state Exchange refuses means reading the whole hierarchy again; the
        known folders a full read does not show are gone."""
        tree = {f.folder_id: FolderState(**vars(f)) for f in known.values()}
        deleted: set[str] = set()
        listed: set[str] | None = set() if sync_state is None else None  # a full read: what it showed
        while fetch:
            current = sync_state
            try:
                page = yield from retrying(
                    partial(sync_hierarchy_page, account, ROOT, current), "SyncFolderHierarchy", self.job.policy
                )
            except ErrorInvalidSyncStateData:
                sync_state, listed, deleted = None, set(), set()
                continue
            apply_folder_changes(tree, deleted, listed, page.changes)
            sync_state = page.sync_state
            if page.last or page.sync_state == current:
                break
        if listed is not None:
            deleted |= {folder_id for folder_id in known if folder_id not in listed and folder_id != root_id}
        return HierarchyRead(tree, deleted, sync_state)

    def folder_deleted(self, folder_id: str, before: FolderState | None) -> Generator[Event, None, None]:
        """A deleted folder is reported deleted (if it was in the view) and forgotten."""
        if before is not None and before.included:
            self.batch.removed_folders.append({"id": folder_id, "reason": "deleted"})
            yield from self.forget_items(folder_id)
        self.batch.commit.forget_folders.append(folder_id)

    def folder_seen(
        self, folder: FolderState, before: FolderState | None, now_included: bool, well_known: str | None, root_id: str
    ) -> Generator[Event, None, None]:
        """A folder the tree holds: submitted when newly included, renamed or moved;
        reported excluded and forgotten when it became excluded (R4, R8)."""
        folder_id = folder.folder_id
        folder.well_known = well_known
        folder.included = now_included
        if before is not None and before.included and not now_included:
            # R4: excluded from now on; the Full View keeps what it has
            self.batch.removed_folders.append({"id": folder_id, "reason": "excluded"})
            yield from self.forget_items(folder_id)
            folder.sync_state = None
        elif self.full and before is None and not now_included and is_mail_folder(folder.folder_class):
            # a full replication replaces the Live View: what an earlier task placed in
            # a folder this one excludes leaves it as excluded, not as deleted (R4)
            self.batch.removed_folders.append({"id": folder_id, "reason": "excluded"})
        changed = before is None or (before.name, before.parent_id, before.included) != (
            folder.name,
            folder.parent_id,
            now_included,
        )
        if now_included and changed:
            self.batch.folders.append(
                {
                    "id": folder_id,
                    "name": folder.name,
                    "parent_id": folder.parent_id if folder_id != root_id else None,
                    "well_known": folder.well_known,
                }
            )
        if changed:
            self.batch.commit.folders.append(folder)

    def forget_items(self, folder_id: str) -> Generator[Event, None, None]:
        """A folder left the view: its items leave the local index (the archive drops
        their live placements with the folder)."""
        entries = self.job.state.indexed_in_folder(self.job.task_id, self.job.mailbox, folder_id)
        for item_id, _ in entries:
            self.batch.commit.unindex.append(item_id)
            self.batch.overlay[item_id] = None
        if entries:
            yield Cost(items=len(entries))

    def eligible(self, props: dict[str, str | None]) -> RemovalReason | None:
        """None when the item is placed; otherwise why not."""
        if (props.get("sensitivity") or "Normal") in PRIVATE:
            return "private"
        if props.get("item_class") == EV_SHORTCUT and not self.spec.include_ev_shortcuts:
            return "excluded"
        if not props.get("message_id"):
            return "excluded"
        return None

    def unchanged(self, folder: FolderState, commit: str | None) -> bool:
        """The folder's PidTagLocalCommitTimeMax is what it was when the folder was last
        read, and that was well before the read (so no change can hide in the same
        second, nor behind a clock difference of up to the margin)."""
        margin = self.job.change_margin
        if commit is None or margin is None or folder.commit_seen != commit or folder.read_at is None:
            return False
        try:
            changed = datetime.fromisoformat(commit.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return False
        return changed < folder.read_at - margin

    def sync_folder(
        self, account: Any, folder: FolderState, commit: str | None = None, read_at: float | None = None
    ) -> Generator[Event, None, None]:
        job = self.job
        sync_state = folder.sync_state
        resync: set[str] | None = set() if sync_state is None else None  # a full read: ids seen
        while True:
            current = sync_state
            try:
                page = yield from retrying(
                    partial(sync_items_page, account, folder.folder_id, current, PROPERTIES),
                    "SyncFolderItems",
                    job.policy,
                    cost=lambda p: Cost(ews_calls=1, items=len(p.changes)),
                )
            except ErrorInvalidSyncStateData:
                # R8: Exchange refused the state — read this folder again in full
                sync_state, resync = None, set()
                continue
            self.apply_page(folder.folder_id, page.changes, resync)
            sync_state = page.sync_state
            done = page.last or page.sync_state == current
            if done and resync is not None:
                self.remove_unseen(folder.folder_id, resync)
            self.batch.commit.folders.append(
                FolderState(
                    folder.folder_id,
                    sync_state,
                    folder.name,
                    folder.parent_id,
                    folder.well_known,
                    True,
                    folder.folder_class,
                    commit,
                    read_at if commit is not None else None,
                )
            )
            yield from self.maybe_send()
            if done:
                return

    def apply_page(self, folder_id: str, changes: list[Any], seen: set[str] | None) -> None:
        batch = self.batch
        ids = [c.item_id for c in changes if c.kind != "read"]
        indexed = self.lookup(ids)
        for change in changes:
            if change.kind == "read":
                continue
            item_id = change.item_id
            before = indexed.get(item_id)
            if change.kind == "delete":
                if before is not None:
                    batch.removals.append({"item": before[1], "folder_id": before[0], "reason": "deleted"})
                    batch.commit.unindex.append(item_id)
                    batch.overlay[item_id] = None
                    indexed.pop(item_id, None)
                    self.items += 1
                continue
            if seen is not None:
                seen.add(item_id)
            props = change.props
            why_not = self.eligible(props)
            if why_not is not None:
                if before is not None:
                    batch.removals.append({"item": before[1], "folder_id": before[0], "reason": why_not})
                    batch.commit.unindex.append(item_id)
                    batch.overlay[item_id] = None
                    indexed.pop(item_id, None)
                    self.items += 1
                continue
            key = archive_key(str(props["message_id"]), props.get("datetime_sent"))
            if before == (folder_id, key):
                continue
            if before is not None:
                batch.removals.append({"item": before[1], "folder_id": before[0], "reason": "moved"})
            batch.placements.append({"item": key, "folder_id": folder_id})
            batch.commit.index.append((item_id, folder_id, key))
            batch.overlay[item_id] = indexed[item_id] = (folder_id, key)
            self.items += 1

    def remove_unseen(self, folder_id: str, seen: set[str]) -> None:
        """After a full read: what the index holds in the folder but the read did not
        show is gone."""
        for item_id, key in self.job.state.indexed_in_folder(self.job.task_id, self.job.mailbox, folder_id):
            if item_id in seen or (item_id in self.batch.overlay and self.batch.overlay[item_id] is None):
                continue
            self.batch.removals.append({"item": key, "folder_id": folder_id, "reason": "deleted"})
            self.batch.commit.unindex.append(item_id)
            self.batch.overlay[item_id] = None
            self.items += 1


def replicate(job: Job) -> Generator[Event, None, Outcome]:
    return (yield from Replication(job).run())


__all__ = ["replicate"]
