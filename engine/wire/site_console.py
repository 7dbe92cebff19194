"""The console's site API (/api/site/…): what a site sends with its binding key and
what the console answers — heartbeat, configuration (T2, T3), progress, the task log
(T10) and the directory copy."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any, Literal, NotRequired

from pydantic import Field, GetCoreSchemaHandler, GetPydanticSchema, TypeAdapter, ValidationError, field_validator
from pydantic_core import CoreSchema, core_schema
from typing_extensions import TypedDict

from engine.model import (
    MAX_INT,
    DefinitionSpec,
    DirectoryType,
    EngineVersion,
    GroupTarget,
    Int,
    MailboxRow,
    Progress,
    ScheduleSpec,
    TaskType,
)

from .body import StrictBody

# -- heartbeat ----------------------------------------------------------------------------


class HeartbeatIn(StrictBody):
    engine_version: EngineVersion | None = None
    host_os: str | None = Field(default=None, max_length=100)


class Heartbeat(TypedDict):
    """The configuration's version (download it when it is not the site's) and whether
    the site is enabled."""

    config_version: int
    enabled: bool


# -- configuration ------------------------------------------------------------------------


def _as_sent(spec: Any) -> GetPydanticSchema:
    """A JSON object checked against ``spec`` but kept as the console sent it: the site
    compares and keys its state by the specs as they came (a one-off's flag, T1's
    change detection), so validation must not add defaults or strip text."""

    def schema(_: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        def check(value: Any, validate: Callable[[Any], Any]) -> Any:
            validate(value)
            return value

        return core_schema.no_info_wrap_validator_function(
            check,
            handler.generate_schema(spec),
            serialization=core_schema.plain_serializer_function_ser_schema(lambda value: value),
        )

    return GetPydanticSchema(schema)


#: a task's schedule, definition and group target as the console sent them (checked)
ScheduleAsSent = Annotated[dict[str, Any], _as_sent(ScheduleSpec)]
DefinitionAsSent = Annotated[dict[str, Any], _as_sent(DefinitionSpec)]
GroupAsSent = Annotated[dict[str, Any], _as_sent(GroupTarget)]


class EwsSettings(TypedDict):
    """How the site reaches Exchange (EWS)."""

    endpoint: str
    service_account: str
    password: str | None
    impersonation: bool


class SiteSettings(TypedDict):
    id: int
    code: str
    enabled: bool
    time_zone: str
    directory_type: DirectoryType
    ews: EwsSettings


class SiteTask(TypedDict):
    """One task of the site's configuration."""

    id: int
    created: str  # the task's identity beside its number (R9: a new task may reuse it)
    type: TaskType
    log_code: str  # T10: the code of the task log lines
    schedule: ScheduleAsSent
    definition: DefinitionAsSent
    group: GroupAsSent
    changed_version: int


class SiteConfig(TypedDict):
    """Everything a site needs to run its tasks, stamped with its config version (the
    answer's ETag)."""

    version: int
    site: SiteSettings
    tasks: list[SiteTask]
    archive_url: str | None  # where the site submits; None: no archive yet


_SITE_CONFIG: TypeAdapter[SiteConfig] = TypeAdapter(SiteConfig)


class MalformedConfig(ValueError):
    """The console's configuration is not what a site can run (a console of another
    version, or a bug): refused whole, before any task sees it."""


def parse_config(raw: Any) -> SiteConfig:
    """A downloaded configuration, checked field by field (the error names the first
    faulty field's path, e.g. ``tasks.0.schedule``); the specs stay as sent."""
    try:
        return _SITE_CONFIG.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "(the whole configuration)"
        raise MalformedConfig(
            f"the console's configuration is malformed at {where}: {first['msg']}"
            + (f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else "")
        ) from exc


class AckIn(StrictBody):
    version: Int = Field(ge=0, le=MAX_INT)


class Acked(TypedDict):
    acked_version: int
    config_version: int


# -- progress -----------------------------------------------------------------------------

ProgressStatus = Literal["Running", "Idle", "Completed"]


class MailboxReport(TypedDict):
    """One mailbox's result as a site reports it (the JSON of :class:`MailboxRow`)."""

    mailbox: str
    result: str  # a MailboxResult: Success, Warning, Error, Skipped or Duplicate
    reason: NotRequired[str]
    items: NotRequired[int]
    last_run: NotRequired[str | None]


class ProgressReport(TypedDict):
    """A task's progress as a site builds it (the JSON of :class:`Progress`, which the
    console validates it with)."""

    task_id: int
    status: ProgressStatus
    command: NotRequired[str]
    latest_detail: NotRequired[str]
    sequence: NotRequired[int | None]
    mailboxes: NotRequired[list[MailboxReport]]
    next_run: NotRequired[str | None]


# -- task log and directory copy ------------------------------------------------------------


def executing_line(task_id: int) -> str:
    """T10: the line an execution starts with (after "<CODE> [<SITE>] ")."""
    return f"executing task {task_id}"


def exit_line(task_id: int, message: str) -> str:
    """T10: the line an execution ends with (domain.md's spelling, "scheduedTaskId")."""
    return f"TaskExit called, scheduedTaskId: {task_id}, message: {message}"


#: the two T10 lines as the console reads them back from the log (whatever the prefix)
EXECUTING = re.compile(r" executing task \d+$")
TASK_EXIT = re.compile(r" TaskExit called, ")


class LogIn(StrictBody):
    task_id: Int = Field(ge=1, le=MAX_INT)
    lines: list[str] = Field(max_length=10_000)


class Appended(TypedDict):
    appended: int


class DirectoryGroupIn(StrictBody):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)
    kind: str | None = Field(default=None, pattern=r"^(security|distribution|unified)$")
    members: Int = Field(default=0, ge=0, le=MAX_INT)


class DirectoryUserIn(StrictBody):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)


class DirectoryGroupSent(TypedDict):
    """A group of the directory copy as a site sends it (the JSON of DirectoryGroupIn)."""

    id: str
    name: str
    dn: str | None
    mail: str | None
    kind: Literal["security", "distribution", "unified"]


class DirectoryUserSent(TypedDict):
    id: str
    name: str
    dn: str | None
    mail: str | None


class DirectoryIn(StrictBody):
    """The directory copy; each group's and each user's id appears once (400 otherwise)."""

    groups: list[DirectoryGroupIn] = Field(default_factory=list, max_length=200_000)
    users: list[DirectoryUserIn] = Field(default_factory=list, max_length=200_000)

    @field_validator("groups", "users")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for entry in value:
            if entry.id in seen:
                raise ValueError(f"the id {entry.id!r} appears twice")
            seen.add(entry.id)
        return value


class Stored(TypedDict):
    stored: int


__all__ = [
    "EXECUTING",
    "TASK_EXIT",
    "AckIn",
    "Acked",
    "Appended",
    "DirectoryGroupIn",
    "DirectoryGroupSent",
    "DirectoryIn",
    "DirectoryUserIn",
    "DirectoryUserSent",
    "EwsSettings",
    "Heartbeat",
    "HeartbeatIn",
    "LogIn",
    "MailboxReport",
    "MailboxRow",
    "MalformedConfig",
    "Progress",
    "ProgressReport",
    "ProgressStatus",
    "SiteConfig",
    "SiteSettings",
    "SiteTask",
    "Stored",
    "executing_line",
    "exit_line",
    "parse_config",
]
