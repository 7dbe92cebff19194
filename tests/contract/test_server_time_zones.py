"""GetServerTimeZones through exchangelib (issue 13, "Operations still missing"):
every Windows zone exchangelib knows is served with full data, and the definitions
mean what the IANA database says — the standard and daylight offsets and change days
exchangelib derives from them agree with ``zoneinfo`` for every zone and year."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from exchangelib import Account, EWSTimeZone
from exchangelib.errors import ErrorTimeZone
from exchangelib.properties import TimeZone
from exchangelib.services import GetServerTimeZones
from exchangelib.winzone import MS_TIMEZONE_TO_IANA_MAP

from mockews.store.timezones import tzif, windows_zones


def _year(iana: str, year: int) -> tuple[set[int], int]:
    """The UTC offsets (minutes) a zone uses in a year and how often it changes,
    sampled every other day (no period is shorter)."""
    # the tzdata package's database, which the server reads too (the system's may be older)
    tz, offsets, changes, last = ZoneInfo.from_file(io.BytesIO(tzif(iana)), key=iana), set(), 0, None
    for day in range(0, 366, 2):
        delta = (datetime(year, 1, 1, 12) + timedelta(days=day)).replace(tzinfo=tz).utcoffset() or timedelta()
        offset = int(delta.total_seconds() // 60)
        offsets.add(offset)
        changes += last is not None and offset != last
        last = offset
    return offsets, changes


@pytest.mark.parametrize("transport", ["inprocess"], indirect=True)  # 140 zones: one transport is enough
def test_every_exchangelib_zone_is_served_with_meaningful_data(alice: Account) -> None:
    names = {d.id: d.name for d in alice.protocol.get_timezones()}
    assert set(MS_TIMEZONE_TO_IANA_MAP) - {"tzone://Microsoft/Utc"} <= set(names)
    assert names["W. Europe Standard Time"] == "(UTC+01:00) Berlin"
    full = {d.id: d for d in alice.protocol.get_timezones(return_full_timezone_data=True)}
    checked = 0
    for ms_id, definition in full.items():
        iana = windows_zones()[ms_id]
        for year in (2005, 2016, 2026):
            offsets, changes = _year(iana, year)
            if changes not in (0, 2):
                continue  # a year of several shifts: its eras start mid-year (see store/timezones.py)
            tz = TimeZone.from_server_timezone(tz_definition=definition, for_year=year)
            used = {-tz.bias} | ({-tz.bias - tz.daylight_time.bias} if tz.daylight_time.bias else set())
            assert used == offsets, (ms_id, year)
            checked += 1
    assert checked > 350


def test_a_zone_by_id_and_its_rule(alice: Account) -> None:
    (berlin,) = alice.protocol.get_timezones(timezones=[EWSTimeZone("Europe/Berlin")], return_full_timezone_data=True)
    standard, daylight, period = berlin.get_std_and_dst(for_year=2024)
    assert (period.bias_in_minutes, daylight.bias) == (-60, -60)
    assert (daylight.iso_month, daylight.occurrence, daylight.time.hour) == (3, 5, 2)  # last Sunday of March, 02:00
    assert (standard.iso_month, standard.occurrence, standard.time.hour) == (10, 5, 3)
    (pacific,) = alice.protocol.get_timezones(
        timezones=[EWSTimeZone("America/Los_Angeles")], return_full_timezone_data=True
    )
    assert pacific.get_std_and_dst(for_year=2006)[1].iso_month == 4  # before the 2007 US change
    assert pacific.get_std_and_dst(for_year=2024)[1].iso_month == 3
    unknown = type("Zone", (), {"ms_id": "Atlantis Standard Time"})()
    with pytest.raises(ErrorTimeZone):
        list(GetServerTimeZones(protocol=alice.protocol).call(timezones=[unknown]))
