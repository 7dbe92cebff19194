"""The login page in a real Chromium (issue 12 defect 7): a person who typed too many
wrong passwords is told, in words, when to try again — the right password too is
refused until then — and gets in after; the header's Log out (a form with its CSRF
token) logs out."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from engine.clock import ManualClock

from .conftest import ADMIN, PASSWORD, Caller
from .test_browser import base_url, browser, page, readable  # noqa: F401  (the browser's fixtures)

# The browser suite is split between the databases (the API suite runs whole on both):
# these pages are seen over SQLite, the others' over PostgreSQL.
pytestmark = pytest.mark.backends("sqlite")


def log_on(tab: Page, password: str) -> None:
    """Type the email and a password and submit, as a person does, and wait for the
    answer (the next page)."""
    tab.fill("#login input[name=email]", ADMIN)
    tab.fill("#login input[name=password]", password)
    with tab.expect_response(lambda r: r.request.method == "POST" and "/login" in r.url):
        tab.click("#login button[type=submit]")
    tab.wait_for_load_state()


def test_browser_too_many_wrong_passwords_say_when_to_try_again(
    page: Page,  # noqa: F811
    admin: Caller,
    clock: ManualClock,
) -> None:
    page.goto("/login")
    for _ in range(5):
        log_on(page, "not the password")
        expect(page.locator("#error")).to_contain_text("unknown administrator or wrong password")
    log_on(page, PASSWORD)
    expect(page.locator("#error")).to_contain_text("too many failed attempts to log on with this email")
    expect(page.locator("#error")).to_contain_text("try again in 1 min")
    readable(page)
    expect(page.locator("header .who")).to_have_count(0)  # not logged in
    expect(page.locator("input[name=email]")).to_have_value(ADMIN)  # what was typed stays

    clock.advance(60)
    log_on(page, PASSWORD)
    page.wait_for_url("**/exchange-services")
    expect(page.locator("header .who")).to_contain_text(ADMIN)

    page.click("#logout button")
    page.wait_for_url("**/login")
    page.goto("/tasks")
    assert page.url.endswith("/login?next=/tasks"), page.url
