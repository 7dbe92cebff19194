"""The work behind `synceng populate` (kept out of the CLI module)."""

from __future__ import annotations

import resource
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from mockews.store import World
from mockews.store.persist import save_world

from .populate import EwsPopulator
from .population import Population
from .population_stream import PopulationGenerator
from .sinks import DigestSink, WorldSink

Echo = Callable[[str], None]


def _generator(population: Population, seed: int, coverage: float | None) -> PopulationGenerator:
    return PopulationGenerator(population.with_coverage(coverage), seed)


def populate_direct(
    population: Population, seed: int, coverage: float | None, out: Path | None, dry_run: bool, echo: Echo
) -> None:
    profile_name = population.name
    generator = _generator(population, seed, coverage)
    started = time.perf_counter()
    if dry_run:
        digest = DigestSink()
        kinds: Counter[str] = Counter()
        for event in generator.stream():
            digest.accept(event)
            kinds[type(event).__name__] += 1
        echo(
            f"dry run: the {profile_name} population (seed {seed}) would load {kinds['MailboxStart']} mailboxes, "
            f"{kinds['FolderSpec']} user folders, {kinds['MessageSpec']} messages, {kinds['CalendarSpec']} calendar "
            f"items, {kinds['Person']} users, {kinds['Group']} groups and {kinds['Contact']} contacts "
            f"({digest.events} events, digest {digest.hexdigest()[:16]})"
        )
        return
    world = World(seed=seed, domain=generator.domain)
    stats = WorldSink(world).load(generator.stream())
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    echo(
        f"loaded the {profile_name} population (seed {seed}): {stats.mailboxes} mailboxes, "
        f"{stats.folders} user folders, "
        f"{stats.messages} messages, {stats.calendar_items} calendar items, {stats.users} users, "
        f"{stats.groups} groups in {elapsed:.1f} s ({stats.messages / max(elapsed, 1e-9):,.0f} messages/s; "
        f"peak memory {peak_mb:,.0f} MB)"
    )
    echo(f"service account (impersonation): {stats.service_account} / {stats.service_password}")
    if out is not None:
        records = save_world(world, out)
        echo(f"saved {records} records to {out} (serve it with: synceng serve --world {out})")


def populate_ews(
    population: Population,
    seed: int,
    coverage: float | None,
    url: str,
    user: str,
    password: str,
    targets: list[str],
    dry_run: bool,
    show_progress: bool,
    echo: Echo,
) -> None:
    generator = _generator(population, seed, coverage)
    people = [p for p in generator.people if p.has_mailbox]
    mailbox_map = {p.mail: targets[i % len(targets)] for i, p in enumerate(people)} if targets else None
    expected_items = population.expected_items()
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        disable=not show_progress,
    ) as progress:
        mailboxes = progress.add_task("mailboxes", total=len(people))
        items = progress.add_task("items", total=expected_items)

        def advance(what: str, n: int) -> None:
            progress.advance(mailboxes if what == "mailbox" else items, n)

        populator = EwsPopulator(url, user, password, mailbox_map, dry_run, advance)
        started = time.perf_counter()
        report = populator.populate(generator.stream())
        elapsed = time.perf_counter() - started
    echo(report.summary())
    if report.items_created and not dry_run:
        echo(f"{report.items_created / max(elapsed, 1e-9):,.0f} items/s through EWS")
