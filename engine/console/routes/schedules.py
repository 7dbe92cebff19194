"""Schedules: named and reusable; one a task uses cannot be deleted."""

from __future__ import annotations

from typing import Any

from engine.model import ScheduleIn
from engine.webapi import Resource

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource()
NOT_FOUND = {404: "Not found"}


@routes.route("GET", "/api/schedules", "Schedules", auth="read", tags=["schedules"])
def list_schedules(console: ConsoleContext, _: Any) -> dict[str, Any]:
    return {"schedules": console.store.schedules()}


@routes.route(
    "POST",
    "/api/schedules",
    "Create a schedule",
    auth="write",
    body=ScheduleIn,
    status=201,
    tags=["schedules"],
    responses={409: "The name is taken"},
)
def create_schedule(console: ConsoleContext, admin: dict[str, Any], body: ScheduleIn) -> dict[str, Any]:
    return console.store.create_schedule(body, admin["email"])


@routes.route(
    "GET", "/api/schedules/<int:schedule_id>", "One schedule", auth="read", tags=["schedules"], responses=NOT_FOUND
)
def get_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> dict[str, Any]:
    return console.store.schedule(schedule_id)


@routes.route(
    "PUT",
    "/api/schedules/<int:schedule_id>",
    "Replace a schedule (its tasks are rescheduled)",
    auth="write",
    body=ScheduleIn,
    tags=["schedules"],
    responses={**NOT_FOUND, 409: "The name is taken"},
)
def update_schedule(
    console: ConsoleContext, admin: dict[str, Any], schedule_id: int, body: ScheduleIn
) -> dict[str, Any]:
    return console.store.update_schedule(schedule_id, body, admin["email"])


@routes.route(
    "DELETE",
    "/api/schedules/<int:schedule_id>",
    "Delete a schedule no task uses",
    auth="write",
    tags=["schedules"],
    responses={**NOT_FOUND, 409: "Used by tasks (named)"},
)
def delete_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> dict[str, Any]:
    console.store.delete_schedule(schedule_id)
    return {"deleted": schedule_id}
