"""What Mailbox Storage Management and Managed Folders share: the mailbox's mail
folders with their paths, item queries through exchangelib (FindItem with a
restriction, only the properties needed), the archive's batched "archived and
readable by this mailbox?" confirmation (S2, M2), and the marks that say an item is
already stubbed (so it is never a candidate again)."""

from __future__ import annotations

from collections.abc import Generator, Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from exchangelib import Account
from exchangelib.folders import Folder, FolderCollection

from engine.wire.site_archive import StubAction, StubSent

from .events import Cost, Event
from .ews import retrying, sync_hierarchy_page, well_known_ids
from .mail import EV_SHORTCUT, archive_key, is_mail_folder
from .work import Job, archive_call

WELL_KNOWN = ("msgfolderroot", "inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")
#: item classes that mark an item as stubbed: never a candidate again (S1)
STUB_PREFIX = "IPM.Note.Synceng."
ITEM_FIELDS = (
    "message_id",
    "datetime_sent",
    "datetime_received",
    "item_class",
    "size",
    "has_attachments",
    "is_read",
    "subject",
)


@dataclass
class MailFolder:
    id: str
    name: str
    parent_id: str | None
    path: tuple[str, ...]  # names from the root down, this folder last
    well_known: str | None  # this folder's well-known name
    ancestors: tuple[str, ...]  # folder ids from the root's child down to the parent


def mail_folders(account: Account) -> tuple[str, dict[str, MailFolder]]:
    """(message folder root id, mail folders below it) from one full hierarchy read."""
    ids = well_known_ids(account, WELL_KNOWN)
    root = ids["msgfolderroot"]
    raw: dict[str, tuple[str, str | None, str | None]] = {}
    state = None
    while True:
        page = sync_hierarchy_page(account, "msgfolderroot", state)
        for change in page.changes:
            if change.kind != "delete":
                raw[change.folder_id] = (change.name, change.parent_id, change.folder_class)
        if page.last or page.sync_state == state:
            break
        state = page.sync_state
    names = {v: k for k, v in ids.items()}
    out: dict[str, MailFolder] = {}
    for folder_id, (name, parent, folder_class) in raw.items():
        if not is_mail_folder(folder_class):
            continue
        chain: list[str] = []
        current = parent
        while current is not None and current != root and current in raw and current not in chain:
            chain.append(current)
            current = raw[current][1]
        if current != root:
            continue
        chain.reverse()
        out[folder_id] = MailFolder(
            folder_id,
            name,
            parent,
            (*(raw[c][0] for c in chain), name),
            names.get(folder_id),
            tuple(chain),
        )
    return root, out


@dataclass
class Candidate:
    item_id: str
    changekey: str
    folder_id: str
    key: str
    received: datetime | None
    size: int
    is_read: bool
    has_attachments: bool
    subject: str

    @classmethod
    def of(cls, item: Any, folder_id: str) -> Candidate | None:
        """None for what is never a candidate: stubbed, an EV shortcut, no Message-ID."""
        item_class = item.item_class or "IPM.Note"
        if item_class.startswith(STUB_PREFIX) or item_class == EV_SHORTCUT or not item.message_id:
            return None
        sent = item.datetime_sent.strftime("%Y-%m-%dT%H:%M:%SZ") if item.datetime_sent else None
        return cls(
            item.id,
            item.changekey,
            folder_id,
            archive_key(item.message_id, sent),
            item.datetime_received,
            int(item.size or 0),
            bool(item.is_read),
            bool(item.has_attachments),
            item.subject or "",
        )


def find_items(
    job: Job, account: Account, folder_id: str, **restriction: Any
) -> Generator[Event, None, list[Candidate]]:
    """Items of one folder matching ``restriction`` (exchangelib filter keywords)."""

    def query() -> list[Any]:
        folder = Folder(root=account.root, id=folder_id)
        return list(FolderCollection(account=account, folders=[folder]).filter(**restriction).only(*ITEM_FIELDS))

    items = yield from retrying(query, "FindItem", job.policy, cost=lambda found: Cost(ews_calls=1, items=len(found)))
    out = []
    for item in items:
        if isinstance(item, Exception):
            continue
        candidate = Candidate.of(item, folder_id)
        if candidate is not None:
            out.append(candidate)
    return out


def confirm(job: Job, candidates: list[Candidate]) -> Generator[Event, None, tuple[list[Candidate], int]]:
    """S2/M2: (confirmed candidates, how many were not confirmed) — archived **and**
    readable by this mailbox, asked in batches."""
    confirmed: list[Candidate] = []
    refused = 0
    for start in range(0, len(candidates), 1000):
        chunk = candidates[start : start + 1000]
        answers = yield from archive_call(
            job.policy, partial(job.archive.check, job.task_id, job.mailbox, [c.key for c in chunk])
        )
        readable = {a["item"] for a in answers if a["archived"] and a["readable"]}
        for candidate in chunk:
            if candidate.key in readable:
                confirmed.append(candidate)
            else:
                refused += 1
    return confirmed, refused


def record(job: Job, entries: Iterable[tuple[str, StubAction]]) -> Generator[Event, None, None]:
    """Stub/delete bookkeeping at the archive."""
    rows: list[StubSent] = [{"item": key, "action": action} for key, action in entries]
    for start in range(0, len(rows), 10_000):
        chunk = rows[start : start + 10_000]
        yield from archive_call(job.policy, partial(job.archive.stubs, job.task_id, job.mailbox, chunk))


__all__ = [
    "STUB_PREFIX",
    "Candidate",
    "MailFolder",
    "confirm",
    "find_items",
    "mail_folders",
    "record",
]
