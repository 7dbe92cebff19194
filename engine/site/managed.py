"""Managed Folders (M1 to M4) for one mailbox.

The configured managed folders are created below the message folder root if missing.
M1: an item's policy is its folder's managed-folder policy, else the well-known-folder
policy of the nearest well-known ancestor (the folder itself included), else the
default.  Per policy:

* M2 Exchange Delete — items at least ``lifespan`` days old (received time), read or
  with "delete unread" on, and confirmed archived and readable by the archive, are
  moved to Deleted Items, soft-deleted or hard-deleted;
* M3 Expire View — items past the lifespan leave the Live and Full Views at the
  archive (the archived message stays);
* M4 Archive Purge — every item's archived message gets the purge date received +
  lifespan (the archive keeps the earliest and respects litigation hold).

Enterprise Vault shortcuts and the engine's own stubs are left alone (their archived
copy is governed already).  Dry run reports what would be done and changes nothing."""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from functools import partial
from typing import Any

from exchangelib.folders import Folder

from engine.model import ManagedFoldersDefinition, Policy

from .events import Cost, Event
from .ews import retrying
from .storage import Candidate, MailFolder, confirm, find_items, mail_folders, record
from .work import Job, Outcome, archive_call, flush

POLICY_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")
DELETE_TYPES = {"soft_delete": "SoftDelete", "hard_delete": "HardDelete", "move_to_deleted_items": "MoveToDeletedItems"}


def create_missing(account: Any, root_id: str, folders: dict[str, MailFolder], names: list[str]) -> list[str]:
    """Create the managed folders the mailbox lacks (directly below the root)."""
    present = {f.name.lower() for f in folders.values() if f.parent_id == root_id}
    created = []
    parent = None
    for name in names:
        if name.lower() in present:
            continue
        if parent is None:
            parent = Folder(root=account.root, id=root_id)
        Folder(parent=parent, name=name, folder_class="IPF.Note").save()
        created.append(name)
    return created


def policy_for(
    folder: MailFolder, folders: dict[str, MailFolder], spec: ManagedFoldersDefinition, root_id: str
) -> Policy:
    """M1."""
    if folder.parent_id == root_id:
        for managed in spec.managed_folders:
            if managed.name.lower() == folder.name.lower():
                return managed.policy
    for folder_id in (folder.id, *reversed(folder.ancestors)):
        known = folders.get(folder_id)
        name = known.well_known if known else None
        if name in spec.well_known_policies:
            return spec.well_known_policies[name]
        if name in POLICY_FOLDERS:
            break  # the nearest well-known ancestor has no policy of its own: the default applies
    return spec.default_policy


def apply(job: Job) -> Generator[Event, None, Outcome]:
    spec = ManagedFoldersDefinition.model_validate(job.definition)
    yield from flush(job)
    account = job.ews.account(job.mailbox)
    root_id, folders = yield from retrying(partial(mail_folders, account), "SyncFolderHierarchy", job.policy)
    wanted = [f.name for f in spec.managed_folders]
    created: list[str] = []
    if wanted and not spec.dry_run:
        created = yield from retrying(
            partial(create_missing, account, root_id, folders, wanted), "CreateFolder", job.policy
        )
        if created:
            root_id, folders = yield from retrying(partial(mail_folders, account), "SyncFolderHierarchy", job.policy)
    now = job.clock.now()
    deleted: list[tuple[str, str]] = []
    expired: list[str] = []
    purge: list[dict[str, Any]] = []
    unconfirmed = 0
    for folder in sorted(folders.values(), key=lambda f: f.path):
        policy = policy_for(folder, folders, spec, root_id)
        if policy.normal_retention:
            continue
        spans = [p.lifespan_days for p in (policy.exchange_delete, policy.expire_view) if p is not None]
        if policy.archive_purge is not None:
            items = yield from find_items(job, account, folder.id)
        elif spans:
            items = yield from find_items(
                job, account, folder.id, datetime_received__lt=now - timedelta(days=min(spans))
            )
        else:
            continue

        def older(item: Candidate, days: int) -> bool:
            return item.received is not None and item.received <= now - timedelta(days=days)

        if policy.archive_purge is not None:
            days = policy.archive_purge.lifespan_days
            purge += [
                {"item": i.key, "received": i.received.isoformat(), "lifespan_days": days}
                for i in items
                if i.received is not None
            ]
        if policy.expire_view is not None:
            expired += [i.key for i in items if older(i, policy.expire_view.lifespan_days)]
        rule = policy.exchange_delete
        if rule is not None:
            due = [i for i in items if older(i, rule.lifespan_days) and (i.is_read or rule.delete_unread)]
            if rule.action == "move_to_deleted_items" and folder.well_known == "deleteditems":
                due = []  # already there
            confirmed, refused = yield from confirm(job, due)
            unconfirmed += refused
            if not spec.dry_run:
                for start in range(0, len(confirmed), 100):
                    chunk = confirmed[start : start + 100]
                    yield from retrying(
                        partial(
                            account.bulk_delete,
                            [(c.item_id, c.changekey) for c in chunk],
                            delete_type=DELETE_TYPES[rule.action],
                        ),
                        "DeleteItem",
                        job.policy,
                        cost=lambda _: Cost(ews_calls=1, items=100),
                    )
            deleted += [(c.key, rule.action) for c in confirmed]
    summary = (
        f"{len(created)} folders created; {len(deleted)} deleted; {len(expired)} expired from the views; "
        f"{len(purge)} purge dates; {unconfirmed} not confirmed"
    )
    if spec.dry_run:
        return Outcome("Success", f"dry run: would have: {summary}", len(deleted) + len(expired))
    yield from tell_archive(job, expired, purge, deleted)
    return Outcome("Success", summary, len(deleted) + len(expired))


def tell_archive(
    job: Job, expired: list[str], purge: list[dict[str, Any]], deleted: list[tuple[str, str]]
) -> Generator[Event, None, None]:
    """What the policies did reaches the archive: Expire View (M3), Archive Purge
    dates (M4) and the record of every delete (S3), in batches it takes."""
    for start in range(0, len(expired), 10_000):
        yield from archive_call(
            job.policy, partial(job.archive.expire, job.task_id, job.mailbox, expired[start : start + 10_000])
        )
    for start in range(0, len(purge), 10_000):
        yield from archive_call(
            job.policy, partial(job.archive.purge, job.task_id, job.mailbox, purge[start : start + 10_000])
        )
    if deleted:
        yield from record(job, deleted)


__all__ = ["apply", "policy_for"]
