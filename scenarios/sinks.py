"""Where a generated tenant goes: straight into a world (fast), into a digest (to
compare two generations), or through EWS (populate.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from mockews.store import CalendarItem, FileAttachment, Folder, Mailbox, World
from mockews.store.loader import folder_by_path

from .generator import (
    CalendarSpec,
    Contact,
    Event,
    FolderSpec,
    Group,
    MailboxEnd,
    MailboxStart,
    MessageSpec,
    Person,
    ServiceAccount,
    TenantInfo,
    filler,
)

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "png": "image/png",
    "jpg": "image/jpeg",
    "zip": "application/zip",
    "txt": "text/plain",
    "csv": "text/csv",
}


def content_type(name: str) -> str:
    return CONTENT_TYPES.get(name.rpartition(".")[2].lower(), "application/octet-stream")


@dataclass
class LoadStats:
    mailboxes: int = 0
    folders: int = 0
    messages: int = 0
    calendar_items: int = 0
    users: int = 0
    groups: int = 0
    contacts: int = 0
    service_account: str | None = None
    service_password: str | None = None
    per_mailbox: dict[str, int] = field(default_factory=dict)


class WorldSink:
    """Loads a tenant stream into a world through the store's own methods (journal
    entries, ChangeKeys and ids exactly as for content created over EWS)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.stats = LoadStats()
        self._mailbox: Mailbox | None = None
        self._folders: dict[str, Folder] = {}
        self._groups: dict[str, str] = {}  # display name -> id

    def accept(self, event: Event) -> None:
        handler = getattr(self, f"_{type(event).__name__}")
        handler(event)

    def load(self, events: Iterable[Event]) -> LoadStats:
        with self.world.lock:
            for event in events:
                self.accept(event)
        return self.stats

    def _TenantInfo(self, info: TenantInfo) -> None:
        self.world.domain = info.domain
        self.world.meta.update({"profile": info.profile, "seed": info.seed, "archive_coverage": info.archive_coverage})

    def _Person(self, person: Person) -> None:
        self.world.directory.add_user(
            person.display_name,
            person.mail,
            given_name=person.given_name,
            surname=person.surname,
            department=person.department,
            job_title=person.job_title,
            account_enabled=person.enabled,
            licensed=person.licensed,
            has_mailbox=person.has_mailbox,
            distinguished_name=person.distinguished_name,
            sam_account_name=person.sam_account_name,
        )
        self.stats.users += 1

    def _ServiceAccount(self, account: ServiceAccount) -> None:
        self.world.add_account(account.mail, account.password, can_impersonate=True)
        self.stats.service_account, self.stats.service_password = account.mail, account.password

    def _Contact(self, contact: Contact) -> None:
        self.world.directory.add_contact(contact.display_name, contact.mail)
        self.stats.contacts += 1

    def _Group(self, group: Group) -> None:
        directory = self.world.directory
        members = [obj.id for obj in (directory.by_mail(m) for m in group.members) if obj is not None]
        members += [self._groups[name] for name in group.subgroups if name in self._groups]
        created = directory.add_group(group.display_name, group.mail, group.kind, group.distinguished_name, members)
        self._groups[group.display_name] = created.id
        self.stats.groups += 1

    def _MailboxStart(self, start: MailboxStart) -> None:
        self._mailbox = self.world.mailbox(start.person.mail)
        self._folders = {}
        self.stats.mailboxes += 1

    def _folder(self, path: str, folder_class: str | None = None) -> Folder:
        found = self._folders.get(path)
        if found is None:
            assert self._mailbox is not None
            found = self._folders[path] = folder_by_path(self._mailbox, path, folder_class=folder_class)
        return found

    def _FolderSpec(self, spec: FolderSpec) -> None:
        self._folder(spec.path, spec.folder_class)
        self.stats.folders += 1

    def _MessageSpec(self, spec: MessageSpec) -> None:
        mailbox = self._mailbox
        assert mailbox is not None
        recipient = self.world.recipient
        item = mailbox.new_item(self._folder(spec.folder), "Message", spec.item_class)
        item.subject = spec.subject
        item.body = spec.body
        item.from_ = item.sender = recipient(*spec.sender)
        item.to = tuple(recipient(name, mail) for name, mail in spec.to)
        if spec.cc:
            item.cc = tuple(recipient(name, mail) for name, mail in spec.cc)
        item.received = item.created = spec.received
        item.sent = spec.sent
        item.is_read = spec.is_read
        item.sensitivity = spec.sensitivity
        item.importance = spec.importance
        item.categories = spec.categories
        item.message_id = spec.message_id
        item.size = spec.size
        if spec.in_reply_to:
            item.set_extra("InReplyTo", spec.in_reply_to)
            item.set_extra("References", spec.in_reply_to)
        if spec.attachments:
            item.attachments = [
                FileAttachment(a.name, filler(a.size), content_type(a.name), number=n, last_modified=spec.received)
                for n, a in enumerate(spec.attachments, start=1)
            ]
        mailbox.add_item(item, now=spec.received)
        self.stats.messages += 1

    def _CalendarSpec(self, spec: CalendarSpec) -> None:
        mailbox = self._mailbox
        assert mailbox is not None
        recipient = self.world.recipient
        item = mailbox.new_item(self._folder(spec.folder, "IPF.Appointment"), "CalendarItem")
        assert isinstance(item, CalendarItem)
        from mockews.store import Attendee

        item.subject = spec.subject
        item.body = spec.body
        item.start, item.end = spec.start, spec.end
        item.location = spec.location
        item.is_all_day = spec.is_all_day
        item.sensitivity = spec.sensitivity
        item.organizer = recipient(*spec.organizer)
        item.required = tuple(Attendee(recipient(name, mail)) for name, mail in spec.required)
        item.recurrence = spec.recurrence
        item.uid = spec.uid
        item.is_read = True
        if spec.attachments:
            item.attachments = [
                FileAttachment(a.name, filler(a.size), content_type(a.name), number=n)
                for n, a in enumerate(spec.attachments, start=1)
            ]
        mailbox.add_item(item, now=spec.start - 7 * 86400)
        self.stats.calendar_items += 1

    def _MailboxEnd(self, end: MailboxEnd) -> None:
        self.stats.per_mailbox[end.mail] = end.messages + end.calendar_items
        self._mailbox = None


