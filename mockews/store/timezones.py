"""The server's time zone definitions (GetServerTimeZones), derived from the IANA
database of the ``tzdata`` package — the same on every machine — through the
Windows-to-IANA mapping of CLDR (as ``tzlocal`` ships it).

Windows describes a zone as eras ("transition groups"): from a date on, either a fixed
standard offset, or a standard and a daylight offset with the yearly rule between them
("last Sunday of March at 02:00").  The eras here cover FIRST_YEAR to LAST_YEAR: each
year's offset changes are read from the zone's TZif file (and, past its last listed
change, from one year of its ongoing rule); a year whose changes are one daylight pair
becomes a recurring rule, any other year (a permanent shift, a Ramadan pause) becomes
absolute eras at the exact instants; equal neighbours merge.  Plain data, no XML.
"""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo

FIRST_YEAR = 2000
LAST_YEAR = 2037
_WEEK = 7 * 86_400
#: ids CLDR maps that an Exchange 2016 server does not have (added to Windows later)
_NEWER_THAN_EXCHANGE_2016 = frozenset(
    {"Alberta Standard Time", "British Columbia Standard Time", "Manitoba Standard Time"}
)


@dataclass(frozen=True)
class DayRule:
    """A yearly change, in the wall time of the period it ends: ``occurrence`` 1 to 4 or
    -1 (the last), ``weekday`` 0 = Monday … 6 = Sunday."""

    month: int
    weekday: int
    occurrence: int
    minutes: int


@dataclass(frozen=True)
class ZoneRule:
    """Offsets in minutes east of UTC; a daylight part only with both day rules."""

    standard: int
    daylight: int | None = None
    to_daylight: DayRule | None = None
    to_standard: DayRule | None = None


@dataclass(frozen=True)
class Era:
    start: datetime | None  # naive wall time; None for the first era
    rule: ZoneRule


@dataclass(frozen=True)
class ZoneDefinition:
    id: str
    name: str
    eras: tuple[Era, ...]


@cache
def windows_zones() -> dict[str, str]:
    """Windows time zone id → IANA name, for every zone the tzdata package has."""
    from tzlocal.windows_tz import win_tz

    return {
        win: iana
        for win, iana in sorted(win_tz.items())
        if win not in _NEWER_THAN_EXCHANGE_2016 and _tzif_path_exists(iana)
    }


def tzif(iana: str) -> bytes:
    """The zone's TZif file from the tzdata package."""
    return resources.files("tzdata").joinpath("zoneinfo", *iana.split("/")).read_bytes()


def _tzif_path_exists(iana: str) -> bool:
    try:
        tzif(iana)
    except (FileNotFoundError, IsADirectoryError, ModuleNotFoundError):
        return False
    return True


def _transitions(data: bytes) -> list[tuple[int, int]]:
    """(UTC instant, new offset in seconds) of every change a TZif (v2+) file lists."""
    counts = struct.unpack(">6l", data[20:44])
    isut, isstd, leap, times, types, chars = counts
    skip = 44 + times * 5 + types * 6 + chars + leap * 8 + isstd + isut
    isut, isstd, leap, times, types, chars = struct.unpack(">6l", data[skip + 20 : skip + 44])
    base = skip + 44
    instants = struct.unpack(f">{times}q", data[base : base + times * 8])
    indices = data[base + times * 8 : base + times * 9]
    infos = base + times * 9
    offsets = [struct.unpack(">lBB", data[infos + i * 6 : infos + i * 6 + 6])[0] for i in range(types)]
    return [(instant, offsets[index]) for instant, index in zip(instants, indices, strict=True)]


def _offset(tz: ZoneInfo, instant: int) -> int:
    offset = datetime.fromtimestamp(instant, tz).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _year_start(year: int) -> int:
    return int(datetime(year, 1, 1, tzinfo=UTC).timestamp())


