"""The scenario's tenant: a generated world (scenarios.generator, deterministic by seed)
on the simulation's clock, and what the archive already holds of it (journaling /
legacy ingestion: the profile's coverage, readable by the mailboxes that have the
message)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from engine.clock import Clock
from mockews.store import World
from scenarios.generator import ArchiveCoverage, MailboxStart, MessageSpec, Person, TenantGenerator
from scenarios.profiles import Profile, get_profile
from scenarios.sinks import WorldSink

from .spec import TenantSpec

DOMAIN = "contoso.example"


@dataclass
class Tenant:
    world: World
    profile: Profile
    mailboxes: list[str]  # every mailbox address, sorted
    archived: dict[str, set[str]] = field(default_factory=dict)  # archive key → readers
    received: dict[str, int] = field(default_factory=dict)  # archive key → received (epoch)


def archive_key(message_id: str, sent: int | None) -> str:
    """Internet Message-ID + sent time, as the archive keys messages (domain.md §3)."""
    stamp = datetime.fromtimestamp(sent, UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if sent else ""
    return f"{message_id}|{stamp}"


def profile_for(spec: TenantSpec) -> Profile:
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


def build_tenant(spec: TenantSpec, seed: int, clock: Clock) -> Tenant:
    profile = replace(profile_for(spec), now=clock.now())  # the tenant's mail ends where the simulation starts
    # The core folder set: the scenarios' golden traces and oracle horizons were
    # recorded with it (the full Exchange 2016 set adds six mail folders per mailbox).
    world = World(seed=seed, clock=clock, domain=DOMAIN, system_folders=False)
    generator = TenantGenerator(profile, seed, DOMAIN)
    coverage = ArchiveCoverage(seed, profile.archive_coverage)
    sink = WorldSink(world)
    tenant = Tenant(world, profile, [])
    owner = ""
    with world.lock:
        for event in generator.stream():
            sink.accept(event)
            if isinstance(event, MailboxStart):
                owner = event.person.mail.lower()
            elif isinstance(event, MessageSpec):
                key = archive_key(event.message_id, event.sent)
                tenant.received[key] = event.received
                if coverage.holds(event.message_id):
                    tenant.archived.setdefault(key, set()).add(owner)
            elif isinstance(event, Person) and event.has_mailbox and event.mail:
                tenant.mailboxes.append(event.mail.lower())
    tenant.mailboxes = sorted(set(tenant.mailboxes) & set(world.mailboxes))
    return tenant


__all__ = ["DOMAIN", "Tenant", "archive_key", "build_tenant", "profile_for"]
