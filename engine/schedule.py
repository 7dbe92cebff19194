"""When schedules fire (T5): pure functions of a schedule, the site's time zone and an
instant.

Times are local to the site.  A local time that does not exist (the spring-forward gap)
fires at the same offset from midnight after the clocks moved (02:30 in a 02:00→03:00
gap fires at 03:30); a local time that happens twice (fall back) fires once, at its
first occurrence.  Occurrences are returned as aware UTC datetimes.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .model import DailySchedule, DailyTimes, ExclusionWindow, OneOffSchedule, ScheduleSpec, WeeklySchedule


def local_to_utc(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The instant of local wall time ``at`` on ``day`` (gap → shifted forward,
    ambiguous → first)."""
    local = datetime.combine(day, at, tzinfo=zone).replace(fold=0)
    return local.astimezone(UTC)


def times_of_day(times: DailyTimes) -> list[time]:
    """T5: once → [start]; many → start + k·interval while ≤ end (end inclusive)."""
    if times.mode == "once":
        return [times.start]
    assert times.end is not None and times.interval_minutes is not None
    first = times.start.hour * 60 + times.start.minute
    last = times.end.hour * 60 + times.end.minute
    return [time(m // 60, m % 60) for m in range(first, last + 1, times.interval_minutes)]


def _days_fire(spec: DailySchedule | WeeklySchedule, day: date) -> bool:
    if isinstance(spec, DailySchedule):
        return True
    return any(day.weekday() == w.number for w in spec.weekdays)


def occurrences(spec: ScheduleSpec, zone_name: str, after: datetime, until: datetime) -> Iterator[datetime]:
    """Every firing in (after, until], in order."""
    if after.tzinfo is None or until.tzinfo is None:
        raise ValueError("instants must be timezone-aware")
    zone = ZoneInfo(zone_name)
    if isinstance(spec, OneOffSchedule):
        at = local_to_utc(spec.at.date(), spec.at.time(), zone)
        if after < at <= until:
            yield at
        return
    slots = times_of_day(spec.times)
    day = after.astimezone(zone).date() - timedelta(days=1)
    last_day = until.astimezone(zone).date() + timedelta(days=1)
    previous: datetime | None = None
    while day <= last_day:
        if _days_fire(spec, day):
            for at in sorted({local_to_utc(day, slot, zone) for slot in slots}):
                if after < at <= until and at != previous:
                    previous = at
                    yield at
        day += timedelta(days=1)


def next_occurrence(spec: ScheduleSpec, zone_name: str, after: datetime) -> datetime | None:
    """The first firing strictly after ``after``, or None (a one-off in the past)."""
    horizon = after + timedelta(days=9)  # a weekly schedule fires at least once in 8 days
    return next(occurrences(spec, zone_name, after, horizon), None)


def in_exclusion_window(windows: list[ExclusionWindow], zone_name: str, when: datetime) -> bool:
    """R7: whether ``when`` falls in one of the full-sync exclusion windows (local time)."""
    local = when.astimezone(ZoneInfo(zone_name))
    now = local.time()
    return any(local.weekday() == w.weekday.number and w.start <= now < w.end for w in windows)
