"""The scenario's tenant: a generated world (scenarios.generator, deterministic by seed;
or a population file, scenarios.population)
on the simulation's clock, and what the archive already holds of it (journaling /
legacy ingestion: the profile's coverage, readable by the mailboxes that have the
message)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from engine.clock import Clock
from mockews.store import World
from scenarios.generator import ArchiveCoverage, MailboxStart, MessageSpec, Person, TenantGenerator
from scenarios.population import Population, resolve_population
from scenarios.population_stream import PopulationGenerator
from scenarios.profiles import Profile, get_profile
from scenarios.sinks import WorldSink

from .spec import ScenarioError, SiteSpec, TenantSpec

DOMAIN = "contoso.example"


@dataclass
class Tenant:
    world: World
    profile: Profile
    mailboxes: list[str]  # every mailbox address, sorted
    archived: dict[str, set[str]] = field(default_factory=dict)  # archive key → readers
    received: dict[str, int] = field(default_factory=dict)  # archive key → received (epoch)
    #: mailbox → the code of the site it is homed at (sites with ``mailboxes``)
    homes: dict[str, str] = field(default_factory=dict)
    #: the mailboxes whose content was generated (all, unless a shard asked for its own)
    own: frozenset[str] = frozenset()
    messages: int = 0  # messages in the own mailboxes at the start (each mailbox's copy)


def home_sites(mailboxes: list[str], sites: Sequence[SiteSpec]) -> dict[str, str]:
    """Mailbox → site code: each site with ``mailboxes: N`` takes the next N of the
    tenant's mailboxes (sorted), in the order the sites are listed."""
    homes: dict[str, str] = {}
    position = 0
    for site in sites:
        if site.mailboxes:
            if position + site.mailboxes > len(mailboxes):
                raise ScenarioError(
                    f"the sites' mailboxes ({sum(s.mailboxes or 0 for s in sites)}) are more than the tenant's "
                    f"({len(mailboxes)})",
                    field="sites",
                )
            for address in mailboxes[position : position + site.mailboxes]:
                homes[address] = site.code
            position += site.mailboxes
    return homes


def archive_key(message_id: str, sent: int | None) -> str:
    """Internet Message-ID + sent time, as the archive keys messages (domain.md §3)."""
    stamp = datetime.fromtimestamp(sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if sent else ""
    return f"{message_id}|{stamp}"


def population_for(spec: TenantSpec, now: datetime | None = None) -> Population | None:
    """The tenant's population file, if it has one (with the scenario's coverage, and
    ``now`` as the end of its generated mail)."""
    if spec.population is None:
        return None
    population = resolve_population(spec.population)
    if now is not None:
        population = population.model_copy(update={"now": now})
    return population.with_coverage(spec.archive_coverage)


def profile_for(spec: TenantSpec) -> Profile:
    population = population_for(spec)
    if population is not None:
        return population.profile()
    base = get_profile("tiny" if spec.profile == "custom" else spec.profile)
    changes: dict[str, object] = {}
    if spec.profile == "custom":
        changes["name"] = "custom"
    for name in ("mailboxes", "messages_per_mailbox", "calendar_items_per_mailbox", "groups", "archive_coverage"):
        value = getattr(spec, name)
        if value is not None:
            changes[name] = value
    if spec.mailboxes is not None and spec.groups is None:
        changes["groups"] = max(1, spec.mailboxes // 20)
    profile = replace(base, **changes)  # type: ignore[arg-type]
    profile.validate()
    return profile


def build_tenant(
    spec: TenantSpec,
    seed: int,
    clock: Clock,
    sites: Sequence[SiteSpec] = (),
    own: Callable[[str, str | None], bool] | None = None,
) -> Tenant:
    """The tenant on ``clock``; ``own(mailbox, home site)`` picks the mailboxes whose
    content is generated (a shard's own; default: all) — the others exist, empty."""
    population = population_for(spec, clock.now())  # the tenant's mail ends where the simulation starts
    generator: TenantGenerator | PopulationGenerator
    if population is not None:
        generator = PopulationGenerator(population, seed)
        profile, domain = generator.profile, population.domain
    else:
        profile, domain = replace(profile_for(spec), now=clock.now()), DOMAIN
        generator = TenantGenerator(profile, seed, DOMAIN)
    # The core folder set: the scenarios' golden traces and oracle horizons were
    # recorded with it (the full Exchange 2016 set adds six mail folders per mailbox).
    world = World(seed=seed, clock=clock, domain=domain, system_folders=False)
    mailboxes = sorted(set(generator.mailbox_addresses()))
    homes = home_sites(mailboxes, sites)
    chosen = frozenset(m for m in mailboxes if own is None or own(m, homes.get(m)))
    coverage = ArchiveCoverage(seed, profile.archive_coverage)
    sink = WorldSink(world)
    tenant = Tenant(world, profile, [], homes=homes, own=chosen)
    owner = ""
    with world.lock:
        for event in generator.stream(None if own is None else chosen):
            sink.accept(event)
            if isinstance(event, MailboxStart):
                owner = event.person.mail.lower()
            elif isinstance(event, MessageSpec):
                key = archive_key(event.message_id, event.sent)
                tenant.received[key] = event.received
                tenant.messages += 1
                if coverage.holds(event.message_id):
                    tenant.archived.setdefault(key, set()).add(owner)
            elif isinstance(event, Person) and event.has_mailbox and event.mail:
                tenant.mailboxes.append(event.mail.lower())
    tenant.mailboxes = sorted(set(tenant.mailboxes) & set(world.mailboxes))
    return tenant


__all__ = ["DOMAIN", "Tenant", "archive_key", "build_tenant", "home_sites", "profile_for"]
