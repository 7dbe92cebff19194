"""Deterministic tenant generation: from a profile and a seed, a stream of directory
objects, mailboxes, folders, messages and calendar items.

The stream is produced mailbox by mailbox (only one mailbox's items exist at a time),
so a large tenant is never held in memory; sinks (sinks.py) load it into a world,
push it through EWS, or hash it.  Everything comes from seeded RNGs and keyed hashes,
never from the wall clock: the same profile and seed give the same stream.

Realism that later issues rely on:
* internal mail is consistent across mailboxes — a message from A to B sits in A's
  Sent Items and B's Inbox (or a folder of B) with the same Internet Message-ID and
  sent time (the archive key), derived from a hash of the pair, so each mailbox can be
  generated on its own;
* per-folder counts are heavy-tailed, received dates spread over years (recent ones
  likelier), threads reply to earlier messages, ~2 % are Personal/Private, some are
  Enterprise Vault shortcuts, some carry 1 to 3 attachments;
* which messages the archive already holds is a keyed hash of the Message-ID
  (:class:`ArchiveCoverage`), so no list of them has to be stored.
"""

from __future__ import annotations

import hashlib
import math
import random
import string
import unicodedata
from collections.abc import Container, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta

from faker import Faker

from mockews.store import EV_SHORTCUT_CLASS, Recurrence

from .profiles import Profile

DEPARTMENTS = {
    "Engineering": ("Software Engineer", "Senior Engineer", "Engineering Manager", "Architect"),
    "Finance": ("Accountant", "Financial Analyst", "Controller", "CFO"),
    "Sales": ("Account Executive", "Sales Manager", "Sales Engineer"),
    "Marketing": ("Marketing Specialist", "Content Manager", "Brand Manager"),
    "Legal": ("Counsel", "Paralegal", "Compliance Officer"),
    "HR": ("HR Partner", "Recruiter", "HR Director"),
    "Operations": ("Operations Analyst", "Office Manager", "Logistics Coordinator"),
    "Support": ("Support Engineer", "Support Lead"),
    "IT": ("Systems Administrator", "Help Desk Technician", "IT Manager"),
}
TOP_FOLDERS = (
    "Projects",
    "Clients",
    "Finance",
    "HR",
    "Travel",
    "Newsletters",
    "Archive",
    "Receipts",
    "Team",
    "Personal",
    "Vendors",
    "Legal",
    "Reports",
    "Support",
    "Conferences",
)
SUB_FOLDERS = ("Design", "Meetings", "Contracts", "Status", "Invoices", "Correspondence", "Drafts 2", "Notes", "Old")
CATEGORIES = ("Blue category", "Red category", "Follow up", "Important", "Customer")
EXTENSIONS = ("pdf", "docx", "xlsx", "png", "jpg", "zip", "txt", "pptx", "csv")
EXTERNAL_DOMAINS = ("fabrikam.example", "tailspin.example", "northwind.example", "adatum.example", "litware.example")
CALENDARS = ("Team Calendar", "Holidays", "Project Deadlines", "On Call")

_FILLER: dict[int, bytes] = {}


