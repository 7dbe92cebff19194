"""The console's forms in a real browser (issue 12 defect 4, defect 6 in part,
Deliver 1 and 4): errors beside their fields in plain words, all at once, every value
kept; a task of each type with each group kind created through New Exchange Task with
a new definition of non-default options, read back through REST and as words on its
page; a definition edited through its page; deleting a schedule or a definition asks
first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect

from engine.console.wiring import Platform
from engine.model import DefinitionIn

from .conftest import Caller, Site, create_definition, create_schedule, task_body
from .test_browser import base_url, browser, log_in, page, readable, submit_form

__all__ = ["base_url", "browser", "page"]  # fixtures, imported so pytest finds them here

# The browser suite is split between the databases (the API suite runs whole on both):
# these pages are seen over PostgreSQL, the others' over SQLite.
pytestmark = pytest.mark.backends("postgresql")


def error_beside(page: Page, field: str) -> Locator:
    """The error shown next to the input named ``field``."""
    return page.locator(f"#error-{field}")


def test_browser_new_task_shows_every_error_beside_its_field_and_keeps_every_choice(
    page: Page, admin: Caller, site: Site
) -> None:
    """Defect 4: one error at a time, in pydantic's words ("name: String should have
    at least 1 character" on a page with two Name fields), and the group kind reset."""
    log_in(page)
    page.click("#new-task")
    page.select_option("#schedule", "new")
    schedule = page.locator("#new-schedule")
    schedule.locator("input[name=new_schedule_name]").fill("Weekends")
    schedule.locator("select[name=new_schedule_kind]").select_option("weekly")
    schedule.locator("input[name=new_schedule_weekdays][value=saturday]").check()
    # no start time: one error; the new definition has no name and no age: two more
    page.select_option("#type", "msm")
    definition = page.locator("#new-definition")
    definition.locator("select[name=new_definition_action]").select_option("attachment_stub")
    definition.locator("input[name=new_definition_attachment_extensions]").fill("pdf")
    definition.locator("input[name=new_definition_msm_dry_run]").check()
    page.check("input[name=group_mode][value=dn]")
    page.fill("#dn", "Sales team")
    page.select_option("select[name=dn_kind]", "ad_distribution_group")
    page.click("#save")

    box = page.locator("#error")
    expect(box).to_contain_text("Please correct these 4 fields")
    expect(error_beside(page, "new_schedule_start")).to_have_text("this is required")
    expect(error_beside(page, "new_definition_name")).to_have_text("this is required")
    expect(error_beside(page, "new_definition_older_than_days")).to_have_text("this is required")
    expect(error_beside(page, "dn")).to_contain_text("“Sales team” is not a valid RDN")
    # each refused input is marked invalid and described by its error (for screen readers)
    for name in ("new_schedule_start", "new_definition_name", "new_definition_older_than_days", "dn"):
        refused = page.locator(f"[name={name}]")
        expect(refused).to_have_attribute("aria-invalid", "true")
        expect(refused).to_have_attribute("aria-describedby", re.compile(rf"\berror-{name}\b"))
    # the two Name fields: the error says which
    expect(box).to_contain_text("New definition: Name")
    expect(box).not_to_contain_text("New schedule: Name")
    expect(error_beside(page, "new_schedule_name")).to_have_count(0)
    for jargon in ("String should", "Value error", "spec.", "Input should"):
        expect(page.locator("main")).not_to_contain_text(jargon)
    readable(page)
    # every value and choice is as it was entered
    expect(page.locator("input[name=group_mode][value=dn]")).to_be_checked()
    expect(page.locator("select[name=dn_kind]")).to_have_value("ad_distribution_group")
    expect(page.locator("#dn")).to_have_value("Sales team")
    expect(page.locator("#type")).to_have_value("msm")
    expect(definition).to_be_visible()
    expect(definition.locator("select[name=new_definition_action]")).to_have_value("attachment_stub")
    expect(definition.locator("input[name=new_definition_attachment_extensions]")).to_have_value("pdf")
    expect(definition.locator("input[name=new_definition_msm_dry_run]")).to_be_checked()
    expect(schedule.locator("select[name=new_schedule_kind]")).to_have_value("weekly")
    expect(schedule.locator("input[name=new_schedule_weekdays][value=saturday]")).to_be_checked()
    expect(schedule.locator("input[name=new_schedule_name]")).to_have_value("Weekends")
    assert admin.ok("GET", "/api/definitions")["definitions"] == []
    assert admin.ok("GET", "/api/schedules")["schedules"] == []


