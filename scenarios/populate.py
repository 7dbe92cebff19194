"""Populating mailboxes through EWS with exchangelib (CreateFolder / CreateItem with
impersonation) — against mockews or a real Exchange test tenant.

Resumable: before creating anything in a folder, the folder's existing Internet
Message-IDs (messages) and UIDs (calendar items) are read, and only what is missing is
created, so a second run adds nothing.  Received mail is created the way population
tools do it on real Exchange: MAPI properties for read/unsent flags
(PidTagMessageFlags), delivery and submit times, and the message class (Enterprise
Vault shortcuts).  Directory objects are not EWS's business: mailboxes must exist (on
mockews, serve the tenant with ``synceng serve --profile … --empty``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from exchangelib import (
    IMPERSONATION,
    Account,
    Attendee,
    CalendarItem,
    Configuration,
    Credentials,
    EWSDateTime,
    EWSTimeZone,
    ExtendedProperty,
    FileAttachment,
    Folder,
    Mailbox,
    Message,
)
from exchangelib.errors import EWSError, TransportError
from exchangelib.recurrence import DailyPattern, EndDatePattern, NumberedPattern, Recurrence, WeeklyPattern

from mockews.store import Recurrence as StoreRecurrence

from .generator import CalendarSpec, Event, FolderSpec, MailboxEnd, MailboxStart, MessageSpec, filler
from .sinks import content_type

UTC = EWSTimeZone("UTC")
WEEKDAYS = {"Monday": 1, "Tuesday": 2, "Wednesday": 3, "Thursday": 4, "Friday": 5, "Saturday": 6, "Sunday": 7}
CHUNK = 100


def _mapi_property(name: str, tag: int, property_type: str) -> type[ExtendedProperty]:
    """An exchangelib extended property for the MAPI property with this tag."""
    return type(name, (ExtendedProperty,), {"property_tag": tag, "property_type": property_type})


#: what population tools set on received mail: exchangelib field name → MAPI property
MAPI_FIELDS = {
    "pop_flags": _mapi_property("MessageFlags", 0x0E07, "Integer"),  # PidTagMessageFlags: read, unsent
    "pop_delivered": _mapi_property("DeliveryTime", 0x0E06, "SystemTime"),  # PidTagMessageDeliveryTime
    "pop_submitted": _mapi_property("SubmitTime", 0x0039, "SystemTime"),  # PidTagClientSubmitTime
    "pop_class": _mapi_property("MessageClass", 0x001A, "String"),  # PidTagMessageClass
}


@dataclass
class MailboxReport:
    mailbox: str
    target: str
    folders_created: int = 0
    items_created: int = 0
    messages_created: int = 0
    items_present: int = 0
    skipped: str | None = None


@dataclass
class PopulateReport:
    dry_run: bool
    mailboxes: list[MailboxReport] = field(default_factory=list)

    @property
    def folders_created(self) -> int:
        return sum(m.folders_created for m in self.mailboxes)

    @property
    def items_created(self) -> int:
        return sum(m.items_created for m in self.mailboxes)

    @property
    def messages_created(self) -> int:
        return sum(m.messages_created for m in self.mailboxes)

    @property
    def items_present(self) -> int:
        return sum(m.items_present for m in self.mailboxes)

    @property
    def skipped(self) -> list[MailboxReport]:
        return [m for m in self.mailboxes if m.skipped]

    def summary(self) -> str:
        verb = "would create" if self.dry_run else "created"
        done = len(self.mailboxes) - len(self.skipped)
        lines = [
            f"{done} mailboxes processed: {verb} {self.folders_created} folders and {self.items_created} items "
            f"({self.messages_created} messages, {self.items_created - self.messages_created} calendar items); "
            f"{self.items_present} items were already there."
        ]
        if self.folders_created == 0 and self.items_created == 0:
            lines.append("Nothing to add.")
        for m in self.skipped:
            lines.append(f"skipped {m.mailbox} (as {m.target}): {m.skipped}")
        return "\n".join(lines)


def _when(epoch: int) -> EWSDateTime:
    return EWSDateTime.from_datetime(dt.datetime.fromtimestamp(epoch, dt.UTC)).astimezone(UTC)


def _recurrence(spec: StoreRecurrence) -> Recurrence | None:
    """exchangelib's recurrence for the ones the generator and population files make:
    daily or weekly, ending after a number of occurrences or on a date."""
    fields = dict(spec.pattern_fields)
    bounds = dict(spec.range_fields)
    pattern: DailyPattern | WeeklyPattern
    if spec.pattern == "DailyRecurrence":
        pattern = DailyPattern(interval=int(fields.get("Interval", "1")))
    elif spec.pattern == "WeeklyRecurrence":
        pattern = WeeklyPattern(
            interval=int(fields.get("Interval", "1")),
            weekdays=[WEEKDAYS[d] for d in fields.get("DaysOfWeek", "Monday").split()],
            first_day_of_week=WEEKDAYS[fields.get("FirstDayOfWeek", "Monday")],
        )
    else:
        return None
    start = dt.date.fromisoformat(bounds["StartDate"])
    if spec.range == "NumberedRecurrence":
        boundary: NumberedPattern | EndDatePattern = NumberedPattern(
            start=start, number=int(bounds["NumberOfOccurrences"])
        )
    elif spec.range == "EndDateRecurrence":
        boundary = EndDatePattern(start=start, end=dt.date.fromisoformat(bounds["EndDate"]))
    else:
        return None
    return Recurrence(pattern=pattern, boundary=boundary)


class EwsPopulator:
    """A sink for tenant streams that writes through EWS."""

    def __init__(
        self,
        url: str,
        username: str,
        password: str,
        mailbox_map: dict[str, str] | None = None,
        dry_run: bool = False,
        on_progress: Callable[[str, int], None] | None = None,
    ) -> None:
        self.config = Configuration(
            service_endpoint=url, credentials=Credentials(username, password), auth_type=None, version=None
        )
        self.mailbox_map = {k.lower(): v for k, v in (mailbox_map or {}).items()}
        self.dry_run = dry_run
        self.on_progress = on_progress or (lambda what, n: None)
        self.report = PopulateReport(dry_run)
        self._current: MailboxReport | None = None
        self._folders: list[FolderSpec] = []
        self._items: dict[str, list[MessageSpec | CalendarSpec]] = {}

    def populate(self, events: Iterable[Event]) -> PopulateReport:
        for name, cls in MAPI_FIELDS.items():
            Message.register(name, cls)
        try:
            for event in events:
                self.accept(event)
        finally:
            for name in MAPI_FIELDS:
                Message.deregister(name)
        return self.report

    def accept(self, event: Event) -> None:
        if isinstance(event, MailboxStart):
            target = self.mailbox_map.get(event.person.mail.lower(), event.person.mail)
            self._current = MailboxReport(event.person.mail, target)
            self._folders, self._items = [], {}
        elif isinstance(event, FolderSpec):
            self._folders.append(event)
        elif isinstance(event, MessageSpec | CalendarSpec):
            self._items.setdefault(event.folder, []).append(event)
        elif isinstance(event, MailboxEnd):
            assert self._current is not None
            self.report.mailboxes.append(self._current)
            try:
                self._flush(self._current)
            except (EWSError, TransportError) as exc:
                self._current.skipped = f"{type(exc).__name__}: {exc}"
            self.on_progress("mailbox", 1)
            self._current = None
        # directory events (people, groups, contacts) are not created through EWS

    # -- one mailbox ------------------------------------------------------------------------

    def _flush(self, report: MailboxReport) -> None:
        account = Account(report.target, config=self.config, access_type=IMPERSONATION, autodiscover=False)
        account.root.refresh()  # fails early for an unknown mailbox or a denied impersonation
        resolved: dict[str, Folder | None] = {}
        for spec in sorted(self._folders, key=lambda f: f.path.count("/")):
            resolved[spec.path] = self._ensure(account, spec.path, spec.folder_class, report, resolved)
        for path, specs in self._items.items():
            self._fill(account, self._ensure(account, path, None, report, resolved), specs, report)

    def _start(self, account: Account, name: str) -> Folder | None:
        return {
            "inbox": account.inbox,
            "sentitems": account.sent,
            "deleteditems": account.trash,
            "drafts": account.drafts,
            "junkemail": account.junk,
            "calendar": account.calendar,
            "outbox": account.outbox,
        }.get(name.lower())

    def _ensure(
        self,
        account: Account,
        path: str,
        folder_class: str | None,
        report: MailboxReport,
        resolved: dict[str, Folder | None],
    ) -> Folder | None:
        """The folder at ``path``, created (with its missing parents) unless this is a
        dry run — then None stands for 'would be created'.  Each path is resolved once."""
        if path in resolved:
            return resolved[path]
        parent_path, _, name = path.rpartition("/")
        parent: Folder | None
        if not parent_path:
            start = self._start(account, name)
            if start is not None:
                resolved[path] = start
                return start
            parent = account.msg_folder_root
        else:
            parent = self._ensure(account, parent_path, None, report, resolved)
        found = None
        if parent is not None:
            found = next((c for c in parent.children if c.name.lower() == name.lower()), None)
        if found is None:
            report.folders_created += 1
            if not self.dry_run and parent is not None:
                found = Folder(parent=parent, name=name, folder_class=folder_class or "IPF.Note")
                found.save()
        resolved[path] = found
        return found

    def _fill(
        self, account: Account, folder: Folder | None, specs: list[MessageSpec | CalendarSpec], report: MailboxReport
    ) -> None:
        present: set[str] = set()
        if folder is not None:
            for field_name in ("message_id", "uid"):
                if any(isinstance(s, MessageSpec) == (field_name == "message_id") for s in specs):
                    present.update(v for v in folder.all().values_list(field_name, flat=True) if isinstance(v, str))
        missing = [s for s in specs if (s.message_id if isinstance(s, MessageSpec) else s.uid) not in present]
        report.items_present += len(specs) - len(missing)
        report.items_created += len(missing)
        report.messages_created += sum(1 for s in missing if isinstance(s, MessageSpec))
        if self.dry_run or folder is None or not missing:
            self.on_progress("items", len(specs))
            return
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            items = [self._item(account, folder, s) for s in chunk]
            for result in account.bulk_create(folder=folder, items=items):
                if isinstance(result, Exception):
                    raise result
            self.on_progress("items", len(chunk))
        self.on_progress("items", len(specs) - len(missing))

    def _item(self, account: Account, folder: Folder, spec: MessageSpec | CalendarSpec) -> Any:
        attachments = [
            FileAttachment(name=a.name, content=filler(a.size), content_type=content_type(a.name))
            for a in spec.attachments
        ]
        if isinstance(spec, CalendarSpec):
            return CalendarItem(
                account=account,
                folder=folder,
                subject=spec.subject,
                body=spec.body,
                start=_when(spec.start),
                end=_when(spec.end),
                is_all_day=spec.is_all_day,
                location=spec.location,
                sensitivity=spec.sensitivity,
                required_attendees=[Attendee(mailbox=Mailbox(name=n, email_address=e)) for n, e in spec.required]
                or None,
                recurrence=_recurrence(spec.recurrence) if spec.recurrence else None,
                uid=spec.uid,
                attachments=attachments or None,
            )
        flags = 0x1 if spec.is_read else 0x0  # read; never 0x8 (unsent): this is received or sent mail
        return Message(
            account=account,
            folder=folder,
            subject=spec.subject,
            body=spec.body,
            author=Mailbox(name=spec.sender[0], email_address=spec.sender[1]),
            to_recipients=[Mailbox(name=n, email_address=e) for n, e in spec.to] or None,
            cc_recipients=[Mailbox(name=n, email_address=e) for n, e in spec.cc] or None,
            sensitivity=spec.sensitivity,
            importance=spec.importance,
            categories=list(spec.categories) or None,
            message_id=spec.message_id,
            in_reply_to=spec.in_reply_to,
            references=spec.in_reply_to,
            is_read=spec.is_read,
            pop_flags=flags,
            pop_delivered=_when(spec.received),
            pop_submitted=_when(spec.sent),
            pop_class=spec.item_class,
            attachments=attachments or None,
        )