def filler(size: int) -> bytes:
    """Deterministic attachment content; one shared object per size."""
    found = _FILLER.get(size)
    if found is None:
        block = (string.ascii_letters + string.digits + "\n").encode() * (size // 63 + 1)
        found = _FILLER[size] = block[:size]
    return found


# -- events of the stream ----------------------------------------------------------------


@dataclass(slots=True)
class TenantInfo:
    profile: str
    seed: int
    domain: str
    archive_coverage: float


@dataclass(slots=True)
class Person:
    alias: str
    display_name: str
    given_name: str
    surname: str
    mail: str
    department: str
    job_title: str
    enabled: bool = True
    licensed: bool = True
    has_mailbox: bool = True
    distinguished_name: str = ""
    sam_account_name: str = ""


@dataclass(slots=True)
class ServiceAccount:
    mail: str
    password: str


@dataclass(slots=True)
class Contact:
    display_name: str
    mail: str


@dataclass(slots=True)
class Group:
    display_name: str
    mail: str | None
    kind: str  # security | distribution | unified
    distinguished_name: str | None
    members: list[str] = field(default_factory=list)  # person or contact addresses
    subgroups: list[str] = field(default_factory=list)  # display names of nested groups


@dataclass(slots=True)
class MailboxStart:
    person: Person


@dataclass(slots=True)
class FolderSpec:
    path: str  # "inbox/Projects/Apollo" or "Archive/2021" (under Top of Information Store)
    folder_class: str = "IPF.Note"


@dataclass(slots=True)
class Attachment:
    name: str
    size: int


@dataclass(slots=True)
class MessageSpec:
    folder: str
    subject: str
    body: str
    sender: tuple[str, str]
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    received: int
    sent: int
    is_read: bool
    sensitivity: str
    importance: str
    categories: tuple[str, ...]
    item_class: str | None
    size: int
    message_id: str
    in_reply_to: str | None = None
    attachments: tuple[Attachment, ...] = ()


@dataclass(slots=True)
class CalendarSpec:
    folder: str
    subject: str
    body: str
    start: int
    end: int
    location: str
    is_all_day: bool
    sensitivity: str
    organizer: tuple[str, str]
    required: tuple[tuple[str, str], ...]
    recurrence: Recurrence | None
    uid: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(slots=True)
class MailboxEnd:
    mail: str
    messages: int
    calendar_items: int


Event = (
    TenantInfo
    | Person
    | ServiceAccount
    | Contact
    | Group
    | MailboxStart
    | FolderSpec
    | MessageSpec
    | CalendarSpec
    | MailboxEnd
)


class ArchiveCoverage:
    """Which messages the archive already holds (journaling / legacy ingestion): a
    keyed hash of the Internet Message-ID under ``coverage``."""

    def __init__(self, seed: int, coverage: float) -> None:
        self._key = f"archive:{seed}".encode()
        self._limit = int(coverage * 2**64)

    def holds(self, message_id: str) -> bool:
        digest = hashlib.blake2b(message_id.encode(), key=self._key[:64], digest_size=8).digest()
        return int.from_bytes(digest, "big") < self._limit


def _ascii(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in folded.lower() if c.isalnum())


class _Draws:
    """Uniform draws from a keyed hash: cheap, order-independent randomness for pair
    messages, which both mailboxes of the pair must derive identically."""

    __slots__ = ("_data", "_pos")

    def __init__(self, *parts: object) -> None:
        self._data = hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=64).digest()
        self._pos = 0

    def unit(self) -> float:
        if self._pos + 4 > len(self._data):
            self._data = hashlib.blake2b(self._data, digest_size=64).digest()
            self._pos = 0
        value = int.from_bytes(self._data[self._pos : self._pos + 4], "big")
        self._pos += 4
        return value / 4294967296.0

    def index(self, n: int) -> int:
        return min(int(self.unit() * n), n - 1)