def test_browser_the_address_kind_is_kept_after_a_refused_submit(page: Page, admin: Caller, site: Site) -> None:
    create_schedule(admin)
    create_definition(admin, "MFR")
    log_in(page)
    page.click("#new-task")
    page.check("#mode-address")
    page.fill("#address", "not-an-address")
    page.select_option("select[name=address_kind]", "o365_group")
    page.click("#save")
    expect(error_beside(page, "address")).to_contain_text("“not-an-address” is not a valid email address")
    expect(page.locator("select[name=address_kind]")).to_have_value("o365_group")


def test_browser_the_schedules_and_sites_forms_show_every_error_beside_its_field(page: Page, admin: Caller) -> None:
    log_in(page)
    page.goto("/schedules")
    submit_form(page, "#schedule-form", name=" ", mode="many", start="10:00", end="09:00", interval="15")
    expect(error_beside(page, "name")).to_have_text("this is required")
    expect(error_beside(page, "end")).to_contain_text("end must be after start")
    expect(page.locator("#schedule-form select[name=mode]")).to_have_value("many")
    expect(page.locator("#schedule-form input[name=interval]")).to_have_value("15")
    readable(page)

    page.goto("/sites")
    submit_form(
        page, "#site-form", code="no spaces!", description="Paris", ews_endpoint="ftp://x", time_zone="Mars/Olympus"
    )
    for field, said in (
        ("code", "a site code is 1 to 32 letters"),
        ("time_zone", "is not an IANA time zone"),
        ("ews_endpoint", "the EWS endpoint must be an http(s) URL"),
    ):
        expect(error_beside(page, field)).to_contain_text(said)
    expect(page.locator("#site-form input[name=description]")).to_have_value("Paris")
    expect(page.locator("#site-form input[name=time_zone]")).to_have_value("Mars/Olympus")
    readable(page)


