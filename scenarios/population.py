"""Population files: what QA writes to fill mailboxes — generated mailboxes (counts,
locales, distributions of folders, message sizes, ages, attachments, threads, private
share, Enterprise Vault shortcuts), explicit mailboxes with their folder trees,
messages and meetings, contacts, and groups with their members.

A file is YAML, validated by the models below; every error names the file, the line and
the field (the same loader as scenario files, :mod:`scenarios.yamlfile`).  The built-in
profiles (tiny, small, medium, large) are such files, in ``builtin/populations``.
:mod:`scenarios.population_stream` turns a population and a seed into the tenant
stream the sinks load (a world, EWS, a digest).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib import resources
from pathlib import Path
from typing import Literal

from faker.config import AVAILABLE_LOCALES
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .profiles import ATTACHMENT_SIZES, LOCALES, Profile
from .yamlfile import RefError, SpecFileError, check_duration, parse_offset, read_mapping, validate

#: folders every mailbox has, by the names paths start with (as the generator writes them)
WELL_KNOWN = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")
_ADDRESS = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
_NAMED = re.compile(r"^\s*(?P<name>[^<>]*?)\s*<(?P<mail>[^<>]+)>\s*$")
Share = float  # a fraction 0..1 (bounded where used)
BUILTIN_DIR = "builtin/populations"


class PopulationError(SpecFileError):
    """A population file that cannot be used: where (file, line, field) and why."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def parse_address(text: str) -> tuple[str | None, str]:
    """``"Ann Lee <ann@x.example>"`` or ``"ann@x.example"`` → (name or None, address)."""
    match = _NAMED.match(text)
    name, mail = (match["name"] or None, match["mail"].strip()) if match else (None, text.strip())
    if not _ADDRESS.match(mail):
        raise ValueError(f"{text!r} is not an e-mail address (ann@contoso.example or 'Ann Lee <ann@contoso.example>')")
    return name, mail


def _addresses(values: list[str]) -> list[str]:
    for value in values:
        parse_address(value)
    return values


def _aware(value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValueError("give the time with a UTC offset, e.g. 2024-05-01T09:30:00Z")
    return value.astimezone(UTC)


# -- the generated part ----------------------------------------------------------------------


class Range(_Model):
    min: int = Field(ge=0, le=10_000)
    max: int = Field(ge=0, le=10_000)

    @model_validator(mode="after")
    def _order(self) -> Range:
        if self.max < self.min:
            raise ValueError("max is less than min")
        return self


class SizeWeight(_Model):
    bytes: int = Field(ge=1, le=50_000_000)
    weight: float = Field(gt=0, le=1_000_000)


class FolderShape(Range):
    """User folders per mailbox (heavy-tailed between min and max) and their depth."""

    min: int = Field(default=3, ge=0, le=500)
    max: int = Field(default=30, ge=0, le=500)
    depth: int = Field(default=4, ge=1, le=4)


class MessageShape(_Model):
    per_mailbox: int = Field(default=200, ge=0, le=100_000)  # the mean; per-mailbox counts are heavy-tailed
    years: float = Field(default=4.0, gt=0, le=40)  # ages: received over this many years, recent ones likelier
    read: Share = Field(default=0.8, ge=0, le=1)
    private: Share = Field(default=0.02, ge=0, le=1)  # Personal + Private, half each
    ev_shortcuts: Share = Field(default=0.03, ge=0, le=1)
    threads: Share = Field(default=0.2, ge=0, le=1)  # replies to an earlier message of the pair
    attachments: Share = Field(default=0.15, ge=0, le=1)  # messages with 1 to 3 attachments
    attachment_sizes: list[SizeWeight] = Field(
        default_factory=lambda: [SizeWeight(bytes=b, weight=w) for b, w in ATTACHMENT_SIZES], min_length=1
    )


class CalendarShape(_Model):
    per_mailbox: int = Field(default=15, ge=0, le=10_000)
    private: Share = Field(default=0.05, ge=0, le=1)
    recurring: Share = Field(default=0.15, ge=0, le=1)
    extra_calendars: Range = Field(default_factory=lambda: Range(min=0, max=2))

    @field_validator("extra_calendars")
    @classmethod
    def _at_most_four(cls, value: Range) -> Range:
        if value.max > 4:
            raise ValueError("at most 4 extra calendars (Team Calendar, Holidays, Project Deadlines, On Call)")
        return value


class Generate(_Model):
    """Generated people and mailboxes: names from faker in ``locales``, deterministic by seed."""

    mailboxes: int = Field(ge=0, le=20_000)
    locales: list[str] = Field(default_factory=lambda: list(LOCALES), min_length=1)
    users_without_mailbox: int = Field(default=0, ge=0, le=20_000)
    contacts: int = Field(default=0, ge=0, le=20_000)
    groups: int = Field(default=0, ge=0, le=10_000)
    group_size: Range = Field(default_factory=lambda: Range(min=5, max=300))
    disabled: Share = Field(default=0.03, ge=0, le=1)  # disabled accounts keep their mailboxes (T9)
    unlicensed: Share = Field(default=0.02, ge=0, le=1)
    folders: FolderShape = Field(default_factory=FolderShape)
    messages: MessageShape = Field(default_factory=MessageShape)
    calendar: CalendarShape = Field(default_factory=CalendarShape)
    archive_coverage: Share = Field(default=0.98, ge=0, le=1)  # share of messages the archive already holds

    @field_validator("locales")
    @classmethod
    def _known(cls, value: list[str]) -> list[str]:
        for locale in value:
            if locale not in AVAILABLE_LOCALES:
                raise ValueError(f"{locale!r} is not a faker locale (e.g. en_US, de_DE, fr_FR, ja_JP)")
        return value

    @field_validator("group_size")
    @classmethod
    def _positive(cls, value: Range) -> Range:
        if value.min < 1:
            raise ValueError("a group has at least 1 member (min: 1 or more)")
        return value


# -- the explicit part -----------------------------------------------------------------------


class AttachmentEntry(_Model):
    name: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=0, le=50_000_000)  # bytes of deterministic filler


