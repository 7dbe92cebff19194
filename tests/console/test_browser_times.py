"""Every time a person reads on the pages, in a real browser (issue 12 defect 5,
Deliver 3): one readable format, never raw ISO; in the viewer's zone — the browser's,
which the pages learn from it — or, for what belongs to a site (T5: its schedule, its
runs, its log), in the site's zone; each labelled with its zone; durations in words.
And two of defect 6: Remove Task says it removed the task, and a site's version is the
one it reported, saying so when that is not the one it was registered with."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from engine.clock import ManualClock
from engine.console.wiring import Platform

from .conftest import Caller, Site, acknowledge, create_definition, create_schedule, register_site, task_body
from .test_browser import base_url, browser, log_in, readable, seed_archive  # noqa: F401  (fixtures)

# The browser suite is split between the databases (the API suite runs whole on both):
# these pages are seen over SQLite, the others' over PostgreSQL.
pytestmark = pytest.mark.backends("sqlite")

#: an instant as the store writes it, which a person should never have to read
RAW_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d")
VIEWER = "America/New_York"  # the browser's zone: 09:00 UTC on 2 March 2026 is 04:00 there (EST)
SITE_ZONE = "Asia/Tokyo"  # the site's: 18:00 there


@pytest.fixture
def new_york(browser: Browser, base_url: str, admin: Caller) -> Iterator[Page]:  # noqa: F811
    """A browser in New York."""
    context = browser.new_context(base_url=base_url, timezone_id=VIEWER)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def tokyo(admin: Caller, platform: Platform) -> Site:
    """A site registered as 2.7.1 whose engine reports 2.7.0 at its first heartbeat."""
    site = register_site(admin, platform, "TYO", description="Tokyo", time_zone=SITE_ZONE, engine_version="2.7.1")
    site.console.ok("POST", "/api/site/heartbeat", {"engine_version": "2.7.0", "host_os": "Windows Server 2022"})
    return site


def run_once(site: Site, task_id: int, clock: ManualClock, seconds: float) -> None:
    """One execution of the task as the site reports it: its T10 log lines and its
    progress, ``seconds`` long on the console's clock."""
    site.console.ok("POST", "/api/site/log", {"task_id": task_id, "lines": [f"MMS [TYO] executing task {task_id}"]})
    site.console.ok("POST", "/api/site/progress", {"task_id": task_id, "status": "Running", "command": "Replicating"})
    clock.advance(seconds)
    row = {"mailbox": "alice@contoso.example", "result": "Success", "items": 42}
    report = {"task_id": task_id, "status": "Idle", "latest_detail": "1 mailbox replicated", "mailboxes": [row]}
    site.console.ok("POST", "/api/site/progress", report)
    exit_line = f"MMS [TYO] TaskExit called, scheduedTaskId: {task_id}, message: Success"
    site.console.ok("POST", "/api/site/log", {"task_id": task_id, "lines": [exit_line]})


def shows_times_as_people_read_them(page: Page) -> str:
    """The page's text, which holds no raw ISO instant and says which zone it uses."""
    text = page.locator("body").inner_text()
    assert not RAW_ISO.search(text), f"a raw ISO timestamp on {page.url}: {RAW_ISO.search(text)}"
    expect(page.locator("#viewer-zone")).to_have_text(f"Times in {VIEWER}")
    readable(page)
    return text


