"""Population files (issue 15, item 3): validation with the file, line and field named;
the built-in profiles are population files that give exactly the generator's tenant;
written-out content lands as written, deterministic by seed."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockews.store import EV_SHORTCUT_CLASS, CalendarItem, Item, World
from scenarios.generator import Group, MessageSpec, TenantGenerator
from scenarios.population import PopulationError, builtin_names, load_population, resolve_population
from scenarios.population_stream import PopulationGenerator
from scenarios.profiles import PROFILE_NAMES, Profile, get_profile
from scenarios.serving import generated_world
from scenarios.sinks import DigestSink, world_digest

#: the four profiles as they were written in Python before they became files: the files
#: must give the same generator settings, so that every seed keeps its tenant
FORMER_PROFILES = {
    "tiny": dict(
        mailboxes=4,
        messages_per_mailbox=40,
        calendar_items_per_mailbox=6,
        users_without_mailbox=2,
        contacts=2,
        groups=3,
        min_group_size=2,
        user_folders=(2, 6),
    ),
    "small": dict(
        mailboxes=20,
        messages_per_mailbox=200,
        calendar_items_per_mailbox=15,
        users_without_mailbox=3,
        contacts=5,
        groups=6,
    ),
    "medium": dict(
        mailboxes=200,
        messages_per_mailbox=2_000,
        calendar_items_per_mailbox=60,
        users_without_mailbox=20,
        contacts=30,
        groups=30,
    ),
    "large": dict(
        mailboxes=2_000,
        messages_per_mailbox=5_000,
        calendar_items_per_mailbox=120,
        users_without_mailbox=150,
        contacts=200,
        groups=200,
    ),
}


@pytest.mark.parametrize("name", PROFILE_NAMES)
def test_the_profiles_are_population_files(name: str) -> None:
    assert name in builtin_names()
    assert get_profile(name) == Profile(name, **FORMER_PROFILES[name])  # type: ignore[arg-type]


def test_a_profile_file_gives_the_generators_stream() -> None:
    def digest(events: object) -> str:
        sink = DigestSink()
        for event in events:  # type: ignore[attr-defined]
            sink.accept(event)
        return sink.hexdigest()

    from_file = digest(PopulationGenerator(resolve_population("tiny"), 5).stream())
    assert from_file == digest(TenantGenerator(get_profile("tiny"), 5).stream())


def load(name: str = "every-setting", seed: int | None = None) -> World:
    world, _ = generated_world(name, seed)
    return world


def items(world: World, mailbox: str) -> list[Item]:
    box = world.mailboxes[mailbox]
    return [item for folder in box.folders() for item in folder.items.values()]


def by_subject(world: World, mailbox: str, subject: str) -> list[Item]:
    return sorted(
        (i for i in items(world, mailbox) if (i.subject or "").startswith(subject)), key=lambda i: i.received or 0
    )


def epoch(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def test_written_out_messages_land_as_written() -> None:
    world = load()
    ann = "ann.lee@contoso.example"
    [letter] = by_subject(world, ann, "Apollo — engagement letter")
    assert letter.folder.name == "Apollo" and letter.folder.parent.name == "Matters"  # type: ignore[union-attr]
    assert letter.from_ is not None and (letter.from_.name, letter.from_.email) == (
        "Bo Chen",
        "bo.chen@contoso.example",
    )
    assert [r.email for r in letter.cc] == ["counsel@fabrikam.example"]
    assert (letter.received, letter.sent) == (epoch("2024-05-02T08:15:00"), epoch("2024-05-02T08:14:00"))
    assert (letter.is_read, letter.sensitivity, letter.importance) == (False, "Confidential", "High")
    assert letter.categories == ("Legal hold",)
    assert [(a.name, a.size) for a in letter.attachments or []] == [("engagement.pdf", 48000)]

    digests = by_subject(world, ann, "Weekly digest")
    assert len(digests) == 12 and {d.folder.name for d in digests} == {"Inbox"}  # type: ignore[union-attr]
    gaps = {b.received - a.received for a, b in itertools.pairwise(digests)}  # type: ignore[operator]
    assert gaps == {7 * 86400} and digests[-1].received == epoch("2024-05-31T07:00:00")
    assert digests[0].from_ is not None and digests[0].from_.email == "news@fabrikam.example"

    [shortcut] = by_subject(world, ann, "Budget 2021")
    assert shortcut.item_class == EV_SHORTCUT_CLASS and shortcut.folder.name == "2021"  # type: ignore[union-attr]

    thread = by_subject(world, ann, "Apollo — scope") + by_subject(world, ann, "RE: Apollo — scope")
    thread.sort(key=lambda i: i.received or 0)
    assert [i.subject for i in thread] == ["Apollo — scope (1)"] + ["RE: Apollo — scope"] * 3
    assert all(i.folder.name == "Sent Items" for i in thread)  # type: ignore[union-attr]
    assert all(i.from_ is not None and i.from_.email == ann for i in thread)
    replies = [i.get_extra("InReplyTo") for i in thread]
    assert replies == [None, *[i.message_id for i in thread[:-1]]]

    drawn = [i for i in items(world, ann) if i.message_id and ".x" in i.message_id]
    assert len(drawn) == 20  # drawn: {messages: 20}


def test_written_out_meetings_land_as_written() -> None:
    world = load()
    meetings = {i.subject: i for i in items(world, "ann.lee@contoso.example") if isinstance(i, CalendarItem)}
    standup = meetings["Apollo stand-up"]
    assert (standup.start, standup.end) == (epoch("2024-05-06T09:00:00"), epoch("2024-05-06T09:15:00"))
    assert standup.recurrence is not None and standup.recurrence.pattern == "WeeklyRecurrence"
    assert dict(standup.recurrence.pattern_fields)["DaysOfWeek"] == "Monday Thursday"
    assert dict(standup.recurrence.range_fields)["NumberOfOccurrences"] == "10"
    assert [a.recipient.email for a in standup.required] == ["bo.chen@contoso.example"]
    prep = meetings["Trial preparation"]
    assert prep.uid == "trial-prep-2024@contoso.example" and prep.recurrence is not None
    assert (prep.recurrence.pattern, prep.recurrence.range) == ("DailyRecurrence", "EndDateRecurrence")
    assert dict(prep.recurrence.range_fields)["EndDate"] == "2024-06-11"
    hearing = meetings["Hearing"]
    assert hearing.is_all_day and hearing.sensitivity == "Private" and hearing.folder.name == "Hearings"  # type: ignore[union-attr]
    assert hearing.end - hearing.start == 86400  # type: ignore[operator]
    assert sum(1 for i in meetings.values() if i.uid and "@" in i.uid and "-ann.lee-" in i.uid) == 3  # drawn: 3


def test_directory_of_a_population_file() -> None:
    world = load()
    directory = world.directory
    auditor = directory.by_mail("auditor@contoso.example")
    assert auditor is not None and not auditor.has_mailbox and "auditor@contoso.example" not in world.mailboxes
    former = directory.by_mail("former.employee@contoso.example")
    assert former is not None and not former.account_enabled and former.has_mailbox
    ann = directory.by_mail("ann.lee@contoso.example")
    assert ann is not None and (ann.display_name, ann.department, ann.job_title) == ("Ann Lee", "Legal", "Counsel")
    bo = directory.by_mail("bo.chen@contoso.example")
    assert bo is not None and bo.display_name == "Bo Chen"  # from the address
    legal = directory.group_by_dn("CN=Legal,OU=Groups,DC=contoso,DC=example")
    assert legal is not None and legal.security_enabled
    assert sorted(directory.users[m].mail for m in legal.members) == [  # type: ignore[type-var]
        "ann.lee@contoso.example",
        "bo.chen@contoso.example",
    ]
    friends = directory.group_by_mail("legal-friends@contoso.example")
    assert friends is not None and legal.id in friends.members
    contact = directory.by_mail("counsel@fabrikam.example")
    assert contact is not None and contact.id in friends.members
    generated = [p.mail for p in TenantGenerator(resolve_population("every-setting").profile(), 42).people]
    member_mail = {directory.users[m].mail for m in friends.members if m in directory.users}
    assert member_mail == set(generated[:2])  # generated_members: 2


def test_deterministic_by_seed_and_written_out_content_whatever_the_seed() -> None:
    assert world_digest(load(seed=3)) == world_digest(load(seed=3))
    assert world_digest(load(seed=3)) != world_digest(load(seed=4))

    def written(seed: int) -> set[str]:
        generator = PopulationGenerator(resolve_population("every-setting"), seed)
        return {e.message_id for e in generator.stream() if isinstance(e, MessageSpec) and ".x" not in e.message_id} - {
            e.message_id
            for e in generator.tenant.stream()
            if isinstance(e, MessageSpec)  # the generated mailboxes' own mail
        }

    assert written(3) == written(4) and len(written(3)) == 1 + 12 + 1 + 4  # the same file finds its messages


def test_generated_names_do_not_take_written_out_ones(tmp_path: Path) -> None:
    """A generated person whose alias a file gives explicitly gets another one."""
    tenant = TenantGenerator(get_profile("tiny"), 1)
    taken = tenant.people[0].mail
    path = tmp_path / "p.yaml"
    path.write_text(
        f"name: clash\nseed: 1\ngenerate: {{mailboxes: 4, users_without_mailbox: 2, contacts: 2, groups: 3,"
        f" group_size: {{min: 2, max: 300}}, folders: {{min: 2, max: 6}}, messages: {{per_mailbox: 40}},"
        f" calendar: {{per_mailbox: 6}}}}\nmailboxes:\n  - address: {taken}\n    name: The Real One\n"
    )
    world, stats = generated_world(str(path))
    users = [u for u in world.directory.users.values() if u.mail == taken]
    assert [u.display_name for u in users] == ["The Real One"]
    assert stats.mailboxes == 5


BASE = """\
name: t
mailboxes:
  - address: ann@contoso.example
    folders: [inbox/Matters]
    messages:
      - subject: hello
        folder: inbox/Matters
        from: bo@contoso.example
        received: 2024-05-02T08:15:00Z
