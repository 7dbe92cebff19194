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
from typing import Annotated, Any, Literal, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    GetJsonSchemaHandler,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
    field_validator,
    model_validator,
)

# -- small value types --------------------------------------------------------------------

#: the largest id or count the stores keep (a 32-bit SQL INTEGER, as in PostgreSQL)
MAX_INT = 2**31 - 1


def _not_a_boolean(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("must be an integer, not true or false")
    return value


def _a_boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


#: an integer field: JSON's true is not taken for 1 (pydantic's lax mode would), while
#: 30.0 stays 30 as JSON Schema's "integer" allows
Int = Annotated[int, BeforeValidator(_not_a_boolean)]
#: a boolean field: true or false only, never 0/1 or "yes"
Bool = Annotated[bool, BeforeValidator(_a_boolean)]
#: a name an administrator gives (schedules, definitions, managed folders): trimmed, not
#: blank — the schema says "holds a non-space character" (naming the characters Python
#: strips that JavaScript's \s does not), as the trimmed length rule does
Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120, pattern=r"[^\s\x1c-\x1f\x85]")
]

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
    if not value:
        raise ValueError("enter an email address")
    if not ADDRESS.match(value) or len(value) > 254:
        shown = value if len(value) <= 80 else value[:80] + "…"
        raise ValueError(f"“{shown}” is not a valid email address")  # words, not a Python repr
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
            raise ValueError(f"“{part.strip()}” is not a valid RDN (expected TYPE=value)")
        out.append((match.group("type").upper(), match.group("value").strip()))
    return out


_DN_VALUE = r'[^\\,+"<>;=#\s\x1c-\x1f\x85](?:[^\\,+"<>;=]*[^\\,+"<>;=\s\x1c-\x1f\x85])?'
#: what the OpenAPI documents say of a group DN: CN/OU parts, then the domain's DC parts
#: (a plain form of what valid_dn accepts, which also takes escapes and other RDN types)
DN_SCHEMA_PATTERN = rf"^(?:(?:[Cc][Nn]|[Oo][Uu])={_DN_VALUE},)+(?:[Dd][Cc]={_DN_VALUE},)*[Dd][Cc]={_DN_VALUE}$"


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


def _version_text(value: str) -> str:
    parse_version(value)
    return value


def parse_version(value: str) -> tuple[int, int, int]:
    match = VERSION.match(value.strip())
    if match is None:
        raise ValueError(f"“{value}” is not a version like 2.7.1")
    return (int(match.group(1)), int(match.group(2)), int(match.group(3)))


#: every zone the server accepts (an IANA name), read from disk once: available_timezones()
#: walks the zone directory at each call (~30 ms), and every site, page and scenario check asks
ZONES = sorted(available_timezones() | {"UTC"})
_ZONE_SET = frozenset(ZONES)


def valid_time_zone(value: str) -> str:
    if value not in _ZONE_SET:
        raise ValueError(f"“{value}” is not an IANA time zone (e.g. Europe/London)")
    try:
        ZoneInfo(value)
    except ZoneInfoNotFoundError as exc:
        raise ValueError(f"“{value}” is not an IANA time zone") from exc
    return value


def _local_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("a time of day is local to the site: give it without a UTC offset, e.g. 08:30")
    return value


def _local_datetime(value: datetime) -> datetime:
    if value.tzinfo is not None:
        raise ValueError("a one-off time is local to the site: give it without a UTC offset")
    return value


#: a local time of day (the site's zone), HH:MM or HH:MM:SS
LocalTime = Annotated[
    time,
    AfterValidator(_local_time),
    WithJsonSchema({"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}),
]
#: a local date-time (the site's zone), without a UTC offset.  Sent, its schema stops at
#: the 28th (a pattern cannot tell which months have a 29th to a 31st, and a schema-valid
#: request must be accepted); answered, it is any date-time the server took, as written
LocalDateTime = Annotated[
    datetime,
    AfterValidator(_local_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$",
            "description": "local to the site's zone, without a UTC offset (e.g. 2026-03-05T22:30)",
        },
        mode="validation",
    ),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
            r"T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]+)?$",
            "description": "local to the site's zone, without a UTC offset (e.g. 2026-03-05T22:30:00)",
        },
        mode="serialization",
    ),
]


def _site_code(value: str) -> str:
    if not SITE_CODE.match(value):
        raise ValueError("a site code is 1 to 32 letters, digits, '-' or '_', starting with a letter or digit")
    return value


