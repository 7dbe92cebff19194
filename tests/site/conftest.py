"""A testbed per test: mock Exchange + mock directory on one world, the console and
the archive, all on one manual clock and the in-process transport; sites run on the
real-time runtime over that clock (so a day of schedules passes in milliseconds)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import simpy

from engine.clock import ManualClock, SimClock
from engine.site.runtime import LatencyModel, SimPyRuntime
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
    world = World(seed=11, clock=clock, domain=DOMAIN, delivery_delay_s=0)  # mail arrives as sent
    for address, name in ((ALICE, "Alice Martin"), (BOB, "Bob Nguyen"), (CAROL, "Carol Schmidt")):
        world.provision_mailbox(address, name, password="pw")
    return world


@pytest.fixture
def bed(world: World, clock: ManualClock) -> Iterator[Testbed]:
    testbed = build_testbed(world, clock)
    yield testbed
    testbed.close()


@dataclass
class SimBed:
    """A testbed on a SimPy clock: executions last simulated time."""

    env: simpy.Environment
    clock: SimClock
    bed: Testbed

    def runtime(self, **latency: float) -> SimPyRuntime:
        return SimPyRuntime(self.env, self.clock, LatencyModel(**latency) if latency else None)

    def at(self, hour: int, minute: int = 0, day: int = 0) -> float:
        """Simulated seconds at that time of day (``day`` days after START's day)."""
        return day * 86400 + (hour - START.hour) * 3600 + minute * 60


@pytest.fixture
def sim() -> Iterator[SimBed]:
    env = simpy.Environment()
    clock = SimClock(env, START)
    world = World(seed=11, clock=clock, domain=DOMAIN, delivery_delay_s=0)  # mail arrives as sent
    for address, name in ((ALICE, "Alice Martin"), (BOB, "Bob Nguyen"), (CAROL, "Carol Schmidt")):
        world.provision_mailbox(address, name, password="pw")
    testbed = build_testbed(world, clock)
    yield SimBed(env, clock, testbed)
    testbed.close()