class MessageEntry(_Model):
    """One message (or ``count`` of them, ``every`` apart going back in time; with
    ``thread`` each replies to the one before)."""

    subject: str = Field(max_length=255)
    folder: str = "inbox"
    from_: str | None = Field(default=None, alias="from")  # default: the mailbox for sent items and drafts
    to: list[str] = Field(default_factory=list)  # default: the mailbox, for received mail
    cc: list[str] = Field(default_factory=list)
    received: datetime | None = None  # default: the population's now
    sent: datetime | None = None  # default: a minute before received
    body: str = ""
    read: bool = True
    sensitivity: Literal["Normal", "Personal", "Private", "Confidential"] = "Normal"
    importance: Literal["Low", "Normal", "High"] = "Normal"
    categories: list[str] = Field(default_factory=list)
    ev_shortcut: bool = False  # an Enterprise Vault shortcut (IPM.Note.EnterpriseVault.Shortcut)
    attachments: list[AttachmentEntry] = Field(default_factory=list, max_length=50)
    message_id: str | None = None  # default: derived from the content, so a second run finds it
    in_reply_to: str | None = None
    count: int = Field(default=1, ge=1, le=100_000)
    every: str = "1h"
    thread: bool = False

    _every = field_validator("every", mode="before")(check_duration)
    _to = field_validator("to", "cc")(_addresses)

    @field_validator("from_")
    @classmethod
    def _from(cls, value: str | None) -> str | None:
        if value is not None:
            parse_address(value)
        return value

    @field_validator("received", "sent")
    @classmethod
    def _when(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)

    @field_validator("message_id", "in_reply_to")
    @classmethod
    def _message_id(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^<[^<>\s]+@[^<>\s]+>$", value):
            raise ValueError(f"{value!r} is not an Internet Message-ID such as <id@host>")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> MessageEntry:
        if self.message_id is not None and self.count > 1:
            raise RefError(("message_id",), "a Message-ID names one message: leave it out with count")
        if self.sent is not None and self.received is not None and self.sent > self.received:
            raise RefError(("sent",), "sent is after received")
        if self.sent is not None and self.received is None:
            raise RefError(("sent",), "give received with sent")
        if parse_offset(self.every).total_seconds() <= 0 and self.count > 1:
            raise RefError(("every",), "copies need a gap: every is longer than 0")
        return self


Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


class RecurrenceEntry(_Model):
    every: Literal["day", "week"] = "week"
    interval: int = Field(default=1, ge=1, le=99)
    days: list[Weekday] = Field(default_factory=list)  # weekly; default: the start's weekday
    occurrences: int | None = Field(default=None, ge=1, le=999)
    until: date | None = None

    @model_validator(mode="after")
    def _end(self) -> RecurrenceEntry:
        if (self.occurrences is None) == (self.until is None):
            raise ValueError("give exactly one of occurrences or until")
        if self.days and self.every != "week":
            raise ValueError("days are for every: week")
        return self


class MeetingEntry(_Model):
    subject: str = Field(max_length=255)
    folder: str = "calendar"
    start: datetime
    duration: str = "30m"
    all_day: bool = False
    location: str = ""
    body: str = ""
    private: bool = False
    attendees: list[str] = Field(default_factory=list)
    recurrence: RecurrenceEntry | None = None
    attachments: list[AttachmentEntry] = Field(default_factory=list, max_length=50)
    uid: str | None = None  # default: derived from the content

    _start = field_validator("start")(_aware)
    _duration = field_validator("duration", mode="before")(check_duration)
    _attendees = field_validator("attendees")(_addresses)

    @model_validator(mode="after")
    def _ends_after_start(self) -> MeetingEntry:
        if parse_offset(self.duration).total_seconds() <= 0:
            raise RefError(("duration",), "a meeting lasts longer than 0")
        if self.recurrence and self.recurrence.until and self.recurrence.until < self.start.date():
            raise RefError(("recurrence", "until"), "until is before the meeting's start")
        return self


class DrawnContent(_Model):
    """Content drawn for an explicit mailbox with the generated part's distributions."""

    messages: int = Field(default=0, ge=0, le=100_000)
    calendar_items: int = Field(default=0, ge=0, le=10_000)


class MailboxEntry(_Model):
    address: str
    name: str | None = None  # default: from the address, ann.lee@… → Ann Lee
    department: str = "Operations"
    job_title: str = ""
    enabled: bool = True
    licensed: bool = True
    mailbox: bool = True  # false: a directory user without a mailbox
    folders: list[str] = Field(default_factory=list)  # "inbox/Projects/Apollo", "Archive/2021", "calendar/Team"
    messages: list[MessageEntry] = Field(default_factory=list)
    meetings: list[MeetingEntry] = Field(default_factory=list)
    drawn: DrawnContent | None = None

    @field_validator("address")
    @classmethod
    def _address(cls, value: str) -> str:
        name, mail = parse_address(value)
        if name:
            raise ValueError("give the address alone; the display name goes in name")
        return mail

    @field_validator("folders")
    @classmethod
    def _paths(cls, value: list[str]) -> list[str]:
        for path in value:
            parts = path.strip("/").split("/")
            if not path.strip("/") or any(not p.strip() for p in parts):
                raise ValueError(f"{path!r} is not a folder path such as inbox/Projects or Archive/2021")
        return value

    @model_validator(mode="after")
    def _content(self) -> MailboxEntry:
        if not self.mailbox and (self.folders or self.messages or self.meetings or self.drawn):
            raise RefError(("mailbox",), "a user without a mailbox has no folders, messages or meetings")
        known = self.folder_paths()
        given: set[str] = set()
        for n, message in enumerate(self.messages):
            if message.message_id is not None:
                if message.message_id in given:
                    raise RefError(("messages", n, "message_id"), f"{message.message_id} is given twice")
                given.add(message.message_id)
            if _folder_key(message.folder) not in known or _folder_key(message.folder).startswith("calendar"):
                raise RefError(("messages", n, "folder"), _unknown_folder(message.folder, "a mail folder"))
        for n, meeting in enumerate(self.meetings):
            key = _folder_key(meeting.folder)
            if key != "calendar" and not (key.startswith("calendar/") and key in known):
                raise RefError(("meetings", n, "folder"), _unknown_folder(meeting.folder, "calendar or calendar/…"))
        return self

    def folder_paths(self) -> set[str]:
        """Every folder the mailbox has (lower case): the well-known ones, the listed ones
        and their parents."""
        out = {*WELL_KNOWN, "calendar"}
        for path in self.folders:
            parts = path.strip("/").split("/")
            for cut in range(1, len(parts) + 1):
                out.add(_folder_key("/".join(parts[:cut])))
        return out

    def display_name(self) -> str:
        if self.name:
            return self.name
        local = self.address.split("@")[0]
        return " ".join(part.capitalize() for part in re.split(r"[._-]+", local) if part) or local


def _folder_key(path: str) -> str:
    return path.strip("/").lower()


def _unknown_folder(path: str, what: str) -> str:
    return f"{path!r} is not {what} of this mailbox: list it under folders (well-known: {', '.join(WELL_KNOWN)})"


class ContactEntry(_Model):
    name: str = Field(min_length=1, max_length=200)
    mail: str

    @field_validator("mail")
    @classmethod
    def _mail(cls, value: str) -> str:
        return parse_address(value)[1]


class GroupEntry(_Model):
    name: str = Field(min_length=1, max_length=120)
    kind: Literal["security", "distribution", "unified"] = "distribution"
    mail: str | None = None  # default for distribution and unified groups: from the name
    members: list[str] = Field(default_factory=list)  # addresses of the file's users or contacts
    generated_members: int = Field(default=0, ge=0, le=20_000)  # the first N generated mailboxes
    groups: list[str] = Field(default_factory=list)  # nested groups: names of the file's groups

    @field_validator("mail")
    @classmethod
    def _mail(cls, value: str | None) -> str | None:
        return None if value is None else parse_address(value)[1]


DEFAULT_NOW = datetime(2024, 6, 1, 9, 0, tzinfo=UTC)


class Population(_Model):
    name: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9 ._-]*$")
    description: str = ""
    seed: int = 42  # --seed overrides
    domain: str = Field(default="contoso.example", pattern=r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")
    now: datetime = DEFAULT_NOW  # generated ages count back from here; explicit messages default to it
    generate: Generate | None = None
    mailboxes: list[MailboxEntry] = Field(default_factory=list)
    contacts: list[ContactEntry] = Field(default_factory=list)
    groups: list[GroupEntry] = Field(default_factory=list)

    _now = field_validator("now")(_aware)

    @model_validator(mode="after")
    def _references(self) -> Population:
        generated = self.generated().mailboxes
        if generated + sum(1 for m in self.mailboxes if m.mailbox) == 0:
            raise RefError((), "a population has at least one mailbox: give generate.mailboxes or mailboxes")
        users: set[str] = set()
        for n, entry in enumerate(self.mailboxes):
            if entry.address.lower() in users:
                raise RefError(("mailboxes", n, "address"), f"{entry.address!r} is listed twice")
            users.add(entry.address.lower())
        known = users | {c.mail.lower() for c in self.contacts}
        names = [g.name for g in self.groups]
        mails = set(known)
        for n, group in enumerate(self.groups):
            if group.mail is not None:
                if group.mail.lower() in mails:
                    raise RefError(
                        ("groups", n, "mail"), f"{group.mail!r} is already a mailbox's, contact's or group's"
                    )
                mails.add(group.mail.lower())
        for n, group in enumerate(self.groups):
            if names.index(group.name) != n:
                raise RefError(("groups", n, "name"), f"a group named {group.name!r} is listed twice")
            for k, member in enumerate(group.members):
                if parse_address(member)[1].lower() not in known:
                    raise RefError(("groups", n, "members", k), f"{member!r} is not a mailbox, user or contact here")
            for k, inner in enumerate(group.groups):
                if inner not in names:
                    raise RefError(("groups", n, "groups", k), f"no group named {inner!r} in this file")
            if group.generated_members > generated:
                raise RefError(("groups", n, "generated_members"), f"there are {generated} generated mailboxes")
        cycle = _cycle(self.groups)
        if cycle is not None:
            raise RefError(("groups", names.index(cycle[0]), "groups"), f"groups nest in a circle: {' → '.join(cycle)}")
        return self

    def generated(self) -> Generate:
        """The generated part; a file without one generates nobody."""
        return self.generate or Generate(mailboxes=0, folders=FolderShape(min=0, max=0))

    def profile(self) -> Profile:
        """The generated part as the generator's profile."""
        g = self.generated()
        m, c = g.messages, g.calendar
        return Profile(
            name=self.name,
            mailboxes=g.mailboxes,
            messages_per_mailbox=m.per_mailbox,
            calendar_items_per_mailbox=c.per_mailbox,
            users_without_mailbox=g.users_without_mailbox,
            contacts=g.contacts,
            groups=g.groups,
            disabled_fraction=g.disabled,
            unlicensed_fraction=g.unlicensed,
            max_group_size=g.group_size.max,
            min_group_size=g.group_size.min,
            user_folders=(g.folders.min, g.folders.max),
            max_folder_depth=g.folders.depth,
            private_fraction=m.private,
            ev_shortcut_fraction=m.ev_shortcuts,
            attachment_fraction=m.attachments,
            thread_fraction=m.threads,
            read_fraction=m.read,
            years=m.years,
            calendar_private_fraction=c.private,
            recurring_fraction=c.recurring,
            extra_calendars=(c.extra_calendars.min, c.extra_calendars.max),
            archive_coverage=g.archive_coverage,
            now=self.now,
            locales=tuple(g.locales),
            attachment_sizes=tuple((s.bytes, s.weight) for s in m.attachment_sizes),
        )

    def with_coverage(self, coverage: float | None) -> Population:
        """This population with another archive coverage (None: as it is)."""
        if coverage is None:
            return self
        generate = self.generated().model_copy(update={"archive_coverage": coverage})
        return self.model_copy(update={"generate": generate})

    def expected_items(self) -> int:
        """About how many items the population holds (for a progress bar)."""
        profile = self.profile()
        total = profile.mailboxes * (profile.messages_per_mailbox + profile.calendar_items_per_mailbox)
        for entry in self.mailboxes:
            total += sum(m.count for m in entry.messages) + len(entry.meetings)
            if entry.drawn:
                total += entry.drawn.messages + entry.drawn.calendar_items
        return total


def _cycle(groups: list[GroupEntry]) -> list[str] | None:
    """A circle of nested groups, or None."""
    inner = {g.name: g.groups for g in groups}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(name: str, path: list[str]) -> list[str] | None:
        if state.get(name) == 1:
            return [*path[path.index(name) :], name]
        if state.get(name) == 2:
            return None
        state[name] = 1
        for child in inner.get(name, ()):
            found = visit(child, [*path, name])
            if found:
                return found
        state[name] = 2
        return None

    for group in groups:
        found = visit(group.name, [])
        if found:
            return found
    return None


def load_population(source: str | Path, text: str | None = None) -> Population:
    """A population from a YAML file (or ``text``); errors name the line and field."""
    data, lines = read_mapping(source, text, "a population (name, generate, mailboxes, …)", PopulationError)
    return validate(Population, data, lines, str(source), PopulationError)


def builtin_names() -> list[str]:
    folder = resources.files("scenarios") / BUILTIN_DIR
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def builtin_path(name: str) -> Path:
    return Path(str(resources.files("scenarios") / BUILTIN_DIR / f"{name}.yaml"))


def resolve_population(name_or_file: str | Path) -> Population:
    """A built-in population by name (tiny, small, medium, large, …) or a file."""
    if isinstance(name_or_file, str) and name_or_file in builtin_names():
        return load_population(builtin_path(name_or_file))
    path = Path(name_or_file)
    if not path.exists():
        raise PopulationError(
            f"no such file, and not a built-in population ({', '.join(builtin_names())})", str(name_or_file)
        )
    return load_population(path)


__all__ = [
    "Population",
    "PopulationError",
    "builtin_names",
    "builtin_path",
    "load_population",
    "parse_address",
    "resolve_population",
]
