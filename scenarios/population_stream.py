"""A population (file) and a seed → the tenant stream the sinks load: the generated part
from :class:`TenantGenerator`, then what the file writes out.

Written-out content is the same whatever the seed (so a second run against the same
mailboxes finds it); each message's Internet Message-ID and each meeting's UID, unless
given, is a hash of what identifies it (mailbox, folder, subject, sender, time), which
is what makes populating through EWS resumable.  A population without explicit parts
gives exactly the generator's stream (the built-in profiles)."""

from __future__ import annotations

import hashlib
from collections.abc import Container, Iterator
from datetime import datetime, timedelta

from mockews.store import EV_SHORTCUT_CLASS, Recurrence

from .generator import (
    Attachment,
    CalendarSpec,
    Contact,
    Event,
    FolderSpec,
    Group,
    MailboxEnd,
    MailboxStart,
    MessageSpec,
    Person,
    TenantGenerator,
    TenantInfo,
    _ascii,
)
from .population import MailboxEntry, MeetingEntry, MessageEntry, Population, RecurrenceEntry, parse_address
from .yamlfile import parse_offset

WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
OUTBOUND = ("sentitems", "drafts", "outbox")


def _digest(*parts: object) -> str:
    return hashlib.blake2b("\x1f".join(map(str, parts)).encode(), digest_size=10).hexdigest()


def _epoch(when: datetime) -> int:
    return int(when.timestamp())


