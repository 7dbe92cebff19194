"""The Exchange Folders page in a real browser (issue 12 Deliver 2): a mailbox's Live and
Full View as a folder tree with item counts and totals, a folder's messages with
subject, sender, dates and size, a deleted message marked in the Full View with when
(R2, R3) and absent from the Live View (R1), the Full View as of a time picked before a
change, and what a person sees written in words: no raw ISO times, names shown as
typed (escaped), a bad "as of" answered next to its field."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from engine.clock import ManualClock

from . import test_browser as shared
from .conftest import START, Caller, Site
from .test_browser import log_in, readable

# The browser suite is split between the databases (the API suite runs whole on both):
# these pages are seen over PostgreSQL, the others' over SQLite.
pytestmark = pytest.mark.backends("postgresql")

# the browser and the page, as the console's other browser tests have them
browser, base_url, page = shared.browser, shared.base_url, shared.page

MAILBOX = "alice@contoso.example"
#: archive keys as MFR makes them (Internet Message-ID + "|" + sent time)
REPORT = "<q1-report@contoso.example>|2026-03-01T10:00:00Z"
MEMO = "<memo@contoso.example>|2026-02-27T16:45:00Z"
PLAN = "<plan@contoso.example>|2026-02-20T08:15:00Z"
#: an EWS folder id holds '+', '/' and '='; a folder name is the user's text
QA_ID = "AAMkAD+/qa=="
QA_NAME = "Q&A <2026>"
RAW_ISO = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def seed(site: Site, archive_admin: Caller, clock: ManualClock, task_id: int) -> None:
    """Three runs an hour apart (09:00, 10:00, 11:00 UTC): the Q1 report arrives in the
    Inbox, is moved to Projects, then hard-deleted (R3).  Journaling indexed the
    messages (subject, sender, received, size)."""
    archive_admin.ok(
        "POST",
        "/api/archived",
        {
            "messages": [
                {
                    "item": REPORT,
                    "subject": "Q1 report",
                    "sender": "Carol Jones <carol@contoso.example>",
                    "received": "2026-03-01T10:00:05Z",
                    "size": 48_213,
                },
                {
                    "item": MEMO,
                    "subject": "Team memo",
                    "sender": "dave@contoso.example",
                    "received": "2026-02-27T16:45:09Z",
                    "size": 900,
                },
                {"item": PLAN, "subject": "<b>Plan</b> & budget", "received": "2026-02-20T08:15:30Z", "size": 1},
            ]
        },
    )
    folders = [
        {"id": "root", "name": "Top of Information Store"},
        {"id": "inbox", "name": "Inbox", "parent_id": "root", "well_known": "inbox"},
        {"id": "projects", "name": "Projects", "parent_id": "inbox"},
        {"id": QA_ID, "name": QA_NAME, "parent_id": "root"},
    ]
    runs: list[dict[str, Any]] = [
        {
            "folders": folders,
            "placements": [
                {"item": REPORT, "folder_id": "inbox"},
                {"item": MEMO, "folder_id": "projects"},
                {"item": PLAN, "folder_id": QA_ID},
            ],
        },
        {
            "placements": [{"item": REPORT, "folder_id": "projects"}],
            "removed_placements": [{"item": REPORT, "folder_id": "inbox", "reason": "moved"}],
        },
        {"removed_placements": [{"item": REPORT, "folder_id": "projects", "reason": "deleted"}]},
    ]
    for n, run in enumerate(runs):
        if n:
            clock.advance(3600)
        body = {"task_id": task_id, "mailbox": MAILBOX, "batch_id": f"run{n}", "complete": True, **run}
        site.archive.ok("POST", "/api/submissions", body)


def seen_in_words(page: Page) -> None:
    """No Python internals, no empty error box, and no raw ISO time in what is shown."""
    readable(page)
    text = page.locator("body").inner_text()
    assert not RAW_ISO.search(text), RAW_ISO.search(text)


def show(page: Page, view: str, as_of: str = "") -> None:
    page.check(f"#view-{view}")
    page.fill("#as-of", as_of)
    page.click("#show")


def folder(page: Page, name: str) -> Any:
    return page.locator("#tree li").filter(has=page.get_by_role("link", name=name, exact=True))


def row(page: Page, subject: str) -> Any:
    return page.locator("#listing tbody tr", has_text=subject)


def test_browser_exchange_folders_tree_messages_deleted_items_and_as_of(
    page: Page, site: Site, archive_admin: Caller, clock: ManualClock, task: dict[str, Any]
) -> None:
    seed(site, archive_admin, clock, task["id"])
    log_in(page)
    page.goto("/exchange-folders")
    page.fill("#mailbox", MAILBOX)
    page.click("#show")

    # the Live View: the tree with each folder's count and the totals
    expect(page.locator("#view-name")).to_have_text(f"Live View of {MAILBOX}")
    expect(page.locator("#totals")).to_have_text("2 items in 4 folders")
    expect(folder(page, "Inbox")).to_contain_text("0 items")
    expect(folder(page, "Projects")).to_contain_text("1 item")
    expect(folder(page, QA_NAME)).to_contain_text("1 item")  # the name as typed, escaped
    seen_in_words(page)

    # a folder's messages: subject, from, sent, received, size; the deleted report is not live (R1)
    page.get_by_role("link", name="Projects", exact=True).click()
    expect(page.locator("#folder-name")).to_have_text("Projects: 1 message")
    memo = row(page, "Team memo")
    expect(memo).to_contain_text("dave@contoso.example")
    expect(memo).to_contain_text("Fri 27 Feb 2026 16:45 UTC")  # sent, from its archive key
    expect(memo).to_contain_text("900 bytes")
    expect(row(page, "Q1 report")).to_have_count(0)
    expect(page.locator("#paging")).to_contain_text("Messages 1 to 1 of 1, newest received first, 50 a page.")
    seen_in_words(page)

    # the Full View keeps the open folder: the report is there, marked deleted with when (R2, R3)
    show(page, "full")
    expect(page.locator("#view-name")).to_have_text(f"Full View of {MAILBOX}")
    expect(page.locator("#folder-name")).to_have_text("Projects: 2 messages")
    report = row(page, "Q1 report")
    expect(report).to_have_class(re.compile(r"\bdeleted\b"))
    expect(report).to_contain_text("Deleted Mon 2 Mar 2026 11:00 UTC")
    expect(report).to_contain_text("Carol Jones <carol@contoso.example>")
    expect(report).to_contain_text("Sun 1 Mar 2026 10:00 UTC")
    expect(report).to_contain_text("47.1 KB")
    expect(row(page, "Team memo")).not_to_contain_text("Deleted")
    expect(folder(page, "Inbox")).to_contain_text("1 item")  # where the report was first seen
    seen_in_words(page)

    # as of 10:30, after the move and before the deletion: the report is in Projects, not deleted
    show(page, "full", "2026-03-02T10:30")
    expect(page.locator("#view-name")).to_have_text(f"Full View of {MAILBOX} as of Mon 2 Mar 2026 10:30 UTC")
    expect(page.locator("#as-of")).to_have_value("2026-03-02T10:30")  # the time picked stays picked
    expect(row(page, "Q1 report")).to_have_count(1)
    expect(row(page, "Q1 report")).not_to_contain_text("Deleted")
    # as of 09:30, before the move: Projects holds the memo only, the report is in the Inbox
    show(page, "full", "2026-03-02T09:30")
    expect(folder(page, "Projects")).to_contain_text("1 item")
    expect(page.locator("#folder-name")).to_have_text("Projects: 1 message")
    expect(row(page, "Q1 report")).to_have_count(0)
    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(row(page, "Q1 report")).to_have_count(1)
    expect(page.locator("#view-name")).to_contain_text("as of Mon 2 Mar 2026 09:30 UTC")  # kept by the link
    seen_in_words(page)

    # a folder whose id holds '+', '/' and '=', whose name and a subject hold markup
    page.get_by_role("link", name=QA_NAME, exact=True).click()
    expect(page.locator("#folder-name")).to_have_text(f"{QA_NAME}: 1 message")
    expect(row(page, "<b>Plan</b> & budget")).to_contain_text("1 byte")
    expect(page.locator("#listing b")).to_have_count(0)
    seen_in_words(page)


def test_browser_exchange_folders_a_bad_as_of_or_mailbox_is_answered_next_to_its_field(
    page: Page, site: Site, archive_admin: Caller, clock: ManualClock, task: dict[str, Any]
) -> None:
    seed(site, archive_admin, clock, task["id"])
    log_in(page)
    answered = page.goto(f"/exchange-folders?mailbox={MAILBOX}&view=full&as_of=yesterday")
    assert answered is not None and answered.status == 400
    error = page.locator("#as-of-error")
    expect(error).to_have_text("“yesterday” is not a date and time: write it like 2026-03-02 09:30")
    expect(page.locator("#as-of")).to_have_attribute("aria-invalid", "true")
    assert "as-of-error" in (page.locator("#as-of").get_attribute("aria-describedby") or "")
    expect(page.locator("#tree")).to_have_count(0)  # nothing shown for a time that makes no sense
    expect(page.locator("#mailbox")).to_have_value(MAILBOX)  # the rest of what was entered is kept
    expect(page.locator("#view-full")).to_be_checked()
    seen_in_words(page)

    # picked in the Live View, an "as of" is said not to apply there
    show(page, "live", "2026-03-02T09:30")
    expect(page.locator("#as-of-note")).to_contain_text("applies to the Full View")
    expect(page.locator("#totals")).to_have_text("2 items in 4 folders")

    page.goto("/exchange-folders?mailbox=alice%40&view=live")
    expect(page.locator("#mailbox-error")).to_have_text("“alice@” is not an email address")
    seen_in_words(page)


def test_browser_exchange_folders_pages_a_long_folder_and_says_so(
    page: Page, site: Site, archive_admin: Caller, clock: ManualClock, task: dict[str, Any]
) -> None:
    day = START - timedelta(days=200)
    keys = [f"<m{n:03}@contoso.example>|{(day + timedelta(days=n)).isoformat()}" for n in range(120)]
    archive_admin.ok(
        "POST",
        "/api/archived",
        {
            "messages": [
                {"item": k, "subject": f"Message {n:03}", "received": (day + timedelta(days=n)).isoformat()}
                for n, k in enumerate(keys)
            ]
        },
    )
    body = {
        "task_id": task["id"],
        "mailbox": MAILBOX,
        "batch_id": "run0",
        "complete": True,
        "folders": [{"id": "inbox", "name": "Inbox", "well_known": "inbox"}],
        "placements": [{"item": k, "folder_id": "inbox"} for k in keys],
    }
    site.archive.ok("POST", "/api/submissions", body)
    log_in(page)
    page.goto(f"/exchange-folders?mailbox={MAILBOX}")
    page.get_by_role("link", name="Inbox", exact=True).click()
    expect(page.locator("#folder-name")).to_have_text("Inbox: 120 messages")
    expect(page.locator("#paging")).to_contain_text("Messages 1 to 50 of 120, newest received first, 50 a page.")
    expect(page.locator("#listing tbody tr")).to_have_count(50)
    expect(page.locator("#listing tbody tr").first).to_contain_text("Message 119")
    page.click("#next")
    expect(page.locator("#paging")).to_contain_text("Messages 51 to 100 of 120")
    expect(page.locator("#listing tbody tr").first).to_contain_text("Message 069")
    page.click("#next")
    expect(page.locator("#paging")).to_contain_text("Messages 101 to 120 of 120")
    expect(page.locator("#next")).to_have_count(0)
    page.click("#previous")
    expect(page.locator("#paging")).to_contain_text("Messages 51 to 100 of 120")
    seen_in_words(page)


def test_browser_exchange_folders_reads_and_writes_times_in_the_viewers_zone(
    browser: Any,
    base_url: str,
    admin: Caller,
    site: Site,
    archive_admin: Caller,
    clock: ManualClock,
    task: dict[str, Any],
) -> None:
    """A viewer in New York picks "as of" and reads every time in New York time, as the
    other pages write instants (issue 12 Deliver 3): 05:30 there is 10:30 UTC, after the
    move and before the deletion."""
    seed(site, archive_admin, clock, task["id"])
    context = browser.new_context(base_url=base_url, timezone_id="America/New_York")
    context.set_default_timeout(15_000)
    try:
        viewer = context.new_page()
        log_in(viewer)
        viewer.goto(f"/exchange-folders?mailbox={MAILBOX}&view=full&folder={QA_ID}")
        expect(viewer.locator("label[for=as-of]")).to_contain_text("America/New_York")
        viewer.get_by_role("link", name="Projects", exact=True).click()
        report = row(viewer, "Q1 report")
        expect(report).to_contain_text("Deleted Mon 2 Mar 2026 06:00 America/New_York")
        show(viewer, "full", "2026-03-02T05:30")
        expect(viewer.locator("#view-name")).to_contain_text("as of Mon 2 Mar 2026 05:30 America/New_York")
        expect(row(viewer, "Q1 report")).to_have_count(1)
        expect(row(viewer, "Q1 report")).not_to_contain_text("Deleted")
        seen_in_words(viewer)
    finally:
        context.close()
