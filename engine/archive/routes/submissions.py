"""What sites submit: batches of a run (idempotent by task, mailbox and batch id), the
members of a directory-group task as resolved (T7), and the task's Sequence."""

from __future__ import annotations

from engine.webapi import Resource
from engine.wire.site_archive import Declared, MailboxesIn, SubmissionIn, Submitted, TaskSequence

from ..store import ArchiveStore, Submission
from .auth import Caller
from .common import SCOPED

routes: Resource[ArchiveStore] = Resource("submissions")


def submission(body: SubmissionIn) -> Submission:
    """The batch as the store takes it (mailboxes are keyed lower-case)."""
    return Submission(
        task_id=body.task_id,
        mailbox=body.mailbox.lower(),
        batch_id=body.batch_id,
        kind=body.kind,
        folders=[f.model_dump() for f in body.folders],
        removed_folders=[(f.id, f.reason) for f in body.removed_folders],
        placements=[(p["item"], p["folder_id"]) for p in body.placements],
        removed_placements=[(r["item"], r["folder_id"], r.get("reason", "deleted")) for r in body.removed_placements],
        calendars=[c.model_dump() for c in body.calendars],
        calendar_items=[i.model_dump() for i in body.calendar_items],
        removed_calendar_items=body.removed_calendar_items,
        reset_calendars=body.reset_calendars,
        complete=body.complete,
        full=body.full,
    )


@routes.route(
    "POST",
    "/api/tasks/<int:task_id>/mailboxes",
    auth="site",
    body=MailboxesIn,
    responses={**SCOPED, 409: "The task processes the addresses the console was given"},
    answer=Declared,
)
def declare(store: ArchiveStore, caller: Caller, task_id: int, body: MailboxesIn) -> Declared:
    """A directory-group task's members as the site resolved them (T7)"""
    mailboxes = [m.lower() for m in body.mailboxes]
    return {"task_id": task_id, "declared": store.registry.declare_mailboxes(caller.site, task_id, mailboxes)}


@routes.route(
    "POST",
    "/api/submissions",
    auth="site",
    body=SubmissionIn,
    responses={**SCOPED, 409: "Another MFR task replicates the mailbox (T8): mark it Duplicate"},
    answer=Submitted,
)
def submit(store: ArchiveStore, caller: Caller, body: SubmissionIn) -> Submitted:
    """Submit one batch of a run (idempotent by task, mailbox and batch id)"""
    return store.submit(caller.site, submission(body))


@routes.route("GET", "/api/tasks/<int:task_id>/sequence", auth="any", responses=SCOPED, answer=TaskSequence)
def sequence(store: ArchiveStore, caller: Caller, task_id: int) -> TaskSequence:
    """The task's Sequence (accepted submissions)"""
    return {"task_id": task_id, "sequence": store.registry.task_sequence(caller.site_id, task_id)}
