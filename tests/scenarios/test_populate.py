"""Population through EWS (exchangelib, impersonation) into mockews served over HTTP
equals the direct load; a second run adds nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from exchangelib.protocol import close_connections

from engine.clock import ManualClock
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange, RequestRecord
from mockews.store import CalendarItem, Mailbox, World
from scenarios.generator import Event
from scenarios.populate import EwsPopulator
from scenarios.population import resolve_population
from scenarios.population_stream import PopulationGenerator
from scenarios.serving import generated_world

from ..conftest import START

SEED = 21


def shape(world: World) -> dict[str, dict[str, list[str]]]:
    """Per mailbox: folder path → sorted keys of its items (Message-ID or UID)."""
    out: dict[str, dict[str, list[str]]] = {}
    for email, mailbox in sorted(world.mailboxes.items()):
        folders: dict[str, list[str]] = {}
        for folder in mailbox.folders():
            keys = sorted((i.message_id or getattr(i, "uid", None) or "?") for i in folder.items.values())
            folders[path_of(mailbox, folder)] = keys
        out[email] = folders
    return out


def recurrences(world: World) -> dict[tuple[str, str], tuple[object, ...]]:
    """Per mailbox and UID: a meeting's times, flags and recurrence as the store holds them."""
    return {
        (m.email, i.uid): (i.subject, i.start, i.end, i.is_all_day, i.sensitivity, i.recurrence, len(i.required))
        for m in world.mailboxes.values()
        for f in m.folders()
        for i in f.items.values()
        if isinstance(i, CalendarItem)
    }


def path_of(mailbox: Mailbox, folder: object) -> str:
    names = []
    node = folder
    while node is not None and node is not mailbox.root:
        names.append(node.name)  # type: ignore[attr-defined]
        node = node.parent  # type: ignore[attr-defined]
    return "/".join(reversed(names))


def stream(population: str = "tiny") -> Iterator[Event]:
    return PopulationGenerator(resolve_population(population), SEED).stream()


@pytest.fixture(params=["tiny"])
def population(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def served(population: str) -> Iterator[tuple[World, str, str, str]]:
    world, stats = generated_world(population, SEED, empty=True, world=World(seed=SEED, clock=ManualClock(START)))
    assert stats.service_account and stats.service_password
    with ServerThread(create_app(MockExchange(world, auth="basic"))) as server:
        yield world, f"{server.url}/EWS/Exchange.asmx", stats.service_account, stats.service_password
    close_connections()


# every-setting: a population file's written-out mailboxes, messages (counts, threads,
# shortcuts, attachments), meetings (weekly and daily, numbered and until a date), groups
@pytest.mark.parametrize("population", ["tiny", "every-setting"], indirect=True)
def test_population_through_ews_equals_the_direct_load(served: tuple[World, str, str, str], population: str) -> None:
    target, url, user, password = served
    report = EwsPopulator(url, user, password).populate(stream(population))
    assert report.skipped == [] and report.items_created > 100
    direct, _ = generated_world(population, SEED, world=World(seed=SEED, clock=ManualClock(START)))
    assert shape(target) == shape(direct)
    assert recurrences(target) == recurrences(direct)

    again = EwsPopulator(url, user, password).populate(stream(population))
    assert (again.folders_created, again.items_created) == (0, 0)
    assert again.items_present == report.items_created
    assert "Nothing to add." in again.summary()


@pytest.mark.parametrize("population", ["tiny", "every-setting"], indirect=True)
def test_received_mail_keeps_its_state(served: tuple[World, str, str, str], population: str) -> None:
    target, url, user, password = served
    EwsPopulator(url, user, password).populate(stream(population))
    direct, _ = generated_world(population, SEED, world=World(seed=SEED, clock=ManualClock(START)))

    def facts(world: World) -> set[tuple[object, ...]]:
        return {
            (
                m.email,
                i.message_id,
                i.received,
                i.sent,
                i.is_read,
                i.is_draft,
                i.sensitivity,
                i.item_class,
                i.subject,
                i.importance,
                tuple(i.categories or ()),
                tuple(sorted((a.name, a.size) for a in i.attachments or [])),
                i.get_extra("InReplyTo"),
            )
            for m in world.mailboxes.values()
            for f in m.folders()
            for i in f.items.values()
            if i.kind == "Message"
        }

    assert facts(target) == facts(direct)


def test_dry_run_changes_nothing(served: tuple[World, str, str, str]) -> None:
    target, url, user, password = served
    before = target.counts()
    report = EwsPopulator(url, user, password, dry_run=True).populate(stream())
    assert report.items_created > 100 and report.folders_created > 0
    assert target.counts() == before
    assert report.summary().startswith(f"{len(target.mailboxes)} mailboxes processed: would create")


def test_unknown_mailboxes_are_skipped_and_mapping_redirects(served: tuple[World, str, str, str]) -> None:
    target, url, user, password = served
    generator = PopulationGenerator(resolve_population("tiny"), SEED)
    first = next(p for p in generator.people if p.has_mailbox)
    target.reset(SEED)  # an empty server: nobody's mailbox exists …
    target.add_account(user, password, can_impersonate=True)
    only = target.provision_mailbox("qa.box@contoso.example")  # … except one test mailbox
    report = EwsPopulator(url, user, password, mailbox_map={first.mail: only.email}).populate(generator.stream())
    assert len(report.skipped) == len(report.mailboxes) - 1
    assert "ErrorNonExistentMailbox" in (report.skipped[0].skipped or "")
    assert sum(len(f.items) for f in only.folders()) > 0


def test_an_interrupted_population_is_finished_by_the_next_run() -> None:
    """A run that fails part-way through a mailbox (the store goes away after its folders
    and some items exist) leaves what it made; the next run adds exactly the rest."""
    from mockews.faults import FaultRule

    world, stats = generated_world("every-setting", SEED, empty=True, world=World(seed=SEED, clock=ManualClock(START)))
    assert stats.service_account and stats.service_password
    exchange = MockExchange(world, auth="basic")
    ann = "ann.lee@contoso.example"

    def after_her_first_items(record: RequestRecord) -> None:
        """Once Ann's first CreateItem is answered, her store goes away."""
        if record.operation == "CreateItem" and record.mailbox == ann and not exchange.faults.rules:
            exchange.faults.add(FaultRule("ErrorMailboxStoreUnavailable", operation="CreateItem", mailbox=ann))

    exchange.listeners.append(after_her_first_items)
    with ServerThread(create_app(exchange)) as server:
        url = f"{server.url}/EWS/Exchange.asmx"
        first = EwsPopulator(url, stats.service_account, stats.service_password).populate(stream("every-setting"))
        [skipped] = first.skipped
        assert skipped.mailbox == ann and "ErrorMailboxStoreUnavailable" in (skipped.skipped or "")
        made = sum(len(f.items) for f in world.mailboxes[ann].folders())
        exchange.listeners.clear()
        exchange.faults.clear()
        second = EwsPopulator(url, stats.service_account, stats.service_password).populate(stream("every-setting"))
    close_connections()
    assert second.skipped == [] and second.folders_created == 0
    assert made > 0 and second.items_created > 0  # some of hers were made, the rest come now
    assert second.items_present == first.items_created - skipped.items_created + made
    direct, _ = generated_world("every-setting", SEED, world=World(seed=SEED, clock=ManualClock(START)))
    assert shape(world) == shape(direct)
