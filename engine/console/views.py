"""What the console's administration API answers (issue 11 item 3): the views its store
and task rules build, as TypedDicts — the store keeps returning plain dicts (nothing
costs at run time), mypy checks every key it writes, and the OpenAPI document states
each answer's schema from these same types (pydantic's JSON Schema of them).

Every view forbids keys it does not name (``additionalProperties: false``), so a key
added to a view without its type fails the answer tests: the document cannot drift
from what is sent.  Stored specs (a schedule's, a definition's, a task's group) are
the request models' own dumps, so their views are those models as serialised."""

from __future__ import annotations

from typing import Literal

from pydantic import with_config
from typing_extensions import TypedDict  # pydantic reads TypedDicts from here before Python 3.12

from engine.model import DefinitionSpec, ScheduleSpec, TaskType

# the task's view is also what a site's progress report is answered: a message of the wire
from engine.wire.task_view import (
    CLOSED,
    TaskDefinition,
    TaskInformation,
    TaskOptions,
    TaskSchedule,
    TaskSite,
    TaskView,
    Timestamp,
)

# -- administrators and credentials --------------------------------------------------------


@with_config(CLOSED)
class AdminView(TypedDict):
    id: int
    email: str
    role: str  # admin | read_only


@with_config(CLOSED)
class LoggedIn(TypedDict):
    """A new session: its token (also set as a cookie) and whose it is."""

    token: str
    admin: AdminView


@with_config(CLOSED)
class LoggedOut(TypedDict):
    ok: bool


@with_config(CLOSED)
class TokenCreated(TypedDict):
    """An API token, shown once."""

    token: str
    name: str


# -- sites -----------------------------------------------------------------------------------


@with_config(CLOSED)
class SiteEws(TypedDict):
    """A site's EWS connection; its password is never shown, only whether one is set."""

    endpoint: str
    service_account: str
    impersonation: bool
    password_set: bool


@with_config(CLOSED)
class SiteView(TypedDict):
    id: int
    code: str
    description: str
    #: the version the console goes by: the one the site reported, else the registered one
    engine_version: str
    #: as an administrator registered the site
    registered_version: str
    #: as the site last reported it in a heartbeat (null until it does)
    reported_version: str | None
    host_os: str
    time_zone: str
    enabled: bool
    #: Active while the site's last heartbeat is younger than 10 minutes
    status: Literal["Active", "Inactive"]
    last_active: Timestamp | None
    directory_type: str
    ews: SiteEws
    config_version: int
    acked_version: int


@with_config(CLOSED)
class SiteList(TypedDict):
    sites: list[SiteView]


@with_config(CLOSED)
class SiteRegistered(TypedDict):
    """A new site and its binding key (shown once; stored hashed)."""

    site: SiteView
    binding_key: str


# -- schedules and definitions -----------------------------------------------------------------


@with_config(CLOSED)
class ScheduleView(TypedDict):
    id: int
    name: str
    spec: ScheduleSpec
    created: Timestamp
    modified: Timestamp
    modified_by: str
    #: the tasks that use it (it cannot be deleted while any does)
    tasks: list[int]


@with_config(CLOSED)
class ScheduleList(TypedDict):
    schedules: list[ScheduleView]


@with_config(CLOSED)
class DefinitionView(TypedDict):
    id: int
    name: str
    type: TaskType
    spec: DefinitionSpec
    created: Timestamp
    modified: Timestamp
    modified_by: str
    #: the tasks that use it (it keeps its type and cannot be deleted while any does)
    tasks: list[int]


@with_config(CLOSED)
class DefinitionList(TypedDict):
    definitions: list[DefinitionView]


@with_config(CLOSED)
class Deleted(TypedDict):
    """The id of what was deleted."""

    deleted: int


# -- the directory copy ----------------------------------------------------------------------------


@with_config(CLOSED)
class DirectoryGroup(TypedDict):
    """A group of a site's uploaded directory copy (Lookup from AD)."""

    site_id: int
    id: str
    name: str
    dn: str | None
    mail: str | None
    kind: str | None  # security | distribution | unified
    members: int


@with_config(CLOSED)
class DirectoryGroups(TypedDict):
    groups: list[DirectoryGroup]


# -- tasks ---------------------------------------------------------------------------------------------


@with_config(CLOSED)
class TaskMailbox(TypedDict):
    """A mailbox the task processed, as its site last reported it."""

    mailbox: str
    last_run: Timestamp | None
    result: str
    reason: str
    items: int


@with_config(CLOSED)
class LogLine(TypedDict):
    at: Timestamp
    line: str


@with_config(CLOSED)
class TaskDetail(TaskView):
    """One task: Options, Information, its mailboxes and the latest lines of its log."""

    mailboxes: list[TaskMailbox]
    log: list[LogLine]


@with_config(CLOSED)
class TaskList(TypedDict):
    tasks: list[TaskView]


@with_config(CLOSED)
class TaskRemoved(TypedDict):
    """R9: the task is gone (the store's part), with the Full View warning."""

    deleted: int
    site_id: int
    warning: str


@with_config(CLOSED)
class TaskDeleted(TaskRemoved):
    """R9, once the archive was asked: were the Full Views reset at once ("done", with
    the mailboxes reset) or does the reset wait for the archive ("pending")."""

    archive_reset: Literal["done", "pending"]
    full_views_reset: list[str]


@with_config(CLOSED)
class ActivityLine(TypedDict):
    task_id: int
    at: Timestamp
    line: str


@with_config(CLOSED)
class Activity(TypedDict):
    activity: list[ActivityLine]


__all__ = [
    "CLOSED",
    "Activity",
    "ActivityLine",
    "AdminView",
    "DefinitionList",
    "DefinitionView",
    "Deleted",
    "DirectoryGroup",
    "DirectoryGroups",
    "LogLine",
    "LoggedIn",
    "LoggedOut",
    "ScheduleList",
    "ScheduleView",
    "SiteEws",
    "SiteList",
    "SiteRegistered",
    "SiteView",
    "TaskDefinition",
    "TaskDeleted",
    "TaskDetail",
    "TaskInformation",
    "TaskList",
    "TaskMailbox",
    "TaskOptions",
    "TaskRemoved",
    "TaskSchedule",
    "TaskSite",
    "TaskView",
    "Timestamp",
    "TokenCreated",
]
