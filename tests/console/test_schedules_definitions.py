"""domain.md §1 Schedule and Definition: validation (T5), reuse, and delete refused
while any task uses them (naming those tasks)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.console.pages import schedule_text

from .conftest import Caller, Site, acknowledge, create_definition, create_schedule, task_body

DAILY_MANY = {"kind": "daily", "times": {"mode": "many", "start": "08:00", "end": "18:00", "interval_minutes": 60}}


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        # T5: end > start; 1 <= interval <= end - start
        ({"kind": "daily", "times": {"mode": "many", "start": "10:00", "end": "10:00", "interval_minutes": 5}}, "spec"),
        ({"kind": "daily", "times": {"mode": "many", "start": "10:00", "end": "09:00", "interval_minutes": 5}}, "spec"),
        ({"kind": "daily", "times": {"mode": "many", "start": "10:00", "end": "11:00", "interval_minutes": 0}}, "spec"),
        (
            {"kind": "daily", "times": {"mode": "many", "start": "10:00", "end": "11:00", "interval_minutes": 61}},
            "spec",
        ),
        ({"kind": "daily", "times": {"mode": "many", "start": "10:00"}}, "spec"),
        ({"kind": "daily", "times": {"mode": "once", "start": "25:00"}}, "spec"),
        ({"kind": "weekly", "weekdays": [], "times": {"start": "02:00"}}, "spec"),
        ({"kind": "weekly", "weekdays": ["funday"], "times": {"start": "02:00"}}, "spec"),
        ({"kind": "one_off", "at": "2026-03-05T10:00:00+01:00"}, "spec"),
        ({"kind": "monthly"}, "spec"),
    ],
)
def test_T5_invalid_schedules_are_refused_naming_the_field(admin: Caller, spec: dict[str, Any], field: str) -> None:
    reply = admin.post("/api/schedules", {"name": "Bad", "spec": spec})
    assert reply.status == 400, reply.body
    assert reply.error["field"].startswith(field)
    assert admin.ok("GET", "/api/schedules")["schedules"] == []  # nothing half-written


def test_T5_daily_many_schedule_interval_may_equal_the_span(admin: Caller) -> None:
    spec = {"kind": "daily", "times": {"mode": "many", "start": "10:00", "end": "11:00", "interval_minutes": 60}}
    assert create_schedule(admin, "Edges", spec)["spec"]["times"]["interval_minutes"] == 60


def test_T5_next_occurrence_is_in_the_site_time_zone(admin: Caller, site: Site, mfr: dict[str, Any]) -> None:
    # 2026-03-02 09:00 UTC is 09:00 in London (GMT); daily many 08:00-18:00 hourly → 10:00 local
    hourly = create_schedule(admin, "Hourly", DAILY_MANY)
    created = admin.ok("POST", "/api/tasks", task_body(site, hourly, mfr), status=201)
    acknowledge(site)
    info = admin.ok("GET", f"/api/tasks/{created['id']}")["information"]
    assert info["next_occurrence"] == "2026-03-02T10:00:00+00:00"


def test_T5_one_off_weekly_and_daily_once_schedules_are_kept_as_given(admin: Caller) -> None:
    one_off = create_schedule(admin, "Once", {"kind": "one_off", "at": "2026-03-05T22:30:00"})
    assert one_off["spec"] == {"kind": "one_off", "at": "2026-03-05T22:30:00"}
    weekly = create_schedule(
        admin, "Weekends", {"kind": "weekly", "weekdays": ["sunday", "saturday", "sunday"], "times": {"start": "03:00"}}
    )
    assert weekly["spec"]["weekdays"] == ["saturday", "sunday"]  # unique, in week order
    assert admin.ok("GET", f"/api/schedules/{weekly['id']}")["name"] == "Weekends"


def test_schedule_names_are_unique(admin: Caller, nightly: dict[str, Any]) -> None:
    reply = admin.post("/api/schedules", {"name": "NIGHTLY", "spec": DAILY_MANY})
    assert reply.status == 409 and reply.error["field"] == "name"


def test_schedule_used_by_a_task_cannot_be_deleted_and_the_error_names_the_tasks(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any]
) -> None:
    first = admin.ok("POST", "/api/tasks", task_body(site, nightly, mfr), status=201)
    second = admin.ok(
        "POST",
        "/api/tasks",
        task_body(site, nightly, mfr, group={"kind": "single_mailbox", "address": "bob@contoso.example"}),
        status=201,
    )
    reply = admin.delete(f"/api/schedules/{nightly['id']}")
    assert reply.status == 409
    assert f"task {first['id']}" in reply.error["message"] and f"task {second['id']}" in reply.error["message"]
    assert admin.ok("GET", f"/api/schedules/{nightly['id']}")["tasks"] == [first["id"], second["id"]]
    # once nothing uses it, it goes
    for t in (first, second):
        admin.ok("DELETE", f"/api/tasks/{t['id']}?confirm=true")
    assert admin.ok("DELETE", f"/api/schedules/{nightly['id']}") == {"deleted": nightly["id"]}
    assert admin.get(f"/api/schedules/{nightly['id']}").status == 404


def test_schedule_change_reschedules_its_tasks(
    admin: Caller, site: Site, task: dict[str, Any], nightly: dict[str, Any]
) -> None:
    acknowledge(site)
    admin.ok("PUT", f"/api/schedules/{nightly['id']}", {"name": "Nightly", "spec": DAILY_MANY})
    info = admin.ok("GET", f"/api/tasks/{task['id']}")["information"]
    assert info["status"] == "Pending"  # until the site has the new schedule
    assert info["last_modified_by"] == "admin@contoso.example"
    config = site.console.ok("GET", "/api/site/config")
    times = config["tasks"][0]["schedule"]["times"]
    assert (times["mode"], times["start"], times["end"], times["interval_minutes"]) == (
        "many",
        "08:00:00",
        "18:00:00",
        60,
    )
    acknowledge(site)
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["next_occurrence"] == "2026-03-02T10:00:00+00:00"


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"type": "mfr", "exclude_inbox": "maybe"}, "spec.mfr.exclude_inbox"),
        ({"type": "calendar", "include": "some"}, "spec.calendar.include"),
        ({"type": "msm", "action": "shred", "older_than_days": 30}, "spec.msm.action"),
        ({"type": "msm", "action": "message_delete", "older_than_days": 0}, "spec.msm.older_than_days"),
        ({"type": "msm", "action": "full_stub", "older_than_days": 9, "attachment_extensions": ["pdf"]}, "spec.msm"),
        (
            {"type": "managed_folders", "well_known_policies": {"calendar": {}}},
            "spec.managed_folders.well_known_policies",
        ),
        (
            {
                "type": "managed_folders",
                "managed_folders": [{"name": "Keep", "policy": {}}, {"name": "keep", "policy": {}}],
            },
            "spec.managed_folders.managed_folders",
        ),
        (
            {
                "type": "mfr",
                "full_sync_exclusion_windows": [{"weekday": "monday", "start": "09:00", "end": "08:00"}],
            },
            "spec.mfr.full_sync_exclusion_windows",
        ),
        ({"type": "archive_everything"}, "spec"),
    ],
)
def test_definition_validation_names_the_field(admin: Caller, spec: dict[str, Any], field: str) -> None:
    reply = admin.post("/api/definitions", {"name": "Bad", "spec": spec})
    assert reply.status == 400, reply.body
    assert reply.error["field"].startswith(field), reply.error


def test_definition_defaults_follow_the_spec(admin: Caller) -> None:
    mfr = create_definition(admin, "MFR", {"type": "mfr"})["spec"]
    # every folder included, EV shortcuts skipped, no windows
    assert mfr == {
        "type": "mfr",
        "exclude_inbox": False,
        "exclude_sent_items": False,
        "exclude_deleted_items": False,
        "include_ev_shortcuts": False,
        "full_sync_exclusion_windows": [],
    }
    assert create_definition(admin, "CAL", {"type": "calendar"})["spec"]["include"] == "default"
    managed = create_definition(admin, "MF", {"type": "managed_folders"})["spec"]
    assert managed["default_policy"] == {"exchange_delete": None, "expire_view": None, "archive_purge": None}
    stub = create_definition(
        admin,
        "Stub",
        {"type": "msm", "action": "attachment_stub", "older_than_days": 90, "attachment_extensions": [".PDF", "pdf"]},
    )
    assert stub["spec"]["attachment_extensions"] == ["pdf"]
    assert [d["name"] for d in admin.ok("GET", "/api/definitions?type=calendar")["definitions"]] == ["CAL"]


def test_definition_used_by_a_task_cannot_be_deleted_and_the_error_names_the_task(
    admin: Caller, task: dict[str, Any], mfr: dict[str, Any]
) -> None:
    reply = admin.delete(f"/api/definitions/{mfr['id']}")
    assert reply.status == 409 and f"task {task['id']}" in reply.error["message"]
    assert admin.ok("GET", f"/api/definitions/{mfr['id']}")["name"] == mfr["name"]


def test_definition_in_use_keeps_its_type(admin: Caller, task: dict[str, Any], mfr: dict[str, Any]) -> None:
    reply = admin.put(f"/api/definitions/{mfr['id']}", {"name": mfr["name"], "spec": {"type": "calendar"}})
    assert reply.status == 409 and reply.error["field"] == "spec.type"
    # a same-type edit is fine and reaches the task's Options
    admin.ok(
        "PUT", f"/api/definitions/{mfr['id']}", {"name": mfr["name"], "spec": {"type": "mfr", "exclude_inbox": True}}
    )
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["options"]["definition"]["spec"]["exclude_inbox"] is True


@pytest.mark.parametrize(
    ("spec", "text"),
    [
        ({"kind": "one_off", "at": "2026-03-05T22:30:00"}, "Once on 2026-03-05 at 22:30"),
        ({"kind": "daily", "times": {"mode": "once", "start": "02:00:00"}}, "Daily at 02:00"),
        (DAILY_MANY, "Daily every 60 min from 08:00 to 18:00"),
        (
            {"kind": "weekly", "weekdays": ["monday", "friday"], "times": {"mode": "once", "start": "23:15:00"}},
            "Weekly on Mon, Fri, at 23:15",
        ),
    ],
)
def test_schedules_read_as_administrators_expect(spec: dict[str, Any], text: str) -> None:
    assert schedule_text(spec) == text
