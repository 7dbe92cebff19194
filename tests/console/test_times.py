"""How the pages write instants and durations (issue 12 defect 5, Deliver 3): one
readable format, in the zone it is shown in and labelled with it; durations in words
("3 min 20 s"); nothing missing shows as "None" — and the viewer's zone, which the
browser names in a cookie, is believed only when it is an IANA zone.  The pages
themselves are seen in a browser in test_browser_times.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask

from engine.console.pages.base import viewer_zone
from engine.console.pages.tasks import with_durations
from engine.console.pages.text import ago_text, duration_text, time_tag, time_text, version_text
from engine.console.views import LogLine


@pytest.mark.parametrize(
    ("moment", "zone", "text"),
    [
        # the store's own ISO text, microseconds and all: the defect's example
        ("2026-11-30T06:56:24.381982+00:00", "UTC", "Mon 30 Nov 2026 06:56 UTC"),
        ("2026-11-30T06:56:24.381982+00:00", "America/New_York", "Mon 30 Nov 2026 01:56 America/New_York"),
        ("2026-11-30T06:56:24+00:00", "Asia/Kolkata", "Mon 30 Nov 2026 12:26 Asia/Kolkata"),  # a half-hour zone
        # the day changes with the zone
        ("2026-03-02T02:30:00+00:00", "America/Los_Angeles", "Sun 1 Mar 2026 18:30 America/Los_Angeles"),
        # DST: New York is UTC-5 until 8 March 2026 02:00, then UTC-4
        ("2026-03-08T06:59:00+00:00", "America/New_York", "Sun 8 Mar 2026 01:59 America/New_York"),
        ("2026-03-08T07:00:00+00:00", "America/New_York", "Sun 8 Mar 2026 03:00 America/New_York"),
        # and London's autumn hour, 01:30 twice: an hour apart in UTC, the same local text
        ("2026-10-25T00:30:00+00:00", "Europe/London", "Sun 25 Oct 2026 01:30 Europe/London"),
        ("2026-10-25T01:30:00+00:00", "Europe/London", "Sun 25 Oct 2026 01:30 Europe/London"),
        # an instant given with another offset is the same instant
        ("2026-11-30T07:56:24+01:00", "UTC", "Mon 30 Nov 2026 06:56 UTC"),
        (datetime(2026, 11, 30, 6, 56, tzinfo=UTC), "Europe/Paris", "Mon 30 Nov 2026 07:56 Europe/Paris"),
        (None, "UTC", "—"),
        ("", "UTC", "—"),
    ],
)
def test_an_instant_reads_in_the_zone_it_is_shown_in(moment: Any, zone: str, text: str) -> None:
    assert time_text(moment, zone) == text


def test_seconds_only_where_asked_as_in_a_task_log() -> None:
    moment = "2026-11-30T06:56:24.981982+00:00"
    assert time_text(moment, "UTC", seconds=True) == "Mon 30 Nov 2026 06:56:24 UTC"
    assert time_text(moment, "UTC") == "Mon 30 Nov 2026 06:56 UTC"  # cut, never rounded into the next minute


def test_a_time_element_keeps_the_instant_for_machines_and_shows_the_words() -> None:
    moment = "2026-03-02T09:00:00+00:00"
    assert str(time_tag(moment, "Asia/Tokyo")) == f'<time datetime="{moment}">Mon 2 Mar 2026 18:00 Asia/Tokyo</time>'
    assert str(time_tag(None, "UTC")) == "—"


@pytest.mark.parametrize(
    ("span", "text"),
    [
        (0, "0 s"),
        (0.4, "0.4 s"),
        (12, "12 s"),
        (12.6, "13 s"),
        (60, "1 min"),
        (200, "3 min 20 s"),
        (3_599, "59 min 59 s"),
        (3_600, "1 h"),
        (3_900, "1 h 5 min"),
        (3_912, "1 h 5 min"),  # two units: seconds no longer matter
        (3_612, "1 h"),  # "1 h 0 min 12 s" reads as "1 h"
        (86_400 * 2 + 3 * 3_600 + 59, "2 days 3 h"),
        (timedelta(minutes=3, seconds=20), "3 min 20 s"),
        (None, "—"),
        (-5, "—"),
    ],
)
def test_a_duration_reads_in_its_two_largest_units(span: Any, text: str) -> None:
    assert duration_text(span) == text


def test_how_long_ago_counts_from_the_clock_given() -> None:
    now = datetime(2026, 3, 2, 9, 3, 20, tzinfo=UTC)
    assert ago_text("2026-03-02T09:00:00+00:00", now) == "3 min 20 s ago"
    assert ago_text("2026-03-02T09:03:20+00:00", now) == "just now"
    assert ago_text(None, now) == ""


def test_a_site_version_says_when_the_site_reported_another_than_it_was_registered_with() -> None:
    site = {"engine_version": "2.7.0", "registered_version": "2.7.1", "reported_version": "2.7.0"}
    assert version_text(site) == "2.7.0 (reported by the site; registered as 2.7.1)"
    assert version_text({**site, "reported_version": None, "engine_version": "2.7.1"}) == "2.7.1"
    assert version_text({**site, "reported_version": "2.7.1", "engine_version": "2.7.1"}) == "2.7.1"


def test_an_execution_in_the_task_log_shows_how_long_it_took_on_its_last_line() -> None:
    log: list[LogLine] = [
        {"at": "2026-03-02T09:00:00+00:00", "line": "MMS [LON] executing task 4"},
        {"at": "2026-03-02T09:01:00+00:00", "line": "MMS [LON] mailbox 1/1 alice@contoso.example"},
        {"at": "2026-03-02T09:03:20+00:00", "line": "MMS [LON] TaskExit called, scheduedTaskId: 4, message: Success"},
        # an exit whose start is not among the lines shown says nothing
        {"at": "2026-03-02T10:00:00+00:00", "line": "MMS [LON] TaskExit called, scheduedTaskId: 4, message: Failed"},
    ]
    assert [line["took"] for line in with_durations(log)] == [None, None, 200.0, None]


@pytest.mark.parametrize(
    ("cookie", "zone"),
    [
        (None, "UTC"),  # the browser has not said yet
        ("America/New_York", "America/New_York"),
        ("Europe/Londn", "UTC"),  # not an IANA zone
        ("../../etc/passwd", "UTC"),
        ("x" * 200, "UTC"),
    ],
)
def test_the_viewers_zone_is_the_browsers_when_it_names_an_iana_zone(cookie: str | None, zone: str) -> None:
    headers = {"Cookie": f"tz={cookie}"} if cookie is not None else {}
    with Flask(__name__).test_request_context(headers=headers):
        assert viewer_zone() == zone