"""

BAD = [
    # (replace this, with that, line, field, message)
    (
        "folder: inbox/Matters\n",
        "folder: inbox/Zeus\n",
        7,
        "mailboxes.0.messages.0.folder",
        "'inbox/Zeus' is not a mail",
    ),
    ("from: bo@contoso.example", "from: bo at contoso", 8, "mailboxes.0.messages.0.from", "not an e-mail address"),
    ("2024-05-02T08:15:00Z", "2024-05-02T08:15:00", 9, "mailboxes.0.messages.0.received", "with a UTC offset"),
    ("subject: hello", "subject: hello\n        count: 0", 7, "mailboxes.0.messages.0.count", "greater than or equal"),
    ("subject: hello", "subject: hello\n        colour: red", 7, "mailboxes.0.messages.0.colour", "Extra inputs"),
    ("subject: hello", "subject: hello\n        every: soon", 7, "mailboxes.0.messages.0.every", "not a duration"),
    (
        "received: 2024-05-02T08:15:00Z",
        "received: 2024-05-02T08:15:00Z\n        sent: 2024-05-02T09:00:00Z",
        10,
        "mailboxes.0.messages.0.sent",
        "sent is after received",
    ),
    (
        "subject: hello",
        "subject: hello\n        count: 3\n        message_id: <a@b>",
        8,
        "mailboxes.0.messages.0.message_id",
        "names one message",
    ),
    (
        "name: t\n",
        "name: t\ngenerate: {mailboxes: 2, folders: {min: 5, max: 2}}\n",
        2,
        "generate.folders",
        "max is less than min",
    ),
    ("name: t\n", "name: t\ngenerate: {mailboxes: 2, locales: [xx_YY]}\n", 2, "generate.locales", "not a faker locale"),
    ("name: t\n", "name: t\ngenerate: {mailboxes: -1}\n", 2, "generate.mailboxes", "greater than or equal"),
    (
        "    folders: [inbox/Matters]\n",
        "    folders: [inbox/Matters]\n    meetings:\n      - {subject: m, start: 2024-05-01T09:00:00Z,"
        " folder: calendar/Nope}\n",
        6,
        "mailboxes.0.meetings.0.folder",
        "not calendar or calendar/",
    ),
    (
        "    folders: [inbox/Matters]\n",
        "    folders: [inbox/Matters]\n    meetings:\n      - subject: m\n        start: 2024-05-01T09:00:00Z\n"
        "        recurrence: {every: week, occurrences: 3, until: 2024-06-01}\n",
        8,
        "mailboxes.0.meetings.0.recurrence",
        "exactly one of occurrences or until",
    ),
    (
        "name: t\n",
        "name: t\ngroups:\n  - {name: G, members: [nobody@contoso.example]}\n",
        3,
        "groups.0.members.0",
        "not a mailbox",
    ),
    (
        "name: t\n",
        "name: t\ngroups:\n  - {name: A, groups: [B]}\n  - {name: B, groups: [A]}\n",
        3,
        "groups.0.groups",
        "groups nest in a circle: A → B → A",
    ),
    ("name: t\n", "name: t\ngroups:\n  - {name: A, groups: [C]}\n", 3, "groups.0.groups.0", "no group named 'C'"),
    (
        "name: t\n",
        "name: t\ngroups:\n  - {name: A, mail: ann@contoso.example}\n",
        3,
        "groups.0.mail",
        "'ann@contoso.example' is already a mailbox's",
    ),
    (
        "  - address: ann@contoso.example\n",
        "  - address: bo@contoso.example\n  - address: ann@contoso.example\n  - address: Ann@contoso.example\n",
        5,
        "mailboxes.2.address",
        "listed twice",
    ),
    (
        "  - address: ann@contoso.example\n",
        "  - address: ann@contoso.example\n    mailbox: false\n",
        4,
        "mailboxes.0.mailbox",
        "without a mailbox has no folders",
    ),
]


@pytest.mark.parametrize(("old", "new", "line", "field", "message"), BAD, ids=[b[3] for b in BAD])
def test_errors_name_the_line_and_the_field(old: str, new: str, line: int, field: str, message: str) -> None:
    assert old in BASE
    load_population("base.yaml", BASE)  # the base is valid
    with pytest.raises(PopulationError) as caught:
        load_population("bad.yaml", BASE.replace(old, new, 1))
    error = caught.value
    assert (error.line, error.field) == (line, field), str(error)
    assert message in str(error) and str(error).startswith(f"bad.yaml:{line}: {field}: ")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- a\n- b\n", "a population (name, generate, mailboxes, …) is a mapping"),
        ("name: t\nmailboxes: [\n", "not valid YAML"),
        ("name: t\n", "at least one mailbox"),
        ("a: &x [1, 2]\nb: *x\n", "aliases (*name) are not accepted"),
        ("name: " + "[" * 20_000 + "]" * 20_000, "x.yaml:1: nested more than 32 levels deep"),
    ],
)
def test_files_that_are_not_populations_are_refused(text: str, message: str) -> None:
    with pytest.raises(PopulationError, match=message.replace("(", r"\(").replace(")", r"\)").replace("*", r"\*")):
        load_population("x.yaml", text)


def test_huge_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    path.write_text("name: t\n" + "# padding\n" * 300_000)
    with pytest.raises(PopulationError, match="larger than 2,000,000 bytes"):
        load_population(path)


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_populations_load(name: str) -> None:
    population = resolve_population(name)
    assert population.name == name and population.description


# -- written-out messages, over many shapes (Hypothesis) --------------------------------------

_entry = st.fixed_dictionaries(
    {
        "subject": st.sampled_from(["a", "b"]),  # few subjects: entries that collide
        "folder": st.sampled_from(["inbox", "sentitems", "inbox/X", "Archive/2021"]),
        "from": st.sampled_from(["p@contoso.example", "q@fabrikam.example"]),
        "received": st.sampled_from(["2024-05-01T10:00:00Z", "2024-05-02T10:00:00Z"]),
        "count": st.integers(1, 4),
        "every": st.sampled_from(["1h", "1d"]),
        "thread": st.booleans(),
    }
)


@settings(deadline=None, max_examples=30)  # a generator costs ~0.1 s (its faker pools)
@given(entries=st.lists(_entry, min_size=1, max_size=8))
def test_every_written_message_is_one_item_with_its_own_message_id(entries: list[dict[str, object]]) -> None:
    """However entries repeat and collide, each copy is one message with a Message-ID of
    its own (what makes a second run through EWS find exactly what the first created);
    a thread's replies point at the copy before."""
    import yaml

    text = yaml.safe_dump(
        {
            "name": "h",
            "mailboxes": [
                {"address": "ann@contoso.example", "folders": ["inbox/X", "Archive/2021"], "messages": entries}
            ],
        }
    )
    population = load_population("h.yaml", text)

    messages = [e for e in PopulationGenerator(population, 1).stream() if isinstance(e, MessageSpec)]
    assert len(messages) == sum(int(e["count"]) for e in entries)  # type: ignore[call-overload]
    assert len({m.message_id for m in messages}) == len(messages)
    by_id = {m.message_id: m for m in messages}
    for m in messages:
        if m.in_reply_to is not None:
            earlier = by_id[m.in_reply_to]
            assert earlier.received < m.received and m.subject.startswith("RE: ")