def test_browser_every_time_reads_in_the_viewers_zone_or_the_sites_labelled(
    new_york: Page, admin: Caller, tokyo: Site, clock: ManualClock
) -> None:
    schedule = create_schedule(admin, "Nightly")  # daily at 02:00, Tokyo time (T5)
    task = admin.ok("POST", "/api/tasks", task_body(tokyo, schedule, create_definition(admin)), status=201)
    acknowledge(tokyo)
    run_once(tokyo, task["id"], clock, seconds=200)
    clock.advance(60)
    page = new_york
    log_in(page)

    # the list: the next run is the site's 02:00
    shows_times_as_people_read_them(page)
    row = page.locator("#task-list tr", has_text="alice@contoso.example")
    expect(row).to_contain_text(f"Tue 3 Mar 2026 02:00 {SITE_ZONE}")

    # the task: when it was made, in the viewer's zone; its run and log, in the site's
    page.goto(f"/tasks/{task['id']}")
    shows_times_as_people_read_them(page)
    expect(page.locator("#info-created")).to_have_text(f"Mon 2 Mar 2026 04:00 {VIEWER}")
    expect(page.locator("#info-modified")).to_have_text(f"Mon 2 Mar 2026 04:00 {VIEWER}")
    expect(page.locator("#info-next")).to_have_text(f"Tue 3 Mar 2026 02:00 {SITE_ZONE}")
    expect(page.locator("#info-last-run")).to_have_text(f"Mon 2 Mar 2026 18:03 {SITE_ZONE}, took 3 min 20 s")
    expect(page.locator("#mailboxes tr", has_text="alice@contoso.example")).to_contain_text(
        f"Mon 2 Mar 2026 18:03 {SITE_ZONE}"
    )
    log = page.locator("#log")
    expect(log.locator("tr", has_text="executing task")).to_contain_text(f"Mon 2 Mar 2026 18:00:00 {SITE_ZONE}")
    expect(log.locator("tr", has_text="TaskExit")).to_contain_text(f"Mon 2 Mar 2026 18:03:20 {SITE_ZONE}")
    expect(log.locator("tr", has_text="TaskExit")).to_contain_text("took 3 min 20 s")

    # the dashboard: the site's last heartbeat and the activity, in the viewer's zone
    page.goto("/exchange-services")
    shows_times_as_people_read_them(page)
    expect(page.locator("#sites tr", has_text="TYO")).to_contain_text(f"Mon 2 Mar 2026 04:00 {VIEWER} (4 min 20 s ago)")
    expect(page.locator("#activity tr", has_text="TaskExit")).to_contain_text(f"Mon 2 Mar 2026 04:03:20 {VIEWER}")
    expect(page.locator("#tasks tr", has_text="TYO")).to_contain_text(f"Tue 3 Mar 2026 02:00 {SITE_ZONE}")

    # the sites
    page.goto("/sites")
    shows_times_as_people_read_them(page)
    expect(page.locator("#site-list tr", has_text="TYO")).to_contain_text(f"Mon 2 Mar 2026 04:00 {VIEWER}")


def test_browser_a_browser_elsewhere_reads_the_same_instants_in_its_own_zone(
    browser: Browser,  # noqa: F811
    base_url: str,  # noqa: F811
    admin: Caller,
    tokyo: Site,
) -> None:
    """The zone is the browser's, not the server's: a browser in Paris reads 10:00."""
    context = browser.new_context(base_url=base_url, timezone_id="Europe/Paris")
    try:
        page = context.new_page()
        log_in(page)
        page.goto("/sites")
        expect(page.locator("#viewer-zone")).to_have_text("Times in Europe/Paris")
        expect(page.locator("#site-list tr", has_text="TYO")).to_contain_text("Mon 2 Mar 2026 10:00 Europe/Paris")
    finally:
        context.close()


def test_browser_remove_task_says_the_task_was_removed(
    new_york: Page, admin: Caller, site: Site, task: dict[str, Any]
) -> None:
    """Issue 12 defect 6: after OK in Remove Task's confirmation the list showed, in
    silence.  It says which task went, and what became of the Full Views (R9); once."""
    seed_archive(site, task_id=task["id"])  # Alice's Full View, which R9 resets
    page = new_york
    log_in(page)
    page.goto(f"/tasks/{task['id']}")
    page.click("#remove-task")
    page.click("#remove-ok")
    page.wait_for_url("**/tasks")
    expect(page.locator("#notice")).to_have_text(
        f"Task {task['id']} (Mailbox Folder Replication on LON) removed; "
        "the Full View of 1 mailbox was reset to its Live View."
    )
    readable(page)
    page.reload()
    expect(page.locator("#notice")).to_have_count(0)


def test_browser_the_sites_page_shows_the_version_the_site_reported_and_says_so(
    new_york: Page, admin: Caller, tokyo: Site, old_site: Site
) -> None:
    """Issue 12 defect 6: TYO was registered as 2.7.1 and its engine reported 2.7.0."""
    page = new_york
    log_in(page)
    page.goto("/sites")
    said = "2.7.0 (reported by the site; registered as 2.7.1)"
    expect(page.locator("#site-list tr", has_text="TYO").locator("td.version")).to_have_text(said)
    expect(page.locator("#site-list tr", has_text="OLD").locator("td.version")).to_have_text("2.6.0")  # not heard from
    page.goto("/exchange-services")
    expect(page.locator("#sites tr", has_text="TYO")).to_contain_text(said)
