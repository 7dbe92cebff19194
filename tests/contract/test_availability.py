"""GetUserAvailability through exchangelib: free/busy from the calendar items the store
holds, merged at the requested interval, in the client's time zone (issue 13,
"Operations still missing": GetUserAvailability)."""

from __future__ import annotations

import datetime

import pytest
from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import ErrorMailRecipientNotFound
from exchangelib.properties import (
    DaylightTime,
    FreeBusyView,
    FreeBusyViewOptions,
    MailboxData,
    StandardTime,
    TimeWindow,
    TimeZone,
)
from exchangelib.recurrence import DailyPattern, Recurrence
from exchangelib.services import GetUserAvailability

from ..conftest import ALICE, BOB, MODES, PASSWORD, Connect, every_mode

pytestmark = every_mode

BERLIN = EWSTimeZone("Europe/Berlin")
UTC = EWSTimeZone("UTC")
#: what exchangelib derives for Europe/Berlin from GetServerTimeZones (W. Europe Standard Time)
BERLIN_RULE = TimeZone(
    bias=-60,
    standard_time=StandardTime(bias=0, time=datetime.time(3, 0), occurrence=5, iso_month=10, weekday=7),
    daylight_time=DaylightTime(bias=-60, time=datetime.time(2, 0), occurrence=5, iso_month=3, weekday=7),
)

#: UTC as a Windows zone rule (no daylight saving)
UTC_RULE = TimeZone(
    bias=0,
    standard_time=StandardTime(bias=0, time=datetime.time(0, 0), occurrence=1, iso_month=1, weekday=7),
    daylight_time=DaylightTime(bias=0, time=datetime.time(0, 0), occurrence=1, iso_month=1, weekday=7),
)


def utc(day: int, hour: int, minute: int = 0) -> EWSDateTime:
    return EWSDateTime(2024, 5, day, hour, minute, tzinfo=UTC)


def fill_calendar(alice: Account) -> None:
    events = [
        ("Standup", utc(2, 7), utc(2, 7, 30), "Busy", "Normal"),
        ("Dentist", utc(2, 10), utc(2, 11), "OOF", "Private"),
        ("Maybe", utc(2, 12), utc(2, 14), "Tentative", "Normal"),
        ("Focus", utc(2, 13), utc(2, 13, 30), "Busy", "Normal"),
        ("Lunch", utc(2, 9), utc(2, 10), "Free", "Normal"),
        ("Next week", utc(9, 9), utc(9, 10), "Busy", "Normal"),
    ]
    for subject, start, end, status, sensitivity in events:
        CalendarItem(
            account=alice,
            folder=alice.calendar,
            subject=subject,
            start=start,
            end=end,
            location="Room 1",
            legacy_free_busy_status=status,
            sensitivity=sensitivity,
        ).save()


def availability(account: Account, addresses: list[str], view: str = "DetailedMerged") -> list[FreeBusyView]:
    """What protocol.get_free_busy_info sends, with the zone rule built here rather than
    fetched with GetServerTimeZones."""
    window = TimeWindow(start=EWSDateTime(2024, 5, 2, tzinfo=BERLIN), end=EWSDateTime(2024, 5, 3, tzinfo=BERLIN))
    return list(
        GetUserAvailability(account.protocol).call(
            tzinfo=BERLIN,
            mailbox_data=[MailboxData(email=a, attendee_type="Required", exclude_conflicts=False) for a in addresses],
            timezone=BERLIN_RULE,
            free_busy_view_options=FreeBusyViewOptions(
                time_window=window, merged_free_busy_interval=60, requested_view=view
            ),
        )
    )


