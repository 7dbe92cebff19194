"""The free/busy arithmetic behind GetUserAvailability (issue 13, GetUserAvailability):
the legacy time-zone rule against the tz database, and the merged free/busy string
against a minute-by-minute reference."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from mockews.store.availability import FREE_BUSY_DIGITS, LegacyZone, Transition, merged_free_busy

#: W. Europe Standard Time and Eastern Standard Time (US) as Windows writes them
BERLIN = LegacyZone(-60, Transition(0, time(3), 5, 10, 6), Transition(-60, time(2), 5, 3, 6))
NEW_YORK = LegacyZone(300, Transition(0, time(2), 1, 11, 6), Transition(-60, time(2), 2, 3, 6))
#: AUS Eastern Standard Time: daylight saving spans the new year
SYDNEY = LegacyZone(-600, Transition(0, time(3), 1, 4, 6), Transition(-60, time(2), 1, 10, 6))
ZONES = [(BERLIN, "Europe/Berlin"), (NEW_YORK, "America/New_York"), (SYDNEY, "Australia/Sydney")]
EPOCHS = st.integers(
    int(datetime(2010, 1, 1, tzinfo=UTC).timestamp()), int(datetime(2035, 1, 1, tzinfo=UTC).timestamp())
)


@given(epoch=EPOCHS, which=st.sampled_from(ZONES))
def test_local_time_matches_the_tz_database(epoch: int, which: tuple[LegacyZone, str]) -> None:
    zone, name = which
    expected = datetime.fromtimestamp(epoch, ZoneInfo(name)).replace(tzinfo=None)
    assert zone.to_local(epoch) == expected


@given(epoch=EPOCHS, which=st.sampled_from(ZONES))
def test_local_time_goes_back_to_the_same_instant(epoch: int, which: tuple[LegacyZone, str]) -> None:
    zone, name = which
    local = zone.to_local(epoch)
    if datetime.fromtimestamp(epoch, ZoneInfo(name)).fold:  # the repeated hour in autumn is ambiguous
        return
    assert zone.to_epoch(local) == epoch


STATUSES = ["Free", "Tentative", "Busy", "OOF", "WorkingElsewhere"]
RANK = {"Free": 0, "WorkingElsewhere": 1, "Tentative": 2, "Busy": 3, "OOF": 4}


@given(
    periods=st.lists(st.tuples(st.integers(-120, 1500), st.integers(1, 600), st.sampled_from(STATUSES)), max_size=12),
    interval=st.sampled_from([5, 15, 30, 60, 90, 1440]),
    length=st.integers(1, 1440),
)
def test_merged_string_is_the_strongest_status_per_interval(
    periods: list[tuple[int, int, str]], interval: int, length: int
) -> None:
    start = 1_700_000_000
    busy: list[Any] = [
        SimpleNamespace(start=start + s * 60, end=start + (s + d) * 60, status=st_) for s, d, st_ in periods
    ]
    merged = merged_free_busy(busy, start, start + length * 60, interval)
    expected = []
    for slot in range(-(-length // interval)):
        lo, hi = slot * interval, min((slot + 1) * interval, length)
        found = [p.status for p in busy if p.start < start + hi * 60 and p.end > start + lo * 60]
        expected.append(FREE_BUSY_DIGITS[max(found, key=RANK.__getitem__, default="Free")])
    assert merged == "".join(expected)


def test_a_zone_without_daylight_saving() -> None:
    tokyo = LegacyZone(-540, Transition(0, time(0), 1, 0, 6), Transition(0, time(0), 1, 0, 6))
    epoch = int(datetime(2024, 7, 1, tzinfo=UTC).timestamp())
    assert tokyo.to_local(epoch) == datetime(2024, 7, 1, 9, 0)
    assert tokyo.to_epoch(datetime(2024, 7, 1, 9, 0)) == epoch
    assert tokyo.to_epoch(datetime(2024, 7, 1, tzinfo=UTC) + timedelta(hours=1)) == epoch + 3600
