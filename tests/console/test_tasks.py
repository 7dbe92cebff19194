"""domain.md §1 Group target and Task, §2 Task lifecycle: create (every validation),
view (Options, Information, T3), change (T1, T2), delete (R9)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.clock import ManualClock
from engine.console.app import create_console_app
from engine.console.common import R9_WARNING
from engine.console.outbox import Outbox
from engine.console.store import ConsoleStore
from engine.console.wiring import Platform

from .conftest import ADMIN, Caller, Site, acknowledge, create_definition, create_schedule, register_site, task_body

# -- create ------------------------------------------------------------------------------------------


def test_task_create_requires_all_five_parts_and_names_the_missing_field(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    full = task_body(site, nightly, mfr)
    for part in ("site_id", "type", "definition_id", "schedule_id", "group"):
        body = {k: v for k, v in full.items() if k != part}
        reply = admin.post("/api/tasks", body)
        assert reply.status == 400 and reply.error["field"] == part, (part, reply.body)
    assert admin.ok("GET", "/api/tasks")["tasks"] == []


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        # a part that does not exist is not found (404); a malformed one is invalid (400)
        ({"site_id": 999}, "site_id", 404),
        ({"definition_id": 999}, "definition_id", 404),
        ({"schedule_id": 999}, "schedule_id", 404),
        ({"type": "backup"}, "type", 400),
    ],
)
def test_task_create_refuses_unknown_parts_by_name(
    admin: Caller,
    site: Site,
    nightly: dict[str, Any],
    mfr: dict[str, Any],
    change: dict[str, Any],
    field: str,
    status: int,
) -> None:
    reply = admin.post("/api/tasks", task_body(site, nightly, mfr, **change))
    assert reply.status == status and reply.error["field"] == field, reply.body


def test_task_definition_must_match_the_task_type(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    reply = admin.post("/api/tasks", task_body(site, nightly, mfr, type="calendar"))
    assert reply.status == 409 and reply.error["field"] == "definition_id"
    assert "Calendar Replication" in reply.error["message"]
    assert "Mailbox Folder Replication" in reply.error["message"]


@pytest.mark.parametrize(
    "group",
    [
        {"kind": "o365_group", "address": "sales@contoso.example"},
        {"kind": "single_mailbox", "address": "alice@contoso.example"},
        {"kind": "mailbox_list", "addresses": "alice@contoso.example; bob@contoso.example"},
    ],
)
def test_group_kinds_3_to_5_need_engine_version_2_7(
    admin: Caller, old_site: Site, site: Site, nightly: dict[str, Any], mfr: dict[str, Any], group: dict[str, Any]
) -> None:
    refused = admin.post("/api/tasks", task_body(old_site, nightly, mfr, group=group))
    assert refused.status == 409 and refused.error["field"] == "group.kind"
    assert "2.7" in refused.error["message"] and "2.6.0" in refused.error["message"]
    # the same target on a 2.7 site is fine
    assert admin.post("/api/tasks", task_body(site, nightly, mfr, group=group)).status == 201


def test_group_kinds_3_to_5_are_allowed_once_the_site_reports_2_7(
    admin: Caller, old_site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    body = task_body(old_site, nightly, mfr)
    assert admin.post("/api/tasks", body).status == 409
    old_site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.7.0"})
    assert admin.post("/api/tasks", body).status == 201


def test_ad_groups_by_dn_work_on_any_version(
    admin: Caller, old_site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    group = {"kind": "ad_security_group", "dn": "CN=Sales,OU=Groups,DC=contoso,DC=example"}
    created = admin.ok("POST", "/api/tasks", task_body(old_site, nightly, mfr, group=group), status=201)
    assert created["options"]["group"] == {**group, "chosen_by": "manual"}


@pytest.mark.parametrize(
    "dn",
    [
        "",
        "Sales",
        "CN=Sales",  # no domain components
        "DC=contoso,DC=example",  # no CN/OU
        "CN=Sales,,DC=contoso",
        "CN=Sa,les,DC=contoso,DC=example",  # an unescaped comma splits a bad RDN "les"
        "CN=Sales;DC=contoso",
        "=Sales,DC=contoso",
    ],
)
def test_group_dn_syntax_is_validated(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any], dn: str
) -> None:
    group = {"kind": "ad_distribution_group", "dn": dn}
    reply = admin.post("/api/tasks", task_body(site, nightly, mfr, group=group))
    assert reply.status == 400, dn
    assert reply.error["field"].startswith("group") and reply.error["field"].endswith("dn")


def test_group_dn_accepts_rfc4514_escapes(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    group = {"kind": "ad_distribution_group", "dn": r"CN=Sales\, EMEA,OU=Groups,DC=contoso,DC=example"}
    assert admin.post("/api/tasks", task_body(site, nightly, mfr, group=group)).status == 201


def test_group_list_is_split_on_semicolons_trimmed_and_deduplicated(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    raw = " alice@contoso.example ;bob@contoso.example;; ALICE@contoso.example ; carol@contoso.example ;"
    created = admin.ok(
        "POST",
        "/api/tasks",
        task_body(site, nightly, mfr, group={"kind": "mailbox_list", "addresses": raw}),
        status=201,
    )
    assert created["options"]["group"]["addresses"] == [
        "alice@contoso.example",
        "bob@contoso.example",
        "carol@contoso.example",
    ]


@pytest.mark.parametrize(
    "group",
    [
        {"kind": "mailbox_list", "addresses": "alice@contoso.example; not-an-address"},
        {"kind": "mailbox_list", "addresses": " ; ; "},
        {"kind": "single_mailbox", "address": "alice@"},
        {"kind": "single_mailbox", "address": "alice@contoso"},
        {"kind": "o365_group", "address": "sales team@contoso.example"},
        {"kind": "carrier_pigeon", "address": "x@y.example"},
    ],
)
def test_group_addresses_are_each_validated(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any], group: dict[str, Any]
) -> None:
    reply = admin.post("/api/tasks", task_body(site, nightly, mfr, group=group))
    assert reply.status == 400 and reply.error["field"].startswith("group"), reply.body


def test_lookup_from_ad_searches_the_directory_copy_the_site_uploaded(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    dn = "CN=Finance,OU=Groups,DC=contoso,DC=example"
    lookup_group = {"kind": "ad_security_group", "dn": dn, "chosen_by": "lookup"}
    # before the site's directory sync the group cannot be looked up
    reply = admin.post("/api/tasks", task_body(site, nightly, mfr, group=lookup_group))
    assert reply.status == 409 and reply.error["field"] == "group.dn"
    upload = {
        "groups": [
            {"id": "g1", "name": "Finance", "dn": dn, "mail": "finance@contoso.example", "kind": "security"},
            {"id": "g2", "name": "Sales", "dn": "CN=Sales,OU=Groups,DC=contoso,DC=example", "kind": "distribution"},
        ],
        "users": [{"id": "u1", "name": "Alice", "dn": "CN=Alice,DC=contoso,DC=example", "mail": "alice@x.example"}],
    }
    site.console.ok("POST", "/api/site/directory", upload)
    found = admin.ok("GET", f"/api/directory/groups?q=fin&site_id={site.id}")["groups"]
    assert [g["dn"] for g in found] == [dn]
    assert {g["name"] for g in admin.ok("GET", "/api/directory/groups?q=groups")["groups"]} == {"Finance", "Sales"}
    assert admin.ok("GET", "/api/directory/groups?q=alice")["groups"] == []  # users are not groups
    created = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr, group=lookup_group), status=201)
    assert created["options"]["group"]["chosen_by"] == "lookup"


# -- view (T3) -----------------------------------------------------------------------------------------


def test_task_information_carries_every_seed_field(admin: Caller, task: dict[str, Any], clock: ManualClock) -> None:
    view = admin.ok("GET", f"/api/tasks/{task['id']}")
    assert set(view["options"]) == {"site", "type", "schedule", "definition", "group"}
    info = view["information"]
    assert set(info) >= {
        "created",
        "last_modified",
        "last_modified_by",
        "status",
        "command",
        "latest_detail",
        "sequence",
        "next_occurrence",
    }
    assert info["created"] == info["last_modified"] == clock.now().isoformat()
    assert info["last_modified_by"] == ADMIN
    assert (info["command"], info["latest_detail"], info["sequence"]) == ("", "", 0)
    assert view["mailboxes"] == [] and view["log"] == []
    assert (view["type_label"], view["log_code"]) == ("Mailbox Folder Replication", "MMS")


def test_T3_status_pending_until_acknowledged_then_scheduled_with_next_occurrence(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    info = admin.ok("GET", f"/api/tasks/{task['id']}")["information"]
    assert info["status"] == "Pending"
    acknowledge(site)
    info = admin.ok("GET", f"/api/tasks/{task['id']}")["information"]
    assert info["status"] == "Scheduled"
    # daily 02:00 London; it is 09:00 on 2 March → 3 March 02:00 GMT
    assert info["next_occurrence"] == "2026-03-03T02:00:00+00:00"


def test_T3_running_shows_the_command_then_completed_for_a_one_off(
    admin: Caller, site: Site, mfr: dict[str, Any], clock: ManualClock
) -> None:
    once = create_schedule(admin, "Once", {"kind": "one_off", "at": "2026-03-02T12:00:00"})
    created = admin.ok("POST", "/api/tasks", task_body(site, once, mfr), status=201)
    acknowledge(site)
    info = admin.ok("GET", f"/api/tasks/{created['id']}")["information"]
    assert (info["status"], info["next_occurrence"]) == ("Scheduled", "2026-03-02T12:00:00+00:00")
    clock.set(clock.now().replace(hour=12))
    command = "Replicating mailbox 1/1 alice@contoso.example"
    site.console.ok("POST", "/api/site/progress", {"task_id": created["id"], "status": "Running", "command": command})
    info = admin.ok("GET", f"/api/tasks/{created['id']}")["information"]
    assert (info["status"], info["command"]) == ("Running", command)
    assert [t["id"] for t in admin.ok("GET", "/api/tasks?status=Running")["tasks"]] == [created["id"]]
    site.console.ok(
        "POST",
        "/api/site/progress",
        {
            "task_id": created["id"],
            "status": "Completed",
            "latest_detail": "1 mailbox replicated",
            "sequence": 1,
            "mailboxes": [{"mailbox": "Alice@contoso.example", "result": "Success", "items": 42}],
        },
    )
    view = admin.ok("GET", f"/api/tasks/{created['id']}")
    info = view["information"]
    assert (info["status"], info["command"], info["latest_detail"]) == ("Completed", "", "1 mailbox replicated")
    assert info["next_occurrence"] is None and info["sequence"] == 1
    assert view["mailboxes"] == [
        {
            "mailbox": "alice@contoso.example",
            "last_run": clock.now().isoformat(),
            "result": "Success",
            "reason": "",
            "items": 42,
        }
    ]


def test_T3_a_scheduled_task_that_finishes_a_run_is_scheduled_again(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    acknowledge(site)
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Running", "command": "x"})
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Idle", "latest_detail": "done"})
    info = admin.ok("GET", f"/api/tasks/{task['id']}")["information"]
    assert (info["status"], info["command"], info["latest_detail"]) == ("Scheduled", "", "done")


def test_T3_a_change_saved_during_a_run_leaves_the_status_running_until_the_run_ends(
    admin: Caller, site: Site, task: dict[str, Any], nightly: dict[str, Any]
) -> None:
    """T3's precedence: Disabled, then Running, then Pending — a change saved while the
    task runs leaves it Running; when the run ends it is Pending until the site applies
    the change, then Scheduled."""
    acknowledge(site)
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Running", "command": "x"})
    other = create_schedule(admin, "Other", {"kind": "daily", "times": {"mode": "once", "start": "03:00"}})
    admin.ok("PATCH", f"/api/tasks/{task['id']}", {"schedule_id": other["id"]})
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Running"
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Idle", "latest_detail": "done"})
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Pending"
    acknowledge(site)
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Scheduled"
    admin.ok("PATCH", f"/api/sites/{site.id}", {"enabled": False})  # Disabled comes before everything
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Running", "command": "x"})
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Disabled"


def test_sequence_is_shown_for_mfr_and_calendar_only_and_never_goes_back(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    cal = create_definition(admin, "Calendars", {"type": "calendar", "include": "all"})
    msm = create_definition(admin, "Stub old", {"type": "msm", "action": "full_stub", "older_than_days": 365})
    managed = create_definition(admin, "Retention", {"type": "managed_folders"})
    seen = {}
    for definition in (mfr, cal, msm, managed):
        created = admin.ok("POST", "/api/tasks", task_body(site, nightly, definition), status=201)
        site.console.ok("POST", "/api/site/progress", {"task_id": created["id"], "status": "Idle", "sequence": 5})
        site.console.ok("POST", "/api/site/progress", {"task_id": created["id"], "status": "Idle", "sequence": 3})
        seen[definition["spec"]["type"]] = admin.ok("GET", f"/api/tasks/{created['id']}")["information"]["sequence"]
    assert seen == {"mfr": 5, "calendar": 5, "msm": None, "managed_folders": None}


def test_task_log_lines_are_kept_in_order_and_shown_as_recent_activity(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    lines = [f"MMS ... executing task {task['id']}", f"MMS ... task {task['id']} completed"]
    assert site.console.ok("POST", "/api/site/log", {"task_id": task["id"], "lines": lines}) == {"appended": 2}
    assert [entry["line"] for entry in admin.ok("GET", f"/api/tasks/{task['id']}")["log"]] == lines
    assert [a["line"] for a in admin.ok("GET", "/api/activity?limit=1")["activity"]] == [lines[-1]]


def test_mailbox_rows_take_every_result_kind(admin: Caller, site: Site, task: dict[str, Any]) -> None:
    rows = [
        {"mailbox": f"{r.lower()}@contoso.example", "result": r, "reason": f"because {r}", "items": n}
        for n, r in enumerate(["Success", "Warning", "Error", "Skipped", "Duplicate"])
    ]
    site.console.ok("POST", "/api/site/progress", {"task_id": task["id"], "status": "Idle", "mailboxes": rows})
    shown = admin.ok("GET", f"/api/tasks/{task['id']}")["mailboxes"]
    assert {(m["mailbox"], m["result"], m["reason"], m["items"]) for m in shown} == {
        (r["mailbox"], r["result"], r["reason"], r["items"]) for r in rows
    }
    bad = {"task_id": task["id"], "status": "Idle", "mailboxes": [{"mailbox": "x@y.example", "result": "Great"}]}
    reply = site.console.post("/api/site/progress", bad)
    assert reply.status == 400 and reply.error["field"] == "mailboxes.0.result"


def test_task_list_filters_by_site_type_and_status(
    admin: Caller, platform: Platform, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    other = register_site(admin, platform, "NYC")
    cal = create_definition(admin, "Calendars", {"type": "calendar"})
    a = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)["id"]
    b = admin.ok("POST", "/api/tasks", task_body(site, nightly, cal), status=201)["id"]
    c = admin.ok("POST", "/api/tasks", task_body(other, nightly, mfr), status=201)["id"]
    acknowledge(other)

    def ids(query: str) -> list[int]:
        return [t["id"] for t in admin.ok("GET", f"/api/tasks{query}")["tasks"]]

    assert ids("") == [a, b, c]
    assert ids(f"?site_id={site.id}") == [a, b]
    assert ids("?type=mfr") == [a, c]
    assert ids("?status=Pending") == [a, b]
    assert ids(f"?status=Scheduled&site_id={other.id}") == [c]
    assert admin.get("/api/tasks?status=Sleeping").error["field"] == "status"


# -- change (T1, T2) -----------------------------------------------------------------------------------


def test_T1_only_schedule_and_definition_change_and_last_modified_by_is_the_administrator(
    admin: Caller, platform: Platform, site: Site, task: dict[str, Any], clock: ManualClock
) -> None:
    platform.console_store.create_admin("second@contoso.example", "another password")
    second = admin.as_(
        admin.ok("POST", "/api/session", {"email": "second@contoso.example", "password": "another password"}, 201)[
            "token"
        ]
    )
    hourly = create_schedule(
        admin,
        "Hourly",
        {"kind": "daily", "times": {"mode": "many", "start": "08:00", "end": "18:00", "interval_minutes": 60}},
    )
    other_mfr = create_definition(admin, "No inbox", {"type": "mfr", "exclude_inbox": True})
    acknowledge(site)
    clock.advance(60)
    changed = second.ok(
        "PATCH", f"/api/tasks/{task['id']}", {"schedule_id": hourly["id"], "definition_id": other_mfr["id"]}
    )
    assert changed["options"]["schedule"]["name"] == "Hourly"
    assert changed["options"]["definition"]["name"] == "No inbox"
    info = changed["information"]
    assert info["last_modified_by"] == "second@contoso.example"
    assert info["last_modified"] == clock.now().isoformat() != info["created"]
    assert info["status"] == "Pending"


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"site_id": 2}, "site_id", "contact support"),
        ({"type": "calendar"}, "type", "only the schedule and the definition"),
        ({"group": {"kind": "single_mailbox", "address": "bob@contoso.example"}}, "group", "only the schedule"),
        ({"schedule_id": 1, "group": {}}, "group", "only the schedule"),
        ({}, "body", "schedule_id"),
    ],
)
def test_T1_other_changes_are_refused_by_name(
    admin: Caller, task: dict[str, Any], change: dict[str, Any], field: str, words: str
) -> None:
    before = admin.ok("GET", f"/api/tasks/{task['id']}")
    reply = admin.patch(f"/api/tasks/{task['id']}", change)
    assert reply.status == 400 and reply.error["field"] == field and words in reply.error["message"]
    assert admin.ok("GET", f"/api/tasks/{task['id']}") == before  # nothing half-changed


def test_T1_the_new_definition_must_be_of_the_same_type(admin: Caller, task: dict[str, Any]) -> None:
    cal = create_definition(admin, "Calendars", {"type": "calendar"})
    reply = admin.patch(f"/api/tasks/{task['id']}", {"definition_id": cal["id"]})
    assert reply.status == 409 and reply.error["field"] == "definition_id"


def test_T2_a_saved_change_reaches_the_site_config_and_reschedules_after_ack(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    first = site.console.get("/api/site/config")
    site.console.ok("POST", "/api/site/ack", {"version": first.body["version"]})
    etag = first.headers["ETag"]
    # an unchanged poll is cheap
    unchanged = site.console.get("/api/site/config", headers={"If-None-Match": etag})
    assert unchanged.status == 304 and unchanged.body is None
    weekly = create_schedule(admin, "Fridays", {"kind": "weekly", "weekdays": ["friday"], "times": {"start": "23:00"}})
    admin.ok("PATCH", f"/api/tasks/{task['id']}", {"schedule_id": weekly["id"]})
    changed = site.console.get("/api/site/config", headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
    [config_task] = changed.body["tasks"]
    assert config_task["schedule"]["weekdays"] == ["friday"]
    assert config_task["changed_version"] == changed.body["version"]
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Pending"
    site.console.ok("POST", "/api/site/ack", {"version": changed.body["version"]})
    info = admin.ok("GET", f"/api/tasks/{task['id']}")["information"]
    assert (info["status"], info["next_occurrence"]) == ("Scheduled", "2026-03-06T23:00:00+00:00")


def test_T2_acknowledging_a_version_never_issued_is_refused(site: Site, task: dict[str, Any]) -> None:
    reply = site.console.post("/api/site/ack", {"version": 10_000})
    assert reply.status == 409 and reply.error["field"] == "version"


# -- delete (R9) ---------------------------------------------------------------------------------------


def test_R9_delete_needs_confirmation_after_the_full_view_warning(
    admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    refused = admin.delete(f"/api/tasks/{task['id']}")
    assert refused.status == 409 and refused.error["field"] == "confirm"
    assert R9_WARNING in refused.error["message"]
    assert admin.delete(f"/api/tasks/{task['id']}?confirm=false").status == 409
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["id"] == task["id"]
    done = admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")
    assert done["warning"] == R9_WARNING and done["deleted"] == task["id"]
    assert admin.get(f"/api/tasks/{task['id']}").status == 404
    # the site stops scheduling it: it is gone from the config, whose version moved on
    assert site.console.ok("GET", "/api/site/config")["tasks"] == []
    assert admin.delete(f"/api/tasks/{task['id']}?confirm=true").status == 404


def test_R9_delete_resets_the_full_view_of_every_mailbox_the_task_processed(
    admin: Caller, site: Site, task: dict[str, Any], archive_admin: Caller
) -> None:
    mailbox = "alice@contoso.example"
    _history(site, task, mailbox)
    assert _inbox_history(archive_admin, mailbox) == ["x"]  # history: X was in the Inbox
    done = admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")
    assert done["full_views_reset"] == [mailbox] and done["archive_reset"] == "done"
    assert _inbox_history(archive_admin, mailbox) == []
    assert [i["item"] for i in archive_admin.ok("GET", f"/api/views/{mailbox}/items?folder=a&view=full")["items"]] == [
        "x"
    ]


def _history(site: Site, task: dict[str, Any], mailbox: str) -> None:
    """Two runs: X is in the Inbox, then moved to A — the Full View remembers the Inbox."""
    folders = [{"id": "inbox", "name": "Inbox", "well_known": "inbox"}, {"id": "a", "name": "A"}]
    run1 = {"task_id": task["id"], "mailbox": mailbox, "batch_id": "r1", "folders": folders, "complete": True}
    run1["placements"] = [{"item": "x", "folder_id": "inbox"}]
    site.archive.ok("POST", "/api/submissions", run1)
    run2 = {
        "task_id": task["id"],
        "mailbox": mailbox,
        "batch_id": "r2",
        "placements": [{"item": "x", "folder_id": "a"}],
        "removed_placements": [{"item": "x", "folder_id": "inbox", "reason": "moved"}],
        "complete": True,
    }
    site.archive.ok("POST", "/api/submissions", run2)


def _inbox_history(archive_admin: Caller, mailbox: str) -> list[str]:
    return [i["item"] for i in archive_admin.ok("GET", f"/api/views/{mailbox}/items?folder=inbox&view=full")["items"]]


def test_R9_a_delete_while_the_archive_is_away_resets_the_full_view_when_it_answers_again(
    admin: Caller, platform: Platform, site: Site, task: dict[str, Any], archive_admin: Caller, clock: ManualClock
) -> None:
    """Issue 11: the delete and the archive's reset are committed together (an outbox);
    an archive outage delays the reset, never loses it: it goes out with a heartbeat
    once the archive answers (heartbeats try at most once a minute, so no site waits on
    an archive that is away), and the task is forgotten there too."""
    mailbox = "alice@contoso.example"
    _history(site, task, mailbox)
    assert platform.archive_client is not None
    where = platform.archive_client.base_url
    platform.archive_client.base_url = "http://nowhere.invalid:9/archive"  # the archive is away
    done = admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")
    assert done["archive_reset"] == "pending" and done["full_views_reset"] == []
    assert admin.get(f"/api/tasks/{task['id']}").status == 404  # the console has removed it
    assert site.console.ok("GET", "/api/site/config")["tasks"] == []
    [waiting] = Outbox(platform.console_store).pending()
    assert (waiting.task_id, waiting.attempts) == (task["id"], 1)
    site.console.ok("POST", "/api/site/heartbeat", {})  # within the minute: not tried again
    assert Outbox(platform.console_store).pending()[0].attempts == 1
    clock.advance(61)
    site.console.ok("POST", "/api/site/heartbeat", {})  # still away: tried, and the reset keeps waiting
    assert Outbox(platform.console_store).pending()[0].attempts == 2
    assert _inbox_history(archive_admin, mailbox) == ["x"]
    platform.archive_client.base_url = where  # back
    site.console.ok("POST", "/api/site/heartbeat", {})
    assert _inbox_history(archive_admin, mailbox) == ["x"]  # the minute has not passed yet
    clock.advance(61)
    site.console.ok("POST", "/api/site/heartbeat", {})
    assert _inbox_history(archive_admin, mailbox) == []  # reset: the Full View is the Live View
    assert Outbox(platform.console_store).pending() == []
    late = {"task_id": task["id"], "mailbox": mailbox, "batch_id": "r3", "complete": True}
    late["placements"] = [{"item": "y", "folder_id": "a"}]
    assert site.archive.post("/api/submissions", late).status == 410  # forgotten there too


def test_R9_a_reset_queued_before_the_console_stopped_is_delivered_after_it_restarts(
    admin: Caller, platform: Platform, site: Site, task: dict[str, Any], archive_admin: Caller, clock: ManualClock
) -> None:
    """The outbox is in the console's database, not in memory: a console that stopped
    with a reset undelivered delivers it after it starts again (here: a new console
    app on the same database, at the first heartbeat) — and a second delivery of the
    same reset (an answer lost on the way back) changes nothing."""
    mailbox = "alice@contoso.example"
    _history(site, task, mailbox)
    assert platform.archive_client is not None
    where = platform.archive_client.base_url
    platform.archive_client.base_url = "http://nowhere.invalid:9/archive"
    assert admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")["archive_reset"] == "pending"
    platform.archive_client.base_url = where
    restarted = ConsoleStore(platform.console_store.engine.url.render_as_string(hide_password=False), clock)
    try:
        app = create_console_app(restarted, platform.archive_client)
        Caller(app.test_client(), site.key).ok("POST", "/api/site/heartbeat", {})
        assert _inbox_history(archive_admin, mailbox) == []
        assert Outbox(restarted).pending() == []
    finally:
        restarted.engine.dispose()
    assert platform.archive_client.reset_task(task["id"]) == []  # delivered again: nothing more to reset
    assert _inbox_history(archive_admin, mailbox) == []


def test_read_only_administrators_read_but_never_write(
    reader: Caller, admin: Caller, site: Site, task: dict[str, Any], nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    assert reader.ok("GET", f"/api/tasks/{task['id']}")["id"] == task["id"]
    for method, path, body in [
        ("POST", "/api/tasks", task_body(site, nightly, mfr)),
        ("PATCH", f"/api/tasks/{task['id']}", {"schedule_id": nightly["id"]}),
        ("DELETE", f"/api/tasks/{task['id']}?confirm=true", None),
        ("POST", "/api/schedules", {"name": "x", "spec": {"kind": "one_off", "at": "2027-01-01T00:00:00"}}),
        ("DELETE", f"/api/definitions/{mfr['id']}", None),
        ("POST", "/api/tokens", {"name": "script"}),
    ]:
        reply = reader.call(method, path, json=body)
        assert reply.status == 403, (method, path, reply.body)
    assert len(admin.ok("GET", "/api/tasks")["tasks"]) == 1


def test_api_tokens_authenticate_scripts_with_the_administrators_identity(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    token = admin.ok("POST", "/api/tokens", {"name": "nightly script"}, status=201)["token"]
    script = admin.as_(token)
    created = script.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)
    assert created["information"]["last_modified_by"] == ADMIN
    # logging out ends the session, not the token
    admin.ok("DELETE", "/api/session")
    assert admin.get("/api/tasks").status == 401
    assert script.get("/api/tasks").status == 200


def test_login_refuses_a_wrong_password_without_saying_which_part_was_wrong(anonymous: Caller, admin: Caller) -> None:
    wrong_password = anonymous.post("/api/session", {"email": ADMIN, "password": "nope"})
    unknown_user = anonymous.post("/api/session", {"email": "who@contoso.example", "password": "nope"})
    assert wrong_password.status == unknown_user.status == 401
    assert wrong_password.error == unknown_user.error


def test_sessions_expire(admin: Caller, clock: ManualClock) -> None:
    assert admin.get("/api/tasks").status == 200
    clock.advance(13 * 3600)
    assert admin.get("/api/tasks").status == 401


def test_R9_a_removed_tasks_id_is_never_given_to_a_new_task(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    """On SQLite (AUTOINCREMENT) as on PostgreSQL (a sequence): through the REST API."""
    first = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)["id"]
    second = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)["id"]
    admin.ok("DELETE", f"/api/tasks/{second}?confirm=true")
    admin.ok("DELETE", f"/api/tasks/{first}?confirm=true")
    third = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)["id"]
    assert third > second
    view = admin.ok("GET", f"/api/tasks/{third}")
    assert view["log"] == [] and view["information"]["sequence"] == 0
