"""Tasks: list, create, read (Options, Information, mailboxes, log), change (T1, T2),
remove (R9), and the recent activity of all of them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from engine.model import MAX_INT, Int, TaskIn, TaskType
from engine.webapi import Query, Resource

from ..context import ConsoleContext
from ..views import Activity, AdminView, TaskDeleted, TaskDetail, TaskList, TaskView

routes: Resource[ConsoleContext] = Resource("tasks")
STATUSES = ("Pending", "Scheduled", "Running", "Completed", "Disabled")

#: what the schema promises a task change is: one or both ids, nothing else
_TASK_CHANGE_SCHEMA = {
    "type": "object",
    "title": "TaskChangeIn",
    "description": "T1/T2: only the schedule and the definition (of the same type) change",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "schedule_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
        "definition_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    },
}


class TaskChangeIn(BaseModel):
    """Only schedule_id and definition_id may change (T1/T2); anything else is
    accepted here so the console can refuse it by name (a site change: "contact
    support"), though the schema, promising only what is accepted, lists the two."""

    model_config = ConfigDict(extra="allow", json_schema_extra=lambda schema: schema.update(_TASK_CHANGE_SCHEMA))
    schedule_id: Int | None = Field(default=None, ge=1, le=MAX_INT)
    definition_id: Int | None = Field(default=None, ge=1, le=MAX_INT)


@routes.route(
    "GET",
    "/api/tasks",
    auth="read",
    query=[
        Query("site_id", int, minimum=1),
        Query("type", choices=tuple(t.value for t in TaskType)),
        Query("status", choices=STATUSES),
    ],
    answer=TaskList,
)
def list_tasks(console: ConsoleContext, _: Any, site_id: int | None, type: str | None, status: str | None) -> TaskList:
    """Tasks, filtered"""
    return TaskList(tasks=console.store.tasks(site_id, type, status))


@routes.route(
    "POST",
    "/api/tasks",
    auth="write",
    body=TaskIn,
    status=201,
    responses={
        404: "The site, definition or schedule named does not exist",
        409: "The parts do not fit (definition of another type, group kind the site's version lacks, "
        "a looked-up group the site's directory copy does not hold)",
    },
    answer=TaskView,
)
def create_task(console: ConsoleContext, admin: AdminView, body: TaskIn) -> TaskView:
    """Create a task (site, type, definition, schedule, group)"""
    return console.flows.create_task(body, admin["email"])


@routes.route("GET", "/api/tasks/<int:task_id>", auth="read", answer=TaskDetail)
def get_task(console: ConsoleContext, _: Any, task_id: int) -> TaskDetail:
    """A task: Options, Information, mailboxes and log"""
    return console.store.task(task_id)


@routes.route(
    "PATCH",
    "/api/tasks/<int:task_id>",
    auth="write",
    body=TaskChangeIn,
    responses={409: "A definition of another type"},
    answer=TaskDetail,
)
def change_task(console: ConsoleContext, admin: AdminView, task_id: int, body: TaskChangeIn) -> TaskDetail:
    """Change a task's schedule and/or definition (T1, T2)"""
    return console.store.change_task(task_id, body.model_dump(exclude_unset=True), admin["email"])


@routes.route(
    "DELETE",
    "/api/tasks/<int:task_id>",
    auth="write",
    query=[Query("confirm", bool)],
    responses={409: "Not confirmed: the answer carries the Full View warning"},
    answer=TaskDeleted,
)
def delete_task(console: ConsoleContext, admin: AdminView, task_id: int, confirm: bool | None) -> TaskDeleted:
    """Remove a task (R9: needs confirm=true; resets Full Views — at once, or when the archive answers again)"""
    return console.flows.delete_task(task_id, bool(confirm), admin["email"])


@routes.route(
    "GET", "/api/activity", auth="read", query=[Query("limit", int, minimum=1, maximum=1000)], answer=Activity
)
def activity(console: ConsoleContext, _: Any, limit: int | None) -> Activity:
    """Recent task activity (task log lines)"""
    return Activity(activity=console.store.recent_activity(limit or 20))
