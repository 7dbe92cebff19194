"""Issue 13, "Calendar": recurrence expansion in CalendarView with occurrence ids,
modified and deleted occurrences, GetItem of an occurrence and of its master,
StartTimeZone kept for expansion, all-day items snapped to midnight in their zone, an
item ending at a view's start included — through exchangelib, as an application would
(the flows of exchangelib's own calendar tests against Exchange)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from dateutil.rrule import DAILY, MONTHLY, WEEKLY, YEARLY, rrule
from dateutil.rrule import weekdays as rrule_weekdays
from exchangelib import Account, CalendarItem, EWSDateTime, EWSTimeZone
from exchangelib.errors import ErrorItemNotFound
from exchangelib.recurrence import (
    AbsoluteMonthlyPattern,
    AbsoluteYearlyPattern,
    DailyPattern,
    DeletedOccurrence,
    FirstOccurrence,
    LastOccurrence,
    Occurrence,
    Pattern,
    Recurrence,
    RelativeMonthlyPattern,
    RelativeYearlyPattern,
    WeeklyPattern,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mockews.store import World, occurrences
from mockews.store.model import CalendarItem as StoredCalendarItem
from mockews.store.model import Recurrence as StoredRecurrence
from mockews.store.persist import load_world, save_world

from ..conftest import ALICE

UTC = EWSTimeZone("UTC")
BERLIN = EWSTimeZone("Europe/Berlin")
START = EWSDateTime(2024, 6, 3, 8, 0, tzinfo=UTC)
END = START + timedelta(hours=2)


def series(alice: Account, recurrence: Recurrence, start: EWSDateTime = START, end: EWSDateTime = END) -> CalendarItem:
    item = CalendarItem(
        account=alice, folder=alice.calendar, subject="Standup", start=start, end=end, recurrence=recurrence
    )
    item.save()
    return item


def four_days(alice: Account) -> CalendarItem:
    return series(alice, Recurrence(pattern=DailyPattern(interval=1), start=START.date(), number=4))


def view(alice: Account, days: int = 4) -> list[CalendarItem]:
    return list(alice.calendar.view(start=START, end=START + timedelta(days=days)))


def test_a_daily_series_expands_into_occurrences_with_their_own_ids(alice: Account) -> None:
    """Calendar: recurrence expansion in CalendarView with occurrence ids; FirstOccurrence
    and LastOccurrence on the master."""
    master = four_days(alice)
    master.refresh()
    assert master.type == "RecurringMaster" and master.is_recurring is False
    assert isinstance(master.first_occurrence, FirstOccurrence)
    assert isinstance(master.last_occurrence, LastOccurrence)
    assert (master.first_occurrence.start, master.first_occurrence.end) == (START, END)
    assert master.last_occurrence.start == START + timedelta(days=3)
    assert master.modified_occurrences is None and master.deleted_occurrences is None
    unfolded = view(alice)
    assert [i.start for i in unfolded] == [START + timedelta(days=n) for n in range(4)]
    assert [i.end for i in unfolded] == [END + timedelta(days=n) for n in range(4)]
    assert {i.type for i in unfolded} == {"Occurrence"} and all(i.is_recurring for i in unfolded)
    assert len({i.id for i in unfolded}) == 4 and master.id not in {i.id for i in unfolded}
    assert unfolded[0].id == master.first_occurrence.id and unfolded[-1].id == master.last_occurrence.id
    assert unfolded[2].recurrence is None and unfolded[2].subject == "Standup"


def test_a_changed_pattern_is_seen_in_the_view(alice: Account) -> None:
    """Calendar: recurrence expansion follows an UpdateItem of the pattern."""
    master = four_days(alice)
    master.refresh()
    master.recurrence.pattern.interval = 2
    master.recurrence.boundary.number = 3
    master.save(update_fields=["recurrence"])
    assert [i.start for i in view(alice, days=7)] == [START, START + timedelta(days=2), START + timedelta(days=4)]


def test_a_modified_occurrence_becomes_an_exception(alice: Account) -> None:
    """Calendar: modified occurrences (UpdateItem on an occurrence → an Exception,
    ModifiedOccurrences on the master)."""
    master = four_days(alice)
    second = view(alice)[1]
    second.start += timedelta(hours=1)
    second.end += timedelta(hours=1)
    second.subject = "Standup (late)"
    second.save(update_fields=["start", "end", "subject"])
    master.refresh()
    assert len(master.modified_occurrences) == 1
    modified = master.modified_occurrences[0]
    assert isinstance(modified, Occurrence) and modified.id == second.id
    assert (modified.start, modified.end) == (second.start, second.end)
    assert modified.original_start == START + timedelta(days=1)
    assert master.deleted_occurrences is None and master.subject == "Standup"
    unfolded = view(alice)
    assert unfolded[1].type == "Exception" and unfolded[1].subject == "Standup (late)"
    assert (unfolded[1].start, unfolded[1].original_start) == (second.start, START + timedelta(days=1))
    assert [i.subject for i in unfolded].count("Standup") == 3


def test_a_deleted_occurrence_leaves_the_series(alice: Account) -> None:
    """Calendar: deleted occurrences (DeleteItem on an occurrence → DeletedOccurrences)."""
    master = four_days(alice)
    third = view(alice)[2]
    third.delete()
    master.refresh()
    assert master.modified_occurrences is None
    assert len(master.deleted_occurrences) == 1
    assert isinstance(master.deleted_occurrences[0], DeletedOccurrence)
    assert master.deleted_occurrences[0].start == START + timedelta(days=2)
    assert [i.start.day for i in view(alice)] == [3, 4, 6]


def test_occurrences_by_index_and_the_master_of_an_occurrence(alice: Account) -> None:
    """Calendar: GetItem of an occurrence (OccurrenceItemId) and of its master
    (RecurringMasterItemId); changes and deletion through them."""
    master = four_days(alice)
    second = master.occurrence(index=2)
    second.refresh()
    assert (second.start, second.subject, second.type) == (START + timedelta(days=1), "Standup", "Occurrence")
    second.start += timedelta(hours=1)
    second.end += timedelta(hours=1)
    second.save(update_fields=["start", "end"])
    third = master.occurrence(index=3)
    third.delete()
    master.refresh()
    assert master.modified_occurrences[0].start == START + timedelta(days=1, hours=1)
    assert master.deleted_occurrences[0].start == START + timedelta(days=2)
    parent = view(alice)[0].recurring_master()
    parent.refresh()
    assert (parent.id, parent.type, parent.recurrence) == (master.id, "RecurringMaster", master.recurrence)
    parent.delete()
    with pytest.raises(ErrorItemNotFound):
        second.refresh()
    assert view(alice) == []


def test_a_weekly_series_keeps_its_local_time_across_daylight_saving(alice: Account) -> None:
    """Calendar: expansion in the item's start time zone (StartTimeZone kept):
    09:00 in Berlin is 07:00 UTC in summer and 08:00 UTC in winter."""
    start = EWSDateTime(2024, 10, 21, 9, 0, tzinfo=BERLIN)
    weekly = WeeklyPattern(interval=1, weekdays=[1, 3], first_day_of_week=1)  # Mondays and Wednesdays
    series(alice, Recurrence(pattern=weekly, start=start.date(), number=4), start, start + timedelta(hours=1))
    window = alice.calendar.view(start=start - timedelta(days=1), end=start + timedelta(days=14))
    got = [(i.start.astimezone(BERLIN).day, i.start.astimezone(BERLIN).hour, i.start.hour) for i in window]
    assert got == [(21, 9, 7), (23, 9, 7), (28, 9, 8), (30, 9, 8)]
    assert alice.calendar.get(subject="Standup")._start_timezone == BERLIN


def test_a_relative_monthly_series(alice: Account) -> None:
    """Calendar: RelativeMonthly (the last Friday of every second month), EndDate range."""
    pattern = RelativeMonthlyPattern(interval=2, weekday=5, week_number=5)
    series(alice, Recurrence(pattern=pattern, start=START.date(), end=date(2025, 1, 31)))
    window = alice.calendar.view(start=START, end=START + timedelta(days=365))
    last_fridays = [date(2024, 6, 28), date(2024, 8, 30), date(2024, 10, 25), date(2024, 12, 27)]
    assert [i.start.date() for i in window] == last_fridays


def test_an_all_day_item_is_snapped_to_midnight_in_its_zone(alice: Account) -> None:
    """Calendar: all-day items snapped to midnight in their zone."""
    start = EWSDateTime(2024, 6, 3, 10, 30, tzinfo=BERLIN)
    item = CalendarItem(
        account=alice, folder=alice.calendar, subject="Offsite", start=start, end=start + timedelta(hours=3)
    )
    item.is_all_day = True
    item.save()
    got = alice.calendar.all().only("start", "end", "is_all_day", "_start_timezone", "_end_timezone").get(id=item.id)
    assert (got.start, got.end) == (date(2024, 6, 3), date(2024, 6, 3))  # exchangelib shows the end day inclusive
    raw = alice.calendar.all().only("start", "end").get(id=item.id)
    assert raw.start == EWSDateTime(2024, 6, 3, 0, 0, tzinfo=BERLIN)
    assert raw.end == EWSDateTime(2024, 6, 4, 0, 0, tzinfo=BERLIN)


def test_an_item_ending_at_the_views_start_is_in_the_view(alice: Account) -> None:
    """Calendar: an item ending exactly at a view's start is included, as Exchange does."""
    CalendarItem(
        account=alice, folder=alice.calendar, subject="Early", start=START - timedelta(hours=1), end=START
    ).save()
    CalendarItem(account=alice, folder=alice.calendar, subject="Late", start=END, end=END + timedelta(hours=1)).save()
    assert [i.subject for i in alice.calendar.view(start=START, end=END)] == ["Early"]


