"""The pages' forms without a browser: a definition's settings read as words
(definition_text), the Edit page starts from every stored option, and the page shows
only the chosen type's options before any script runs (issue 12, Deliver 1)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from engine.console.pages.definition_form import definition_values, read_definition
from engine.console.pages.fields import FormInvalid
from engine.console.pages.forms import definition_from_form, schedule_from_form
from engine.console.pages.text import definition_text
from engine.console.wiring import Platform
from engine.model import DefinitionIn

from .conftest import ADMIN, PASSWORD, Caller, create_definition

MFR = {
    "type": "mfr",
    "exclude_inbox": True,
    "exclude_sent_items": True,
    "include_ev_shortcuts": True,
    "full_sync_exclusion_windows": [
        {"weekday": "monday", "start": "08:00", "end": "18:00"},
        {"weekday": "saturday", "start": "00:00", "end": "06:30"},
    ],
}
MSM = {
    "type": "msm",
    "action": "attachment_stub",
    "older_than_days": 90,
    "min_size_kb": 100,
    "include_folders": ["Inbox", "Projects"],
    "exclude_folders": ["Projects/Old"],
    "attachment_extensions": ["docx", "pdf"],
    "min_attachment_size_kb": 50,
    "dry_run": True,
}
MANAGED = {
    "type": "managed_folders",
    "default_policy": {"exchange_delete": {"action": "move_to_deleted_items", "lifespan_days": 365}},
    "well_known_policies": {"inbox": {"expire_view": {"lifespan_days": 30}}, "deleteditems": {}},
    "managed_folders": [
        {"name": "Legal", "policy": {"archive_purge": {"lifespan_days": 3650}}},
        {
            "name": "Projects",
            "policy": {
                "exchange_delete": {"action": "hard_delete", "lifespan_days": 30, "delete_unread": True},
                "expire_view": {"lifespan_days": 60},
            },
        },
    ],
    "dry_run": True,
}
SPECS = [MFR, {"type": "calendar", "include": "all"}, MSM, MANAGED, {"type": "mfr"}]


def test_definition_text_reads_each_type_as_words() -> None:
    assert definition_text(MFR) == (
        "Exclude Inbox, Sent Items; Enterprise Vault shortcuts included; "
        "no full replication Mon 08:00\u201318:00, Sat 00:00\u201306:30"
    )
    assert definition_text({"type": "mfr"}) == "All folders"
    assert definition_text({"type": "calendar", "include": "default"}) == "The default calendar"
    assert definition_text({"type": "calendar", "include": "all"}) == "All calendars"
    assert definition_text({"type": "msm", "action": "full_stub", "older_than_days": 90, "min_size_kb": 100,
                            "include_folders": ["Inbox"], "dry_run": True}) == (
        "Full stub messages older than 90 days in Inbox, larger than 100 KB (dry run)"
    )  # fmt: skip
    assert definition_text(MSM) == (
        "Stub the attachments of messages older than 90 days in Inbox, Projects except in Projects/Old, "
        "larger than 100 KB, attachments of type docx, pdf, attachments of at least 50 KB (dry run)"
    )
    assert definition_text(MANAGED) == (
        "Default: Exchange Delete after 365 days (move to Deleted Items); Inbox: Expire View after 30 days; "
        "Deleted Items: normal retention; folder “Legal”: Archive Purge after 3650 days; folder “Projects”: "
        "Exchange Delete after 30 days (hard delete, unread too), Expire View after 60 days (dry run)"
    )
    assert definition_text({"type": "managed_folders"}) == "Default: normal retention"
    reordered = {**MANAGED, "well_known_policies": dict(reversed(MANAGED["well_known_policies"].items()))}
    assert definition_text(reordered) == definition_text(MANAGED)  # well-known folders in Outlook's order


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: str(s["type"]))
def test_the_edit_form_starts_from_every_stored_option(spec: dict[str, Any]) -> None:
    """A stored definition written as the form's values reads back as itself (nothing
    the Edit page shows is lost on Save)."""
    stored = DefinitionIn.model_validate({"name": "Stored", "spec": spec})
    for prefix in ("", "new_definition_"):
        values = definition_values("Stored", stored.spec.model_dump(mode="json"), prefix)
        read, reader = read_definition(values, spec["type"], prefix)
        assert reader.problems == []
        assert read == stored


def test_a_form_with_several_mistakes_names_each_field_in_plain_words() -> None:
    """Issue 12 defect 4: pydantic's "String should have at least 1 character" and
    "Value error, …" and only the first error — now each field with its own words."""
    form = _multi(
        {
            "new_schedule_name": " ",
            "new_schedule_mode": "many",
            "new_schedule_start": "10:00",
            "new_schedule_end": "09:00",
            "new_schedule_interval": "30",
        }
    )
    with pytest.raises(FormInvalid) as refused:
        schedule_from_form(form, "new_schedule_")
    said = {p.field: (p.label, p.message) for p in refused.value.problems}
    assert said == {
        "new_schedule_name": ("New schedule: Name", "this is required"),
        "new_schedule_end": ("New schedule: End", "end must be after start (T5)"),
    }
    form = _multi({"name": "x", "action": "full_stub", "older_than_days": "0", "window_weekday-0": "monday"})
    with pytest.raises(FormInvalid) as refused:
        definition_from_form(form, "msm")
    assert {p.field: p.message for p in refused.value.problems} == {"older_than_days": "enter 1 or more"}
    windows = _multi({"name": "x", "window_weekday-0": "", "window_weekday-1": "friday", "window_start-1": "18:00",
                      "window_end-1": "08:00", "window_weekday-2": "sunday", "window_end-2": "07:00"})  # fmt: skip
    with pytest.raises(FormInvalid) as refused:
        definition_from_form(windows, "mfr")
    assert {p.field: p.message for p in refused.value.problems} == {
        "window_end-1": "the window must end after it starts",
        "window_start-2": "this is required",
    }
    assert [p.label for p in refused.value.problems] == [
        "Full-sync exclusion window: to (row 2)",
        "Full-sync exclusion window: from (row 3)",
    ]


def test_a_managed_folders_policy_error_is_at_its_field() -> None:
    form = _multi({"name": "x", "pol_inbox_delete_days": "30", "mf_name-0": "", "pol_mf0_expire_days": "5"})
    with pytest.raises(FormInvalid) as refused:
        definition_from_form(form, "managed_folders")
    assert [(p.field, p.label, p.message) for p in refused.value.problems] == [
        ("pol_inbox_delete_action", "Inbox policy: Exchange Delete action", "choose what Exchange Delete does"),
        ("mf_name-0", "Managed folder name (row 1)", "this is required"),
    ]


def _multi(values: dict[str, str]) -> MultiDict[str, str]:
    return MultiDict(values)


# -- the pages, as served (no script runs here) ---------------------------------------------------


def logged_in(platform: Platform) -> FlaskClient:
    client = platform.console.test_client()
    form = client.get("/login").get_data(as_text=True)  # the login form's own token (defect 7: CSRF)
    token = re.search(r'name="csrf" value="([^"]+)"', form)
    assert token, form
    answer = client.post("/login", data={"csrf": token.group(1), "email": ADMIN, "password": PASSWORD})
    assert answer.status_code == 302, answer.data
    return client


def shown_types(html: str) -> list[str]:
    """The definition types whose fieldset the page shows (not hidden)."""
    return [m.group(1) for m in re.finditer(r'<fieldset class="def def-(\w+)"\s*>', html)]


def test_without_script_only_the_chosen_types_options_show(platform: Platform, admin: Caller) -> None:
    client = logged_in(platform)
    assert shown_types(client.get("/definitions").text) == ["mfr"]
    assert shown_types(client.get("/tasks/new?type=msm").text) == ["msm"]
    definition = create_definition(admin, "Stubs", MSM)
    edit = client.get(f"/definitions/{definition['id']}/edit").text
    assert shown_types(edit) == ["msm"]
    assert re.search(r'<fieldset class="msm-attachment"\s*>', edit)  # its action is an attachment stub
    assert 'value="Inbox; Projects"' in edit and 'value="docx, pdf"' in edit
    listing = client.get("/definitions").text
    assert "Stub the attachments of messages older than 90 days" in listing
    assert "{&#34;" not in listing and '{"type"' not in listing  # never the JSON


def test_recent_activity_names_its_task_and_links_it_while_the_task_exists(
    platform: Platform, admin: Caller, site: Any, task: dict[str, Any]
) -> None:
    """The dashboard's activity says "Task 1" and links to it (not a bare number); once
    the task is removed its lines stay, marked removed, with no link to a 404."""
    line = f"MMS [LON] executing task {task['id']}"
    site.console.ok("POST", "/api/site/log", {"task_id": task["id"], "lines": [line]})
    client = logged_in(platform)
    page = client.get("/exchange-services").get_data(as_text=True)
    assert f'<a href="/tasks/{task["id"]}">Task {task["id"]}</a>' in page
    admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")
    page = client.get("/exchange-services").get_data(as_text=True)
    assert f"Task {task['id']} (removed)" in page and f'href="/tasks/{task["id"]}"' not in page