def test_browser_a_refused_task_change_says_so_beside_the_field(
    page: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    gone = create_schedule(admin, "Soon gone")
    log_in(page)
    page.goto(f"/tasks/{task['id']}")
    page.select_option("#change-schedule", label="Soon gone")
    admin.ok("DELETE", f"/api/schedules/{gone['id']}")  # deleted meanwhile, by another administrator
    page.click("#change-save")
    expect(error_beside(page, "schedule_id")).to_have_text(f"no schedule {gone['id']}")
    expect(page.locator("#error")).to_contain_text("Schedule")
    readable(page)


# -- the seed's flows: each type, each group kind, a new definition with non-default options ---


def fill_mfr(box: Locator, p: str) -> dict[str, Any]:
    box.locator(f"input[name={p}exclude_inbox]").check()
    box.locator(f"input[name={p}exclude_sent_items]").check()
    box.locator(f"input[name={p}include_ev_shortcuts]").check()
    for row, (day, start, end) in enumerate((("monday", "08:00", "18:00"), ("saturday", "00:00", "06:30"))):
        box.locator(f"select[name={p}window_weekday-{row}]").select_option(day)
        box.locator(f"input[name={p}window_start-{row}]").fill(start)
        box.locator(f"input[name={p}window_end-{row}]").fill(end)
    return {
        "type": "mfr",
        "exclude_inbox": True,
        "exclude_sent_items": True,
        "include_ev_shortcuts": True,
        "full_sync_exclusion_windows": [
            {"weekday": "monday", "start": "08:00", "end": "18:00"},
            {"weekday": "saturday", "start": "00:00", "end": "06:30"},
        ],
    }


def fill_calendar(box: Locator, p: str) -> dict[str, Any]:
    box.locator(f"select[name={p}include]").select_option("all")
    return {"type": "calendar", "include": "all"}


def fill_msm(box: Locator, p: str) -> dict[str, Any]:
    box.locator(f"select[name={p}action]").select_option("attachment_stub_universal")
    for name, value in (
        ("older_than_days", "90"),
        ("min_size_kb", "100"),
        ("include_folders", "Inbox; Projects"),
        ("exclude_folders", "Projects/Old"),
        ("attachment_extensions", "PDF, .docx"),
        ("min_attachment_size_kb", "50"),
    ):
        box.locator(f"input[name={p}{name}]").fill(value)
    box.locator(f"input[name={p}msm_dry_run]").check()
    return {
        "type": "msm",
        "action": "attachment_stub_universal",
        "older_than_days": 90,
        "min_size_kb": 100,
        "include_folders": ["Inbox", "Projects"],
        "exclude_folders": ["Projects/Old"],
        "attachment_extensions": ["docx", "pdf"],
        "min_attachment_size_kb": 50,
        "dry_run": True,
    }


def fill_managed_folders(box: Locator, p: str) -> dict[str, Any]:
    box.locator(f"select[name={p}pol_default_delete_action]").select_option("soft_delete")
    box.locator(f"input[name={p}pol_default_delete_days]").fill("365")
    box.locator(f"input[name={p}pol_default_delete_unread]").check()
    box.locator(f"input[name={p}pol_inbox_expire_days]").fill("30")
    box.locator(f"select[name={p}pol_junkemail_use]").select_option("own")  # normal retention, said outright
    box.locator(f"input[name={p}mf_name-0]").fill("Legal")
    box.locator(f"input[name={p}pol_mf0_purge_days]").fill("3650")
    box.locator(f"input[name={p}mf_name-1]").fill("Projects")
    box.locator(f"select[name={p}pol_mf1_delete_action]").select_option("hard_delete")
    box.locator(f"input[name={p}pol_mf1_delete_days]").fill("30")
    box.locator(f"input[name={p}pol_mf1_expire_days]").fill("60")
    box.locator(f"input[name={p}mf_dry_run]").check()
    return {
        "type": "managed_folders",
        "default_policy": {"exchange_delete": {"action": "soft_delete", "lifespan_days": 365, "delete_unread": True}},
        "well_known_policies": {"inbox": {"expire_view": {"lifespan_days": 30}}, "junkemail": {}},
        "managed_folders": [
            {"name": "Legal", "policy": {"archive_purge": {"lifespan_days": 3650}}},
            {
                "name": "Projects",
                "policy": {
                    "exchange_delete": {"action": "hard_delete", "lifespan_days": 30},
                    "expire_view": {"lifespan_days": 60},
                },
            },
        ],
        "dry_run": True,
    }


FILL = {"mfr": fill_mfr, "calendar": fill_calendar, "msm": fill_msm, "managed_folders": fill_managed_folders}
DN = "CN=Sales,OU=Groups,DC=contoso,DC=example"
#: how each group kind is entered on the page, and what the task holds then
GROUPS: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "ad_security_group": ({"mode": "dn", "dn": DN, "dn_kind": "ad_security_group"}, {"dn": DN}),
    "ad_distribution_group": ({"mode": "dn", "dn": DN, "dn_kind": "ad_distribution_group"}, {"dn": DN}),
    "o365_group": (
        {"mode": "address", "address": "sales@contoso.example", "address_kind": "o365_group"},
        {"address": "sales@contoso.example"},
    ),
    "single_mailbox": (
        {"mode": "address", "address": "alice@contoso.example", "address_kind": "single_mailbox"},
        {"address": "alice@contoso.example"},
    ),
    "mailbox_list": (
        {"mode": "address", "address": "alice@contoso.example; bob@contoso.example", "address_kind": "auto"},
        {"addresses": ["alice@contoso.example", "bob@contoso.example"]},
    ),
}


