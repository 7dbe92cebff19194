"""Calendar Replication (C1) end to end: the replica mirrors the calendar at each run,
private appointments keep their sensitivity, attachments come along, and 'all'
takes every calendar."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from exchangelib import CalendarItem, EWSDateTime, EWSTimeZone, FileAttachment, Folder

from scenarios.testbed import Testbed

from .conftest import ALICE, HOURLY
from .helpers import mailbox, run_once

UTC_ZONE = EWSTimeZone("UTC")


def when(day: int, hour: int) -> EWSDateTime:
    return EWSDateTime(2026, 3, day, hour, 0, tzinfo=UTC_ZONE)


def start_calendar_task(bed: Testbed, include: str = "default") -> tuple[object, int]:
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        "calendar",
        bed.definition("Calendars", {"type": "calendar", "include": include}),
        bed.schedule("Hourly", HOURLY),
        {"kind": "single_mailbox", "address": ALICE},
    )
    site = bed.site(key)
    site.start()
    return site, task


def replica(bed: Testbed) -> dict[str, dict[str, object]]:
    answer = bed.archive_call("GET", f"/api/views/{ALICE}/calendars")
    return {item["subject"]: item for item in answer["items"]}


def test_C1_the_replica_mirrors_the_calendar_with_private_items_and_attachments(bed: Testbed) -> None:
    account = mailbox(bed)
    board = CalendarItem(account=account, folder=account.calendar, subject="Board", start=when(3, 10), end=when(3, 11))
    board.save()
    private = CalendarItem(
        account=account,
        folder=account.calendar,
        subject="Doctor",
        start=when(4, 9),
        end=when(4, 10),
        sensitivity="Private",
    )
    private.save()
    private.attach(FileAttachment(name="referral.pdf", content=b"%PDF-1.4 referral"))
    site, task = start_calendar_task(bed)
    run_once(site)  # type: ignore[arg-type]
    items = replica(bed)
    assert set(items) == {"Board", "Doctor"}
    assert items["Doctor"]["sensitivity"] == "Private"
    [attachment] = items["Doctor"]["attachments"]  # type: ignore[misc]
    assert attachment["name"] == "referral.pdf"
    assert base64.b64decode(attachment["content"]) == b"%PDF-1.4 referral"
    assert items["Board"]["start"].startswith("2026-03-03T10:00:00")  # type: ignore[union-attr]

    board.subject = "Board (moved)"
    board.start, board.end = when(5, 14), when(5, 15)
    board.save(update_fields=["subject", "start", "end"])
    private.delete()
    run_once(site)  # type: ignore[arg-type]
    items = replica(bed)
    assert set(items) == {"Board (moved)"}  # no history: the mirror of now
    assert items["Board (moved)"]["start"].startswith("2026-03-05T14:00:00")  # type: ignore[union-attr]
    info = bed.task_view(task)["information"]
    assert info["sequence"] == 2 and bed.task_view(task)["mailboxes"][0]["result"] == "Success"

    run_once(site)  # type: ignore[arg-type]  # nothing changed: nothing submitted
    assert bed.task_view(task)["information"]["sequence"] == 2


def test_C1_all_calendars_include_the_extra_ones(bed: Testbed) -> None:
    account = mailbox(bed)
    holidays = Folder(parent=account.calendar, name="Holidays", folder_class="IPF.Appointment")
    holidays.save()
    CalendarItem(account=account, folder=holidays, subject="Easter", start=when(30, 0), end=when(31, 0)).save()
    CalendarItem(account=account, folder=account.calendar, subject="Standup", start=when(3, 9), end=when(3, 10)).save()
    site, _ = start_calendar_task(bed, include="all")
    run_once(site)  # type: ignore[arg-type]
    answer = bed.archive_call("GET", f"/api/views/{ALICE}/calendars")
    assert {c["name"] for c in answer["calendars"]} == {"Calendar", "Holidays"}
    assert set(replica(bed)) == {"Easter", "Standup"}


def test_C1_default_only_leaves_other_calendars_out(bed: Testbed) -> None:
    account = mailbox(bed)
    extra = Folder(parent=account.calendar, name="Extra", folder_class="IPF.Appointment")
    extra.save()
    CalendarItem(account=account, folder=extra, subject="Elsewhere", start=when(3, 9), end=when(3, 10)).save()
    site, _ = start_calendar_task(bed)
    run_once(site)  # type: ignore[arg-type]
    assert replica(bed) == {}
    assert datetime(2026, 3, 2, tzinfo=UTC)  # (the clock is the testbed's)