def test_every_setting_has_every_setting() -> None:
    """The built-in reference file names every field of the format (so it cannot fall
    behind the models)."""
    import yaml
    from pydantic import BaseModel

    from scenarios.population import Population, builtin_path

    data = yaml.safe_load(builtin_path("every-setting").read_text(encoding="utf-8"))

    def seen(value: object) -> set[tuple[str, ...]]:
        if isinstance(value, dict):
            return {(k,) for k in value} | {(k, *rest) for k, v in value.items() for rest in seen(v)}
        if isinstance(value, list):
            return {path for item in value for path in seen(item)}
        return set()

    def fields(model: type[BaseModel], prefix: tuple[str, ...] = ()) -> set[tuple[str, ...]]:
        out = set()
        for name, info in model.model_fields.items():
            path = (*prefix, info.alias or name)
            out.add(path)
            for inner in (*getattr(info.annotation, "__args__", ()), info.annotation):
                origin = getattr(inner, "__origin__", None)
                for candidate in (inner, *getattr(inner, "__args__", ())) if origin is list else (inner,):
                    if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                        out |= fields(candidate, path)
        return out

    missing = sorted(".".join(p) for p in fields(Population) - seen(data))
    assert missing == []


def test_a_group_address_made_from_its_name_takes_no_address_in_use() -> None:
    text = BASE + "groups:\n  - {name: Ann}\n  - {name: Ann!}\n  - {name: Bo, mail: ann2@contoso.example}\n"
    generator = PopulationGenerator(load_population("g.yaml", text), 1)
    groups = {e.display_name: e.mail for e in generator.stream() if isinstance(e, Group)}
    # "ann@" is the mailbox's and "ann2@" the group Bo's: Ann gets ann3@, Ann! ann4@
    assert groups == {"Ann": "ann3@contoso.example", "Ann!": "ann4@contoso.example", "Bo": "ann2@contoso.example"}
