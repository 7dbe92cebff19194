"""The tenant generator: deterministic by seed, and as realistic as the issue asks."""

from __future__ import annotations

from collections import Counter

import pytest

from engine.clock import ManualClock
from mockad.store import DirectoryGroup, DirectoryUser
from mockews.store import EV_SHORTCUT_CLASS, CalendarItem, World
from scenarios.generator import ArchiveCoverage, MessageSpec, TenantGenerator
from scenarios.profiles import PROFILE_NAMES, get_profile
from scenarios.sinks import DigestSink, WorldSink, world_digest

from ..conftest import START


def load(profile: str, seed: int) -> World:
    world = World(seed=seed, clock=ManualClock(START))
    WorldSink(world).load(TenantGenerator(get_profile(profile), seed).stream())
    return world


def stream_digest(profile: str, seed: int) -> str:
    sink = DigestSink()
    for event in TenantGenerator(get_profile(profile), seed).stream():
        sink.accept(event)
    return sink.hexdigest()


@pytest.fixture(scope="module")
def small() -> World:
    return load("small", 11)


def test_same_seed_and_profile_give_an_identical_world(small: World) -> None:
    assert world_digest(load("small", 11)) == world_digest(small)
    assert stream_digest("small", 11) == stream_digest("small", 11)


def test_another_seed_gives_another_world(small: World) -> None:
    assert stream_digest("small", 12) != stream_digest("small", 11)
    assert world_digest(load("small", 12)) != world_digest(small)


def test_unknown_profiles_are_refused() -> None:
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        get_profile("huge")
    assert set(PROFILE_NAMES) >= {"small", "medium", "large"}


def test_directory(small: World) -> None:
    users = list(small.directory.users.values())
    profile = get_profile("small")
    assert len(users) == profile.mailboxes + profile.users_without_mailbox
    assert len(small.mailboxes) == profile.mailboxes
    assert any(not u.account_enabled for u in users) and any(not u.licensed and u.has_mailbox for u in users)
    assert any(not u.has_mailbox for u in users) and all(
        small.find_mailbox(u.mail or "") is None for u in users if not u.has_mailbox
    )
    assert all(u.distinguished_name and u.distinguished_name.startswith("CN=") for u in users)
    assert len({u.mail for u in users}) == len(users)
    assert any(any(not c.isascii() for c in u.display_name) for u in users)  # several locales
    assert all((u.mail or "").isascii() for u in users)
    groups = list(small.directory.groups.values())
    kinds = Counter("unified" if g.is_unified else "security" if g.security_enabled else "distribution" for g in groups)
    assert set(kinds) == {"unified", "security", "distribution"}
    sizes = [
        len([m for m in g.members if small.directory.users.get(m)])
        for g in groups
        if not any(small.directory.groups.get(m) for m in g.members)
    ]
    assert all(1 <= s <= 300 for s in sizes)
    all_staff = small.directory.group_by_mail("all-staff@contoso.example")
    assert all_staff is not None

    def depth(group: DirectoryGroup) -> int:
        nested = [small.directory.groups[m] for m in group.members if m in small.directory.groups]
        return 1 + max((depth(g) for g in nested), default=0)

    assert depth(all_staff) == 3  # nesting up to 3 levels
    members = [set(g.members) for g in groups]
    assert any(a & b for i, a in enumerate(members) for b in members[i + 1 :])  # overlapping
    assert small.accounts["svc-synceng@contoso.example"].can_impersonate


