"""Mailbox Folder Replication end to end: the console schedules, the site replicates
through exchangelib against the mock Exchange, the archive's views follow R1 to R4."""

from __future__ import annotations

from datetime import UTC, datetime

from exchangelib import Folder

from mockews.store.loader import new_message
from scenarios.testbed import Testbed

from .conftest import ALICE, START
from .helpers import deliver, mailbox, run_once, start, subfolders


def test_R3_worked_example_step_by_step(bed: Testbed) -> None:
    account = mailbox(bed)
    a, b = subfolders(account.inbox, "A", "B")
    deliver(bed, "X")
    site, task = start(bed)
    key_of = lambda: next(iter(bed.view(ALICE)["Inbox"]))  # noqa: E731

    run_once(site)  # run 1: X in the Inbox
    live = bed.view(ALICE)
    assert len(live["Inbox"]) == 1 and live["A"] == set() and live["B"] == set()
    key = key_of()

    next(iter(account.inbox.all())).move(a)
    run_once(site)  # run 2: X in A
    assert bed.view(ALICE)["A"] == {key} and bed.view(ALICE)["Inbox"] == set()

    next(iter(a.all())).move(b)
    run_once(site)  # run 3: X in B
    assert bed.view(ALICE)["B"] == {key}

    next(iter(b.all())).delete()  # hard delete
    run_once(site)  # run 4: gone
    live = bed.view(ALICE)
    assert all(key not in keys for keys in live.values())
    full = bed.view(ALICE, "full")
    assert full["Inbox"] == {key} and full["A"] == {key} and full["B"] == {f"{key} (deleted)"}
    info = bed.task_view(task)["information"]
    assert info["sequence"] == 4  # one submission per run that changed something
    assert [m["result"] for m in bed.task_view(task)["mailboxes"]] == ["Success"]


def put(bed: Testbed, name: str, folder: str = "inbox", **fields: object) -> str:
    """An item straight into the mock store (setup that EWS cannot express, such as a
    Personal item or an Enterprise Vault shortcut); returns its archive key."""
    box = bed.world.mailbox(ALICE)
    target = box.well_known(folder) if folder in WELL_KNOWN else next(f for f in box.folders() if f.name == folder)
    sent = datetime(2026, 2, 1, 12, 0, tzinfo=UTC)
    new_message(box, target, subject=name, message_id=f"<{name}@mail.example>", sent=sent, **fields)  # type: ignore[arg-type]
    return f"<{name}@mail.example>|2026-02-01T12:00:00Z"


WELL_KNOWN = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")


def test_R1_personal_private_and_ev_shortcuts_are_never_placed(bed: Testbed) -> None:
    normal = put(bed, "normal")
    put(bed, "personal", sensitivity="Personal")
    put(bed, "private", sensitivity="Private")
    put(bed, "confidential", sensitivity="Confidential")
    put(bed, "shortcut", item_class="IPM.Note.EnterpriseVault.Shortcut")
    site, _ = start(bed)
    run_once(site)
    assert bed.view(ALICE)["Inbox"] == {normal, "<confidential@mail.example>|2026-02-01T12:00:00Z"}


def test_ev_shortcuts_are_placed_when_the_definition_includes_them(bed: Testbed) -> None:
    shortcut = put(bed, "shortcut", item_class="IPM.Note.EnterpriseVault.Shortcut")
    site, _ = start(bed, definition={"type": "mfr", "include_ev_shortcuts": True})
    run_once(site)
    assert bed.view(ALICE)["Inbox"] == {shortcut}


def test_an_item_that_becomes_private_leaves_the_live_view_and_keeps_its_history(bed: Testbed) -> None:
    deliver(bed, "soon private")
    site, _ = start(bed)
    run_once(site)
    [key] = bed.view(ALICE)["Inbox"]
    item = next(iter(mailbox(bed).inbox.all()))
    item.sensitivity = "Private"
    item.save(update_fields=["sensitivity"])
    run_once(site)
    assert bed.view(ALICE)["Inbox"] == set()
    assert bed.view(ALICE, "full")["Inbox"] == {key}  # not marked deleted


def test_R1_excluded_folders_take_their_subfolders_with_them(bed: Testbed) -> None:
    account = mailbox(bed)
    Folder(parent=account.inbox, name="Under Inbox").save()
    Folder(parent=account.root / "Top of Information Store", name="Top Level").save()
    put(bed, "in-inbox")
    put(bed, "below", folder="Under Inbox")
    kept = put(bed, "top", folder="Top Level")
    sent = put(bed, "sent", folder="sentitems")
    site, _ = start(bed, definition={"type": "mfr", "exclude_inbox": True, "exclude_deleted_items": True})
    run_once(site)
    live = bed.view(ALICE)
    assert "Inbox" not in live and "Under Inbox" not in live and "Deleted Items" not in live
    assert live["Top Level"] == {kept} and live["Sent Items"] == {sent}
    # non-mail folders are never replicated
    assert not {"Calendar", "Contacts", "Tasks", "Notes"} & set(live)