#: an IANA time zone (the OpenAPI documents list ZONES); its schema is the list the server accepts
ZoneName = Annotated[
    str,
    AfterValidator(valid_time_zone),
    WithJsonSchema({"type": "string", "enum": ZONES, "description": "an IANA time zone, e.g. Europe/London"}),
]
#: a site code: its schema carries the pattern the validator enforces
SiteCode = Annotated[
    str,
    StringConstraints(min_length=1, max_length=32),
    AfterValidator(_site_code),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": 32, "pattern": SITE_CODE.pattern}),
]
#: a semantic engine version such as 2.7.1
EngineVersion = Annotated[
    str,
    StringConstraints(max_length=20),
    AfterValidator(_version_text),
    WithJsonSchema({"type": "string", "maxLength": 20, "pattern": VERSION.pattern}),
]


class _Model(BaseModel):
    # patterns read the way the OpenAPI fuzzers (and Python clients) read them: `$` also
    # before a final newline, as in Python, not only at the very end as in Rust's regex
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, regex_engine="python-re")


# -- sites ---------------------------------------------------------------------------------


class DirectoryType(StrEnum):
    ACTIVE_DIRECTORY = "active_directory"
    MICROSOFT_365 = "microsoft_365"


class EwsConnection(_Model):
    endpoint: str = Field(default="", max_length=2048, json_schema_extra={"pattern": r"^(https?://.*)?$"})
    service_account: str = Field(default="", max_length=254)
    password: str | None = Field(default=None, max_length=1024)  # write-only
    impersonation: Bool = True

    @field_validator("endpoint")
    @classmethod
    def _url(cls, value: str) -> str:
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("the EWS endpoint must be an http(s) URL")
        return value


class SiteIn(_Model):
    code: SiteCode
    description: str = Field(default="", max_length=500)
    engine_version: EngineVersion = "2.7.0"
    host_os: str = Field(default="", max_length=100)
    time_zone: ZoneName = "UTC"
    enabled: Bool = True
    directory_type: DirectoryType = DirectoryType.ACTIVE_DIRECTORY
    ews: EwsConnection = Field(default_factory=EwsConnection)


