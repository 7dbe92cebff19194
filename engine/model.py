"""Validated domain types of domain.md §1: sites, schedules, the four definition types,
group targets, tasks and task information.

Pydantic models: the console validates every request with them, and errors name the
field.  The rules they enforce are cited by number (T5, …) where domain.md numbers
them.
"""

from __future__ import annotations

import re
from datetime import datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

# -- small value types --------------------------------------------------------------------

#: the largest id or count the stores keep (a 32-bit SQL INTEGER, as in PostgreSQL)
MAX_INT = 2**31 - 1
#: a name an administrator gives (schedules, definitions, managed folders): trimmed, not blank
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]

ADDRESS = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
SITE_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
VERSION = re.compile(r"^(\d+)\.(\d+)\.(\d+)$")
#: one relative distinguished name: type=value, the value with RFC 4514 escapes
_RDN = re.compile(
    r"^\s*(?P<type>[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)*)\s*=\s*"
    r"(?P<value>(?:\\[\\,+\"<>;=# ]|\\[0-9A-Fa-f]{2}|[^\\,+\"<>;])+)\s*$"
)


def valid_address(value: str) -> str:
    value = value.strip()
    if not ADDRESS.match(value) or len(value) > 254:
        raise ValueError(f"{value!r} is not a valid email address")
    return value.lower()


def split_dn(dn: str) -> list[tuple[str, str]]:
    """RFC 4514 distinguished name → [(type, value)], or ValueError naming the part."""
    parts: list[str] = []
    current = ""
    escaped = False
    for char in dn:
        if escaped:
            current += char
            escaped = False
        elif char == "\\":
            current += char
            escaped = True
        elif char == ",":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    out = []
    for part in parts:
        match = _RDN.match(part)
        if match is None:
            raise ValueError(f"{part.strip()!r} is not a valid RDN (expected TYPE=value)")
        out.append((match.group("type").upper(), match.group("value").strip()))
    return out


def valid_dn(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a distinguished name is required")
    rdns = split_dn(value)
    if not any(kind in ("CN", "OU") for kind, _ in rdns) or not any(kind == "DC" for kind, _ in rdns):
        raise ValueError(
            "a group DN needs a CN or OU and the domain's DC components, e.g. CN=Sales,OU=Groups,DC=contoso,DC=com"
        )
    return value


def parse_version(value: str) -> tuple[int, int, int]:
    match = VERSION.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not a version like 2.7.1")
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


def valid_time_zone(value: str) -> str:
    if value not in available_timezones() and value != "UTC":
        raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/London)")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:
        raise ValueError(f"{value!r} is not an IANA time zone") from exc
    return value


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- sites ---------------------------------------------------------------------------------


class DirectoryType(StrEnum):
    ACTIVE_DIRECTORY = "active_directory"
    MICROSOFT_365 = "microsoft_365"


class EwsConnection(_Model):
    endpoint: str = Field(default="", max_length=2048)
    service_account: str = Field(default="", max_length=254)
    password: str | None = Field(default=None, max_length=1024)  # write-only
    impersonation: bool = True

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("the EWS endpoint must be an http(s) URL")
        return value


class SiteIn(_Model):
    code: str = Field(min_length=1, max_length=32)
    description: str = Field(default="", max_length=500)
    engine_version: str = "2.7.0"
    host_os: str = Field(default="", max_length=100)
    time_zone: str = "UTC"
    enabled: bool = True
    directory_type: DirectoryType = DirectoryType.ACTIVE_DIRECTORY
    ews: EwsConnection = Field(default_factory=EwsConnection)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        if not SITE_CODE.match(value):
            raise ValueError("a site code is 1 to 32 letters, digits, '-' or '_', starting with a letter or digit")
        return value

    @field_validator("engine_version")
    @classmethod
    def _version(cls, value: str) -> str:
        parse_version(value)
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return valid_time_zone(value)


class SiteChange(_Model):
    description: str | None = Field(default=None, max_length=500)
    enabled: bool | None = None
    time_zone: str | None = None
    ews: EwsConnection | None = None

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else valid_time_zone(value)


# -- schedules ---------------------------------------------------------------------------------


class Weekday(StrEnum):
    MONDAY = "monday"
    TUESDAY = "tuesday"
    WEDNESDAY = "wednesday"
    THURSDAY = "thursday"
    FRIDAY = "friday"
    SATURDAY = "saturday"
    SUNDAY = "sunday"

    @property
    def number(self) -> int:
        return list(Weekday).index(self)  # Monday = 0, as date.weekday()


class DailyTimes(_Model):
    """The daily settings: ``once`` at ``start``, or ``many`` from ``start`` to ``end``
    (inclusive) every ``interval_minutes`` (T5)."""

    mode: Literal["once", "many"] = "once"
    start: time
    end: time | None = None
    interval_minutes: int | None = None

    @model_validator(mode="after")
    def _t5(self) -> DailyTimes:
        if self.mode == "once":
            if self.end is not None or self.interval_minutes is not None:
                raise ValueError("a daily 'once' schedule takes only a start time")
            return self
        if self.end is None or self.interval_minutes is None:
            raise ValueError("a daily 'many' schedule needs end and interval_minutes (T5)")
        span = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        if span <= 0:
            raise ValueError("end must be after start (T5)")
        if not 1 <= self.interval_minutes <= span:
            raise ValueError(f"interval_minutes must be between 1 and end - start = {span} (T5)")
        return self