def test_merged_free_busy_and_events_in_the_client_zone(alice: Account, mode: str) -> None:
    """GetUserAvailability: one digit per hour (Busy beats Tentative, Free takes no
    time), events in Berlin time, working hours; details only for whom may see them."""
    fill_calendar(alice)
    [view] = availability(alice, [ALICE])
    assert view.merged == "000000000200301200000000"
    sees_details = mode != "basic-impersonation"  # the service account has no rights to Alice's calendar
    assert view.view_type == ("DetailedMerged" if sees_details else "FreeBusyMerged")
    assert [(e.start, e.end, e.busy_type) for e in view.calendar_events] == [
        (EWSDateTime(2024, 5, 2, 9, 0, tzinfo=BERLIN), EWSDateTime(2024, 5, 2, 9, 30, tzinfo=BERLIN), "Busy"),
        (EWSDateTime(2024, 5, 2, 12, 0, tzinfo=BERLIN), EWSDateTime(2024, 5, 2, 13, 0, tzinfo=BERLIN), "OOF"),
        (EWSDateTime(2024, 5, 2, 14, 0, tzinfo=BERLIN), EWSDateTime(2024, 5, 2, 16, 0, tzinfo=BERLIN), "Tentative"),
        (EWSDateTime(2024, 5, 2, 15, 0, tzinfo=BERLIN), EWSDateTime(2024, 5, 2, 15, 30, tzinfo=BERLIN), "Busy"),
    ]
    details = [e.details for e in view.calendar_events]
    if sees_details:
        assert [(d.subject, d.location, d.is_private) for d in details] == [
            ("Standup", "Room 1", False),
            (None, None, True),  # a private item shows no subject or location
            ("Maybe", "Room 1", False),
            ("Focus", "Room 1", False),
        ]
    else:
        assert details == [None, None, None, None]
    [period] = view.working_hours
    assert (period.start, period.end) == (datetime.time(8, 0), datetime.time(17, 0)) and len(period.weekdays) == 5


def test_views_and_unknown_mailboxes(alice: Account) -> None:
    """GetUserAvailability: MergedOnly carries no events, FreeBusy no merged string; an
    address without a mailbox is ErrorMailRecipientNotFound for that mailbox only."""
    fill_calendar(alice)
    [merged_only] = availability(alice, [ALICE], "MergedOnly")
    assert merged_only.merged and not merged_only.calendar_events
    [plain] = availability(alice, [ALICE], "FreeBusy")
    assert plain.merged is None and len(plain.calendar_events) == 4
    bob_view, missing = availability(alice, [BOB, "nobody@contoso.example"])
    assert bob_view.merged == "0" * 24 and not bob_view.calendar_events
    assert isinstance(missing, ErrorMailRecipientNotFound)


def test_someone_else_sees_availability_only(alice: Account, connect: Connect, mode: str) -> None:
    """GetUserAvailability: Exchange's default calendar permission for others is
    AvailabilityOnly, so Bob asking for details of Alice's calendar gets FreeBusyMerged."""
    if MODES[mode][0] == "none":
        pytest.skip("without authentication every caller sees everything")
    fill_calendar(alice)
    bob = connect(BOB, user=BOB, password=PASSWORD, access="delegate")
    [view] = availability(bob, [ALICE])
    assert view.view_type == "FreeBusyMerged" and all(e.details is None for e in view.calendar_events)


def test_get_free_busy_info(alice: Account) -> None:
    """GetUserAvailability through protocol.get_free_busy_info, as an application calls it."""
    fill_calendar(alice)
    start, end = EWSDateTime(2024, 5, 2, tzinfo=BERLIN), EWSDateTime(2024, 5, 3, tzinfo=BERLIN)
    [view] = list(alice.protocol.get_free_busy_info([(alice, "Required", False)], start, end, 60))
    assert view.merged == "000000000200301200000000"


def test_a_recurring_meeting_is_busy_at_each_occurrence(alice: Account) -> None:
    """GetUserAvailability over a recurring master: each occurrence in the window takes
    its time (the series is expanded, not just the master's first slot); a deleted
    occurrence frees its slot."""
    master = CalendarItem(
        account=alice,
        folder=alice.calendar,
        subject="Daily sync",
        start=utc(1, 9),
        end=utc(1, 10),
        legacy_free_busy_status="Busy",
        recurrence=Recurrence(pattern=DailyPattern(interval=1), start=datetime.date(2024, 5, 1), number=5),
    )
    master.save()
    window = TimeWindow(start=EWSDateTime(2024, 5, 2, tzinfo=UTC), end=EWSDateTime(2024, 5, 4, tzinfo=UTC))
    [view] = list(
        GetUserAvailability(alice.protocol).call(
            tzinfo=UTC,
            mailbox_data=[MailboxData(email=ALICE, attendee_type="Required", exclude_conflicts=False)],
            timezone=UTC_RULE,
            free_busy_view_options=FreeBusyViewOptions(
                time_window=window, merged_free_busy_interval=60, requested_view="FreeBusyMerged"
            ),
        )
    )
    busy = "0" * 9 + "2" + "0" * 14
    assert view.merged == busy + busy
    assert [e.start for e in view.calendar_events] == [utc(2, 9), utc(3, 9)]