class PopulationGenerator:
    """The tenant a population describes, for one seed."""

    def __init__(self, population: Population, seed: int | None = None) -> None:
        self.population = population
        self.seed = population.seed if seed is None else seed
        self.profile = population.profile()
        self.domain = population.domain
        explicit = population.mailboxes
        self.tenant = TenantGenerator(
            self.profile,
            self.seed,
            population.domain,
            reserved_aliases=[m.address.split("@")[0] for m in explicit],
            reserved_groups=[g.name for g in population.groups],
        )
        self.explicit_people = [self._person(entry) for entry in explicit]
        self.people = [*self.tenant.people, *self.explicit_people]
        self._names = {p.mail.lower(): p.display_name for p in self.people}
        self._names.update({c.mail.lower(): c.name for c in population.contacts})

    # -- directory ---------------------------------------------------------------------------

    def _person(self, entry: MailboxEntry) -> Person:
        name = entry.display_name()
        given, _, surname = name.partition(" ")
        alias = entry.address.split("@")[0]
        return Person(
            alias=alias,
            display_name=name,
            given_name=given,
            surname=surname,
            mail=entry.address,
            department=entry.department,
            job_title=entry.job_title,
            enabled=entry.enabled,
            licensed=entry.licensed and entry.mailbox,
            has_mailbox=entry.mailbox,
            distinguished_name=f"CN={name},OU={entry.department or 'Users'},OU=Users,{self.tenant.dc}",
            sam_account_name=alias[:20],
        )

    def _groups(self, generated_groups: list[Group]) -> list[Group]:
        """The file's groups, nested ones before those holding them; an address made
        from a group's name never takes one already in the directory."""
        entries = {g.name: g for g in self.population.groups}
        generated = [p.mail for p in self.tenant.people if p.has_mailbox]
        ordered: list[Group] = []
        done: set[str] = set()
        taken = {p.mail.lower() for p in self.people} | {c.mail.lower() for c in self.population.contacts}
        taken |= {g.mail.lower() for g in generated_groups if g.mail}
        taken |= {g.mail.lower() for g in self.population.groups if g.mail}

        def address(name: str) -> str:
            base = _ascii(name) or "group"
            mail, k = f"{base}@{self.domain}", 1
            while mail.lower() in taken:
                k += 1
                mail = f"{base}{k}@{self.domain}"
            taken.add(mail.lower())
            return mail

        def add(name: str) -> None:
            if name in done:
                return
            done.add(name)
            entry = entries[name]
            for inner in entry.groups:
                add(inner)
            mail = entry.mail
            if mail is None and entry.kind != "security":
                mail = address(entry.name)
            members = [parse_address(m)[1] for m in entry.members] + generated[: entry.generated_members]
            dn = f"CN={entry.name},OU=Groups,{self.tenant.dc}" if entry.kind != "unified" else None
            ordered.append(Group(entry.name, mail, entry.kind, dn, sorted(set(members)), list(entry.groups)))

        for group in self.population.groups:
            add(group.name)
        return ordered

    # -- the stream -------------------------------------------------------------------------

    def mailbox_addresses(self) -> list[str]:
        return [p.mail.lower() for p in self.people if p.has_mailbox]

    def stream(self, only: Container[str] | None = None) -> Iterator[Event]:
        """The tenant; with ``only``, the content of those mailboxes alone (as
        :meth:`TenantGenerator.stream`)."""
        tenant = self.tenant
        yield TenantInfo(self.profile.name, self.seed, self.domain, self.profile.archive_coverage)
        yield from tenant.people
        yield from self.explicit_people
        yield tenant.service_account()
        yield from tenant.contacts()
        for contact in self.population.contacts:
            yield Contact(contact.name, contact.mail)
        generated_groups = tenant.groups()
        yield from generated_groups
        yield from self._groups(generated_groups)
        yield from tenant.mailbox_contents(only)
        generated = len(tenant.mailbox_addresses())
        for index, (entry, person) in enumerate(zip(self.population.mailboxes, self.explicit_people, strict=True)):
            if entry.mailbox and (only is None or entry.address.lower() in only):
                yield from self._mailbox(generated + index, entry, person)

    def _mailbox(self, index: int, entry: MailboxEntry, person: Person) -> Iterator[Event]:
        yield MailboxStart(person)
        for path in entry.folders:
            clean = path.strip("/")
            yield FolderSpec(clean, "IPF.Appointment" if clean.lower().startswith("calendar/") else "IPF.Note")
        messages: list[MessageSpec] = []
        seen: dict[tuple[object, ...], int] = {}  # a message written twice is two messages
        for message in entry.messages:
            messages.extend(self._messages(entry, message, seen))
        meetings = [self._meeting(entry, meeting) for meeting in entry.meetings]
        if entry.drawn is not None:
            mail = [f.strip("/") for f in entry.folders if not f.strip("/").lower().startswith("calendar")]
            calendars = [f.strip("/") for f in entry.folders if f.strip("/").lower().startswith("calendar/")]
            drawn, drawn_meetings = self.tenant.drawn_content(
                person, index, mail, calendars, entry.drawn.messages, entry.drawn.calendar_items
            )
            messages += drawn
            meetings += drawn_meetings
        messages.sort(key=lambda m: (m.received, m.message_id))
        yield from messages
        yield from meetings
        yield MailboxEnd(person.mail, len(messages), len(meetings))

    def _address(self, text: str) -> tuple[str, str]:
        name, mail = parse_address(text)
        return name or self._names.get(mail.lower()) or mail.split("@")[0], mail

    def _messages(
        self, entry: MailboxEntry, spec: MessageEntry, seen: dict[tuple[object, ...], int]
    ) -> Iterator[MessageSpec]:
        owner = (entry.display_name(), entry.address)
        folder = spec.folder.strip("/")
        outbound = folder.lower() in OUTBOUND
        sender = self._address(spec.from_) if spec.from_ else owner
        to = tuple(self._address(a) for a in spec.to) or (() if outbound else (owner,))
        cc = tuple(self._address(a) for a in spec.cc)
        received = spec.received or self.population.now
        lag = (received - spec.sent) if spec.sent else timedelta(minutes=1)
        step = parse_offset(spec.every)
        attachments = tuple(Attachment(a.name, a.size) for a in spec.attachments)
        previous: str | None = spec.in_reply_to
        for k in range(spec.count):
            # the first copy is the latest; thread replies run forwards in time
            when = received - step * (spec.count - 1 - k if spec.thread else k)
            subject = spec.subject if spec.count == 1 else f"{spec.subject} ({k + 1})"
            if spec.thread and k > 0:
                subject = f"RE: {spec.subject}"
            key: tuple[object, ...] = (
                entry.address.lower(),
                folder.lower(),
                spec.subject,
                sender[1].lower(),
                when.isoformat(),
                k,
            )
            seen[key] = repeat = seen.get(key, -1) + 1
            if repeat:
                key = (*key, repeat)
            message_id = spec.message_id if spec.message_id and spec.count == 1 else None
            message_id = message_id or f"<{_digest(*key)}@{self.domain}>"
            yield MessageSpec(
                folder=folder,
                subject=subject,
                body=spec.body,
                sender=sender,
                to=to,
                cc=cc,
                received=_epoch(when),
                sent=_epoch(when - lag),
                is_read=spec.read,
                sensitivity=spec.sensitivity,
                importance=spec.importance,
                categories=tuple(spec.categories),
                item_class=EV_SHORTCUT_CLASS if spec.ev_shortcut else None,
                size=2_000 + len(spec.body.encode()) + sum(a.size for a in attachments),
                message_id=message_id,
                in_reply_to=previous,
                attachments=attachments,
            )
            if spec.thread:
                previous = message_id

    def _meeting(self, entry: MailboxEntry, spec: MeetingEntry) -> CalendarSpec:
        start = spec.start
        if spec.all_day:
            start = start.replace(hour=0, minute=0, second=0, microsecond=0)
        end = start + parse_offset(spec.duration)
        folder = spec.folder.strip("/")
        key = _digest(entry.address.lower(), folder.lower(), spec.subject, start.isoformat())
        uid = spec.uid or f"{key}@{self.domain}"
        return CalendarSpec(
            folder=folder,
            subject=spec.subject,
            body=spec.body,
            start=_epoch(start),
            end=_epoch(end),
            location=spec.location,
            is_all_day=spec.all_day,
            sensitivity="Private" if spec.private else "Normal",
            organizer=(entry.display_name(), entry.address),
            required=tuple(self._address(a) for a in spec.attendees),
            recurrence=_recurrence(spec.recurrence, start) if spec.recurrence else None,
            uid=uid,
            attachments=tuple(Attachment(a.name, a.size) for a in spec.attachments),
        )


def _recurrence(spec: RecurrenceEntry, start: datetime) -> Recurrence:
    if spec.every == "day":
        pattern: tuple[tuple[str, str], ...] = (("Interval", str(spec.interval)),)
        kind = "DailyRecurrence"
    else:
        days: list[str] = list(spec.days) or [WEEKDAY_NAMES[start.weekday()]]
        ordered = sorted(set(days), key=WEEKDAY_NAMES.index)
        pattern = (("Interval", str(spec.interval)), ("DaysOfWeek", " ".join(ordered)), ("FirstDayOfWeek", "Monday"))
        kind = "WeeklyRecurrence"
    first = ("StartDate", start.date().isoformat())
    if spec.occurrences is not None:
        return Recurrence(kind, pattern, "NumberedRecurrence", (first, ("NumberOfOccurrences", str(spec.occurrences))))
    assert spec.until is not None
    return Recurrence(kind, pattern, "EndDateRecurrence", (first, ("EndDate", spec.until.isoformat())))


__all__ = ["PopulationGenerator"]
