"""Mailbox Storage Management (S1 to S3) and Managed Folders (M1 to M4) end to end:
candidates, the archive's confirmation, the actions through exchangelib, dry runs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mockews.store.loader import new_message
from scenarios.testbed import Testbed

from .conftest import ALICE, HOURLY
from .helpers import run_once

OLD = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
RECENT = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def put(
    bed: Testbed, name: str, folder: str = "inbox", received: datetime = OLD, archived: bool = True, **fields: Any
) -> str:
    box = bed.world.mailbox(ALICE)
    target = (
        box.well_known(folder)
        if folder in ("inbox", "sentitems", "deleteditems")
        else next(f for f in box.folders() if f.name == folder)
    )
    sent = received.replace(minute=0)
    new_message(box, target, subject=name, message_id=f"<{name}@mail.example>", received=received, sent=sent, **fields)
    key = f"<{name}@mail.example>|{sent:%Y-%m-%dT%H:%M:%SZ}"
    if archived:
        bed.archive_call("POST", "/api/archived", {"messages": [{"item": key, "subject": name, "readers": [ALICE]}]})
    return key


def run_task(bed: Testbed, task_type: str, spec: dict[str, Any]) -> tuple[Any, int]:
    site_id, key = bed.register_site()
    task = bed.task(
        site_id,
        task_type,
        bed.definition(task_type, spec),
        bed.schedule("Hourly", HOURLY),
        {"kind": "single_mailbox", "address": ALICE},
    )
    site = bed.site(key)
    site.start()
    run_once(site)
    return site, task


def subjects(bed: Testbed, folder: str = "inbox") -> dict[str, Any]:
    box = bed.world.mailbox(ALICE)
    target = (
        box.well_known(folder)
        if folder in ("inbox", "sentitems", "deleteditems")
        else next(f for f in box.folders() if f.name == folder)
    )
    return {item.subject: item for item in target.items.values()}


def stub_log(bed: Testbed) -> list[tuple[str, str]]:
    assert bed.platform.archive_store is not None
    return [(e["item"], e["action"]) for e in bed.platform.archive_store.stub_log(ALICE)]


def test_S1_S2_message_delete_takes_only_confirmed_old_candidates(bed: Testbed) -> None:
    old = put(bed, "old")
    put(bed, "recent", received=RECENT)
    put(bed, "not archived", archived=False)
    other_reader = put(bed, "archived for someone else", archived=False)
    bed.archive_call(
        "POST", "/api/archived", {"messages": [{"item": other_reader, "readers": ["bob@contoso.example"]}]}
    )
    put(bed, "shortcut", item_class="IPM.Note.EnterpriseVault.Shortcut")
    put(bed, "small", size=10)
    site, task = run_task(bed, "msm", {"type": "msm", "action": "message_delete", "older_than_days": 30})
    # "small" is old, archived and readable too: only size criteria would spare it
    assert set(subjects(bed)) == {"recent", "not archived", "archived for someone else", "shortcut"}
    row = bed.task_view(task)["mailboxes"][0]
    assert row["result"] == "Success" and "2 not confirmed" in row["reason"]
    assert (old, "message_delete") in stub_log(bed)
    # the unconfirmed are retried next run: once archived, they go
    bed.archive_call(
        "POST",
        "/api/archived",
        {"messages": [{"item": "<not archived@mail.example>|2025-06-01T08:00:00Z", "readers": [ALICE]}]},
    )
    run_once(site)
    assert "not archived" not in subjects(bed)


def test_S1_minimum_size_and_folder_lists_narrow_the_candidates(bed: Testbed) -> None:
    put(bed, "big", size=200_000)
    put(bed, "tiny", size=1_000)
    put(bed, "big but sent", folder="sentitems", size=200_000)
    run_task(
        bed,
        "msm",
        {
            "type": "msm",
            "action": "message_delete",
            "older_than_days": 30,
            "min_size_kb": 100,
            "exclude_folders": ["Sent Items"],
        },
    )
    assert set(subjects(bed)) == {"tiny"}
    assert set(subjects(bed, "sentitems")) == {"big but sent"}


def test_S3_full_stub_empties_body_and_attachments_once(bed: Testbed) -> None:
    key = put(bed, "with files", body="the original body", attachments=[("a.pdf", b"%PDF"), ("b.docx", b"docx")])
    site, _ = run_task(bed, "msm", {"type": "msm", "action": "full_stub", "older_than_days": 30})
    item = subjects(bed)["with files"]
    assert item.attachments == [] or not item.attachments
    assert "original body" not in (item.body or "") and "archived" in (item.body or "")
    assert item.item_class == "IPM.Note.Synceng.Stub"
    run_once(site)  # already stubbed: never a candidate again
    assert stub_log(bed) == [(key, "full_stub")]


def test_S3_attachment_stub_replaces_only_matching_attachments(bed: Testbed) -> None:
    put(bed, "mixed", body="keep me", attachments=[("report.pdf", b"%PDF" * 100), ("notes.txt", b"hello")])
    run_task(
        bed,
        "msm",
        {"type": "msm", "action": "attachment_stub", "older_than_days": 30, "attachment_extensions": ["pdf"]},
    )
    item = subjects(bed)["mixed"]
    names = sorted(a.name for a in item.attachments)
    assert names == ["notes.txt", "report.pdf.url"]
    assert item.body == "keep me"


def test_S3_universal_access_stub_puts_links_in_one_html_attachment(bed: Testbed) -> None:
    put(bed, "two files", attachments=[("a.pdf", b"%PDF"), ("b.xlsx", b"xlsx")])
    run_task(bed, "msm", {"type": "msm", "action": "attachment_stub_universal", "older_than_days": 30})
    [attachment] = subjects(bed)["two files"].attachments
    assert attachment.name == "Archived attachments.html"
    page = attachment.content.decode()
    assert "a.pdf" in page and "b.xlsx" in page and "/api/archived/" in page


def test_dry_run_reports_and_changes_nothing(bed: Testbed) -> None:
    put(bed, "old")
    _, task = run_task(bed, "msm", {"type": "msm", "action": "message_delete", "older_than_days": 30, "dry_run": True})
    assert "old" in subjects(bed)
    assert "dry run: would message delete 1 items" in bed.task_view(task)["mailboxes"][0]["reason"]
    assert stub_log(bed) == []


MANAGED = {
    "type": "managed_folders",
    "default_policy": {"archive_purge": {"lifespan_days": 3650}},
    "well_known_policies": {
        "inbox": {"expire_view": {"lifespan_days": 180}},
        "deleteditems": {"exchange_delete": {"action": "hard_delete", "lifespan_days": 7, "delete_unread": True}},
    },
    "managed_folders": [
        {
            "name": "Keep 30 days",
            "policy": {"exchange_delete": {"action": "move_to_deleted_items", "lifespan_days": 30}},
        }
    ],
}


def test_M1_to_M4_managed_folders_end_to_end(bed: Testbed) -> None:
    inbox_old = put(bed, "inbox old")
    put(bed, "inbox recent", received=RECENT)
    sent = put(bed, "sent", folder="sentitems")
    put(bed, "trash", folder="deleteditems")
    site, task = run_task(bed, "managed_folders", MANAGED)
    box = bed.world.mailbox(ALICE)
    assert any(f.name == "Keep 30 days" for f in box.folders())  # created
    # M2 in Deleted Items: old and (delete unread) gone
    assert "trash" not in subjects(bed, "deleteditems")
    # M4 for the default policy: purge date = received + 3650 days
    purge = bed.archive_call("GET", f"/api/archived/{sent}")["purge_at"]
    assert purge.startswith("2035-05-30")
    # M3: the old Inbox item is flagged to leave the views (the archived message stays)
    assert bed.archive_call("GET", f"/api/archived/{inbox_old}")["item"] == inbox_old
    # the managed folder's policy: a read item older than 30 days moves to Deleted Items
    put(bed, "kept read", folder="Keep 30 days", is_read=True)
    put(bed, "kept unread", folder="Keep 30 days", is_read=False)
    run_once(site)
    assert set(subjects(bed, "Keep 30 days")) == {"kept unread"}  # unread and no "delete unread"
    assert "kept read" in subjects(bed, "deleteditems")
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"


def test_M3_expire_view_removes_entries_from_the_views_and_keeps_the_message(bed: Testbed) -> None:
    old = put(bed, "inbox old")
    recent = put(bed, "inbox recent", received=RECENT)
    site_id, key = bed.register_site()
    group = {"kind": "single_mailbox", "address": ALICE}
    bed.task(site_id, "mfr", bed.definition("MFR", {"type": "mfr"}), bed.schedule("Hourly", HOURLY), group)
    policy = {"type": "managed_folders", "well_known_policies": {"inbox": {"expire_view": {"lifespan_days": 180}}}}
    half_past = {"kind": "daily", "times": {"mode": "once", "start": "10:30"}}
    bed.task(site_id, "managed_folders", bed.definition("Expire", policy), bed.schedule("10:30", half_past), group)
    site = bed.site(key)
    site.start()
    run_once(site)  # 10:00 MFR: both in the views
    assert bed.view(ALICE)["Inbox"] == {old, recent}
    run_once(site)  # 10:30 Managed Folders: the old one expires
    assert bed.view(ALICE)["Inbox"] == {recent}
    assert bed.view(ALICE, "full")["Inbox"] == {recent}
    run_once(site)  # 11:00 MFR sees it again in the mailbox: it stays out
    assert bed.view(ALICE)["Inbox"] == {recent}
    assert bed.archive_call("GET", f"/api/archived/{old}")["item"] == old  # the archived message stays