def test_exceptions_survive_save_and_load(alice: Account, world: World, tmp_path: Path) -> None:
    """Calendar: modified and deleted occurrences are kept on the master across a
    save→load of the world."""
    master = four_days(alice)
    second = master.occurrence(index=2)
    second.refresh()
    second.subject = "moved"
    second.save(update_fields=["subject"])
    master.occurrence(index=4).delete()
    path = tmp_path / "world.jsonl.gz"
    save_world(world, path)
    restored = load_world(path)
    stored = restored.mailbox(ALICE).item(master.id)
    assert isinstance(stored, StoredCalendarItem)
    assert [o.subject for o in occurrences.modified_occurrences(stored)] == ["moved"]
    assert occurrences.deleted_starts(stored) == [int((START + timedelta(days=3)).timestamp())]


# -- the property: any pattern, expanded by CalendarView, equals dateutil's expansion --

ZONES = ("UTC", "Europe/Berlin", "America/New_York", "Australia/Sydney")
#: exchangelib's weekday numbers (1 = Monday … 7 = Sunday, then Day, Weekday, WeekendDay)
#: as dateutil weekday sets
RRULE_DAYS = {n: (rrule_weekdays[n - 1],) for n in range(1, 8)} | {
    8: tuple(rrule_weekdays),
    9: tuple(rrule_weekdays[:5]),
    10: tuple(rrule_weekdays[5:]),
}