@pytest.mark.parametrize(
    ("task_type", "group_kind"),
    [
        ("mfr", "ad_security_group"),
        ("calendar", "ad_distribution_group"),
        ("msm", "o365_group"),
        ("managed_folders", "single_mailbox"),
        ("mfr", "mailbox_list"),
    ],
)
def test_browser_a_task_of_each_type_and_group_kind_with_a_new_definition(
    page: Page, admin: Caller, site: Site, task_type: str, group_kind: str
) -> None:
    create_schedule(admin, "Nightly")
    log_in(page)
    page.click("#new-task")
    page.select_option("#site", label="LON (2.7.0)")
    page.select_option("#type", task_type)
    expect(page.locator("#definition")).to_have_value("new")  # no definition of the type yet
    box = page.locator("#new-definition")
    expect(box.locator(f".def-{task_type}")).to_be_visible()
    for other in set(FILL) - {task_type}:  # only the chosen type's options show
        expect(box.locator(f".def-{other}")).to_be_hidden()
    box.locator("input[name=new_definition_name]").fill(f"New {task_type}")
    entered = FILL[task_type](box, "new_definition_")
    how, holds = GROUPS[group_kind]
    page.check(f"input[name=group_mode][value={how['mode']}]")
    for name, value in how.items():
        if name.endswith("_kind"):
            page.select_option(f"select[name={name}]", value)
        elif name != "mode":
            page.fill(f"input[name={name}]", value)
    page.click("#save")
    page.wait_for_url("**/tasks/*")
    readable(page)

    task = admin.ok("GET", f"/api/tasks/{int(page.url.rsplit('/', 1)[1])}")
    manual = {"chosen_by": "manual"} if "dn" in holds else {}
    assert task["options"]["group"] == {"kind": group_kind, **holds, **manual}
    stored = admin.ok("GET", f"/api/definitions/{task['options']['definition']['id']}")
    expected = DefinitionIn.model_validate({"name": f"New {task_type}", "spec": entered})
    assert stored["spec"] == expected.spec.model_dump(mode="json")
    expect(page.locator("#opt-settings")).to_have_text(definition_words(task_type))


def definition_words(task_type: str) -> str:
    return {
        "mfr": "Exclude Inbox, Sent Items; Enterprise Vault shortcuts included; "
        "no full replication Mon 08:00\u201318:00, Sat 00:00\u201306:30",
        "calendar": "All calendars",
        "msm": "Universal access stub the attachments of messages older than 90 days in Inbox, Projects except in "
        "Projects/Old, larger than 100 KB, attachments of type docx, pdf, attachments of at least 50 KB (dry run)",
        "managed_folders": "Default: Exchange Delete after 365 days (soft delete, unread too); Inbox: Expire View "
        "after 30 days; Junk Email: normal retention; folder “Legal”: Archive Purge after 3650 days; folder "
        "“Projects”: Exchange Delete after 30 days (hard delete), Expire View after 60 days (dry run)",
    }[task_type]


# -- Edit, and Delete with a confirmation ------------------------------------------------------------