def test_R4_an_exclusion_added_later_stops_reads_and_keeps_the_full_view(bed: Testbed) -> None:
    account = mailbox(bed)
    Folder(parent=account.inbox, name="Sub").save()
    first = put(bed, "first")
    below = put(bed, "below", folder="Sub")
    site, task = start(bed)
    run_once(site)
    definition = bed.task_view(task)["options"]["definition"]
    bed.call(
        "PUT", f"/api/definitions/{definition['id']}", {"name": "MFR", "spec": {"type": "mfr", "exclude_inbox": True}}
    )
    put(bed, "after exclusion")  # never read
    run_once(site)
    live = bed.view(ALICE)
    assert "Inbox" not in live and "Sub" not in live
    full = bed.view(ALICE, "full")
    assert full["Inbox"] == {first} and full["Sub"] == {below}  # kept, not marked deleted
    # R8: re-included, the folder is read in full on first sight
    bed.call("PUT", f"/api/definitions/{definition['id']}", {"name": "MFR", "spec": {"type": "mfr"}})
    run_once(site)
    assert bed.view(ALICE)["Inbox"] == {first, "<after exclusion@mail.example>|2026-02-01T12:00:00Z"}


def test_R2_folders_renamed_keep_their_id_and_deleted_folders_stay_marked_in_the_full_view(bed: Testbed) -> None:
    account = mailbox(bed)
    projects, doomed = subfolders(account.inbox, "Projects", "Doomed")
    key = put(bed, "in doomed", folder="Doomed")
    site, _ = start(bed)
    run_once(site)
    projects.name = "Projects 2026"
    projects.save(update_fields=["name"])
    doomed.delete()
    run_once(site)
    live = bed.view(ALICE)
    assert "Projects 2026" in live and "Projects" not in live and "Doomed" not in live
    full = bed.view(ALICE, "full")
    # the folder's items went with it: their last location is marked deleted too
    assert "Projects 2026" in full and full["Doomed (deleted)"] == {f"{key} (deleted)"}


def test_R7_first_full_replication_is_deferred_inside_an_exclusion_window(bed: Testbed) -> None:
    # Monday 09:00 now; the hourly slot at 10:00 falls in a Monday 09:30-10:30 window
    window = {"weekday": "monday", "start": "09:30", "end": "10:30"}
    key = put(bed, "waiting")
    site, task = start(bed, definition={"type": "mfr", "full_sync_exclusion_windows": [window]})
    run_once(site)  # 10:00: deferred
    rows = bed.task_view(task)["mailboxes"]
    assert rows[0]["result"] == "Skipped" and "deferred" in rows[0]["reason"]
    assert bed.view(ALICE) == {}
    run_once(site)  # 11:00: outside the window, the full replication runs
    assert bed.view(ALICE)["Inbox"] == {key}
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success"


def test_R7_incremental_runs_are_never_blocked_by_a_window(bed: Testbed) -> None:
    window = {"weekday": "monday", "start": "10:30", "end": "23:59"}
    site, _ = start(bed, definition={"type": "mfr", "full_sync_exclusion_windows": [window]})
    run_once(site)  # 10:00, before the window: full replication
    later = put(bed, "later")
    run_once(site)  # 11:00, inside the window: incremental, not blocked
    assert later in bed.view(ALICE)["Inbox"]


def test_R8_an_invalid_sync_state_reads_that_folder_again_in_full(bed: Testbed) -> None:
    kept = put(bed, "kept")
    removed = put(bed, "removed while away")
    site, task = start(bed)
    run_once(site)
    box = bed.world.mailbox(ALICE)
    assert bed.exchange.admin.invalidate_sync_states(mailbox=ALICE) > 0
    gone = next(i for i in box.well_known("inbox").items.values() if i.subject == "removed while away")
    box.delete_item(gone, "HardDelete")
    run_once(site)
    assert bed.task_view(task)["mailboxes"][0]["result"] == "Success", bed.task_view(task)["mailboxes"]
    assert bed.view(ALICE)["Inbox"] == {kept}
    assert bed.view(ALICE, "full")["Inbox"] == {kept, f"{removed} (deleted)"}


def test_R6_unchanged_folders_are_not_read_again_and_no_change_is_missed(bed: Testbed) -> None:
    """One FindFolder lists the folders with their PidTagLocalCommitTimeMax: an
    unchanged tree skips SyncFolderHierarchy, folders unchanged since well before the
    last read skip SyncFolderItems; a change in the very second of a read is still
    found, and a changed tree is synchronised."""
    put(bed, "first")
    site, _ = start(bed)
    run_once(site)  # 10:00: everything read in full
    bed.exchange.calls.clear()
    run_once(site)  # 11:00: nothing changed since 09:00 — one FindFolder says so
    assert bed.exchange.calls == ["FindFolder"]
    # a change at exactly 12:00:00, just before the 12:00 read, and one just after it
    bed.clock.set(START.replace(hour=12))  # type: ignore[attr-defined]
    before = put(bed, "same second before")
    run_once(site)
    after = put(bed, "same second after")
    run_once(site)  # 13:00: the Inbox's commit time equals the one read at 12:00 — read again anyway
    assert {before, after} <= bed.view(ALICE)["Inbox"]
    bed.world.mailbox(ALICE).create_folder(bed.world.mailbox(ALICE).well_known("inbox"), "New", "IPF.Note")
    bed.exchange.calls.clear()
    run_once(site)
    assert "SyncFolderHierarchy" in bed.exchange.calls and "New" in bed.view(ALICE)