@dataclass(frozen=True)
class Case:
    """One generated series: the exchangelib pattern, its dateutil rule, a window."""

    pattern: Pattern
    rule: dict[str, Any]
    window_days: int


def _monthday(day: int) -> dict[str, Any]:
    """Exchange puts day 29-31 on the month's last day when the month is shorter."""
    return {"bymonthday": day} if day <= 28 else {"bymonthday": tuple(range(28, day + 1)), "bysetpos": -1}


def _week_number(n: int) -> int:
    return -1 if n == 5 else n


@st.composite
def cases(draw: st.DrawFn) -> Case:
    kind = draw(st.sampled_from(["daily", "weekly", "absmonthly", "relmonthly", "absyearly", "relyearly"]))
    interval = draw(st.integers(1, 4))
    if kind == "daily":
        return Case(DailyPattern(interval=interval), {"freq": DAILY, "interval": interval}, 40)
    if kind == "weekly":
        days = draw(st.lists(st.integers(1, 7), min_size=1, max_size=7, unique=True))
        first = draw(st.integers(1, 7))
        pattern = WeeklyPattern(interval=interval, weekdays=days, first_day_of_week=first)
        rule = {"freq": WEEKLY, "interval": interval, "byweekday": [rrule_weekdays[d - 1] for d in days]}
        return Case(pattern, rule | {"wkst": rrule_weekdays[first - 1]}, 70)
    day, month = draw(st.integers(1, 31)), draw(st.integers(1, 12))
    weekday, week = draw(st.integers(1, 10)), draw(st.integers(1, 5))
    relative = {"byweekday": RRULE_DAYS[weekday], "bysetpos": _week_number(week)}
    if kind == "absmonthly":
        rule = {"freq": MONTHLY, "interval": interval} | _monthday(day)
        return Case(AbsoluteMonthlyPattern(interval=interval, day_of_month=day), rule, 900)
    if kind == "relmonthly":
        pattern = RelativeMonthlyPattern(interval=interval, weekday=weekday, week_number=week)
        return Case(pattern, {"freq": MONTHLY, "interval": interval} | relative, 900)
    if kind == "absyearly":
        rule = {"freq": YEARLY, "bymonth": month} | _monthday(day)
        return Case(AbsoluteYearlyPattern(day_of_month=day, month=month), rule, 2200)
    pattern = RelativeYearlyPattern(weekday=weekday, week_number=week, month=month)
    return Case(pattern, {"freq": YEARLY, "bymonth": month} | relative, 2200)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    case=cases(),
    zone=st.sampled_from(ZONES),
    first_day=st.dates(date(2023, 1, 1), date(2026, 12, 31)),
    hour=st.integers(8, 20),
    minutes=st.integers(10, 300),
    boundary=st.sampled_from(["none", "end", "number"]),
    count=st.integers(1, 12),
    span=st.integers(0, 700),
)
def test_any_pattern_expands_as_dateutil_expands_it(
    alice: Account,
    case: Case,
    zone: str,
    first_day: date,
    hour: int,
    minutes: int,
    boundary: str,
    count: int,
    span: int,
) -> None:
    """Calendar: any recurrence pattern (every pattern and range of Exchange 2016),
    expanded by the mock's CalendarView in the item's start zone, equals the reference
    expansion by dateutil.rrule within the window."""
    tz = EWSTimeZone(zone)
    start = EWSDateTime(first_day.year, first_day.month, first_day.day, hour, 0, tzinfo=tz)
    limits: dict[str, Any] = {}
    rule = dict(case.rule)
    if boundary == "end":
        limits["end"] = first_day + timedelta(days=span)
        rule["until"] = datetime(limits["end"].year, limits["end"].month, limits["end"].day, 23, 59, tzinfo=tz)
    elif boundary == "number":
        limits["number"] = count
        rule["count"] = count
    recurrence = Recurrence(pattern=case.pattern, start=first_day, **limits)
    master = series(alice, recurrence, start, start + timedelta(minutes=minutes))
    window_end = start + timedelta(days=case.window_days)
    expected = [t for t in rrule(dtstart=start, **rule).between(start, window_end, inc=True) if t < window_end]
    got = [i.start for i in alice.calendar.view(start=start, end=window_end)]
    master.delete()
    assert sorted(got) == [t.astimezone(UTC) for t in expected]


