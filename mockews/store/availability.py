"""Free/busy of a mailbox as GetUserAvailability reports it, computed from the calendar
items the store holds (plain Python; the operation renders it).

Times go out in the time zone the client sends: the availability ``t:TimeZone`` is a
legacy Windows rule — a base Bias (UTC = local + Bias, in minutes) and optional
StandardTime/DaylightTime transitions (the n-th weekday of a month at a local time,
n = 5 meaning the last), each with its own extra Bias.

Recurring items: the one place that turns a stored item into calendar entries is
:func:`instances`, where recurrence expansion plugs in.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from . import occurrences
from .mailbox import Mailbox
from .model import CalendarItem

#: MergedFreeBusy digits
FREE_BUSY_DIGITS = {"Free": "0", "Tentative": "1", "Busy": "2", "OOF": "3", "WorkingElsewhere": "4", "NoData": "5"}
#: which status wins when periods overlap (higher wins), as in Outlook's scheduling grid
_RANK = {"Free": 0, "WorkingElsewhere": 1, "Tentative": 2, "Busy": 3, "OOF": 4}
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class Transition:
    bias: int
    at: time
    day_order: int  # 1..4, 5 = last
    month: int  # 1..12; 0 = no transition
    weekday: int  # 0 = Monday

    def local_moment(self, year: int) -> datetime:
        """The naive local wall time of this transition in ``year``."""
        days = calendar.monthrange(year, self.month)[1]
        matching = [d for d in range(1, days + 1) if calendar.weekday(year, self.month, d) == self.weekday]
        day = matching[-1] if self.day_order >= len(matching) else matching[self.day_order - 1]
        return datetime.combine(datetime(year, self.month, day).date(), self.at)


@dataclass(frozen=True)
class LegacyZone:
    bias: int
    standard: Transition | None = None
    daylight: Transition | None = None

    @property
    def has_dst(self) -> bool:
        return bool(self.standard and self.daylight and self.standard.month and self.daylight.month)

    def _in_dst(self, utc: datetime) -> bool:
        if not self.has_dst:
            return False
        assert self.standard is not None and self.daylight is not None
        naive = utc.replace(tzinfo=None)
        start = self.daylight.local_moment(naive.year) + timedelta(minutes=self.bias + self.standard.bias)
        end = self.standard.local_moment(naive.year) + timedelta(minutes=self.bias + self.daylight.bias)
        if start < end:
            return start <= naive < end
        return not end <= naive < start  # southern hemisphere: DST spans the new year

    def offset_minutes(self, utc: datetime) -> int:
        """UTC minus local, in minutes, at the instant ``utc``."""
        rule = self.daylight if self._in_dst(utc) else self.standard
        return self.bias + (rule.bias if rule else 0)

    def to_local(self, epoch: int) -> datetime:
        utc = datetime.fromtimestamp(epoch, UTC)
        return (utc - timedelta(minutes=self.offset_minutes(utc))).replace(tzinfo=None)

    def to_epoch(self, value: datetime) -> int:
        """An aware datetime as is; a naive one is local time in this zone."""
        if value.tzinfo is not None:
            return int(value.timestamp())
        standard = self.bias + (self.standard.bias if self.standard else 0)
        guess = value.replace(tzinfo=UTC) + timedelta(minutes=standard)
        return int((value.replace(tzinfo=UTC) + timedelta(minutes=self.offset_minutes(guess))).timestamp())


UTC_ZONE = LegacyZone(0)


@dataclass(frozen=True)
class BusyPeriod:
    start: int
    end: int
    status: str
    item: CalendarItem


def instances(item: CalendarItem, start: int, end: int) -> list[CalendarItem]:
    """The calendar entries ``item`` puts within [start, end): a recurring master its
    occurrences (modified ones at their new times and status, deleted ones absent;
    an occurrence merely touching the window's start takes no time in it)."""
    if item.recurrence is not None:
        return [occ for occ in occurrences.between(item, start, end) if occ.end > start]
    if item.start < end and item.end > start:
        return [item]
    return []


def calendar_periods(mailbox: Mailbox, start: int, end: int) -> list[BusyPeriod]:
    """Every period of the default Calendar within the window, in start order; items
    marked Free (or NoData) take no time, as on Exchange."""
    out: list[BusyPeriod] = []
    for item in mailbox.well_known("calendar").items.values():
        if not isinstance(item, CalendarItem):
            continue
        for entry in instances(item, start, end):
            if entry.free_busy in _RANK and entry.free_busy != "Free":
                out.append(BusyPeriod(entry.start, entry.end, entry.free_busy, entry))
    return sorted(out, key=lambda p: (p.start, p.end))


def merged_free_busy(periods: Iterable[BusyPeriod], start: int, end: int, interval_minutes: int) -> str:
    """One digit per interval from ``start``: the strongest status of any period that
    overlaps it (a last partial interval counts)."""
    step = interval_minutes * 60
    slots = max(0, -(-(end - start) // step))
    ranks = [0] * slots
    statuses = ["Free"] * slots
    for period in periods:
        if period.start >= end or period.end <= start:  # the last interval may reach past the window
            continue
        first = max(0, (period.start - start) // step)
        last = min(slots, -(-(period.end - start) // step))
        for slot in range(first, last):
            if _RANK[period.status] > ranks[slot]:
                ranks[slot], statuses[slot] = _RANK[period.status], period.status
    return "".join(FREE_BUSY_DIGITS[s] for s in statuses)