class TenantGenerator:
    def __init__(
        self,
        profile: Profile,
        seed: int,
        domain: str = "contoso.example",
        reserved_aliases: Iterable[str] = (),
        reserved_groups: Iterable[str] = (),
    ) -> None:
        """``reserved_*``: aliases and group names a population file gives explicitly,
        which generated ones must not take."""
        profile.validate()
        self.profile = profile
        self.seed = seed
        self.domain = domain
        self.reserved_aliases = frozenset(a.lower() for a in reserved_aliases)
        self.reserved_groups = frozenset(reserved_groups)
        self.dc = ",".join(f"DC={part}" for part in domain.split("."))
        self._build_pools()
        self.people = self._people()
        self._mailbox_people = [p for p in self.people if p.has_mailbox]
        self._pair_memo: dict[tuple[str, str], int] = {}  # non-zero pair counts drawn so far
        self._pair_done: set[str] = set()  # mailboxes whose pairs with every colleague are in the memo
        # internal traffic: each person writes to ~12 colleagues
        n = len(self._mailbox_people)
        self._contacts_per_person = min(12, max(n - 1, 0))
        self._pair_p = self._contacts_per_person / (n - 1) if n > 1 else 0.0
        per_direction = 0.2 * profile.messages_per_mailbox / max(self._contacts_per_person, 1)
        self._pair_mean = max(per_direction, 0.5)

    # -- pools (the only place faker runs) --------------------------------------------------

    def _build_pools(self) -> None:
        fake = Faker("en_US")
        fake.seed_instance(self.seed)
        self.subjects = [fake.sentence(nb_words=fake.random_int(3, 8)).rstrip(".") for _ in range(1500)]
        self.subjects += [
            f"{w} {fake.word().title()} {y}"
            for w, y in zip(
                ("Quarterly review", "Invoice", "Meeting notes", "Status update", "Proposal", "Contract", "Budget"),
                range(2019, 2026),
                strict=False,
            )
        ]
        self.bodies = [fake.paragraph(nb_sentences=fake.random_int(2, 9)) for _ in range(300)]
        self.projects = sorted({fake.word().title() for _ in range(200)})
        self.companies = sorted({fake.company().replace(",", "").replace("/", "-") for _ in range(120)})
        self.locations = ["Room " + str(n) for n in range(1, 12)] + ["Teams", "Zoom", "Cafeteria", "HQ Lobby"]
        self.externals = [
            (fake.name(), f"{_ascii(fake.first_name())}.{_ascii(fake.last_name())}@{EXTERNAL_DOMAINS[i % 5]}")
            for i in range(200)
        ]
        self.newsletters = [(f"{c} News", f"news@{_ascii(c)[:12] or 'news'}.example") for c in self.companies[:20]]
        self.attachment_words = sorted({fake.word() for _ in range(100)})

    # -- directory ---------------------------------------------------------------------------

    def _people(self) -> list[Person]:
        profile = self.profile
        rng = random.Random(f"{self.seed}:people")
        fakers = []
        for i, locale in enumerate(profile.locales):
            fake = Faker(locale)
            fake.seed_instance(self.seed * 31 + i)
            fakers.append(fake)
        total = profile.mailboxes + profile.users_without_mailbox
        used: set[str] = set(self.reserved_aliases)
        people: list[Person] = []
        departments = list(DEPARTMENTS)
        for n in range(total):
            fake = fakers[rng.randrange(len(fakers))]
            given, surname = fake.first_name(), fake.last_name()
            base = f"{_ascii(given)}.{_ascii(surname)}".strip(".") or f"user{n}"
            alias, k = base, 1
            while alias in used:
                k += 1
                alias = f"{base}{k}"
            used.add(alias)
            department = departments[rng.randrange(len(departments))]
            has_mailbox = n < profile.mailboxes
            person = Person(
                alias=alias,
                display_name=f"{given} {surname}",
                given_name=given,
                surname=surname,
                mail=f"{alias}@{self.domain}",
                department=department,
                job_title=rng.choice(DEPARTMENTS[department]),
                has_mailbox=has_mailbox,
                licensed=has_mailbox and rng.random() >= profile.unlicensed_fraction,
                enabled=rng.random() >= profile.disabled_fraction,
                distinguished_name=f"CN={given} {surname},OU={department},OU=Users,{self.dc}",
                sam_account_name=alias[:20],
            )
            people.append(person)
        # "some disabled or unlicensed accounts": at least one of each in any tenant with
        # room for them, whatever the dice said
        with_mailbox = [p for p in people if p.has_mailbox]
        if len(with_mailbox) >= 4:
            if not any(not p.enabled for p in with_mailbox):
                with_mailbox[1].enabled = False
            if not any(not p.licensed for p in with_mailbox):
                with_mailbox[2].licensed = False
        return people

    def groups(self) -> list[Group]:
        profile = self.profile
        rng = random.Random(f"{self.seed}:groups")
        people = self.people
        groups: list[Group] = []
        if profile.groups == 0:
            return groups
        by_department: dict[str, list[Person]] = {}
        for person in people:
            by_department.setdefault(person.department, []).append(person)
        names: set[str] = set(self.reserved_groups)

        def size() -> int:
            low = min(profile.min_group_size, len(people))
            high = max(low, min(profile.max_group_size, len(people)))
            # heavy-tailed: most groups are small, a few are large
            return min(high, low + int(rng.paretovariate(1.3) * low) - low)

        def unique(name: str) -> str:
            base, k = name, 1
            while name in names:
                k += 1
                name = f"{base} {k}"
            names.add(name)
            return name

        # level 1: department security groups (AD, by DN), project DLs, Microsoft 365 groups
        level1 = max(1, profile.groups - 2)
        for n in range(level1):
            roll = n % 3
            if roll == 0:
                department = sorted(by_department)[n // 3 % len(by_department)]
                name = unique(f"SG-{department}")
                pool = by_department[department] + rng.sample(people, min(len(people), 3))
                kind, mail = "security", None
            elif roll == 1:
                name = unique(f"{rng.choice(self.projects)} Team")
                pool = people
                kind, mail = "distribution", f"{_ascii(name)}@{self.domain}"
            else:
                name = unique(f"{rng.choice(self.projects)} Hub")
                pool = people
                kind, mail = "unified", f"{_ascii(name)}@{self.domain}"
            members = rng.sample(pool, min(len(pool), size()))
            dn = f"CN={name},OU=Groups,{self.dc}" if kind != "unified" else None
            groups.append(Group(name, mail, kind, dn, sorted({m.mail for m in members})))
        # level 2 and 3: nested distribution lists (All Staff contains umbrellas)
        if profile.groups >= 2:
            level1_names = [g.display_name for g in groups]
            umbrella = Group(
                unique("Department Leads"),
                f"department-leads@{self.domain}",
                "distribution",
                f"CN=Department Leads,OU=Groups,{self.dc}",
                sorted({p.mail for p in rng.sample(people, min(len(people), 5))}),
                rng.sample(level1_names, min(len(level1_names), 3)),
            )
            groups.append(umbrella)
            everyone = Group(
                unique("All Staff"),
                f"all-staff@{self.domain}",
                "distribution",
                f"CN=All Staff,OU=Groups,{self.dc}",
                [],
                [umbrella.display_name, *rng.sample(level1_names, min(len(level1_names), 2))],
            )
            groups.append(everyone)
        return groups

    # -- the stream -------------------------------------------------------------------------------

    def mailbox_addresses(self) -> list[str]:
        """Every mailbox's address (lower case), in the order the stream has them."""
        return [p.mail.lower() for p in self._mailbox_people]

    def stream(self, only: Container[str] | None = None) -> Iterator[Event]:
        """The tenant; with ``only``, the content (folders, messages, calendar) of those
        mailboxes alone — every account, group and (empty) mailbox is still there, and
        each mailbox's content is what the whole stream gives it (it is drawn from the
        mailbox's own seed and from keyed hashes of pairs)."""
        yield TenantInfo(self.profile.name, self.seed, self.domain, self.profile.archive_coverage)
        yield from self.people
        yield self.service_account()
        yield from self.contacts()
        yield from self.groups()
        yield from self.mailbox_contents(only)

    def service_account(self) -> ServiceAccount:
        return ServiceAccount(f"svc-synceng@{self.domain}", f"Sync-{self.seed}-Pass")

    def contacts(self) -> Iterator[Contact]:
        rng = random.Random(f"{self.seed}:contacts")
        for n in range(self.profile.contacts):
            name, mail = self.externals[(n * 7 + rng.randrange(5)) % len(self.externals)]
            yield Contact(name, f"{mail.split('@')[0]}.{n}@{mail.split('@')[1]}")

    def mailbox_contents(self, only: Container[str] | None = None) -> Iterator[Event]:
        for index, person in enumerate(self._mailbox_people):
            if only is None or person.mail.lower() in only:
                yield from self._mailbox(index, person)

    # -- one mailbox -----------------------------------------------------------------------------

    def _folders(self, rng: random.Random, person: Person) -> list[str]:
        low, high = self.profile.user_folders
        count = min(high, low + int((rng.paretovariate(1.5) - 1) * 4))
        paths: list[str] = []
        tops = rng.sample(TOP_FOLDERS, min(len(TOP_FOLDERS), max(1, count // 3 + 1)))
        frontier: list[tuple[str, int]] = []
        for top in tops:
            path = f"inbox/{top}" if rng.random() < 0.4 else top
            paths.append(path)
            frontier.append((path, 1))
        while len(paths) < count and frontier:
            parent, depth = frontier[rng.randrange(len(frontier))]
            if depth >= self.profile.max_folder_depth:
                frontier.remove((parent, depth))
                continue
            name = self._child_name(rng, parent)
            path = f"{parent}/{name}"
            if path in paths:
                continue
            paths.append(path)
            frontier.append((path, depth + 1))
        return paths

    def _child_name(self, rng: random.Random, parent: str) -> str:
        top = parent.split("/")[-1]
        if top in ("Projects", "Team"):
            return rng.choice(self.projects)
        if top in ("Clients", "Vendors"):
            return rng.choice(self.companies)[:40]
        if top in ("Finance", "Archive", "Travel", "Receipts", "Reports") or top.isdigit():
            return str(rng.randint(2016, 2024)) if not top.isdigit() else rng.choice(("Q1", "Q2", "Q3", "Q4"))
        return rng.choice(SUB_FOLDERS)

    def _pair(self, sender: Person, recipient: Person) -> int:
        """How many messages ``sender`` wrote to ``recipient`` (0 for most pairs).

        The first two draws of ``_Draws(seed, "pair", sender, recipient)``, inlined: every
        mailbox asks this of every colleague both ways (n² calls in a tenant of n)."""
        if sender is recipient:
            return 0
        data = hashlib.blake2b(
            f"{self.seed}\x1fpair\x1f{sender.alias}\x1f{recipient.alias}".encode(), digest_size=64
        ).digest()
        if int.from_bytes(data[:4], "big") / 4294967296.0 >= self._pair_p:
            return 0
        return 1 + int(-math.log(1.0 - int.from_bytes(data[4:8], "big") / 4294967296.0 * 0.999999) * self._pair_mean)

    def _pairs(self, person: Person) -> Iterator[tuple[Person, int, int]]:
        """(colleague, messages ``person`` wrote them, messages they wrote ``person``)
        for every mailbox colleague, as :meth:`_pair` counts them.  Both directions of
        a pair are drawn when the first of its two mailboxes is generated and the
        non-zero counts kept, so the second reads them instead of drawing again (a
        thousand mailboxes are a million pairs, most of them zero)."""
        memo = self._pair_memo
        done = self._pair_done
        mine = person.alias in done
        for other in self._mailbox_people:
            if mine or other.alias in done:
                sent = memo.get((person.alias, other.alias), 0)
                received = memo.get((other.alias, person.alias), 0)
            else:
                sent, received = self._pair(person, other), self._pair(other, person)
                if sent:
                    memo[(person.alias, other.alias)] = sent
                if received:
                    memo[(other.alias, person.alias)] = received
            yield other, sent, received
        done.add(person.alias)

    def _mailbox(self, index: int, person: Person) -> Iterator[Event]:
        profile = self.profile
        rng = random.Random(f"{self.seed}:mailbox:{person.alias}")
        yield MailboxStart(person)
        user_folders = self._folders(rng, person)
        for path in user_folders:
            yield FolderSpec(path)
        calendars = ["calendar"] + [
            f"calendar/{name}" for name in rng.sample(CALENDARS, rng.randint(*profile.extra_calendars))
        ]
        for path in calendars[1:]:
            yield FolderSpec(path, "IPF.Appointment")

        messages: list[MessageSpec] = []
        # internal mail, consistent with the colleagues' mailboxes
        for other, sent, received in self._pairs(person):
            for k in range(sent):
                messages.append(self._pair_message(person, other, k, "sentitems"))
            for k in range(received):
                messages.append(self._pair_message(other, person, k, self._inbound_folder(rng, user_folders)))
        # external mail: heavy-tailed volume around the profile's mean
        target = profile.messages_per_mailbox
        sigma = 0.6
        volume = int(rng.lognormvariate(math.log(max(target, 1)) - sigma * sigma / 2, sigma)) if target else 0
        external = max(0, volume - len(messages))
        folder_weights = self._folder_weights(rng, user_folders)
        folders = [f for f, _ in folder_weights]
        weights = [w for _, w in folder_weights]
        for n, folder in enumerate(rng.choices(folders, weights, k=external)):
            messages.append(self._external_message(rng, person, index, n, folder))
        messages.sort(key=lambda m: (m.received, m.message_id))
        for message in messages:
            self._personalise(rng, message)
            yield message

        calendar_count = 0
        if profile.calendar_items_per_mailbox:
            count = max(1, int(rng.gauss(profile.calendar_items_per_mailbox, profile.calendar_items_per_mailbox / 4)))
            for n in range(count):
                yield self._calendar_item(rng, person, n, rng.choice(calendars) if rng.random() < 0.3 else "calendar")
            calendar_count = count
        yield MailboxEnd(person.mail, len(messages), calendar_count)

    def drawn_content(
        self, person: Person, index: int, folders: list[str], calendars: list[str], messages: int, calendar_items: int
    ) -> tuple[list[MessageSpec], list[CalendarSpec]]:
        """``messages`` messages and ``calendar_items`` meetings drawn for a mailbox a
        population file names (exact counts, the profile's distributions): mail from
        outside spread over the standard folders and ``folders``, meetings in the
        calendar or one of ``calendars``.  ``index`` keeps Message-IDs apart from the
        generated mailboxes'."""
        rng = random.Random(f"{self.seed}:explicit:{person.mail.lower()}")
        weights = self._folder_weights(rng, folders)
        chosen = rng.choices([f for f, _ in weights], [w for _, w in weights], k=messages)
        drawn = [self._external_message(rng, person, index, n, folder) for n, folder in enumerate(chosen)]
        for message in drawn:
            self._personalise(rng, message)
        meetings = []
        for n in range(calendar_items):
            folder = rng.choice(calendars) if calendars and rng.random() < 0.3 else "calendar"
            meetings.append(self._calendar_item(rng, person, n, folder))
        return drawn, meetings

    def _folder_weights(self, rng: random.Random, user_folders: list[str]) -> list[tuple[str, float]]:
        weights = [("inbox", 8.0), ("sentitems", 2.5), ("deleteditems", 1.0), ("junkemail", 0.2), ("drafts", 0.1)]
        weights += [(path, rng.paretovariate(1.2)) for path in user_folders]
        return weights

    def _inbound_folder(self, rng: random.Random, user_folders: list[str]) -> str:
        if user_folders and rng.random() < 0.3:
            return rng.choice(user_folders)
        return "deleteditems" if rng.random() < 0.08 else "inbox"

    def _when(self, unit: float) -> int:
        span = self.profile.years * 365 * 86400
        return int(self.profile.now.timestamp() - span * unit * unit)  # recent dates are likelier

    def _attachments(
        self, chance: float, pick: float, count_unit: float, fraction: float | None = None
    ) -> tuple[Attachment, ...]:
        """0 attachments, or 1 to 3 with weighted sizes (``fraction`` of the time)."""
        if chance >= (self.profile.attachment_fraction if fraction is None else fraction):
            return ()
        sizes = self.profile.attachment_sizes
        total = sum(w for _, w in sizes)
        out = []
        for n in range(1 + int(count_unit * 3)):
            point = ((pick + n * 0.37) % 1.0) * total
            size = sizes[-1][0]
            for candidate, weight in sizes:
                point -= weight
                if point < 0:
                    size = candidate
                    break
            word = self.attachment_words[int(pick * 997 + n * 13) % len(self.attachment_words)]
            out.append(Attachment(f"{word}-{n + 1}.{EXTENSIONS[int(pick * 89 + n) % len(EXTENSIONS)]}", size))
        return tuple(out)

    def _sensitivity(self, roll: float) -> str:
        """The profile's private fraction of messages, half Personal and half Private."""
        fraction = self.profile.private_fraction
        return "Personal" if roll < fraction / 2 else "Private" if roll < fraction else "Normal"

    def _pair_message(self, sender: Person, recipient: Person, k: int, folder: str) -> MessageSpec:
        """Message k from sender to recipient — identical in both mailboxes."""
        d = _Draws(self.seed, "msg", sender.alias, recipient.alias, k)
        sent = self._when(d.unit())
        subject = self.subjects[d.index(len(self.subjects))]
        in_reply_to = None
        if k > 0 and d.unit() < self.profile.thread_fraction:
            earlier = _Draws(self.seed, "msg", sender.alias, recipient.alias, k - 1)
            earlier.unit()  # its sent time; the next draw is its subject
            subject = "RE: " + self.subjects[earlier.index(len(self.subjects))]
            in_reply_to = f"<{self.seed:x}.{sender.alias}.{recipient.alias}.{k - 1}@{self.domain}>"
        attachments = self._attachments(d.unit(), d.unit(), d.unit())
        roll = d.unit()
        return MessageSpec(
            folder=folder,
            subject=subject,
            body=self.bodies[d.index(len(self.bodies))],
            sender=(sender.display_name, sender.mail),
            to=((recipient.display_name, recipient.mail),),
            cc=(),
            received=sent + 5 + d.index(600),
            sent=sent,
            is_read=True,
            sensitivity=self._sensitivity(roll),
            importance="High" if d.unit() < 0.04 else "Normal",
            categories=(),
            item_class=None,
            size=int(4000 + d.unit() * 40000) + sum(a.size for a in attachments),
            message_id=f"<{self.seed:x}.{sender.alias}.{recipient.alias}.{k}@{self.domain}>",
            in_reply_to=in_reply_to,
            attachments=attachments,
        )

    def _external_message(self, rng: random.Random, person: Person, index: int, n: int, folder: str) -> MessageSpec:
        outbound = folder in ("sentitems", "drafts")
        if outbound:
            external = self.externals[rng.randrange(len(self.externals))]
            sender, to = (person.display_name, person.mail), (external,)
        else:
            pool = self.newsletters if rng.random() < 0.25 else self.externals
            sender, to = pool[rng.randrange(len(pool))], ((person.display_name, person.mail),)
        sent = self._when(rng.random())
        attachments = self._attachments(rng.random(), rng.random(), rng.random())
        roll = rng.random()
        return MessageSpec(
            folder=folder,
            subject=self.subjects[rng.randrange(len(self.subjects))],
            body=self.bodies[rng.randrange(len(self.bodies))],
            sender=sender,
            to=to,
            cc=(),
            received=sent + rng.randrange(5, 900),
            sent=sent,
            is_read=True,
            sensitivity=self._sensitivity(roll),
            importance="High" if rng.random() < 0.04 else ("Low" if rng.random() < 0.02 else "Normal"),
            categories=(),
            item_class=None,
            size=int(rng.lognormvariate(9.5, 0.8)) + sum(a.size for a in attachments),
            message_id=f"<{self.seed:x}.x{index}.{n}.{rng.getrandbits(32):08x}@{sender[1].split('@')[1]}>",
            attachments=attachments,
        )

    def _personalise(self, rng: random.Random, message: MessageSpec) -> None:
        """What differs between copies of one message: read state, categories, shortcut."""
        age = (self.profile.now.timestamp() - message.received) / (self.profile.years * 365 * 86400)
        message.is_read = message.folder in ("sentitems", "drafts") or rng.random() < min(
            0.99, self.profile.read_fraction + age
        )
        if rng.random() < 0.05:
            message.categories = (rng.choice(CATEGORIES),)
        if message.folder not in ("drafts",) and rng.random() < self.profile.ev_shortcut_fraction:
            message.item_class = EV_SHORTCUT_CLASS

    def _calendar_item(self, rng: random.Random, person: Person, n: int, folder: str) -> CalendarSpec:
        base = self.profile.now - timedelta(days=180)
        start = base + timedelta(days=rng.randint(0, 240), hours=rng.randint(7, 17), minutes=rng.choice((0, 30)))
        all_day = rng.random() < 0.05
        if all_day:
            start = start.replace(hour=0, minute=0)
        minutes = 24 * 60 if all_day else 30 * rng.randint(1, 4)
        recurrence = None
        if rng.random() < self.profile.recurring_fraction:
            weekday = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")[rng.randrange(5)]
            recurrence = Recurrence(
                "WeeklyRecurrence",
                (("Interval", "1"), ("DaysOfWeek", weekday), ("FirstDayOfWeek", "Monday")),
                "NumberedRecurrence",
                (("StartDate", start.date().isoformat()), ("NumberOfOccurrences", str(rng.randint(4, 30)))),
            )
        colleagues = [p for p in self._mailbox_people if p is not person]
        attendees = rng.sample(colleagues, min(len(colleagues), rng.randint(0, 4)))
        attachments = self._attachments(rng.random(), rng.random(), rng.random(), fraction=0.05)
        return CalendarSpec(
            folder=folder,
            subject=("Weekly " if recurrence else "")
            + rng.choice(("Sync", "Review", "1:1", "Planning", "Workshop", "Demo"))
            + f" {rng.choice(self.projects)}",
            body=self.bodies[rng.randrange(len(self.bodies))],
            start=int(start.timestamp()),
            end=int((start + timedelta(minutes=minutes)).timestamp()),
            location=rng.choice(self.locations),
            is_all_day=all_day,
            sensitivity="Private" if rng.random() < self.profile.calendar_private_fraction else "Normal",
            organizer=(person.display_name, person.mail),
            required=tuple((p.display_name, p.mail) for p in attendees),
            recurrence=recurrence,
            uid=f"{self.seed:x}-{person.alias}-{n}@{self.domain}",
            attachments=attachments,
        )
