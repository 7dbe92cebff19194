"""Mailbox Storage Management (S1 to S3) for one mailbox.

S1: candidates match every criterion — received more than N days ago, optionally at
least a size, optionally in (or not in) named folders (with their subfolders), and for
the attachment actions at least one attachment with a listed extension and/or of a
minimum size; an item already stubbed (or an Enterprise Vault shortcut) is never a
candidate.  S2: the archive must confirm each one is archived and readable by the
mailbox owner; an unconfirmed item is left alone and counted, and is retried next run.
S3: the actions, through EWS — message delete; full stub (the body becomes a short
notice with the archive link, attachments go); attachment stub (each matching
attachment becomes a small link file, the body stays); universal-access stub (the
matching attachments become one HTML attachment holding download links).  Dry run
reports what would be done and changes nothing."""

from __future__ import annotations

import html
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

from exchangelib import ExtendedProperty, HTMLBody, Message
from exchangelib.attachments import FileAttachment

from engine.model import MsmDefinition

from .events import Cost, Event
from .ews import retrying
from .storage import STUB_PREFIX, Candidate, MailFolder, confirm, find_items, mail_folders, record
from .work import Job, Outcome, flush


class MessageClass(ExtendedProperty):  # type: ignore[misc]
    """PidTagMessageClass: EWS exposes ItemClass read-only once an item exists, so
    archiving products change a stub's class through the MAPI property, as Enterprise
    Vault does for its shortcuts."""

    property_tag = 0x001A
    property_type = "String"


FIELD = "synceng_message_class"


@contextmanager
def message_class_field() -> Iterator[None]:
    """exchangelib's Message with the property registered, only while stubbing (a
    registered property would join every default field list)."""
    Message.register(FIELD, MessageClass)
    try:
        yield
    finally:
        Message.deregister(FIELD)


STUB_CLASSES = {
    "full_stub": f"{STUB_PREFIX}Stub",
    "attachment_stub": f"{STUB_PREFIX}AttachmentStub",
    "attachment_stub_universal": f"{STUB_PREFIX}UniversalStub",
}


def selected(folders: dict[str, MailFolder], spec: MsmDefinition) -> list[MailFolder]:
    """Folders within the include list (when there is one) and outside the exclude
    list; a listed folder brings its subfolders.  Names match display names or
    well-known names, case-insensitively."""

    def names(folder: MailFolder) -> set[str]:
        own = {folder.name.lower()} | ({folder.well_known} if folder.well_known else set())
        return (
            own
            | {folders[a].name.lower() for a in folder.ancestors if a in folders}
            | {w for a in folder.ancestors if a in folders and (w := folders[a].well_known)}
        )

    include = {n.lower() for n in spec.include_folders}
    exclude = {n.lower() for n in spec.exclude_folders}
    out = []
    for folder in folders.values():
        mine = names(folder)
        if include and not include & mine:
            continue
        if exclude & mine:
            continue
        out.append(folder)
    return sorted(out, key=lambda f: f.path)


def matching(attachment: Any, spec: MsmDefinition) -> bool:
    if not isinstance(attachment, FileAttachment):
        return False
    name = (attachment.name or "").lower()
    if spec.attachment_extensions and name.rpartition(".")[2] not in spec.attachment_extensions:
        return False
    return not (spec.min_attachment_size_kb and (attachment.size or 0) < spec.min_attachment_size_kb * 1024)


def link(job: Job, key: str) -> str:
    return f"{job.archive.base_url}/api/archived/{quote(key, safe='')}"


def stub_item(job: Job, account: Any, candidate: Candidate, spec: MsmDefinition) -> bool:
    """Apply the stub action to one item; False when it has nothing to stub."""
    [item] = list(account.fetch(ids=[(candidate.item_id, None)], only_fields=["attachments", "body", "item_class"]))
    if isinstance(item, Exception):
        raise item
    action = spec.action
    url = link(job, candidate.key)
    if action == "full_stub":
        for attachment in list(item.attachments or []):
            item.detach(attachment)
        item.body = HTMLBody(
            f"<p>This message was archived. <a href='{html.escape(url)}'>Open the archived copy</a>.</p>"
        )
        with message_class_field():
            setattr(item, FIELD, STUB_CLASSES[action])
            item.save(update_fields=["body", FIELD])
        return True
    chosen = [a for a in (item.attachments or []) if matching(a, spec)]
    if not chosen:
        return False
    if action == "attachment_stub":
        for attachment in chosen:
            name = attachment.name or "attachment"
            item.detach(attachment)
            item.attach(FileAttachment(name=f"{name}.url", content=f"[InternetShortcut]\nURL={url}\n".encode()))
    else:
        rows = "".join(
            f"<li><a href='{html.escape(url)}?attachment={quote(a.name or '')}'>{html.escape(a.name or '')}</a>"
            f" ({a.size or 0} bytes)</li>"
            for a in chosen
        )
        for attachment in chosen:
            item.detach(attachment)
        page = f"<html><body><p>Archived attachments:</p><ul>{rows}</ul></body></html>"
        item.attach(FileAttachment(name="Archived attachments.html", content=page.encode(), content_type="text/html"))
    with message_class_field():
        setattr(item, FIELD, STUB_CLASSES[action])
        item.save(update_fields=[FIELD])
    return True


def manage(job: Job) -> Generator[Event, None, Outcome]:
    spec = MsmDefinition.model_validate(job.definition)
    yield from flush(job)
    account = job.ews.account(job.mailbox)
    _, folders = yield from retrying(partial(mail_folders, account), "SyncFolderHierarchy", job.policy)
    cutoff = job.clock.now() - timedelta(days=spec.older_than_days)
    restriction: dict[str, Any] = {"datetime_received__lt": cutoff}
    if spec.min_size_kb:
        restriction["size__gte"] = spec.min_size_kb * 1024
    candidates: list[Candidate] = []
    for folder in selected(folders, spec):
        candidates += yield from find_items(job, account, folder.id, **restriction)
    if spec.action.startswith("attachment"):
        candidates = [c for c in candidates if c.has_attachments]
    confirmed, unconfirmed = yield from confirm(job, candidates)
    verb = spec.action.replace("_", " ")
    if spec.dry_run:
        return Outcome(
            "Success", f"dry run: would {verb} {len(confirmed)} items; {unconfirmed} not confirmed", len(confirmed)
        )
    done: list[Candidate] = []
    if spec.action == "message_delete":
        for start in range(0, len(confirmed), 100):
            chunk = confirmed[start : start + 100]
            yield from retrying(
                partial(account.bulk_delete, [(c.item_id, c.changekey) for c in chunk], delete_type="HardDelete"),
                "DeleteItem",
                job.policy,
                cost=lambda _: Cost(ews_calls=1, items=100),
            )
            done += chunk
    else:
        for candidate in confirmed:
            changed = yield from retrying(partial(stub_item, job, account, candidate, spec), "stub", job.policy)
            if changed:
                done.append(candidate)
    yield from record(job, [(c.key, spec.action) for c in done])
    return Outcome("Success", f"{len(done)} items: {verb}; {unconfirmed} not confirmed", len(done))


__all__ = ["manage", "selected"]
