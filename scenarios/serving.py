"""Building the world a `synceng serve` command serves, and serving both mocks on it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mockad.app import combine
from mockad.app import create_app as directory_app
from mockad.service import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, MockDirectory
from mockews.adminplane import AdminAccess
from mockews.app import create_app as ews_app
from mockews.server import ServerThread, serve_forever
from mockews.service import MockExchange
from mockews.store import World
from mockews.store.persist import load_world

from .demo_tenant import SERVICE_ACCOUNT, SERVICE_PASSWORD, USER_PASSWORD, build_demo_world
from .generator import CalendarSpec, Event, FolderSpec, MessageSpec
from .population import Population, resolve_population
from .population_stream import PopulationGenerator
from .sinks import LoadStats, WorldSink


@dataclass
class Tenant:
    world: World
    description: str
    service_account: str | None = None
    service_password: str | None = None
    user_password: str | None = None
    notes: list[str] = field(default_factory=list)


def without_content(events: Iterator[Event]) -> Iterator[Event]:
    """A tenant's directory and empty mailboxes (for populating it through EWS)."""
    return (e for e in events if not isinstance(e, FolderSpec | MessageSpec | CalendarSpec))


def generated_world(
    population: str | Population, seed: int | None = None, empty: bool = False, world: World | None = None
) -> tuple[World, LoadStats]:
    """A world holding a population (a built-in name, a file, or a loaded one); the
    seed is the population's unless given."""
    loaded = resolve_population(population) if isinstance(population, str) else population
    generator = PopulationGenerator(loaded, seed)
    world = world or World(seed=generator.seed, domain=generator.domain)
    stream = generator.stream()
    stats = WorldSink(world).load(without_content(stream) if empty else stream)
    return world, stats


def build_tenant(population: str | None, seed: int | None, world_file: Path | None, empty: bool) -> Tenant:
    """What a serve command serves: a world file, a population (a built-in profile's
    name or a population file), or the demo tenant."""
    if world_file is not None:
        world = load_world(world_file)
        return Tenant(world, f"world file {world_file}")
    if population is not None:
        started = time.perf_counter()
        loaded = resolve_population(population)
        seed = loaded.seed if seed is None else seed
        world, stats = generated_world(loaded, seed, empty)
        what = "empty mailboxes of" if empty else ""
        tenant = Tenant(
            world,
            f"{what} the {loaded.name} population (seed {seed})".strip(),
            stats.service_account,
            stats.service_password,
        )
        tenant.notes.append(
            f"generated {stats.mailboxes} mailboxes, {stats.messages} messages, {stats.calendar_items} calendar "
            f"items in {time.perf_counter() - started:.1f} s"
        )
        return tenant
    seed = 42 if seed is None else seed
    world = build_demo_world(World(seed=seed), seed=seed)
    return Tenant(world, "the demo tenant", SERVICE_ACCOUNT, SERVICE_PASSWORD, USER_PASSWORD)


def serve_both(
    world: World,
    host: str,
    port: int,
    directory_port: int | None,
    auth: str,
    threads: int,
    on_ready: Callable[[str, str, MockDirectory], None],
    access: AdminAccess | None = None,
) -> None:
    """mockews and mockad on one world: one port, or the directory on its own port; both
    admin planes behind ``access``."""
    exchange = MockExchange(world, auth=auth)
    directory = MockDirectory(world)
    if directory_port is None:
        app = combine(ews_app(exchange, access), directory_app(directory, access))

        def ready(actual: int) -> None:
            on_ready(f"http://{host}:{actual}", f"http://{host}:{actual}", directory)

        serve_forever(app, host, port, threads=threads, on_ready=ready)
        return
    with ServerThread(
        directory_app(directory, access), host=host, port=directory_port, threads=threads
    ) as graph_server:

        def ready_two(actual: int) -> None:
            on_ready(f"http://{host}:{actual}", graph_server.url, directory)

        serve_forever(ews_app(exchange, access), host, port, threads=threads, on_ready=ready_two)


__all__ = ["DEFAULT_CLIENT_ID", "DEFAULT_CLIENT_SECRET", "Tenant", "build_tenant", "generated_world", "serve_both"]