def _sampled_changes(tz: ZoneInfo, year: int) -> list[tuple[int, int]]:
    """One year's changes found by stepping a week at a time and bisecting to the second
    (for the years the TZif file lists only in part, where the ongoing rule applies; no
    rule has a period shorter than a week)."""
    out = []
    instant, end = _year_start(year), _year_start(year + 1)
    before = _offset(tz, instant)
    while instant < end:
        step = min(_WEEK, end - instant)
        after = _offset(tz, instant + step)
        if after != before:
            low, high = instant, instant + step
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if _offset(tz, middle) == before else (low, middle)
            out.append((high, after))
        instant, before = instant + step, after
    return out


def _day_rule(instant: int, old_offset: int) -> DayRule:
    wall = datetime.fromtimestamp(instant + old_offset, UTC).replace(tzinfo=None)
    month_days = ((wall.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day
    occurrence = -1 if wall.day + 7 > month_days else (wall.day - 1) // 7 + 1
    return DayRule(wall.month, wall.weekday(), occurrence, wall.hour * 60 + wall.minute)


def _wall(instant: int, offset: int) -> datetime:
    return datetime.fromtimestamp(instant + offset, UTC).replace(tzinfo=None)


def _year_eras(year: int, start_offset: int, changes: list[tuple[int, int]]) -> list[Era]:
    """The eras one year contributes (see the module's docstring)."""
    begin = datetime(year, 1, 1)
    offsets = [start_offset] + [offset for _, offset in changes]
    if not changes:
        return [Era(begin, ZoneRule(start_offset // 60))]
    if len(changes) == 2 and offsets[0] == offsets[2] and offsets[1] != offsets[0]:
        standard, daylight = min(offsets[:2]), max(offsets[:2])
        first, second = _day_rule(changes[0][0], offsets[0]), _day_rule(changes[1][0], offsets[1])
        to_daylight, to_standard = (first, second) if offsets[1] == daylight else (second, first)
        return [Era(begin, ZoneRule(standard // 60, daylight // 60, to_daylight, to_standard))]
    eras = [Era(begin, ZoneRule(start_offset // 60))]
    for (instant, offset), old in zip(changes, offsets, strict=False):
        eras.append(Era(_wall(instant, old), ZoneRule(offset // 60)))
    return eras


def _merged(eras: list[Era]) -> tuple[Era, ...]:
    out: list[Era] = []
    for era in eras:
        if not out or out[-1].rule != era.rule:
            out.append(era)
    return (Era(None, out[0].rule), *out[1:])


def _display_name(win_id: str, iana: str, standard: int) -> str:
    if standard == 0 and iana.startswith("Etc/"):
        return f"(UTC) {win_id}"
    sign = "+" if standard >= 0 else "-"
    hours, minutes = divmod(abs(standard), 60)
    city = iana.rpartition("/")[2].replace("_", " ")
    return f"(UTC{sign}{hours:02d}:{minutes:02d}) {city}"


@cache
def definition(win_id: str) -> ZoneDefinition | None:
    iana = windows_zones().get(win_id)
    if iana is None:
        return None
    data = tzif(iana)
    # the same database for the listed and the ongoing part (not the system's, which may differ)
    tz = ZoneInfo.from_file(io.BytesIO(data), key=iana)
    by_year: dict[int, list[tuple[int, int]]] = {}
    for instant, offset in _transitions(data):
        by_year.setdefault(datetime.fromtimestamp(instant, UTC).year, []).append((instant, offset))
    last_listed = max(by_year, default=FIRST_YEAR - 1)
    eras: list[Era] = []
    for year in range(FIRST_YEAR, LAST_YEAR + 1):
        if year < last_listed:
            # rows that change only the abbreviation are no change of offset
            changes = [(i, o) for i, o in by_year.get(year, []) if o != _offset(tz, i - 1)]
        elif year <= max(last_listed + 1, FIRST_YEAR):
            # the file's last listed year may end by its ongoing rule; the next is that rule
            changes = _sampled_changes(tz, year)
        else:
            break  # the ongoing rule repeats every year: the last era stands
        eras.extend(_year_eras(year, _offset(tz, _year_start(year)), changes))
    merged = _merged(eras)
    return ZoneDefinition(win_id, _display_name(win_id, iana, merged[-1].rule.standard), merged)


def all_definitions() -> list[ZoneDefinition]:
    return [d for d in (definition(w) for w in windows_zones()) if d is not None]