def test_mail_content(small: World) -> None:
    items = [i for m in small.mailboxes.values() for f in m.folders() for i in f.items.values()]
    messages = [i for i in items if i.kind == "Message"]
    total = len(messages)
    assert 3_000 < total < 7_000
    private = sum(1 for i in messages if i.sensitivity in ("Personal", "Private"))
    assert 0.01 < private / total < 0.035
    assert any(i.item_class == EV_SHORTCUT_CLASS for i in messages)
    with_attachments = [i for i in messages if i.attachments]
    assert 0.08 < len(with_attachments) / total < 0.25 and max(len(i.attachments or []) for i in messages) <= 3
    assert 0.5 < sum(1 for i in messages if i.is_read) / total < 0.99
    assert sum(1 for i in messages if i.get_extra("InReplyTo")) > 50  # threads
    years = {i.received // (365 * 86400) for i in messages}
    assert len(years) >= 3  # spread over years
    assert len({i.message_id for i in messages}) < total  # internal mail sits in two mailboxes
    per_folder = sorted(len(f.items) for m in small.mailboxes.values() for f in m.folders() if not f.distinguished)
    assert per_folder[-1] > 5 * max(per_folder[len(per_folder) // 2], 1)  # heavy-tailed


def test_folder_trees(small: World) -> None:
    for mailbox in small.mailboxes.values():
        top = mailbox.well_known("msgfolderroot")
        user_folders = [f for f in mailbox.folders() if not f.distinguished and f.is_within(top)]
        assert user_folders
        for folder in user_folders:
            depth, node = 0, folder
            while node.distinguished is None:
                depth += 1
                node = node.parent  # type: ignore[assignment]
            assert depth <= 4


def test_internal_mail_is_consistent_across_mailboxes(small: World) -> None:
    placements: dict[str, list[tuple[str, str, int | None]]] = {}
    for mailbox in small.mailboxes.values():
        for folder in mailbox.folders():
            for item in folder.items.values():
                if item.message_id and item.message_id.endswith("@contoso.example>"):
                    placements.setdefault(item.message_id, []).append((mailbox.email, folder.name, item.sent))
    pairs = [p for p in placements.values() if len(p) == 2]
    assert len(pairs) > 100
    for (a, folder_a, sent_a), (b, folder_b, sent_b) in pairs:
        assert a != b and sent_a == sent_b
        assert "Sent Items" in (folder_a, folder_b)


def test_calendars(small: World) -> None:
    calendar_items = [
        i
        for m in small.mailboxes.values()
        for f in m.folders()
        for i in f.items.values()
        if isinstance(i, CalendarItem)
    ]
    assert calendar_items
    assert any(i.recurrence is not None for i in calendar_items) and any(i.recurrence is None for i in calendar_items)
    private = sum(1 for i in calendar_items if i.sensitivity == "Private") / len(calendar_items)
    assert 0.0 < private < 0.15
    assert any(i.attachments for i in calendar_items)
    extra = [
        f
        for m in small.mailboxes.values()
        for f in m.folders()
        if f.folder_class == "IPF.Appointment" and not f.distinguished
    ]
    assert extra and all(f.parent is not None and f.parent.distinguished == "calendar" for f in extra)


def test_archive_coverage_is_a_stable_share() -> None:
    coverage = ArchiveCoverage(seed=3, coverage=0.98)
    ids = [f"<{n}@x.example>" for n in range(20_000)]
    held = [coverage.holds(i) for i in ids]
    assert 0.97 < sum(held) / len(ids) < 0.99
    assert held == [ArchiveCoverage(seed=3, coverage=0.98).holds(i) for i in ids]
    assert not ArchiveCoverage(seed=3, coverage=0.0).holds(ids[0])
    assert ArchiveCoverage(seed=3, coverage=1.0).holds(ids[0])


def test_the_stream_holds_one_mailbox_at_a_time() -> None:
    """Messages come mailbox by mailbox: a consumer never needs a whole tenant."""
    seen_mailboxes = 0
    open_mailbox = False
    for event in TenantGenerator(get_profile("tiny"), 1).stream():
        name = type(event).__name__
        if name == "MailboxStart":
            assert not open_mailbox
            open_mailbox = True
            seen_mailboxes += 1
        elif name == "MailboxEnd":
            open_mailbox = False
        elif isinstance(event, MessageSpec):
            assert open_mailbox
    assert seen_mailboxes == get_profile("tiny").mailboxes


def test_world_meta_records_how_it_was_made(small: World) -> None:
    assert small.meta == {"profile": "small", "seed": 11, "archive_coverage": 0.98}
    assert isinstance(next(iter(small.directory.users.values())), DirectoryUser)