def test_a_stored_pattern_that_cannot_expand_gives_no_occurrences(alice: Account, world: World) -> None:
    """Calendar: a pattern stored without the check (an older world file) expands to
    nothing instead of failing the whole view."""
    master = four_days(alice)
    stored = world.mailbox(ALICE).item(master.id)
    assert isinstance(stored, StoredCalendarItem) and stored.recurrence is not None
    stored.recurrence = StoredRecurrence("WeeklyRecurrence", (("Interval", "1"),), "NoEndRecurrence", ())
    assert view(alice) == []
    master.refresh()
    assert master.first_occurrence is None and master.type == "RecurringMaster"


def test_an_occurrence_saved_whole_becomes_an_exception(alice: Account) -> None:
    """Calendar: an application that edits an occurrence and calls save() sends every
    field (When, the zones, the recurrence-only fields among them); the change is kept
    as an exception, as on Exchange."""
    master = four_days(alice)
    second = alice.calendar.get(id=view(alice)[1].id)
    second.subject = "Standup (moved room)"
    second.location = "Room 7"
    second.save()
    master.refresh()
    [modified] = master.modified_occurrences
    assert modified.id == second.id
    unfolded = view(alice)
    assert (unfolded[1].type, unfolded[1].subject, unfolded[1].location) == (
        "Exception",
        "Standup (moved room)",
        "Room 7",
    )
