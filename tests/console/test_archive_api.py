"""domain.md §4 Archive platform through its API: idempotent submissions (Sequence),
Live and Full View (R1 to R4, R9), Full View as of a past time, calendar replicas (C1),
the archived-message index (S2, M2), stubs, Expire View (M3) and Archive Purge (M4)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from engine.clock import ManualClock
from engine.console.wiring import Platform

from .conftest import START, Caller, Site, create_definition, create_schedule, register_site, task_body

MAILBOX = "alice@contoso.example"
FOLDERS = [
    {"id": "root", "name": "Top of Information Store", "well_known": "msgfolderroot"},
    {"id": "inbox", "name": "Inbox", "parent_id": "root", "well_known": "inbox"},
    {"id": "a", "name": "A", "parent_id": "inbox"},
    {"id": "b", "name": "B", "parent_id": "inbox"},
]


#: the tasks the console creates for the site, by number (the archive learns them from it)
MFR, CALENDAR, MSM, MANAGED = 1, 2, 3, 4


@pytest.fixture(autouse=True)
def tasks(admin: Caller, site: Site) -> dict[str, int]:
    """One task of each type on the site, created through the console as an
    administrator would: the archive takes ownership and mailboxes only from there."""
    nightly = create_schedule(admin)
    group = {"kind": "mailbox_list", "addresses": [MAILBOX, "bob@contoso.example"]}
    made = {}
    for name, spec in [
        ("mfr", {"type": "mfr"}),
        ("calendar", {"type": "calendar"}),
        ("msm", {"type": "msm", "action": "full_stub", "older_than_days": 30}),
        ("managed_folders", {"type": "managed_folders"}),
    ]:
        definition = create_definition(admin, name, spec)
        made[name] = admin.ok("POST", "/api/tasks", task_body(site, nightly, definition, group=group), status=201)["id"]
    assert list(made.values()) == [MFR, CALENDAR, MSM, MANAGED]
    return made


def submit(site: Site, batch: str, task_id: int = 1, **parts: Any) -> dict[str, Any]:
    body = {"task_id": task_id, "mailbox": MAILBOX, "batch_id": batch, **parts}
    result: dict[str, Any] = site.archive.ok("POST", "/api/submissions", body)
    return result


def run(site: Site, name: str, task_id: int = 1, **parts: Any) -> dict[str, Any]:
    """One whole run in a single batch (the boundary)."""
    return submit(site, name, task_id, complete=True, **parts)


def items(caller: Caller, folder: str, view: str = "live", **query: str) -> list[tuple[str, bool]]:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    listed = caller.ok("GET", f"/api/views/{MAILBOX}/items?folder={folder}&view={view}{extra}")["items"]
    return [(i["item"], bool(i.get("deleted", False))) for i in listed]


def moved(item: str, source: str, target: str) -> dict[str, Any]:
    """A batch's view of an item moved from one folder to another."""
    return {
        "placements": [place(item, target)],
        "removed_placements": [{"item": item, "folder_id": source, "reason": "moved"}],
    }


def place(item: str, folder: str) -> dict[str, str]:
    return {"item": item, "folder_id": folder}


def test_submissions_are_idempotent_and_counted_once_as_the_sequence(site: Site, archive_admin: Caller) -> None:
    batch = {"folders": FOLDERS, "placements": [place("x", "inbox")]}
    first = submit(site, "run1-0", **batch)
    assert first == {"applied": True, "sequence": 1}
    replay = submit(site, "run1-0", **batch)  # a retry after a lost acknowledgement
    assert replay == {"applied": False, "sequence": 1}
    assert submit(site, "run1-1", placements=[place("y", "inbox")], complete=True)["sequence"] == 2
    assert archive_admin.ok("GET", "/api/tasks/1/sequence") == {"task_id": 1, "sequence": 2}
    assert site.archive.ok("GET", "/api/tasks/1/sequence")["sequence"] == 2
    assert items(site.archive, "inbox") == [("x", False), ("y", False)]
    # the same batch id under another mailbox is another batch
    other = {"task_id": 1, "mailbox": "bob@contoso.example", "batch_id": "run1-0", "complete": True}
    assert site.archive.ok("POST", "/api/submissions", other)["applied"] is True