def test_browser_a_definition_edited_through_its_page_reaches_its_task(
    page: Page, admin: Caller, site: Site, platform: Platform
) -> None:
    schedule = create_schedule(admin)
    definition = create_definition(admin, "Mail", {"type": "mfr", "exclude_inbox": True})
    task = admin.ok("POST", "/api/tasks", task_body(site, schedule, definition), status=201)
    version = site.console.ok("GET", "/api/site/config")["version"]
    site.console.ok("POST", "/api/site/ack", {"version": version})
    log_in(page)
    page.goto("/definitions")
    row = page.locator("#definition-list tr", has_text="Mail")
    expect(row).to_contain_text("Exclude Inbox")
    row.locator("a", has_text="Edit").click()
    form = page.locator("#definition-form")
    expect(form.locator("input[name=exclude_inbox]")).to_be_checked()  # it starts from what is stored
    form.locator("input[name=exclude_inbox]").uncheck()
    form.locator("input[name=exclude_deleted_items]").check()
    form.locator("select[name=window_weekday-0]").select_option("sunday")
    form.locator("input[name=window_start-0]").fill("01:00")
    form.locator("input[name=window_end-0]").fill("05:00")
    page.click("#definition-save")
    page.wait_for_url("**/definitions")
    expect(page.locator("#notice")).to_contain_text("Definition “Mail” saved; 1 task gets it")
    expect(page.locator("#definition-list tr", has_text="Mail")).to_contain_text(
        "Exclude Deleted Items; no full replication Sun 01:00\u201305:00"
    )
    spec = admin.ok("GET", f"/api/definitions/{definition['id']}")["spec"]
    assert (spec["exclude_inbox"], spec["exclude_deleted_items"]) == (False, True)
    assert spec["full_sync_exclusion_windows"] == [{"weekday": "sunday", "start": "01:00:00", "end": "05:00:00"}]
    # T1/T2: the task is Pending until its site takes the new configuration, which holds the change
    assert admin.ok("GET", f"/api/tasks/{task['id']}")["information"]["status"] == "Pending"
    [sent] = site.console.ok("GET", "/api/site/config")["tasks"]
    assert sent["definition"]["exclude_deleted_items"] is True

    # a definition a task uses keeps its type (as the REST API's PUT refuses it)
    page.goto(f"/definitions/{definition['id']}/edit")
    page.select_option("#definition-type", "calendar")
    expect(page.locator(".def-calendar")).to_be_visible()  # the chosen type's options, and only them
    expect(page.locator(".def-mfr")).to_be_hidden()
    page.click("#definition-save")
    expect(error_beside(page, "type")).to_contain_text("a definition used by tasks keeps its type")
    expect(page.locator("#definition-type")).to_have_value("calendar")
    assert admin.ok("GET", f"/api/definitions/{definition['id']}")["type"] == "mfr"
    readable(page)


@pytest.mark.parametrize("kind", ["schedules", "definitions"])
def test_browser_deleting_an_unused_schedule_or_definition_asks_first(page: Page, admin: Caller, kind: str) -> None:
    """Defect 6: Delete removed it at once; now a page asks, Cancel keeps it, Delete
    removes it and says so."""
    made = create_schedule(admin, "Spare") if kind == "schedules" else create_definition(admin, "Spare")
    log_in(page)
    page.goto(f"/{kind}")
    listing = page.locator(f"#{kind[:-1]}-list")
    listing.locator("tr", has_text="Spare").locator("button[name=delete]").click()
    expect(page.locator("h1")).to_contain_text("Spare")
    expect(page.locator("#delete-warning")).to_contain_text("cannot be undone")
    assert admin.get(f"/api/{kind}/{made['id']}").status == 200  # asking deleted nothing
    page.click("#delete-cancel")
    page.wait_for_url(f"**/{kind}")
    assert admin.get(f"/api/{kind}/{made['id']}").status == 200
    listing.locator("tr", has_text="Spare").locator("button[name=delete]").click()
    page.click("#delete-ok")
    page.wait_for_url(f"**/{kind}")
    expect(page.locator("#notice")).to_have_text(f"{kind[:-1].capitalize()} “Spare” deleted.")
    expect(listing).not_to_contain_text("Spare")
    assert admin.get(f"/api/{kind}/{made['id']}").status == 404
    readable(page)
