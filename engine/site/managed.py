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
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from exchangelib.folders import Folder

from engine.model import ExchangeDelete, ManagedFoldersDefinition, Policy
from engine.wire.site_archive import PurgeSent, StubAction

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


@dataclass
class Decisions:
    """What the policies decided for one mailbox's items, to act on and report."""

    deleted: list[tuple[str, StubAction]] = field(default_factory=list)  # (archive key, action): M2
    expired: list[str] = field(default_factory=list)  # archive keys: M3
    purge: list[PurgeSent] = field(default_factory=list)  # purge dates: M4
    unconfirmed: int = 0  # M2 candidates the archive did not confirm

    def summary(self, created: list[str]) -> str:
        return (
            f"{len(created)} folders created; {len(self.deleted)} deleted; {len(self.expired)} expired from the "
            f"views; {len(self.purge)} purge dates; {self.unconfirmed} not confirmed"
        )


def apply(job: Job) -> Generator[Event, None, Outcome]:
    spec = ManagedFoldersDefinition.model_validate(job.definition)
    yield from flush(job)
    account = job.ews.account(job.mailbox)
    root_id, folders, created = yield from ensure_managed_folders(job, account, spec)
    now = job.clock.now()
    decisions = Decisions()
    for folder in sorted(folders.values(), key=lambda f: f.path):
        policy = policy_for(folder, folders, spec, root_id)
        if not policy.normal_retention:
            yield from apply_policy(job, account, folder, policy, now, spec.dry_run, decisions)
    summary = decisions.summary(created)
    processed = len(decisions.deleted) + len(decisions.expired)
    if spec.dry_run:
        return Outcome("Success", f"dry run: would have: {summary}", processed)
    yield from report(job, decisions)
    return Outcome("Success", summary, processed)


def ensure_managed_folders(
    job: Job, account: Any, spec: ManagedFoldersDefinition
) -> Generator[Event, None, tuple[str, dict[str, MailFolder], list[str]]]:
    """(root id, the mail folders, the managed folders created): the configured managed
    folders are created if missing (not in a dry run)."""
    root_id, folders = yield from retrying(partial(mail_folders, account), "SyncFolderHierarchy", job.policy)
    wanted = [f.name for f in spec.managed_folders]
    created: list[str] = []
    if wanted and not spec.dry_run:
        created = yield from retrying(
            partial(create_missing, account, root_id, folders, wanted), "CreateFolder", job.policy
        )
        if created:
            root_id, folders = yield from retrying(partial(mail_folders, account), "SyncFolderHierarchy", job.policy)
    return root_id, folders, created


def older(item: Candidate, days: int, now: datetime) -> bool:
    """Received at least ``days`` days before ``now``."""
    return item.received is not None and item.received <= now - timedelta(days=days)


def apply_policy(
    job: Job, account: Any, folder: MailFolder, policy: Policy, now: datetime, dry_run: bool, decisions: Decisions
) -> Generator[Event, None, None]:
    """One folder's items under its policy (M2 to M4)."""
    spans = [p.lifespan_days for p in (policy.exchange_delete, policy.expire_view) if p is not None]
    if policy.archive_purge is not None:
        items = yield from find_items(job, account, folder.id)  # M4 dates every item
    elif spans:
        items = yield from find_items(job, account, folder.id, datetime_received__lt=now - timedelta(days=min(spans)))
    else:
        return
    if policy.archive_purge is not None:
        days = policy.archive_purge.lifespan_days
        decisions.purge += [
            {"item": i.key, "received": i.received.isoformat(), "lifespan_days": days}
            for i in items
            if i.received is not None
        ]
    if policy.expire_view is not None:
        decisions.expired += [i.key for i in items if older(i, policy.expire_view.lifespan_days, now)]
    if policy.exchange_delete is not None:
        yield from exchange_delete(job, account, folder, policy.exchange_delete, items, now, dry_run, decisions)


def exchange_delete(
    job: Job,
    account: Any,
    folder: MailFolder,
    rule: ExchangeDelete,
    items: list[Candidate],
    now: datetime,
    dry_run: bool,
    decisions: Decisions,
) -> Generator[Event, None, None]:
    """M2: items old enough, read or with "delete unread" on, and confirmed by the
    archive, are deleted as the rule says."""
    due = [i for i in items if older(i, rule.lifespan_days, now) and (i.is_read or rule.delete_unread)]
    if rule.action == "move_to_deleted_items" and folder.well_known == "deleteditems":
        due = []  # already there
    confirmed, refused = yield from confirm(job, due)
    decisions.unconfirmed += refused
    if not dry_run:
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
    decisions.deleted += [(c.key, rule.action) for c in confirmed]


def report(job: Job, decisions: Decisions) -> Generator[Event, None, None]:
    """Tell the archive: expirations (M3), purge dates (M4), deletions (M2)."""
    expired, purge = decisions.expired, decisions.purge
    for start in range(0, len(expired), 10_000):
        yield from archive_call(
            job.policy, partial(job.archive.expire, job.task_id, job.mailbox, expired[start : start + 10_000])
        )
    for start in range(0, len(purge), 10_000):
        yield from archive_call(
            job.policy, partial(job.archive.purge, job.task_id, job.mailbox, purge[start : start + 10_000])
        )
    if decisions.deleted:
        yield from record(job, decisions.deleted)


__all__ = ["apply", "policy_for"]
