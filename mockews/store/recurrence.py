"""Recurrence expansion: which days a stored ``Recurrence`` falls on, as Exchange 2016
expands its patterns (no XML here; the SOAP layer stores the pattern as it came).

A pattern names days; the time of day and the duration come from the recurring
master, in the master's start time zone (occurrences.py).  Exchange's rules kept here:

- Weekly: weeks are counted from the week holding the range's StartDate, a week
  beginning on FirstDayOfWeek; every Interval-th week the named days recur.
- Monthly and yearly: periods are counted from StartDate's month; a DayOfMonth past a
  month's end falls on its last day (MS-OXOCAL: day 31 in April is April 30).
- Relative patterns pick the First..Fourth or Last day of the month that matches
  DaysOfWeek, which may also be ``Day``, ``Weekday`` or ``WeekendDay``.
- Days before StartDate never occur; EndDate is inclusive; NumberOfOccurrences counts
  only days that occur.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import count, islice, takewhile

from .model import Recurrence

WEEKDAYS: tuple[str, ...] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS: tuple[str, ...] = tuple(calendar.month_name[1:])
#: DayOfWeekIndex → which matching day of the month (-1: the last)
WEEK_INDEXES = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
#: DaysOfWeek values of relative patterns besides the seven day names
DAY_GROUPS = {"Day": frozenset(range(7)), "Weekday": frozenset(range(5)), "WeekendDay": frozenset({5, 6})}
PATTERNS = (
    "DailyRecurrence",
    "WeeklyRecurrence",
    "AbsoluteMonthlyRecurrence",
    "RelativeMonthlyRecurrence",
    "AbsoluteYearlyRecurrence",
    "RelativeYearlyRecurrence",
)
RANGES = ("NoEndRecurrence", "EndDateRecurrence", "NumberedRecurrence")


class InvalidRecurrence(ValueError):
    """The pattern or range cannot be expanded (the SOAP layer names Exchange's error)."""


@dataclass(frozen=True, slots=True)
class Pattern:
    kind: str
    interval: int = 1
    days: frozenset[int] = frozenset()  # date.weekday() numbers
    first_day: int = 6  # FirstDayOfWeek; Exchange's default is Sunday
    day_of_month: int = 1
    week_index: int = 1
    month: int = 1


@dataclass(frozen=True, slots=True)
class Range:
    start: date
    end: date | None = None
    count: int | None = None


def _int(fields: dict[str, str], name: str, low: int, high: int) -> int:
    text = fields.get(name)
    try:
        value = int(text or "")
    except ValueError:
        raise InvalidRecurrence(f"{name} {text!r} is not a number.") from None
    if not low <= value <= high:
        raise InvalidRecurrence(f"{name} {value} is out of range {low}..{high}.")
    return value


def _choice(fields: dict[str, str], name: str, table: dict[str, int]) -> int:
    text = fields.get(name, "")
    if text not in table:
        raise InvalidRecurrence(f"{name} {text!r} is not valid.")
    return table[text]


def _days(fields: dict[str, str], relative: bool) -> frozenset[int]:
    """DaysOfWeek: a space-separated list of day names (weekly), or one name or group."""
    words = fields.get("DaysOfWeek", "").split()
    if relative and len(words) == 1 and words[0] in DAY_GROUPS:
        return DAY_GROUPS[words[0]]
    if not words or any(w not in WEEKDAYS for w in words) or (relative and len(words) != 1):
        raise InvalidRecurrence(f"DaysOfWeek {' '.join(words)!r} is not valid.")
    return frozenset(WEEKDAYS.index(w) for w in words)


def parse_pattern(name: str, values: tuple[tuple[str, str], ...]) -> Pattern:
    fields = dict(values)
    months = {m: i + 1 for i, m in enumerate(MONTHS)}
    if name == "DailyRecurrence":
        return Pattern(name, interval=_int(fields, "Interval", 1, 999))
    if name == "WeeklyRecurrence":
        first = fields.get("FirstDayOfWeek", "Sunday")
        if first not in WEEKDAYS:
            raise InvalidRecurrence(f"FirstDayOfWeek {first!r} is not valid.")
        return Pattern(
            name, _int(fields, "Interval", 1, 99), _days(fields, relative=False), first_day=WEEKDAYS.index(first)
        )
    relative = name.startswith("Relative")
    yearly = name.endswith("YearlyRecurrence")
    if name not in PATTERNS:
        raise InvalidRecurrence(f"{name} is not a recurrence pattern.")
    return Pattern(
        name,
        interval=12 if yearly else _int(fields, "Interval", 1, 99),
        days=_days(fields, relative=True) if relative else frozenset(),
        day_of_month=1 if relative else _int(fields, "DayOfMonth", 1, 31),
        week_index=_choice(fields, "DayOfWeekIndex", WEEK_INDEXES) if relative else 1,
        month=_choice(fields, "Month", months) if yearly else 1,
    )


def parse_date(text: str) -> date:
    """A range date as clients send it: ``2024-05-01``, ``2024-05-01Z`` or with an
    offset (``2024-05-01+02:00``); the offset names the zone, not another day."""
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise InvalidRecurrence(f"{text!r} is not a valid date.") from None


def parse_range(name: str, values: tuple[tuple[str, str], ...]) -> Range:
    fields = dict(values)
    if name not in RANGES:
        raise InvalidRecurrence(f"{name} is not a recurrence range.")
    start = parse_date(fields.get("StartDate", ""))
    if name == "EndDateRecurrence":
        end = parse_date(fields.get("EndDate", ""))
        if end < start:
            raise InvalidRecurrence("EndDate is earlier than StartDate.")
        return Range(start, end=end)
    if name == "NumberedRecurrence":
        return Range(start, count=_int(fields, "NumberOfOccurrences", 1, 999))
    return Range(start)


def validate(rec: Recurrence) -> None:
    parse_pattern(rec.pattern, rec.pattern_fields)
    parse_range(rec.range, rec.range_fields)


# -- expansion ------------------------------------------------------------------------


def _month_day(year: int, month: int, pattern: Pattern) -> date:
    """The pattern's day in one month (absolute: clamped to the month's end)."""
    last = calendar.monthrange(year, month)[1]
    if not pattern.kind.startswith("Relative"):
        return date(year, month, min(pattern.day_of_month, last))
    matching = [d for d in range(1, last + 1) if date(year, month, d).weekday() in pattern.days]
    # every day of the week occurs at least four times a month, so First..Fourth exist
    return date(year, month, matching[pattern.week_index - 1 if pattern.week_index > 0 else -1])


def _monthly(pattern: Pattern, start: date) -> Iterator[date]:
    first_month = pattern.month if pattern.kind.endswith("YearlyRecurrence") else start.month
    base = start.year * 12 + first_month - 1
    for n in count(0):
        year, month0 = divmod(base + n * pattern.interval, 12)
        day = _month_day(year, month0 + 1, pattern)
        if day >= start:
            yield day


def _weekly(pattern: Pattern, start: date) -> Iterator[date]:
    week = start - timedelta(days=(start.weekday() - pattern.first_day) % 7)
    for _ in count(0):
        for offset in range(7):
            day = week + timedelta(days=offset)
            if day.weekday() in pattern.days and day >= start:
                yield day
        week += timedelta(weeks=pattern.interval)


def _daily(pattern: Pattern, start: date) -> Iterator[date]:
    for n in count(0):
        yield start + timedelta(days=n * pattern.interval)


def occurrence_dates(rec: Recurrence) -> Iterator[date]:
    """The days the series occurs on, in order (endless for NoEndRecurrence: the
    caller stops it)."""
    pattern = parse_pattern(rec.pattern, rec.pattern_fields)
    rng = parse_range(rec.range, rec.range_fields)
    if pattern.kind == "DailyRecurrence":
        days = _daily(pattern, rng.start)
    elif pattern.kind == "WeeklyRecurrence":
        days = _weekly(pattern, rng.start)
    else:
        days = _monthly(pattern, rng.start)
    end = rng.end
    if end is not None:
        days = takewhile(lambda d: d <= end, days)
    if rng.count is not None:
        days = islice(days, rng.count)
    # date.max guards the endless generators from running off the calendar
    return takewhile(lambda d: d.year < 9999, days)


def is_endless(rec: Recurrence) -> bool:
    return rec.range == "NoEndRecurrence"