class OneOffSchedule(_Model):
    kind: Literal["one_off"] = "one_off"
    at: datetime  # local date-time in the site's zone (naive)

    @field_validator("at")
    @classmethod
    def _naive(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("a one-off time is local to the site: give it without a UTC offset")
        return value


class DailySchedule(_Model):
    kind: Literal["daily"] = "daily"
    times: DailyTimes


class WeeklySchedule(_Model):
    kind: Literal["weekly"] = "weekly"
    weekdays: list[Weekday] = Field(min_length=1)
    times: DailyTimes

    @field_validator("weekdays")
    @classmethod
    def _unique(cls, value: list[Weekday]) -> list[Weekday]:
        return sorted(set(value), key=lambda d: d.number)


ScheduleSpec = Annotated[OneOffSchedule | DailySchedule | WeeklySchedule, Field(discriminator="kind")]


class ScheduleIn(_Model):
    name: Name
    spec: ScheduleSpec


# -- definitions --------------------------------------------------------------------------------


class TaskType(StrEnum):
    MFR = "mfr"
    CALENDAR = "calendar"
    MSM = "msm"
    MANAGED_FOLDERS = "managed_folders"

    @property
    def log_code(self) -> str:
        """T10: the code of the task log lines."""
        return {"mfr": "MMS", "calendar": "CAL", "msm": "MCS", "managed_folders": "FBR"}[self.value]

    @property
    def label(self) -> str:
        return {
            "mfr": "Mailbox Folder Replication",
            "calendar": "Calendar Replication",
            "msm": "Mailbox Storage Management",
            "managed_folders": "Managed Folders",
        }[self.value]


class ExclusionWindow(_Model):
    """R7: a full replication is not started inside a window (weekday and time range)."""

    weekday: Weekday
    start: time
    end: time

    @model_validator(mode="after")
    def _order(self) -> ExclusionWindow:
        if self.end <= self.start:
            raise ValueError("a window's end must be after its start")
        return self


class MfrDefinition(_Model):
    type: Literal["mfr"] = "mfr"
    exclude_inbox: bool = False
    exclude_sent_items: bool = False
    exclude_deleted_items: bool = False
    include_ev_shortcuts: bool = False
    full_sync_exclusion_windows: list[ExclusionWindow] = Field(default_factory=list, max_length=50)


class CalendarDefinition(_Model):
    type: Literal["calendar"] = "calendar"
    include: Literal["default", "all"] = "default"


class MsmDefinition(_Model):
    """S1 to S3; criteria are ANDed."""

    type: Literal["msm"] = "msm"
    action: Literal["message_delete", "full_stub", "attachment_stub", "attachment_stub_universal"]
    older_than_days: int = Field(ge=1, le=36500)
    min_size_kb: int | None = Field(default=None, ge=1, le=MAX_INT)
    include_folders: list[str] = Field(default_factory=list, max_length=200)
    exclude_folders: list[str] = Field(default_factory=list, max_length=200)
    attachment_extensions: list[str] = Field(default_factory=list, max_length=100)
    min_attachment_size_kb: int | None = Field(default=None, ge=1, le=MAX_INT)
    dry_run: bool = False

    @model_validator(mode="after")
    def _attachment_criteria(self) -> MsmDefinition:
        if not self.action.startswith("attachment") and (self.attachment_extensions or self.min_attachment_size_kb):
            raise ValueError("attachment criteria apply only to the attachment stub actions")
        self.attachment_extensions = sorted({e.lower().lstrip(".") for e in self.attachment_extensions if e.strip()})
        return self


class ExchangeDelete(_Model):
    action: Literal["move_to_deleted_items", "soft_delete", "hard_delete"]
    lifespan_days: int = Field(ge=1, le=36500)
    delete_unread: bool = False


class Lifespan(_Model):
    lifespan_days: int = Field(ge=1, le=36500)


class Policy(_Model):
    """'Normal retention' when no action is set; otherwise any of the three (M2 to M4)."""

    exchange_delete: ExchangeDelete | None = None
    expire_view: Lifespan | None = None
    archive_purge: Lifespan | None = None

    @property
    def normal_retention(self) -> bool:
        return self.exchange_delete is None and self.expire_view is None and self.archive_purge is None


WELL_KNOWN_POLICY_FOLDERS = ("inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox")


class ManagedFolder(_Model):
    name: Name
    policy: Policy


class ManagedFoldersDefinition(_Model):
    type: Literal["managed_folders"] = "managed_folders"
    default_policy: Policy = Field(default_factory=Policy)
    well_known_policies: dict[str, Policy] = Field(default_factory=dict)
    managed_folders: list[ManagedFolder] = Field(default_factory=list, max_length=100)
    dry_run: bool = False

    @field_validator("well_known_policies")
    @classmethod
    def _known(cls, value: dict[str, Policy]) -> dict[str, Policy]:
        for name in value:
            if name not in WELL_KNOWN_POLICY_FOLDERS:
                raise ValueError(f"{name!r} is not a well-known folder ({', '.join(WELL_KNOWN_POLICY_FOLDERS)})")
        return value

    @field_validator("managed_folders")
    @classmethod
    def _unique_names(cls, value: list[ManagedFolder]) -> list[ManagedFolder]:
        names = [f.name.lower() for f in value]
        if len(names) != len(set(names)):
            raise ValueError("managed folder names must be unique")
        return value


DefinitionSpec = Annotated[
    MfrDefinition | CalendarDefinition | MsmDefinition | ManagedFoldersDefinition, Field(discriminator="type")
]


class DefinitionIn(_Model):
    name: Name
    spec: DefinitionSpec


# -- group targets ----------------------------------------------------------------------------------


class AdGroupTarget(_Model):
    """Kinds 1 and 2: an AD group by DN, looked up from the directory copy or typed in."""

    kind: Literal["ad_security_group", "ad_distribution_group"]
    dn: str
    chosen_by: Literal["lookup", "manual"] = "manual"

    @field_validator("dn")
    @classmethod
    def _dn(cls, value: str) -> str:
        return valid_dn(value)


#: an email address, trimmed, checked and lower-cased
Address = Annotated[str, AfterValidator(valid_address)]


class O365GroupTarget(_Model):
    """Kind 3: an Office 365 distribution group, expanded through Exchange."""

    kind: Literal["o365_group"] = "o365_group"
    address: Address


class MailboxTarget(_Model):
    """Kind 4: a single mailbox."""

    kind: Literal["single_mailbox"] = "single_mailbox"
    address: Address


class MailboxListTarget(_Model):
    """Kind 5: addresses separated by ';' — trimmed, de-duplicated, each validated."""

    kind: Literal["mailbox_list"] = "mailbox_list"
    addresses: list[str] = Field(min_length=1, max_length=10_000)

    @field_validator("addresses", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.split(";")
        if isinstance(value, list):
            seen: dict[str, None] = {}
            for entry in value:
                if not isinstance(entry, str):
                    raise ValueError("addresses must be strings")
                if entry.strip():
                    seen.setdefault(valid_address(entry), None)
            if not seen:
                raise ValueError("give at least one address")
            return list(seen)
        return value


GroupTarget = Annotated[
    AdGroupTarget | O365GroupTarget | MailboxTarget | MailboxListTarget, Field(discriminator="kind")
]
#: group kinds 3 to 5 need a site at engine version 2.7 or later
VERSION_GATED_KINDS = frozenset({"o365_group", "single_mailbox", "mailbox_list"})
MIN_VERSION_FOR_ADDRESS_TARGETS = (2, 7, 0)


# -- tasks ------------------------------------------------------------------------------------------


class TaskStatus(StrEnum):
    PENDING = "Pending"
    SCHEDULED = "Scheduled"
    RUNNING = "Running"
    COMPLETED = "Completed"
    DISABLED = "Disabled"


class MailboxResult(StrEnum):
    SUCCESS = "Success"
    WARNING = "Warning"
    ERROR = "Error"
    SKIPPED = "Skipped"
    DUPLICATE = "Duplicate"


class TaskIn(_Model):
    site_id: int = Field(ge=1, le=MAX_INT)
    type: TaskType
    definition_id: int = Field(ge=1, le=MAX_INT)
    schedule_id: int = Field(ge=1, le=MAX_INT)
    group: GroupTarget


class TaskChange(BaseModel):
    """T1/T2: only schedule and definition may change.  Other fields are accepted here
    so the console can refuse them by name (a site change: "contact support")."""

    model_config = ConfigDict(extra="allow")
    schedule_id: int | None = Field(default=None, ge=1, le=MAX_INT)
    definition_id: int | None = Field(default=None, ge=1, le=MAX_INT)


class MailboxRow(_Model):
    mailbox: str = Field(min_length=1, max_length=254)
    last_run: datetime | None = None
    result: MailboxResult
    reason: str = Field(default="", max_length=500)
    items: int = Field(default=0, ge=0, le=MAX_INT)


class Progress(_Model):
    """What a site reports about a task (site-facing API)."""

    task_id: int = Field(ge=1, le=MAX_INT)
    status: Literal["Running", "Idle", "Completed"]
    command: str = Field(default="", max_length=500)
    latest_detail: str = Field(default="", max_length=1000)
    sequence: int | None = Field(default=None, ge=0, le=MAX_INT)
    mailboxes: list[MailboxRow] = Field(default_factory=list, max_length=10_000)
    next_run: datetime | None = None


__all__ = [name for name in dir() if not name.startswith("_")]