class DigestSink:
    """A stable digest of a tenant stream (independent of any world)."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.events = 0

    def accept(self, event: Event) -> None:
        self._hash.update(repr(event).encode())
        self._hash.update(b"\n")
        self.events += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def world_digest(world: World) -> str:
    """A stable digest of a world's directory and mailbox content (ids included)."""
    h = hashlib.sha256()

    def put(*values: object) -> None:
        h.update(repr(values).encode())

    directory = world.directory
    for user in sorted(directory.users.values(), key=lambda u: u.user_principal_name):
        put(
            "user",
            user.id,
            user.display_name,
            user.mail,
            user.account_enabled,
            user.licensed,
            user.has_mailbox,
            user.department,
            user.distinguished_name,
        )
    for group in sorted(directory.groups.values(), key=lambda g: g.display_name):
        put(
            "group",
            group.id,
            group.display_name,
            group.mail,
            group.group_types,
            group.security_enabled,
            sorted(group.members),
        )
    for contact in sorted(directory.contacts.values(), key=lambda c: c.mail):
        put("contact", contact.id, contact.mail)
    for email in sorted(world.mailboxes):
        mailbox = world.mailboxes[email]
        for folder in mailbox.folders():
            put("folder", folder.id, folder.name, folder.folder_class, folder.parent.id if folder.parent else None)
            for item in folder.items.values():
                put(
                    "item",
                    item.id,
                    item.item_class,
                    item.subject,
                    item.received,
                    item.sent,
                    item.is_read,
                    item.sensitivity,
                    item.importance,
                    item.categories,
                    item.size,
                    item.message_id,
                    [(a.name, a.size) for a in item.attachments or ()],
                    item.from_.email if item.from_ else None,
                    [r.email for r in item.to],
                    item.last_seq,
                )
    return h.hexdigest()
