"""A task as the console shows it — its Options and Information — which the console's
administration API lists and which answers a site's progress report (so it is a
message of the wire, beside the others; engine/console/views.py builds on it).

Every view forbids keys it does not name (``additionalProperties: false``)."""

from __future__ import annotations

from typing import Annotated

from pydantic import ConfigDict, WithJsonSchema, with_config
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from engine.model import DefinitionSpec, GroupTarget, ScheduleSpec, TaskStatus, TaskType

#: a view names every key it has
CLOSED = ConfigDict(extra="forbid")

#: an instant as the store writes it (ISO 8601 with its UTC offset)
Timestamp = Annotated[str, WithJsonSchema({"type": "string", "format": "date-time"})]


@with_config(CLOSED)
class TaskSite(TypedDict):
    id: int
    code: str
    time_zone: str


@with_config(CLOSED)
class TaskSchedule(TypedDict):
    id: int
    name: str
    spec: ScheduleSpec


@with_config(CLOSED)
class TaskDefinition(TypedDict):
    id: int
    name: str
    spec: DefinitionSpec


@with_config(CLOSED)
class TaskOptions(TypedDict):
    """A task's Options: what an administrator chose."""

    site: TaskSite
    type: TaskType
    schedule: TaskSchedule
    definition: TaskDefinition
    group: GroupTarget


@with_config(CLOSED)
class TaskInformation(TypedDict):
    """A task's Information: what the console and its site know of it (T3 status)."""

    created: Timestamp
    last_modified: Timestamp
    last_modified_by: str
    status: TaskStatus
    #: what the site is running now; empty unless Running
    command: str
    latest_detail: str
    #: shown for MFR and Calendar tasks only (null for the others)
    sequence: int | None
    next_occurrence: Timestamp | None
    last_run: Timestamp | None


@with_config(CLOSED)
class TaskView(TypedDict):
    """A task as listed: Options and Information."""

    id: int
    type: TaskType
    type_label: str
    log_code: str
    options: TaskOptions
    information: TaskInformation


__all__ = [
    "CLOSED",
    "TaskDefinition",
    "TaskInformation",
    "TaskOptions",
    "TaskSchedule",
    "TaskSite",
    "TaskView",
    "Timestamp",
]
