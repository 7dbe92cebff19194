"""The Administration Console pages in a real headless Chromium (Debian's `chromium`,
driven by Playwright), against the console served by waitress over HTTP: log in,
create a task through the form, read its Information, change its schedule, remove it
through the confirmation, and switch an Exchange Folders view between Live and Full.

The browser is found as $SYNCENG_CHROMIUM, else `chromium` on PATH; without one these
tests fail (they are not skipped): `.ci/run` installs it."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from engine.console.wiring import Platform
from mockews.server import ServerThread

from . import pagecheck
from .conftest import ADMIN, PASSWORD, Caller, Site, create_definition, create_schedule

# The browser suite is split between the databases (the API suite runs whole on both):
# these pages are seen over SQLite, the others' over PostgreSQL.
pytestmark = pytest.mark.backends("sqlite")

CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium_path() -> str:
    path = os.environ.get("SYNCENG_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        pytest.fail("no Chromium found: install Debian's `chromium` (apt-get install chromium) or set SYNCENG_CHROMIUM")
    return path


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def base_url(platform: Platform) -> Iterator[str]:
    with ServerThread(platform.wsgi(), threads=4) as server:
        yield server.url


@pytest.fixture
def page(browser: Browser, base_url: str, admin: Caller) -> Iterator[Page]:
    context = browser.new_context(base_url=base_url)
    context.set_default_timeout(15_000)
    opened = context.new_page()
    yield opened
    context.close()


def log_in(page: Page) -> None:
    page.goto("/tasks")  # an anonymous visit goes to the login page, and back after
    assert page.url.endswith("/login?next=/tasks"), page.url
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.click("#login button[type=submit]")
    page.wait_for_url("**/tasks")
    expect(page.locator("header .who")).to_contain_text(ADMIN)


def readable(page: Page) -> None:
    """What a person sees holds no Python internals and no empty error box (issue 12:
    the pages once showed ``<built-in method items …>`` and a red box holding ":");
    tests/console/pagecheck.py has these checks and more (test_pages_seen.py)."""
    seen = pagecheck.Seen.of(page)
    found = pagecheck.python_internals(seen) + pagecheck.empty_error_boxes(seen)
    assert not found, "\n".join(found)


def submit_form(page: Page, form: str, **fields: str) -> None:
    """Fill a form as a person does — inputs typed, selects chosen, in the order given —
    and submit it."""
    within = page.locator(form)
    for name, value in fields.items():
        select = within.locator(f"select[name={name}]")
        if select.count():
            select.select_option(value)
        else:
            within.locator(f"input[name={name}]").fill(value)
    within.locator("button[type=submit]").click()


def test_browser_login_create_read_change_and_remove_a_task(
    page: Page, admin: Caller, site: Site, platform: Platform
) -> None:
    create_schedule(admin, "Nightly")
    create_definition(admin, "Existing MFR")
    log_in(page)

    # New Exchange Task, with a new schedule and a new definition created on the way
    page.click("#new-task")
    page.select_option("#site", label="LON (2.7.0)")
    page.select_option("#schedule", "new")
    new_schedule = page.locator("#new-schedule")
    expect(new_schedule).to_be_visible()
    new_schedule.locator("input[name=new_schedule_name]").fill("Weekday mornings")
    new_schedule.locator("select[name=new_schedule_kind]").select_option("weekly")
    new_schedule.locator("input[name=new_schedule_start]").fill("03:30")
    for day in ("monday", "tuesday", "wednesday", "thursday", "friday"):
        new_schedule.locator(f"input[name=new_schedule_weekdays][value={day}]").check()
    page.select_option("#type", "mfr")
    page.select_option("#definition", "new")
    new_definition = page.locator("#new-definition")
    expect(new_definition).to_be_visible()
    new_definition.locator("input[name=new_definition_name]").fill("Keep deleted items out")
    new_definition.locator("input[name=new_definition_exclude_deleted_items]").check()
    page.check("#mode-address")
    page.fill("#address", " alice@contoso.example ; bob@contoso.example;alice@contoso.example")
    page.click("#save")
    page.wait_for_url("**/tasks/*")
    task_id = int(page.url.rsplit("/", 1)[1])

    # its Options and Information
    expect(page.locator("#opt-schedule")).to_have_text("Weekday mornings")
    expect(page.locator("#options")).to_contain_text("Weekly on Mon, Tue, Wed, Thu, Fri, at 03:30")
    expect(page.locator("#opt-definition")).to_have_text("Keep deleted items out")
    expect(page.locator("#options")).to_contain_text("alice@contoso.example; bob@contoso.example")
    expect(page.locator("#info-status")).to_have_text("Pending")
    expect(page.locator("#info-modified-by")).to_have_text(ADMIN)
    expect(page.locator("#info-sequence")).to_have_text("0")

    # done when: the task is in its site's config download, and once acknowledged it
    # shows Scheduled with its next occurrence (Tuesday 03:30 London = 03:30 UTC in March)
    config = site.console.ok("GET", "/api/site/config")
    [downloaded] = [t for t in config["tasks"] if t["id"] == task_id]
    assert downloaded["schedule"]["weekdays"] == ["monday", "tuesday", "wednesday", "thursday", "friday"]
    assert downloaded["definition"]["exclude_deleted_items"] is True
    assert downloaded["group"] == {
        "kind": "mailbox_list",
        "addresses": ["alice@contoso.example", "bob@contoso.example"],
    }
    site.console.ok("POST", "/api/site/ack", {"version": config["version"]})
    page.reload()
    expect(page.locator("#info-status")).to_have_text("Scheduled")
    next_run = page.locator("#info-next time")
    expect(next_run).to_have_attribute("datetime", "2026-03-03T03:30:00+00:00")
    expect(next_run).to_have_text("Tue 3 Mar 2026 03:30 Europe/London")  # in the site's zone

    # change its schedule
    page.select_option("#change-schedule", label="Nightly")
    page.click("#change-save")
    page.wait_for_url(f"**/tasks/{task_id}")
    expect(page.locator("#opt-schedule")).to_have_text("Nightly")
    expect(page.locator("#info-status")).to_have_text("Pending")
    assert admin.ok("GET", f"/api/tasks/{task_id}")["options"]["schedule"]["name"] == "Nightly"

    # Remove Task: the warning, Cancel keeps it, OK removes it
    dialog = page.locator("#remove-dialog")
    expect(dialog).to_be_hidden()
    page.click("#remove-task")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Full View")
    page.click("#remove-cancel")
    expect(dialog).to_be_hidden()
    assert admin.get(f"/api/tasks/{task_id}").status == 200
    page.click("#remove-task")
    page.click("#remove-ok")
    page.wait_for_url("**/tasks")
    assert admin.get(f"/api/tasks/{task_id}").status == 404
    assert site.console.ok("GET", "/api/site/config")["tasks"] == []


def test_browser_new_task_errors_name_the_field_and_create_nothing(page: Page, admin: Caller, site: Site) -> None:
    log_in(page)
    page.click("#new-task")
    page.select_option("#schedule", "new")
    page.locator("input[name=new_schedule_name]").fill("Half written?")
    page.locator("input[name=new_schedule_start]").fill("01:00")
    page.select_option("#type", "mfr")
    page.select_option("#definition", "new")
    page.locator("input[name=new_definition_name]").fill("Should not exist")
    page.check("#mode-address")
    page.fill("#address", "alice@contoso.example; not-an-address")
    page.click("#save")
    expect(page.locator("#error")).to_contain_text("Group email address")
    expect(page.locator("#error")).to_contain_text("not-an-address")
    # what was typed is still there, and nothing was created
    expect(page.locator("#address")).to_have_value("alice@contoso.example; not-an-address")
    assert admin.ok("GET", "/api/schedules")["schedules"] == []
    assert admin.ok("GET", "/api/definitions")["definitions"] == []
    assert admin.ok("GET", "/api/tasks")["tasks"] == []


def test_browser_new_task_refused_by_a_console_rule_leaves_no_new_schedule(
    page: Page, admin: Caller, old_site: Site
) -> None:
    """The 2.7 gate refuses the task after the new schedule passed validation: the
    schedule must not be left behind."""
    create_definition(admin, "MFR")
    log_in(page)
    page.click("#new-task")
    page.select_option("#site", label="OLD (2.6.0)")
    page.select_option("#schedule", "new")
    page.locator("input[name=new_schedule_name]").fill("Orphan?")
    page.locator("input[name=new_schedule_start]").fill("01:00")
    page.select_option("#type", "mfr")
    page.check("#mode-address")
    page.fill("#address", "alice@contoso.example")
    page.click("#save")
    expect(page.locator("#error")).to_contain_text("2.7")
    assert admin.ok("GET", "/api/schedules")["schedules"] == []


def test_browser_lookup_from_ad_picks_a_group_from_the_directory_copy(page: Page, admin: Caller, site: Site) -> None:
    dn = "CN=Finance,OU=Groups,DC=contoso,DC=example"
    site.console.ok(
        "POST", "/api/site/directory", {"groups": [{"id": "g1", "name": "Finance", "dn": dn, "kind": "security"}]}
    )
    create_schedule(admin, "Nightly")
    create_definition(admin, "MFR")
    log_in(page)
    page.click("#new-task")
    page.select_option("#type", "mfr")
    page.check("input[name=group_mode][value=lookup]")
    assert page.locator("#ad-groups option").evaluate_all("os => os.map(o => o.value)") == [dn]
    page.fill("#lookup_dn", dn)
    page.click("#save")
    page.wait_for_url("**/tasks/*")
    expect(page.locator("#options")).to_contain_text(f"AD security group: {dn}")


def seed_archive(site: Site, task_id: int) -> None:
    """The R3 example in three runs: x moves Inbox → A, then is hard-deleted."""
    mailbox = "alice@contoso.example"
    folders = [
        {"id": "root", "name": "Top of Information Store"},
        {"id": "inbox", "name": "Inbox", "parent_id": "root", "well_known": "inbox"},
        {"id": "a", "name": "Projects", "parent_id": "inbox"},
    ]
    runs: list[dict[str, Any]] = [
        {"folders": folders, "placements": [{"item": "x", "folder_id": "inbox"}, {"item": "y", "folder_id": "a"}]},
        {
            "placements": [{"item": "x", "folder_id": "a"}],
            "removed_placements": [{"item": "x", "folder_id": "inbox", "reason": "moved"}],
        },
        {"removed_placements": [{"item": "x", "folder_id": "a", "reason": "deleted"}]},
    ]
    for n, run in enumerate(runs):
        body = {"task_id": task_id, "mailbox": mailbox, "batch_id": f"run{n}", "complete": True, **run}
        site.archive.ok("POST", "/api/submissions", body)


def test_browser_exchange_folders_switch_between_live_and_full_view(
    page: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    seed_archive(site, task_id=task["id"])  # the console's task for Alice, as the site would submit
    log_in(page)
    page.goto("/exchange-folders")
    page.fill("input[name=mailbox]", "alice@contoso.example")
    page.click("#show")
    expect(page.locator("#view-name")).to_have_text("Live View of alice@contoso.example")
    tree = page.locator("#tree")
    expect(tree).to_contain_text("Inbox")
    expect(tree).to_contain_text("Projects")
    page.click("#tree a:has-text('Projects')")
    expect(page.locator("#listing")).to_contain_text("y")
    expect(page.locator("#listing tr")).to_have_count(2)  # header + y: x was deleted
    expect(tree.locator("li", has_text="Projects")).to_contain_text("1 item")  # y: one message
    readable(page)

    page.check("#view-full")
    page.click("#show")
    expect(page.locator("#view-name")).to_have_text("Full View of alice@contoso.example")
    page.click("#tree a:has-text('Projects')")
    listing = page.locator("#listing")
    expect(listing.locator("tr")).to_have_count(3)  # x (deleted, its last location) and y
    expect(listing.locator("tr.deleted")).to_contain_text("x")
    expect(page.locator("#tree li", has_text="Projects")).to_contain_text("2 items")  # x and y were there
    readable(page)
    page.click("#tree a:has-text('Inbox')")
    expect(page.locator("#listing")).to_contain_text("x")  # where x was first seen
    # the tree nests folders under their parents
    inbox = page.locator("#tree li", has_text="Inbox")
    projects = page.locator("#tree li", has_text="Projects")
    assert projects.evaluate("e => parseFloat(e.style.paddingLeft)") > inbox.evaluate(
        "e => parseFloat(e.style.paddingLeft)"
    )


def test_browser_sites_page_shows_a_new_binding_key_once_and_toggles_enabled(
    page: Page, admin: Caller, platform: Platform
) -> None:
    log_in(page)
    page.goto("/sites")
    submit_form(page, "#site-form", code="PAR", description="Paris office", time_zone="Europe/Paris")
    key = page.locator("#binding-key code").inner_text()
    assert key.startswith("site_")
    # the key works for the site API and the archive, and is never shown again
    site_caller = Caller(platform.console.test_client(), key)
    assert site_caller.ok("GET", "/api/site/config")["site"]["code"] == "PAR"
    assert platform.archive is not None
    archive_caller = Caller(platform.archive.test_client(), key)
    unknown = Caller(platform.archive.test_client(), "site_not-a-key")
    assert unknown.get("/api/tasks/1/sequence").status == 401
    assert archive_caller.get("/api/tasks/1/sequence").status == 403  # the archive knows the key (no task of its own)
    page.goto("/sites")
    expect(page.locator("#binding-key")).to_have_count(0)
    assert key not in page.content()
    row = page.locator("#site-list tr", has_text="PAR")
    expect(row).to_contain_text("Europe/Paris")
    row.locator("button[name=toggle]").click()
    expect(page.locator("#site-list tr", has_text="PAR").locator("button[name=toggle]")).to_have_text("Enable")
    assert site_caller.ok("GET", "/api/site/config")["site"]["enabled"] is False


def test_browser_schedules_page_refuses_to_delete_a_schedule_in_use(page: Page, admin: Caller, site: Site) -> None:
    log_in(page)
    page.goto("/schedules")
    submit_form(page, "#schedule-form", name="Business hours", mode="many", start="08:00", end="18:00", interval="30")
    row = page.locator("#schedule-list tr", has_text="Business hours")
    expect(row).to_contain_text("Daily every 30 min from 08:00 to 18:00")
    [schedule] = admin.ok("GET", "/api/schedules")["schedules"]
    definition = create_definition(admin, "MFR")
    created = admin.ok(
        "POST",
        "/api/tasks",
        {
            "site_id": site.id,
            "type": "mfr",
            "definition_id": definition["id"],
            "schedule_id": schedule["id"],
            "group": {"kind": "single_mailbox", "address": "alice@contoso.example"},
        },
        status=201,
    )
    page.reload()
    page.locator("#schedule-list tr", has_text="Business hours").locator("button[name=delete]").click()
    expect(page.locator("#error")).to_contain_text(f"task {created['id']}")
    assert len(admin.ok("GET", "/api/schedules")["schedules"]) == 1


def test_browser_a_wrong_password_says_so_in_words(page: Page, admin: Caller) -> None:
    page.goto("/login")
    page.fill("input[name=email]", ADMIN)
    page.fill("input[name=password]", "not the password")
    page.click("#login button[type=submit]")
    expect(page.locator("#error")).to_contain_text("unknown administrator or wrong password")
    readable(page)
    expect(page.locator("input[name=email]")).to_have_value(ADMIN)  # what was typed stays


def test_browser_a_task_page_after_a_run_shows_its_mailboxes_with_their_item_counts(
    page: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    row = {"mailbox": "alice@contoso.example", "result": "Success", "items": 42}
    report = {"task_id": task["id"], "status": "Idle", "latest_detail": "1 mailbox replicated", "mailboxes": [row]}
    site.console.ok("POST", "/api/site/progress", report)
    log_in(page)
    page.goto(f"/tasks/{task['id']}")
    mailbox = page.locator("#mailboxes tr", has_text="alice@contoso.example")
    expect(mailbox).to_contain_text("Success")
    expect(mailbox.locator("td").nth(4)).to_have_text("42")
    readable(page)


def test_browser_the_task_list_and_the_dashboard_speak_an_administrators_words(
    page: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    """Issue 12 defect 6: "1 tasks" and internal group kinds ("single mailbox: …",
    "o365 group: …") — counts agree with their number, groups read as the seed names them."""
    log_in(page)
    row = page.locator("#task-list tr", has_text="alice@contoso.example")
    expect(row).to_contain_text("Mailbox: alice@contoso.example")
    readable(page)
    page.goto("/exchange-services")
    body = page.locator("body")
    expect(body).to_contain_text("1 task")
    expect(body).not_to_contain_text("1 tasks")
    readable(page)
    page.goto(f"/tasks/{task['id']}")
    expect(page.locator("#options tr", has_text="Group")).to_contain_text("Mailbox: alice@contoso.example")


def test_browser_new_task_with_no_definitions_yet_shows_the_new_definitions_fields(
    page: Page, admin: Caller, site: Site
) -> None:
    """Issue 12 defect 3: with no definition yet, the Definition list holds only
    "Create New…" — its fields must show at once, for every type chosen."""
    create_schedule(admin, "Nightly")
    log_in(page)
    page.click("#new-task")
    for task_type in ("mfr", "calendar"):
        page.select_option("#type", task_type)
        expect(page.locator("#definition")).to_have_value("new")
        expect(page.locator("input[name=new_definition_name]")).to_be_visible()
    readable(page)


def test_browser_a_removed_tasks_page_says_so_in_the_consoles_own_style(
    page: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    """Issue 12 defect 6: a removed task's URL showed werkzeug's bare "Not Found"."""
    admin.ok("DELETE", f"/api/tasks/{task['id']}?confirm=true")
    log_in(page)
    answer = page.goto(f"/tasks/{task['id']}")
    assert answer is not None and answer.status == 404
    expect(page.locator("#http-error")).to_have_text("Not Found")
    expect(page.locator("main")).to_contain_text("it may have been removed")
    expect(page.locator("main a", has_text="Back to Exchange Services")).to_be_visible()
    assert page.locator("link[rel=stylesheet]").count() == 1  # the console's look, not a bare page
    readable(page)