class SiteChange(_Model):
    description: str | None = Field(default=None, max_length=500)
    enabled: Bool | None = None
    time_zone: ZoneName | None = None
    ews: EwsConnection | None = None


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
    (inclusive) every ``interval_minutes`` (T5: end after start, 1 ≤ interval ≤ end -
    start, refused with 400 naming ``times``)."""

    mode: Literal["once", "many"] = "once"
    start: LocalTime
    end: LocalTime | None = None
    interval_minutes: Int | None = None

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

    @classmethod
    def __get_pydantic_json_schema__(cls, core: Any, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        """The two modes as the variants they are (what each needs is stated); the
        order of start, end and interval (T5) is in the description."""
        at = handler(core)["properties"]["start"]
        return {
            "title": "DailyTimes",
            "description": cls.__doc__,
            "oneOf": [
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["start"],
                    "properties": {
                        "mode": {"const": "once"},
                        "start": at,
                        "end": {"type": "null"},
                        "interval_minutes": {"type": "null"},
                    },
                },
                {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["mode", "start", "end", "interval_minutes"],
                    "properties": {
                        "mode": {"const": "many"},
                        "start": at,
                        "end": at,
                        "interval_minutes": {"type": "integer", "minimum": 1, "maximum": 1439},
                    },
                },
            ],
        }


class OneOffSchedule(_Model):
    kind: Literal["one_off"] = "one_off"
    at: LocalDateTime


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
#: a stored or sent schedule read back (the console's store and the site share it)
SCHEDULE_SPEC: TypeAdapter[ScheduleSpec] = TypeAdapter(ScheduleSpec)


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
    """R7: a full replication is not started inside a window (weekday and time range;
    its end after its start, refused with 400 otherwise)."""

    weekday: Weekday
    start: LocalTime
    end: LocalTime

    @model_validator(mode="after")
    def _order(self) -> ExclusionWindow:
        if self.end <= self.start:
            raise ValueError("a window's end must be after its start")
        return self


class MfrDefinition(_Model):
    type: Literal["mfr"] = "mfr"
    exclude_inbox: Bool = False
    exclude_sent_items: Bool = False
    exclude_deleted_items: Bool = False
    include_ev_shortcuts: Bool = False
    full_sync_exclusion_windows: list[ExclusionWindow] = Field(default_factory=list, max_length=50)


class CalendarDefinition(_Model):
    type: Literal["calendar"] = "calendar"
    include: Literal["default", "all"] = "default"


class MsmDefinition(_Model):
    """S1 to S3; criteria are ANDed.  The attachment criteria (extensions, minimum
    attachment size) apply only to the two attachment stub actions (400 otherwise)."""

    type: Literal["msm"] = "msm"
    action: Literal["message_delete", "full_stub", "attachment_stub", "attachment_stub_universal"]
    older_than_days: Int = Field(ge=1, le=36500)
    min_size_kb: Int | None = Field(default=None, ge=1, le=MAX_INT)
    include_folders: list[str] = Field(default_factory=list, max_length=200)
    exclude_folders: list[str] = Field(default_factory=list, max_length=200)
    attachment_extensions: list[str] = Field(default_factory=list, max_length=100)
    min_attachment_size_kb: Int | None = Field(default=None, ge=1, le=MAX_INT)
    dry_run: Bool = False

    @model_validator(mode="after")
    def _attachment_criteria(self) -> MsmDefinition:
        if not self.action.startswith("attachment") and (self.attachment_extensions or self.min_attachment_size_kb):
            raise ValueError("attachment criteria apply only to the attachment stub actions")
        self.attachment_extensions = sorted({e.lower().lstrip(".") for e in self.attachment_extensions if e.strip()})
        return self


class ExchangeDelete(_Model):
    action: Literal["move_to_deleted_items", "soft_delete", "hard_delete"]
    lifespan_days: Int = Field(ge=1, le=36500)
    delete_unread: Bool = False


class Lifespan(_Model):
    lifespan_days: Int = Field(ge=1, le=36500)


class Policy(_Model):
    """'Normal retention' when no action is set; otherwise any of the three (M2 to M4)."""

    exchange_delete: ExchangeDelete | None = None
    expire_view: Lifespan | None = None
    archive_purge: Lifespan | None = None

    @property
    def normal_retention(self) -> bool:
        return self.exchange_delete is None and self.expire_view is None and self.archive_purge is None


WellKnownPolicyFolder = Literal["inbox", "sentitems", "deleteditems", "drafts", "junkemail", "outbox"]
WELL_KNOWN_POLICY_FOLDERS: tuple[str, ...] = get_args(WellKnownPolicyFolder)


class ManagedFolder(_Model):
    name: Name
    policy: Policy


class ManagedFoldersDefinition(_Model):
    """M1 to M4.  Managed folder names are unique (case-insensitively; 400 otherwise)."""

    type: Literal["managed_folders"] = "managed_folders"
    default_policy: Policy = Field(default_factory=Policy)
    well_known_policies: dict[WellKnownPolicyFolder, Policy] = Field(default_factory=dict)
    managed_folders: list[ManagedFolder] = Field(default_factory=list, max_length=100)
    dry_run: Bool = False

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
    dn: Annotated[str, WithJsonSchema({"type": "string", "pattern": DN_SCHEMA_PATTERN})]
    chosen_by: Literal["lookup", "manual"] = "manual"

    @field_validator("dn")
    @classmethod
    def _dn(cls, value: str) -> str:
        return valid_dn(value)


#: an email address, trimmed, checked and lower-cased
Address = Annotated[
    str, AfterValidator(valid_address), WithJsonSchema({"type": "string", "maxLength": 254, "pattern": ADDRESS.pattern})
]


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
    addresses: list[str] = Field(
        min_length=1,
        max_length=10_000,
        json_schema_extra={"items": {"type": "string", "maxLength": 254, "pattern": ADDRESS.pattern}},
    )

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
    site_id: Int = Field(ge=1, le=MAX_INT)
    type: TaskType
    definition_id: Int = Field(ge=1, le=MAX_INT)
    schedule_id: Int = Field(ge=1, le=MAX_INT)
    group: GroupTarget


class MailboxRow(_Model):
    mailbox: str = Field(min_length=1, max_length=254)
    last_run: datetime | None = None
    result: MailboxResult
    reason: str = Field(default="", max_length=500)
    items: Int = Field(default=0, ge=0, le=MAX_INT)


class Progress(_Model):
    """What a site reports about a task (site-facing API)."""

    task_id: Int = Field(ge=1, le=MAX_INT)
    status: Literal["Running", "Idle", "Completed"]
    command: str = Field(default="", max_length=500)
    latest_detail: str = Field(default="", max_length=1000)
    sequence: Int | None = Field(default=None, ge=0, le=MAX_INT)
    mailboxes: list[MailboxRow] = Field(default_factory=list, max_length=10_000)
    next_run: datetime | None = None


__all__ = [name for name in dir() if not name.startswith("_")]
