"""A testbed per test: mock Exchange + mock directory on one world, the console and
the archive, all on one manual clock and the in-process transport; sites run on the
real-time runtime over that clock (so a day of schedules passes in milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from engine.clock import ManualClock
from mockews.store import World
from scenarios.testbed import Testbed, build_testbed

#: Monday 2 March 2026, 09:00 UTC
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DOMAIN = "contoso.example"
ALICE = f"alice@{DOMAIN}"
BOB = f"bob@{DOMAIN}"
CAROL = f"carol@{DOMAIN}"
DAILY_2AM = {"kind": "daily", "times": {"mode": "once", "start": "02:00"}}
HOURLY = {"kind": "daily", "times": {"mode": "many", "start": "00:00", "end": "23:00", "interval_minutes": 60}}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def world(clock: ManualClock) -> World:
    world = World(seed=11, clock=clock, domain=DOMAIN)
    for address, name in ((ALICE, "Alice Martin"), (BOB, "Bob Nguyen"), (CAROL, "Carol Schmidt")):
        world.provision_mailbox(address, name, password="pw")
    return world


@pytest.fixture
def bed(world: World, clock: ManualClock) -> Iterator[Testbed]:
    testbed = build_testbed(world, clock)
    yield testbed
    testbed.close()