def test_submissions_for_another_sites_task_are_refused(admin: Caller, platform: Platform, site: Site) -> None:
    run(site, "r1", folders=FOLDERS)
    other = register_site(admin, platform, "NYC")
    body = {"task_id": 1, "mailbox": MAILBOX, "batch_id": "evil", "placements": [place("z", "inbox")], "complete": True}
    reply = other.archive.post("/api/submissions", body)
    assert reply.status == 403 and reply.error["field"] == "task_id"
    assert items(site.archive, "inbox") == []
    assert site.archive.ok("GET", "/api/tasks/1/sequence")["sequence"] == 1


def test_R1_live_view_is_exactly_what_the_last_run_read(site: Site) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox"), place("y", "a")])
    tree = site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=live")["folders"]
    assert {(f["id"], f["items"]) for f in tree} == {("root", 0), ("inbox", 1), ("a", 1), ("b", 0)}
    run(
        site,
        "r2",
        removed_folders=[{"id": "b", "reason": "deleted"}],
        removed_placements=[{"item": "y", "folder_id": "a", "reason": "deleted"}],
    )
    tree = site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=live")["folders"]
    assert {f["id"] for f in tree} == {"root", "inbox", "a"}
    assert items(site.archive, "a") == []


def test_R2_full_view_keeps_renamed_folders_by_id_and_deleted_folders_marked(site: Site) -> None:
    run(site, "r1", folders=FOLDERS)
    run(site, "r2", folders=[{"id": "a", "name": "Projects", "parent_id": "inbox"}])
    run(site, "r3", removed_folders=[{"id": "b", "reason": "deleted"}])
    full = {f["id"]: f for f in site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=full")["folders"]}
    assert full["a"]["name"] == "Projects" and not full["a"]["deleted"]
    assert full["b"]["deleted"] is True
    live = {f["id"] for f in site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=live")["folders"]}
    assert "b" not in live


def test_R3_worked_example_inbox_a_b_then_hard_deleted(site: Site, archive_admin: Caller) -> None:
    """Item X in Inbox at run 1, moved to A before run 2, to B before run 3,
    hard-deleted before run 4: Full View shows X under Inbox, A and B, B marked deleted."""
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    run(site, "r2", **moved("x", "inbox", "a"))
    run(site, "r3", **moved("x", "a", "b"))
    run(site, "r4", removed_placements=[{"item": "x", "folder_id": "b", "reason": "deleted"}])
    for folder in ("inbox", "a", "b"):
        assert items(site.archive, folder) == []
    assert items(archive_admin, "inbox", "full") == [("x", False)]
    assert items(archive_admin, "a", "full") == [("x", False)]
    assert items(archive_admin, "b", "full") == [("x", True)]


def test_R3_a_move_between_two_runs_records_only_the_boundary_locations(site: Site) -> None:
    """Inbox → A → B between two runs: A is never recorded.  Within one run the batches
    say so as the site read them (moved into A in batch 1, on to B in batch 2)."""
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    submit(site, "r2-0", **moved("x", "inbox", "a"))
    submit(site, "r2-1", **moved("x", "a", "b"), complete=True)
    assert items(site.archive, "inbox", "full") == [("x", False)]
    assert items(site.archive, "a", "full") == []
    assert items(site.archive, "b", "full") == [("x", False)]


def test_R3_a_failed_run_records_nothing_in_the_full_view(site: Site) -> None:
    run(site, "r1", folders=FOLDERS)
    submit(site, "r2-0", placements=[place("x", "a")])  # the run breaks off here
    assert items(site.archive, "a") == [("x", False)]  # the live view moved on…
    assert items(site.archive, "a", "full") == []  # …the full view waits for a boundary


def test_R4_an_exclusion_added_later_keeps_full_view_entries(site: Site) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox"), place("y", "a")])
    # the Inbox is now excluded: the site reports its subtree removed for that reason
    run(site, "r2", removed_folders=[{"id": f, "reason": "excluded"} for f in ("inbox", "a", "b")])
    live = {f["id"] for f in site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=live")["folders"]}
    assert live == {"root"}
    full = {f["id"]: f for f in site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=full")["folders"]}
    assert not full["inbox"]["deleted"] and not full["a"]["deleted"]  # excluded, not deleted
    assert items(site.archive, "inbox", "full") == [("x", False)]
    assert items(site.archive, "a", "full") == [("y", False)]


def test_private_items_leave_the_live_view_and_keep_their_history(site: Site) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    run(site, "r2", removed_placements=[{"item": "x", "folder_id": "inbox", "reason": "private"}])
    assert items(site.archive, "inbox") == []
    assert items(site.archive, "inbox", "full") == [("x", False)]


def test_R9_reset_makes_the_full_view_the_live_view(site: Site, archive_admin: Caller) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox"), place("gone", "inbox")])
    run(
        site,
        "r2",
        placements=[place("x", "a")],
        removed_placements=[
            {"item": "x", "folder_id": "inbox", "reason": "moved"},
            {"item": "gone", "folder_id": "inbox", "reason": "deleted"},
        ],
        removed_folders=[{"id": "b", "reason": "deleted"}],
    )
    assert site.archive.post("/api/tasks/1/reset").status == 403  # an administrator's act
    assert archive_admin.ok("POST", "/api/tasks/1/reset") == {"task_id": 1, "mailboxes": [MAILBOX]}
    assert items(archive_admin, "inbox", "full") == []
    assert items(archive_admin, "a", "full") == [("x", False)]
    full = {f["id"] for f in archive_admin.ok("GET", f"/api/views/{MAILBOX}/folders?view=full")["folders"]}
    assert full == {"root", "inbox", "a"}  # the deleted folder's history went too


def test_full_view_as_of_a_past_time(site: Site, clock: ManualClock) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    after_run1 = clock.now()
    clock.advance(3600)
    run(
        site,
        "r2",
        folders=[{"id": "a", "name": "Projects", "parent_id": "inbox"}],
        placements=[place("y", "a")],
    )
    clock.advance(3600)
    run(site, "r3", removed_placements=[{"item": "x", "folder_id": "inbox", "reason": "deleted"}])
    as_of = (after_run1 + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    tree = site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=full&as_of={as_of}")["folders"]
    names = {f["id"]: f["name"] for f in tree}
    assert names["a"] == "A"  # the name it had then
    assert items(site.archive, "a", "full", as_of=as_of) == []  # y was not seen yet
    assert items(site.archive, "inbox", "full", as_of=as_of) == [("x", False)]  # not yet deleted
    assert items(site.archive, "inbox", "full") == [("x", True)]
    before = (after_run1 - timedelta(hours=1)).isoformat().replace("+00:00", "Z")
    assert site.archive.ok("GET", f"/api/views/{MAILBOX}/folders?view=full&as_of={before}")["folders"] == []
    naive = site.archive.get(f"/api/views/{MAILBOX}/folders?view=full&as_of=2026-03-02T09:00:00")
    assert naive.status == 400 and naive.error["field"] == "as_of"


def test_folder_listing_pages(site: Site) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place(f"m{n:03}", "inbox") for n in range(250)])
    page = site.archive.ok("GET", f"/api/views/{MAILBOX}/items?folder=inbox&offset=200&limit=100")
    assert page["total"] == 250 and [i["item"] for i in page["items"]] == [f"m{n:03}" for n in range(200, 250)]
    assert site.archive.get(f"/api/views/{MAILBOX}/items?folder=inbox&limit=5000").error["field"] == "limit"
    assert site.archive.get(f"/api/views/{MAILBOX}/items").error["field"] == "folder"


#: archive keys as MFR makes them: Internet Message-ID + "|" + sent time
REPORT = "<q1-report@contoso.example>|2026-03-01T10:00:00Z"
MEMO = "<memo@contoso.example>|2026-02-27T16:45:00Z"
UNINDEXED = "<never-journaled@contoso.example>|2026-02-28T08:00:00Z"


def messages(caller: Caller, folder: str, view: str = "live", **query: str) -> Any:
    extra = "".join(f"&{k}={v}" for k, v in query.items())
    return caller.get(f"/api/views/{MAILBOX}/messages?folder={folder}&view={view}{extra}")


def test_a_folders_messages_tell_subject_sender_dates_and_size_and_when_one_was_deleted(
    site: Site, archive_admin: Caller, clock: ManualClock
) -> None:
    """The console's Exchange Folders lists a folder's messages with what the archived
    index knows of each (a message it does not hold: what its archive key tells); in
    the Full View the deleted one (R3, its last known location) says when."""
    indexed = [
        {
            "item": REPORT,
            "subject": "Q1 report",
            "sender": "Carol Jones <carol@contoso.example>",
            "received": "2026-03-01T10:00:05Z",
            "size": 48_213,
            "readers": [MAILBOX],
        },
        {"item": MEMO, "subject": "Memo", "received": "2026-02-27T16:45:10Z", "size": 900, "readers": [MAILBOX]},
    ]
    archive_admin.ok("POST", "/api/archived", {"messages": indexed})
    assert archive_admin.ok("GET", f"/api/archived/{REPORT}")["sender"] == "Carol Jones <carol@contoso.example>"
    run(site, "r1", folders=FOLDERS, placements=[place(k, "inbox") for k in (UNINDEXED, MEMO, REPORT)])
    clock.advance(3600)
    deleted_at = clock.now()
    run(site, "r2", removed_placements=[{"item": REPORT, "folder_id": "inbox", "reason": "deleted"}])

    live = messages(archive_admin, "inbox").body
    assert (live["total"], [m["item"] for m in live["messages"]]) == (2, [MEMO, UNINDEXED])
    full = messages(archive_admin, "inbox", "full").body
    # newest received first; what the index does not hold comes last
    assert [m["item"] for m in full["messages"]] == [REPORT, MEMO, UNINDEXED]
    report, memo, unindexed = full["messages"]
    assert report == {
        "item": REPORT,
        "message_id": "<q1-report@contoso.example>",
        "sent": "2026-03-01T10:00:00+00:00",
        "archived": True,
        "subject": "Q1 report",
        "sender": "Carol Jones <carol@contoso.example>",
        "received": "2026-03-01T10:00:05+00:00",
        "size": 48_213,
        "first_seen": START.isoformat(),
        "deleted_at": deleted_at.isoformat(),
    }
    assert memo["sender"] is None and memo["deleted_at"] is None  # indexed with no sender
    assert unindexed["archived"] is False and unindexed["subject"] is None and unindexed["size"] is None
    assert unindexed["sent"] == "2026-02-28T08:00:00+00:00"  # the archive key tells it
    assert live["messages"][0]["first_seen"] is None and live["messages"][0]["deleted_at"] is None
    paged = messages(archive_admin, "inbox", "full", offset="1", limit="1").body
    assert (paged["total"], [m["item"] for m in paged["messages"]]) == (3, [MEMO])


def test_a_folders_messages_as_of_a_past_time(site: Site, archive_admin: Caller, clock: ManualClock) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    clock.advance(3600)
    run(site, "r2", folders=[{"id": "c", "name": "C", "parent_id": "inbox"}], placements=[place("y", "inbox")])
    clock.advance(3600)
    run(site, "r3", removed_placements=[{"item": "x", "folder_id": "inbox", "reason": "deleted"}])
    between = (START + timedelta(minutes=90)).isoformat().replace("+00:00", "Z")
    then = messages(archive_admin, "inbox", "full", as_of=between).body
    assert then["as_of"] == "2026-03-02T10:30:00+00:00"
    assert [(m["item"], m["deleted_at"]) for m in then["messages"]] == [("x", None), ("y", None)]  # x not yet deleted
    now = messages(archive_admin, "inbox", "full").body
    assert [(m["item"], m["deleted_at"] is not None) for m in now["messages"]] == [("x", True), ("y", False)]
    # a folder first seen after that time is not in the Full View as of it
    early = (START + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    missing = messages(archive_admin, "c", "full", as_of=early)
    assert missing.status == 404 and missing.error["field"] == "folder"
    assert messages(archive_admin, "c", "full").status == 200


def test_a_folders_messages_are_for_the_admin_token_only_and_name_what_is_wrong(
    site: Site, archive_admin: Caller, archive_anonymous: Caller
) -> None:
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    run(site, "r2", removed_folders=[{"id": "b", "reason": "deleted"}])
    assert messages(archive_admin, "inbox").status == 200
    # a site key is refused even for a mailbox its own task replicates
    refused = messages(site.archive, "inbox")
    assert refused.status == 403 and refused.error["field"] == "Authorization"
    assert messages(archive_anonymous, "inbox").status == 401
    for folder, view in [("nowhere", "live"), ("b", "live")]:  # unknown; deleted: only in the Full View
        reply = messages(archive_admin, folder, view)
        assert reply.status == 404 and reply.error["field"] == "folder", (folder, view)
    assert messages(archive_admin, "b", "full").status == 200
    unknown = archive_admin.get("/api/views/nobody@contoso.example/messages?folder=inbox")
    assert unknown.status == 404 and unknown.error["field"] == "folder"
    for bad in ("yesterday", "2026-03-02T09:00:00", "2026-13-40T00:00:00Z"):
        reply = messages(archive_admin, "inbox", "full", as_of=bad)
        assert reply.status == 400 and reply.error["field"] == "as_of", bad
    assert archive_admin.get(f"/api/views/{MAILBOX}/messages?view=full").error["field"] == "folder"
    assert messages(archive_admin, "inbox", limit="0").error["field"] == "limit"


def test_a_deleted_folder_in_the_full_view_says_when(site: Site, archive_admin: Caller, clock: ManualClock) -> None:
    run(site, "r1", folders=FOLDERS)
    clock.advance(600)
    run(site, "r2", removed_folders=[{"id": "b", "reason": "deleted"}])
    full = {f["id"]: f for f in archive_admin.ok("GET", f"/api/views/{MAILBOX}/folders?view=full")["folders"]}
    assert (full["b"]["deleted"], full["b"]["deleted_at"]) == (True, clock.now().isoformat())
    assert full["a"]["deleted_at"] is None
    before = (START + timedelta(minutes=5)).isoformat().replace("+00:00", "Z")
    then = archive_admin.ok("GET", f"/api/views/{MAILBOX}/folders?view=full&as_of={before}")["folders"]
    assert {f["id"]: f["deleted_at"] for f in then}["b"] is None


def test_C1_calendar_replica_mirrors_the_calendar_without_history(site: Site) -> None:
    calendar = {"id": "cal", "name": "Calendar"}
    appointment = {"uid": "u1", "calendar_id": "cal", "subject": "Board", "sensitivity": "Private"}
    submit(site, "c1", task_id=2, kind="calendar", calendars=[calendar], calendar_items=[appointment], complete=True)
    replica = site.archive.ok("GET", f"/api/views/{MAILBOX}/calendars")
    assert replica["calendars"] == [calendar]
    assert replica["items"] == [appointment]  # private kept, with its sensitivity
    moved = {**appointment, "subject": "Board (moved)"}
    submit(site, "c2", task_id=2, kind="calendar", calendar_items=[moved], complete=True)
    assert site.archive.ok("GET", f"/api/views/{MAILBOX}/calendars")["items"] == [moved]
    submit(site, "c3", task_id=2, kind="calendar", removed_calendar_items=["u1"], complete=True)
    assert site.archive.ok("GET", f"/api/views/{MAILBOX}/calendars")["items"] == []
    assert site.archive.ok("GET", "/api/tasks/2/sequence")["sequence"] == 3


def test_S2_archived_and_readable_is_answered_in_batches(site: Site, archive_admin: Caller) -> None:
    messages = [
        {"item": "m1", "subject": "mine", "readers": ["Alice@contoso.example"]},
        {"item": "m2", "subject": "not mine", "readers": ["bob@contoso.example"]},
    ]
    assert site.archive.post("/api/archived", {"messages": messages}).status == 403  # admin only
    assert archive_admin.ok("POST", "/api/archived", {"messages": messages}) == {"indexed": 2}
    answer = site.archive.ok(
        "POST", "/api/archived/check", {"task_id": MSM, "mailbox": MAILBOX, "items": ["m1", "m2", "m3"]}
    )
    assert answer["results"] == [
        {"item": "m1", "archived": True, "readable": True},
        {"item": "m2", "archived": True, "readable": False},
        {"item": "m3", "archived": False, "readable": False},
    ]


def test_stub_bookkeeping_records_what_storage_management_did(
    site: Site, platform: Platform, clock: ManualClock
) -> None:
    entries = [{"item": "m1", "action": "full_stub"}, {"item": "m2", "action": "message_delete"}]
    reply = site.archive.ok("POST", "/api/stubs", {"task_id": 3, "mailbox": MAILBOX, "entries": entries})
    assert reply == {"recorded": 2}
    assert platform.archive_store is not None
    assert platform.archive_store.stub_log(MAILBOX) == [
        {"task_id": 3, "item": "m1", "action": "full_stub", "at": clock.now().isoformat()},
        {"task_id": 3, "item": "m2", "action": "message_delete", "at": clock.now().isoformat()},
    ]
    bad = {"task_id": 3, "mailbox": MAILBOX, "entries": [{"item": "m1", "action": "shred"}]}
    assert site.archive.post("/api/stubs", bad).error["field"] == "entries.0.action"


def test_M3_expire_view_removes_entries_from_both_views_and_keeps_the_message(
    site: Site, archive_admin: Caller
) -> None:
    archive_admin.ok("POST", "/api/archived", {"messages": [{"item": "x", "readers": [MAILBOX]}]})
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox"), place("y", "inbox")])
    expire = {"task_id": MANAGED, "mailbox": MAILBOX, "items": ["x"]}
    assert site.archive.ok("POST", "/api/expire", expire) == {"expired": 1}
    assert items(site.archive, "inbox") == [("y", False)]
    assert items(site.archive, "inbox", "full") == [("y", False)]
    assert archive_admin.ok("GET", "/api/archived/x")["item"] == "x"
    # an expired item seen again by a later run stays out of the views
    run(site, "r2", placements=[place("x", "inbox")])
    assert items(site.archive, "inbox", "full") == [("y", False)]


def test_M4_archive_purge_sets_received_plus_lifespan_irreversibly_and_respects_hold(
    site: Site, archive_admin: Caller
) -> None:
    archive_admin.ok(
        "POST",
        "/api/archived",
        {"messages": [{"item": "p1", "readers": [MAILBOX]}, {"item": "held", "readers": [MAILBOX]}]},
    )
    archive_admin.ok("POST", "/api/archived/hold", {"items": ["held"]})
    entries = [
        {"item": "p1", "received": "2025-01-01T00:00:00Z", "lifespan_days": 30},
        {"item": "held", "received": "2025-01-01T00:00:00Z", "lifespan_days": 30},
        {"item": "unknown", "received": "2025-01-01T00:00:00Z", "lifespan_days": 30},
    ]
    purge = {"task_id": MANAGED, "mailbox": MAILBOX}
    assert site.archive.ok("POST", "/api/purge", {**purge, "entries": entries}) == {
        "set": 1,
        "held": 1,
        "unknown": 1,
        "unreadable": 0,
    }
    assert archive_admin.ok("GET", "/api/archived/p1")["purge_at"] == "2025-01-31T00:00:00+00:00"
    assert archive_admin.ok("GET", "/api/archived/held")["purge_at"] is None
    # irreversible: a longer lifespan later does not push the date back
    later = [{"item": "p1", "received": "2025-01-01T00:00:00Z", "lifespan_days": 365}]
    site.archive.ok("POST", "/api/purge", {**purge, "entries": later})
    assert archive_admin.ok("GET", "/api/archived/p1")["purge_at"] == "2025-01-31T00:00:00+00:00"


def test_archive_refuses_bad_submissions_naming_the_field(site: Site) -> None:
    for body, field in [
        ({"task_id": 0, "mailbox": MAILBOX, "batch_id": "b"}, "task_id"),
        ({"task_id": 1, "mailbox": "nobody", "batch_id": "b"}, "mailbox"),
        ({"task_id": 1, "mailbox": MAILBOX, "batch_id": ""}, "batch_id"),
        ({"task_id": 1, "mailbox": MAILBOX, "batch_id": "b", "kind": "tasks"}, "kind"),
        ({"task_id": 1, "mailbox": MAILBOX, "batch_id": "b", "placements": [{"item": "x"}]}, "placements.0.folder_id"),
        (
            {
                "task_id": 1,
                "mailbox": MAILBOX,
                "batch_id": "b",
                "removed_placements": [{"item": "x", "folder_id": "f", "reason": "vanished"}],
            },
            "removed_placements.0.reason",
        ),
    ]:
        reply = site.archive.post("/api/submissions", body)
        assert reply.status == 400 and reply.error["field"] == field, (body, reply.body)
    assert site.archive.ok("GET", "/api/tasks/1/sequence")["sequence"] == 0


def test_R9_removing_a_calendar_task_leaves_the_mfr_full_view_alone(
    admin: Caller, site: Site, archive_admin: Caller
) -> None:
    """The Full View is what MFR builds: removing another type of task that processed
    the mailbox (found by the two-sites scenario) must not reset it."""
    run(site, "r1", folders=FOLDERS, placements=[place("x", "inbox")])
    run(site, "r2", removed_placements=[{"item": "x", "folder_id": "inbox", "reason": "deleted"}])
    calendar = {"id": "cal", "name": "Calendar"}
    submit(site, "c1", task_id=CALENDAR, kind="calendar", calendars=[calendar], complete=True)
    removed = admin.ok("DELETE", f"/api/tasks/{CALENDAR}?confirm=true")
    assert removed["full_views_reset"] == []
    assert items(archive_admin, "inbox", "full") == [("x", True)]  # history kept, deleted mark too
    reset = admin.ok("DELETE", f"/api/tasks/{MFR}?confirm=true")  # the MFR task's removal does reset it
    assert reset["full_views_reset"] == [MAILBOX]
    assert items(archive_admin, "inbox", "full") == []
