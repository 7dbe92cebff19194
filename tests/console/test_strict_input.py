"""Loose input refused through the public APIs, naming the field: JSON booleans are
not integers nor integers booleans; wrong methods are answered 405 with ``Allow``;
the Exchange Folders page keeps the mailbox it is given inside one path segment."""

from __future__ import annotations

from typing import Any

import pytest

from engine.console.wiring import Platform

from .conftest import Caller, Site, task_body


@pytest.mark.parametrize("field", ["schedule_id", "definition_id", "site_id"])
def test_a_boolean_is_no_id_when_a_task_is_created(
    admin: Caller, site: Site, nightly: dict[str, Any], mfr: dict[str, Any], field: str
) -> None:
    reply = admin.post("/api/tasks", {**task_body(site, nightly, mfr), field: True})
    assert reply.status == 400 and reply.error["field"] == field, reply.body
    assert admin.ok("GET", "/api/tasks")["tasks"] == []


def test_a_boolean_is_no_id_when_a_task_changes(admin: Caller, task: dict[str, Any]) -> None:
    reply = admin.patch(f"/api/tasks/{task['id']}", {"schedule_id": True})
    assert reply.status == 400 and reply.error["field"] == "schedule_id", reply.body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "X1", "ews": {"impersonation": 0}}, "ews.impersonation"),
        ({"code": "X2", "enabled": 1}, "enabled"),
        ({"code": "X3", "time_zone": "Europe/Londn"}, "time_zone"),
        ({"code": "-x"}, "code"),
    ],
)
def test_site_fields_take_their_declared_types_only(admin: Caller, body: dict[str, Any], field: str) -> None:
    reply = admin.post("/api/sites", body)
    assert reply.status == 400 and reply.error["field"] == field, reply.body


def test_definition_flags_and_numbers_take_their_declared_types_only(admin: Caller) -> None:
    flag = admin.post("/api/definitions", {"name": "x", "spec": {"type": "mfr", "exclude_inbox": 1}})
    assert flag.status == 400 and flag.error["field"] == "spec.mfr.exclude_inbox"
    number = admin.post(
        "/api/definitions", {"name": "y", "spec": {"type": "msm", "action": "full_stub", "older_than_days": True}}
    )
    assert number.status == 400 and number.error["field"] == "spec.msm.older_than_days"
    # 30.0 is an integer to JSON Schema, and so to the console
    whole = admin.post(
        "/api/definitions", {"name": "z", "spec": {"type": "msm", "action": "full_stub", "older_than_days": 30.0}}
    )
    assert whole.status == 201 and whole.body["spec"]["older_than_days"] == 30


def test_the_site_and_archive_apis_refuse_booleans_for_numbers_too(site: Site, task: dict[str, Any]) -> None:
    ack = site.console.post("/api/site/ack", {"version": True})
    assert ack.status == 400 and ack.error["field"] == "version"
    progress = site.console.post("/api/site/progress", {"task_id": True, "status": "Idle"})
    assert progress.status == 400 and progress.error["field"] == "task_id"
    body = {"task_id": task["id"], "mailbox": "alice@contoso.example", "batch_id": "b", "complete": 1}
    submitted = site.archive.post("/api/submissions", body)
    assert submitted.status == 400 and submitted.error["field"] == "complete"


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/api/tasks", {"GET", "POST"}),
        ("DELETE", "/api/sites", {"GET", "POST"}),
        ("POST", "/api/schedules/1", {"GET", "PUT", "DELETE"}),
    ],
)
def test_405_answers_say_which_methods_the_path_takes(admin: Caller, method: str, path: str, allowed: set[str]) -> None:
    reply = admin.call(method, path)
    assert reply.status == 405 and reply.error["field"] == "request"
    assert allowed <= {m.strip() for m in reply.headers["Allow"].split(",")}


def test_the_archive_answers_405_with_allow_too(archive_admin: Caller) -> None:
    reply = archive_admin.call("DELETE", "/api/submissions")
    assert reply.status == 405 and "POST" in reply.headers["Allow"]


@pytest.mark.parametrize("mailbox", ["x/../../archived/foo", "x%2F..%2F..%2Farchived%2Ffoo", "nobody", "a@b/c"])
def test_exchange_folders_keeps_the_mailbox_in_its_own_path_segment(
    platform: Platform, admin: Caller, mailbox: str
) -> None:
    """A hostile mailbox never reaches another archive route with the console's token:
    it is refused as not an address, with the page still whole."""
    calls: list[str] = []
    client = platform.archive_client
    assert client is not None
    original = client.session.request

    def recording(method: str, url: str, **kwargs: Any) -> Any:
        calls.append(url)
        return original(method, url, **kwargs)

    client.session.request = recording  # type: ignore[method-assign]
    page = admin.client.get(f"/exchange-folders?mailbox={mailbox}", headers={"Authorization": f"Bearer {admin.token}"})
    assert page.status_code == 400  # refused, next to the field (issue 12)
    text = page.get_data(as_text=True)
    assert 'id="mailbox-error"' in text and "is not an email address" in text
    assert 'id="view-name"' not in text  # no view is shown for what is not a mailbox
    assert not any("/archived/" in url for url in calls), calls
