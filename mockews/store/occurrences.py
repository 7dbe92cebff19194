"""Occurrences of recurring masters: built on demand from the master's pattern, never
stored, as Exchange keeps a series in one item.

An occurrence's id is its master's id plus its 1-based InstanceIndex, so GetItem,
UpdateItem and DeleteItem resolve it without a table.  The master keeps, in its
``extra`` dict (saved with the world as plain JSON):

- ``occurrence_exceptions``: InstanceIndex (as text) → the fields an UpdateItem on that
  occurrence changed (a modified occurrence: CalendarItemType Exception);
- ``deleted_occurrences``: the InstanceIndexes DeleteItem removed.

Occurrences fall on the pattern's days (recurrence.py) at the master's time of day in
the master's start time zone, so a 09:00 meeting in Berlin stays at 09:00 local across
daylight-saving changes; each lasts as long as the master.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import (
    ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange,
    ErrorCalendarOccurrenceIsDeletedFromRecurrence,
    ErrorItemNotFound,
)
from .model import CalendarItem, Occurrence, from_epoch
from .recurrence import InvalidRecurrence, is_endless, occurrence_dates

EXCEPTIONS = "occurrence_exceptions"
DELETED = "deleted_occurrences"
#: the extra keys holding the Windows time zone ids the client sent (StartTimeZone Id)
START_ZONE = "StartTimeZone"
END_ZONE = "EndTimeZone"
#: between a master's id and an InstanceIndex in an occurrence id (ids are alphanumeric)
OCCURRENCE_SEP = "-"
#: an InstanceIndex beyond this is refused rather than expanded (an endless series)
MAX_INDEX = 100_000
#: the master fields an occurrence may change (kept JSON-plain in the master's extra)
OVERRIDABLE = (
    "subject",
    "body",
    "body_type",
    "location",
    "start",
    "end",
    "is_all_day",
    "free_busy",
    "sensitivity",
    "importance",
    "is_read",
    "categories",
)
_NOT_COPIED = frozenset({"id", "folder", "kind", "recurrence", "calendar_type", "extra", "attachments"})
_SERIES_KEYS = frozenset({EXCEPTIONS, DELETED})


def occurrence_id(master_id: str, index: int) -> str:
    return f"{master_id}{OCCURRENCE_SEP}{index}"


def split_occurrence_id(item_id: str) -> tuple[str, int] | None:
    master_id, sep, index = item_id.rpartition(OCCURRENCE_SEP)
    if not sep or not index.isdigit() or not master_id:
        return None
    return master_id, int(index)


@lru_cache(maxsize=512)
def zone_named(zone_id: str | None) -> tzinfo:
    """A Windows time zone id (what EWS clients send) or an IANA name → a zone; an
    unknown one is UTC, as the mock stores every instant in UTC anyway."""
    if not zone_id:
        return UTC
    from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP  # the CLDR table, a declared dependency

    try:
        return ZoneInfo(MS_TIMEZONE_TO_IANA_MAP.get(zone_id, zone_id))
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def zone_of(item: CalendarItem) -> tzinfo:
    value = item.get_extra(START_ZONE)
    return zone_named(value if isinstance(value, str) else None)


def _exceptions(master: CalendarItem) -> dict[str, dict[str, object]]:
    found = master.get_extra(EXCEPTIONS)
    return found if isinstance(found, dict) else {}


def _deleted(master: CalendarItem) -> list[int]:
    found = master.get_extra(DELETED)
    return list(found) if isinstance(found, list) else []


def series(master: CalendarItem) -> Iterator[tuple[int, int]]:
    """(InstanceIndex, original start) of every occurrence the pattern makes, deleted
    ones included (they keep their index)."""
    assert master.recurrence is not None
    zone = zone_of(master)
    time_of_day = from_epoch(master.start).astimezone(zone).time()
    try:
        days = occurrence_dates(master.recurrence)
    except InvalidRecurrence:
        return  # a pattern stored unchecked (an older world file): no occurrences, no 500
    for index, day in enumerate(days, 1):
        yield index, int(datetime.combine(day, time_of_day, zone).timestamp())


def _copy_slots() -> tuple[str, ...]:
    names: list[str] = []
    for klass in CalendarItem.__mro__:
        names.extend(n for n in getattr(klass, "__slots__", ()) if n not in _NOT_COPIED)
    return tuple(names)


_COPIED = _copy_slots()


def build(master: CalendarItem, index: int, original_start: int, modified: bool = True) -> Occurrence:
    """The occurrence as the pattern makes it, with its exception applied if any
    (unless ``modified`` is False)."""
    occ = Occurrence(occurrence_id(master.id, index), master, index, original_start)
    for name in _COPIED:
        setattr(occ, name, getattr(master, name))
    occ.start = original_start
    occ.end = original_start + (master.end - master.start)
    if master.extra:
        occ.extra = {k: v for k, v in master.extra.items() if k not in _SERIES_KEYS} or None
    changes = _exceptions(master).get(str(index)) if modified else None
    if changes:
        for name, value in changes.items():
            setattr(occ, name, tuple(value) if isinstance(value, list) else value)
        occ.calendar_type = "Exception"
    return occ


def occurrence(master: CalendarItem, index: int) -> Occurrence:
    """The occurrence with this InstanceIndex (GetItem with OccurrenceItemId)."""
    if master.recurrence is None:
        raise ErrorItemNotFound("The item is not a recurring master.")
    if index in _deleted(master):
        raise ErrorCalendarOccurrenceIsDeletedFromRecurrence()
    if 1 <= index <= MAX_INDEX:
        for number, start in series(master):
            if number == index:
                return build(master, index, start)
            if number > index:
                break
    raise ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange()


def between(master: CalendarItem, start: int, end: int) -> list[Occurrence]:
    """The occurrences overlapping [start, end] (one ending exactly at ``start`` is
    included, as Exchange includes it), modified ones where they were moved to."""
    deleted = set(_deleted(master))
    modified = {int(k) for k in _exceptions(master)}
    last_modified = max(modified, default=0)
    out: list[Occurrence] = []
    for index, original in series(master):
        if original >= end and index > last_modified:
            break
        if index in deleted or (original >= end and index not in modified):
            continue
        occ = build(master, index, original)
        if occ.start < end and occ.end >= start:
            out.append(occ)
    return out


def first_and_last(master: CalendarItem) -> tuple[Occurrence | None, Occurrence | None]:
    """FirstOccurrence and LastOccurrence (none last for an endless series)."""
    assert master.recurrence is not None
    endless = is_endless(master.recurrence)
    deleted = set(_deleted(master))
    first: tuple[int, int] | None = None
    last: tuple[int, int] | None = None
    for index, original in series(master):
        if index in deleted:
            continue
        if first is None:
            first = (index, original)
            if endless:
                break
        last = (index, original)
    first_occ = None if first is None else build(master, *first)
    last_occ = None if last is None or endless else build(master, *last)
    return first_occ, last_occ


def _original_starts(master: CalendarItem, indexes: set[int]) -> dict[int, int]:
    found: dict[int, int] = {}
    top = max(indexes, default=0)
    for index, original in series(master):
        if index > top:
            break
        if index in indexes:
            found[index] = original
    return found


def modified_occurrences(master: CalendarItem) -> list[Occurrence]:
    indexes = {int(k) for k in _exceptions(master)}
    starts = _original_starts(master, indexes)
    return [build(master, i, starts[i]) for i in sorted(starts)]


def deleted_starts(master: CalendarItem) -> list[int]:
    """The original starts of the deleted occurrences (DeletedOccurrences)."""
    starts = _original_starts(master, set(_deleted(master)))
    return [starts[i] for i in sorted(starts)]


def record_exception(occ: Occurrence) -> None:
    """Keep on the master what ``occ`` (already changed) differs in from the pattern."""
    master = occ.master
    plain = build(master, occ.index, occ.original_start, modified=False)
    changes: dict[str, object] = {}
    for name in OVERRIDABLE:
        value = getattr(occ, name)
        if value != getattr(plain, name):
            changes[name] = list(value) if isinstance(value, tuple) else value
    table = dict(_exceptions(master))
    if changes:
        table[str(occ.index)] = changes
        occ.calendar_type = "Exception"
    else:
        table.pop(str(occ.index), None)
    master.set_extra(EXCEPTIONS, table or None)


def record_deletion(occ: Occurrence) -> None:
    master = occ.master
    table = dict(_exceptions(master))
    table.pop(str(occ.index), None)
    master.set_extra(EXCEPTIONS, table or None)
    master.set_extra(DELETED, sorted({*_deleted(master), occ.index}))


def forget_exceptions(master: CalendarItem) -> None:
    """A changed pattern or start makes new occurrences: Exchange drops the old
    exceptions and deletions with them."""
    master.set_extra(EXCEPTIONS, None)
    master.set_extra(DELETED, None)


def resolve(master: CalendarItem | None, item_id: str) -> Occurrence:
    """An occurrence id → the occurrence (ErrorItemNotFound once its master is gone)."""
    parts = split_occurrence_id(item_id)
    if master is None or parts is None or master.recurrence is None:
        raise ErrorItemNotFound()
    return occurrence(master, parts[1])


def _midnight(epoch: int, zone: tzinfo, round_up: bool) -> int:
    local = from_epoch(epoch).astimezone(zone)
    floor = datetime.combine(local.date(), datetime.min.time(), zone)
    if round_up and floor < local:
        floor = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), zone)
    return int(floor.timestamp())


def snap_all_day(item: CalendarItem) -> None:
    """Exchange pushes an all-day item's start back to the previous midnight and its end
    on to the next, in the item's own zones."""
    if not item.is_all_day:
        return
    item.start = _midnight(item.start, zone_of(item), round_up=False)
    end_zone = item.get_extra(END_ZONE)
    item.end = _midnight(item.end, zone_named(end_zone if isinstance(end_zone, str) else None), round_up=True)
    if item.end <= item.start:
        item.end = _midnight(item.start + 86400 + 3600 * 3, zone_of(item), round_up=False)
