"""T5: next-occurrence maths for one-off, daily once/many and weekly schedules, in a
site's time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from engine.model import DailySchedule, DailyTimes, OneOffSchedule, ScheduleIn, WeeklySchedule
from engine.schedule import next_occurrence, occurrences

LONDON = "Europe/London"


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_t5_one_off_fires_once_at_local_time() -> None:
    spec = OneOffSchedule(at=datetime(2024, 7, 1, 9, 30))
    assert next_occurrence(spec, LONDON, utc(2024, 6, 30)) == utc(2024, 7, 1, 8, 30)  # BST
    assert next_occurrence(spec, LONDON, utc(2024, 7, 1, 8, 30)) is None  # strictly after


def test_t5_daily_once() -> None:
    spec = DailySchedule(times=DailyTimes(start=time(2, 0)))
    assert next_occurrence(spec, "UTC", utc(2024, 1, 1, 1, 0)) == utc(2024, 1, 1, 2, 0)
    assert next_occurrence(spec, "UTC", utc(2024, 1, 1, 2, 0)) == utc(2024, 1, 2, 2, 0)


def test_t5_daily_many_end_inclusive_within_the_day() -> None:
    spec = DailySchedule(times=DailyTimes(mode="many", start=time(8, 0), end=time(10, 0), interval_minutes=60))
    got = list(occurrences(spec, "UTC", utc(2024, 1, 1), utc(2024, 1, 2, 23, 59)))
    assert got == [utc(2024, 1, 1, h) for h in (8, 9, 10)] + [utc(2024, 1, 2, h) for h in (8, 9, 10)]
    odd = DailySchedule(times=DailyTimes(mode="many", start=time(8, 0), end=time(9, 0), interval_minutes=25))
    assert [t.minute for t in occurrences(odd, "UTC", utc(2024, 1, 1), utc(2024, 1, 1, 12))] == [0, 25, 50]


@pytest.mark.parametrize(
    ("start", "end", "interval", "message"),
    [
        (time(10, 0), time(9, 0), 5, "end must be after start"),
        (time(10, 0), time(10, 0), 5, "end must be after start"),
        (time(9, 0), time(10, 0), 0, "interval_minutes must be between 1 and"),
        (time(9, 0), time(10, 0), 61, "interval_minutes must be between 1 and"),
    ],
)
def test_t5_daily_many_validation(start: time, end: time, interval: int, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        DailyTimes(mode="many", start=start, end=end, interval_minutes=interval)


def test_t5_weekly_fires_on_the_chosen_days() -> None:
    spec = WeeklySchedule(weekdays=["friday", "monday", "monday"], times=DailyTimes(start=time(18, 0)))
    assert [d.value for d in spec.weekdays] == ["monday", "friday"]
    got = list(occurrences(spec, "UTC", utc(2024, 1, 1), utc(2024, 1, 14)))  # 2024-01-01 is a Monday
    assert got == [utc(2024, 1, 1, 18), utc(2024, 1, 5, 18), utc(2024, 1, 8, 18), utc(2024, 1, 12, 18)]
    with pytest.raises(ValidationError):
        WeeklySchedule(weekdays=[], times=DailyTimes(start=time(1, 0)))


def test_t5_times_are_in_the_sites_zone() -> None:
    spec = DailySchedule(times=DailyTimes(start=time(9, 0)))
    assert next_occurrence(spec, "America/New_York", utc(2024, 1, 10)) == utc(2024, 1, 10, 14)
    assert next_occurrence(spec, "Asia/Kolkata", utc(2024, 1, 10)) == utc(2024, 1, 10, 3, 30)  # 05:30 IST → 09:00


def test_t5_dst_spring_forward_gap_shifts_forward() -> None:
    # London 2024-03-31: 01:00 → 02:00 BST; 01:30 does not exist
    spec = DailySchedule(times=DailyTimes(start=time(1, 30)))
    assert next_occurrence(spec, LONDON, utc(2024, 3, 30, 12)) == utc(2024, 3, 31, 1, 30)  # = 02:30 BST
    assert next_occurrence(spec, LONDON, utc(2024, 3, 31, 2)) == utc(2024, 4, 1, 0, 30)  # 01:30 BST


def test_t5_dst_fall_back_fires_once() -> None:
    # London 2024-10-27: 02:00 BST → 01:00 GMT; 01:30 happens twice
    spec = DailySchedule(times=DailyTimes(start=time(1, 30)))
    got = list(occurrences(spec, LONDON, utc(2024, 10, 26, 12), utc(2024, 10, 28, 12)))
    assert got == [utc(2024, 10, 27, 0, 30), utc(2024, 10, 28, 1, 30)]
    many = DailySchedule(times=DailyTimes(mode="many", start=time(0, 0), end=time(3, 0), interval_minutes=30))
    fired = list(occurrences(many, LONDON, utc(2024, 10, 26, 12), utc(2024, 10, 27, 12)))
    assert len(fired) == len(set(fired)) == 7  # 00:00 … 03:00 local, each once


def test_schedules_reject_aware_one_off_times() -> None:
    with pytest.raises(ValidationError, match="local to the site"):
        ScheduleIn.model_validate({"name": "x", "spec": {"kind": "one_off", "at": "2024-01-01T10:00:00+02:00"}})


@given(
    start_minute=st.integers(0, 23 * 60),
    span=st.integers(1, 600),
    interval=st.integers(1, 600),
    zone=st.sampled_from(["UTC", LONDON, "America/New_York", "Australia/Sydney", "Asia/Kolkata"]),
    after=st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 1, 1)),
)
def test_t5_property_next_is_the_first_of_all_occurrences(
    start_minute: int, span: int, interval: int, zone: str, after: datetime
) -> None:
    end_minute = min(start_minute + span, 23 * 60 + 59)
    if end_minute <= start_minute or interval > end_minute - start_minute:
        return
    times = DailyTimes(
        mode="many",
        start=time(start_minute // 60, start_minute % 60),
        end=time(end_minute // 60, end_minute % 60),
        interval_minutes=interval,
    )
    spec = DailySchedule(times=times)
    moment = after.replace(tzinfo=UTC)
    upcoming = next_occurrence(spec, zone, moment)
    window = list(occurrences(spec, zone, moment, moment + timedelta(days=3)))
    assert upcoming is not None and upcoming == window[0] and upcoming > moment
    assert window == sorted(set(window))
    for at in window:  # every firing is at an allowed local time (or shifted by a DST gap)
        local = at.astimezone(ZoneInfo(zone))
        minute = local.hour * 60 + local.minute
        assert start_minute <= minute <= end_minute + 60
