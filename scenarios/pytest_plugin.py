"""synceng's pytest plugin (registered through the ``pytest11`` entry point: installing
synceng is enough).  Fixtures:

* ``mock_exchange`` — a mock Exchange and directory on a seeded world (empty, a
  generated tenant profile, or a population file), in process by default (:mod:`mockews.mock`: exchangelib
  and requests reach it without sockets), over a real port on request; its EWS URL,
  credentials and an exchangelib ``Account`` factory.
* ``mock_directory`` — the directory (Graph) on the same world.
* ``exchange_testbed`` — the mocks with the console and the archive on a manual
  clock, helpers to create tasks and read the archive's views, sites that run when
  the clock is advanced.

The marker picks the world per test::

    @pytest.mark.synceng(profile="tiny", seed=3, transport="http")
    @pytest.mark.synceng(population="tests/data/legal.yaml")
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mockews.mock import MockEws, MockGraph, mock_ews
from mockews.store import World

#: a Monday morning: the testbed's manual clock starts here unless the marker says otherwise
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
MARKER = (
    "synceng(profile=None, population=None, seed=None, transport='inprocess', start=None): the world of "
    "synceng's fixtures — empty, a generated tenant profile (tiny, small, medium, large) or a population file, "
    "its seed (default: the population's; 0 for an empty world), and how mock_exchange is reached (inprocess, "
    "or http on a real port)"
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", MARKER)


@dataclass(frozen=True)
class Choice:
    profile: str | None = None
    population: str | None = None  # a population file (or a built-in population's name)
    seed: int | None = None
    transport: str = "inprocess"
    start: datetime | None = None


def choice(request: pytest.FixtureRequest) -> Choice:
    marker = request.node.get_closest_marker("synceng")
    chosen = Choice(**marker.kwargs) if marker is not None else Choice()
    if chosen.profile is not None and chosen.population is not None:
        raise pytest.UsageError("synceng marker: give profile or population, not both")
    if chosen.transport not in ("inprocess", "http"):
        raise pytest.UsageError(f"synceng marker: transport must be 'inprocess' or 'http', not {chosen.transport!r}")
    if chosen.population is not None and not Path(chosen.population).exists():
        beside = request.path.parent / chosen.population  # a file next to the test module
        if beside.exists():
            chosen = replace(chosen, population=str(beside))
    return chosen


def make_world(chosen: Choice, clock: Any = None) -> World:
    """An empty world from the seed (mail arrives as sent), or the population's tenant
    (a built-in profile or a population file)."""
    name = chosen.population or chosen.profile
    if name is None:
        return World(seed=chosen.seed or 0, clock=clock, delivery_delay_s=0)
    from .population import PopulationError, resolve_population
    from .serving import generated_world

    try:
        population = resolve_population(name)
    except PopulationError as exc:
        raise pytest.UsageError(f"synceng marker: {exc}") from exc
    seed = population.seed if chosen.seed is None else chosen.seed
    world, _ = generated_world(population, seed, world=World(seed=seed, domain=population.domain, clock=clock))
    world.delivery_delay_s = 0
    return world


@pytest.fixture
def mock_exchange(request: pytest.FixtureRequest) -> Iterator[MockEws]:
    """The mock Exchange and directory on the marker's world: in process (every
    exchangelib Configuration and requests call inside the test reaches it), or with
    ``transport="http"`` served on a real port (its ``ews_url``)."""
    chosen = choice(request)
    world = make_world(chosen)
    if chosen.transport == "inprocess":
        with mock_ews(world=lambda: world) as served:
            yield served
        return
    from mockad.app import combine
    from mockad.app import create_app as directory_app
    from mockad.service import MockDirectory
    from mockews.app import create_app as ews_app
    from mockews.server import ServerThread
    from mockews.service import MockExchange

    exchange, directory = MockExchange(world), MockDirectory(world)
    with ServerThread(combine(ews_app(exchange), directory_app(directory))) as server:
        yield MockEws(world, directory, f"{server.host}:{server.port}", scheme="http", exchange=exchange)


@pytest.fixture
def mock_directory(mock_exchange: MockEws) -> MockGraph:
    """The directory (Graph v1.0 and its token endpoint) on mock_exchange's world."""
    return MockGraph(mock_exchange.world, mock_exchange.directory, mock_exchange.host, scheme=mock_exchange.scheme)


@dataclass
class ExchangeTestbed:
    """The mocks, the console and the archive on one manual clock (scenarios.testbed),
    with sites that run as the clock is advanced."""

    bed: Any  # scenarios.testbed.Testbed
    runtime: Any  # engine.site.runtime.RealTimeRuntime, shared by the sites
    sites: list[Any] = field(default_factory=list)

    @property
    def world(self) -> World:
        return self.bed.world  # type: ignore[no-any-return]

    @property
    def clock(self) -> Any:
        return self.bed.clock

    def site(self, code: str = "LON", time_zone: str = "UTC") -> Any:
        """A registered site, started on the shared runtime: its engine (``.id``, ``.key``)."""
        site_id, key = self.bed.register_site(code, time_zone)
        site = self.bed.site(key, runtime=self.runtime)
        site.start()
        site.id, site.key = site_id, key
        self.sites.append(site)
        return site

    def task(
        self, site: Any, task_type: str, group: dict[str, Any], schedule: dict[str, Any], **definition: Any
    ) -> int:
        """A task on ``site``: its type (mfr, calendar, msm, managed), group target and
        schedule spec; the definition's options as keywords."""
        spec = {"type": task_type, **definition}
        made = self.bed.definition(f"{task_type} {len(self.sites)}-{id(spec)}", spec)
        when = self.bed.schedule(f"schedule {id(schedule)}", schedule)
        return int(self.bed.task(site.id, task_type, made, when, group))

    def advance(self, seconds: float) -> None:
        """Let ``seconds`` of clock time pass, the sites doing whatever falls due."""
        self.runtime.run(seconds=seconds)

    def view(self, mailbox: str, view: str = "live") -> dict[str, set[str]]:
        """folder name → archive keys of a mailbox's Live or Full View."""
        return self.bed.view(mailbox, view)  # type: ignore[no-any-return]

    def task_view(self, task_id: int) -> dict[str, Any]:
        """The task as the console shows it (status, Sequence, mailboxes, log)."""
        return self.bed.task_view(task_id)  # type: ignore[no-any-return]


@pytest.fixture
def exchange_testbed(request: pytest.FixtureRequest) -> Iterator[ExchangeTestbed]:
    """The marker's world with the console and the archive on a manual clock starting at
    the marker's ``start`` (default: Monday 2 March 2026, 09:00 UTC)."""
    from engine.clock import ManualClock
    from engine.site.runtime import RealTimeRuntime

    from .testbed import build_testbed

    chosen = choice(request)
    clock = ManualClock(chosen.start or START)
    with ExitStack() as stack:
        bed = build_testbed(make_world(chosen, clock), clock)
        stack.callback(bed.close)
        yield ExchangeTestbed(bed, RealTimeRuntime(clock))
