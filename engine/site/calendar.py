"""Calendar Replication (C1) for one mailbox: the default calendar or all calendars,
appointments with their attachments, mirrored at each run — changes and deletions
show at the next run, there is no history.  Private appointments are replicated with
their sensitivity kept.

The calendars come from a full hierarchy listing each run (it is small); each calendar
folder is read with SyncFolderItems from its saved state.  A calendar whose state
Exchange refuses (``ErrorInvalidSyncStateData``) is reset in the replica and read again
in full; a calendar that went away (deleted, or no longer included) is emptied."""

from __future__ import annotations

import base64
from collections.abc import Generator
from functools import partial
from typing import Any

from exchangelib import Account
from exchangelib.attachments import FileAttachment
from exchangelib.errors import ErrorInvalidSyncStateData
from exchangelib.items import CalendarItem

from engine.model import CalendarDefinition
from engine.wire.site_archive import BatchContent

from .events import Cost, Event
from .ews import ItemChange, retrying, sync_hierarchy_page, sync_items_page, well_known_ids
from .state import Commit, FolderState
from .work import Job, Outcome, flush, submit

PROPERTIES = (
    "subject",
    "start",
    "end",
    "is_all_day",
    "location",
    "organizer",
    "sensitivity",
    "has_attachments",
    "uid",
    "is_recurring",
    "type",
    "item_class",
)
CALENDAR_CLASS = "IPF.Appointment"


def calendars(account: Account, include: str, default_id: str) -> list[tuple[str, str]]:
    """(folder id, name) of the calendars to replicate."""
    found: dict[str, str] = {}
    state = None
    while True:
        page = sync_hierarchy_page(account, "msgfolderroot", state)
        for change in page.changes:
            if change.kind != "delete" and (change.folder_class or "").startswith(CALENDAR_CLASS):
                found[change.folder_id] = change.name
        if page.last or page.sync_state == state:
            break
        state = page.sync_state
    if include == "default":
        return [(default_id, found.get(default_id, "Calendar"))]
    return sorted(found.items(), key=lambda f: (f[0] != default_id, f[1], f[0]))


def attachments(account: Account, item_id: str) -> list[dict[str, Any]]:
    """The appointment's file attachments, content included (GetItem, GetAttachment)."""
    [item] = list(account.fetch(ids=[(item_id, None)], only_fields=["attachments"]))
    if isinstance(item, Exception):
        raise item
    out = []
    for attachment in item.attachments or []:
        if isinstance(attachment, FileAttachment):
            content = attachment.content or b""
            out.append(
                {
                    "name": attachment.name,
                    "content_type": attachment.content_type,
                    "size": len(content),
                    "content": base64.b64encode(content).decode(),
                }
            )
    return out


WELL_KNOWN = ("msgfolderroot", "calendar", "inbox", "sentitems", "deleteditems")


def replicate(job: Job) -> Generator[Event, None, Outcome]:
    spec = CalendarDefinition.model_validate(job.definition)
    yield from flush(job)
    account = job.ews.account(job.mailbox)
    ids = job.state.well_known(job.mailbox)
    if "calendar" not in ids:
        ids = yield from retrying(partial(well_known_ids, account, WELL_KNOWN), "GetFolder", job.policy)
        job.state.remember_well_known(job.mailbox, ids)
    wanted = yield from retrying(
        partial(calendars, account, spec.include, ids["calendar"]), "SyncFolderHierarchy", job.policy
    )
    known = job.state.folders(job.task_id, job.mailbox)
    run = CalendarRun(job, account, wanted)
    run.empty_unwanted(known)
    for folder_id, name in wanted:
        yield from run.read_calendar(folder_id, name, known.get(folder_id))
    yield from run.finish(first=not known)
    return Outcome("Success", "", run.items)


class CalendarRun:
    """One mailbox's run: the submission being gathered, the state it advances, counts."""

    def __init__(self, job: Job, account: Account, wanted: list[tuple[str, str]]) -> None:
        self.job = job
        self.account = account
        self.body: BatchContent = {
            "kind": "calendar",
            "calendars": [{"id": folder_id, "name": name} for folder_id, name in wanted],
            "calendar_items": [],
            "removed_calendar_items": [],
            "reset_calendars": [],
        }
        self.wanted = {folder_id for folder_id, _ in wanted}
        self.commit = Commit()
        self.batches = 0
        self.items = 0

    def empty_unwanted(self, known: dict[str, FolderState]) -> None:
        """A calendar gone or no longer included is emptied in the replica."""
        for folder_id in known:
            if folder_id not in self.wanted:
                self.body["reset_calendars"].append(folder_id)
                self.commit.forget_folders.append(folder_id)

    def read_calendar(self, folder_id: str, name: str, before: FolderState | None) -> Generator[Event, None, None]:
        """SyncFolderItems from the calendar's saved state; a new calendar, or one whose
        state Exchange refuses, is reset in the replica and read in full."""
        state = before.sync_state if before else None
        if before is None:
            self.body["reset_calendars"].append(folder_id)
        while True:
            current = state
            try:
                page = yield from retrying(
                    partial(sync_items_page, self.account, folder_id, current, PROPERTIES, 512, CalendarItem),
                    "SyncFolderItems",
                    self.job.policy,
                    cost=lambda p: Cost(ews_calls=1, items=len(p.changes)),
                )
            except ErrorInvalidSyncStateData:
                state = None
                self.body["reset_calendars"].append(folder_id)
                continue
            yield from self.add_changes(folder_id, page.changes)
            state = page.sync_state
            self.commit.folders.append(FolderState(folder_id, state, name, None, None, True, CALENDAR_CLASS))
            yield from self.maybe_send()
            if page.last or page.sync_state == current:
                break

    def add_changes(self, folder_id: str, changes: list[ItemChange]) -> Generator[Event, None, None]:
        """Appointments created or changed (with their attachments) and deleted."""
        for change in changes:
            if change.kind == "read":
                continue
            self.items += 1
            if change.kind == "delete":
                self.body["removed_calendar_items"].append(change.item_id)
                continue
            props = dict(change.props)
            props["ical_uid"] = props.pop("uid", None)  # the replica's uid is the item id
            entry: dict[str, Any] = {**props, "uid": change.item_id, "calendar_id": folder_id}
            entry["attachments"] = []
            if change.props.get("has_attachments") == "true":
                entry["attachments"] = yield from retrying(
                    partial(attachments, self.account, change.item_id), "GetAttachment", self.job.policy
                )
            self.body["calendar_items"].append(entry)

    def send(self) -> Generator[Event, None, None]:
        yield from submit(self.job, {**self.body, "batch_id": self.job.batch_id(self.batches)}, self.commit)
        self.batches += 1

    def maybe_send(self) -> Generator[Event, None, None]:
        if len(self.body["calendar_items"]) + len(self.body["removed_calendar_items"]) >= self.job.batch_size:
            yield from self.send()
            self.body = {**self.body, "calendar_items": [], "removed_calendar_items": [], "reset_calendars": []}
            self.commit = Commit()

    def finish(self, first: bool) -> Generator[Event, None, None]:
        """The last batch, if there is anything to say (always on a mailbox's first
        run); otherwise the states move on locally."""
        body = self.body
        changed = body["calendar_items"] or body["removed_calendar_items"] or body["reset_calendars"]
        if changed or (self.batches == 0 and first):
            yield from self.send()
        else:
            self.job.state.commit_now(self.job.task_id, self.job.mailbox, self.commit)


__all__ = ["replicate"]
