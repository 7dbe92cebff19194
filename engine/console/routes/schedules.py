"""Schedules: named and reusable; one a task uses cannot be deleted."""

from __future__ import annotations

from typing import Any

from engine.model import ScheduleIn
from engine.webapi import Resource

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource("schedules")


@routes.route("GET", "/api/schedules", auth="read")
def list_schedules(console: ConsoleContext, _: Any) -> dict[str, Any]:
    """Schedules"""
    return {"schedules": console.store.schedules()}


@routes.route("POST", "/api/schedules", auth="write", body=ScheduleIn, status=201, responses={409: "The name is taken"})
def create_schedule(console: ConsoleContext, admin: dict[str, Any], body: ScheduleIn) -> dict[str, Any]:
    """Create a schedule"""
    return console.store.create_schedule(body, admin["email"])


@routes.route("GET", "/api/schedules/<int:schedule_id>", auth="read")
def get_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> dict[str, Any]:
    """One schedule"""
    return console.store.schedule(schedule_id)


@routes.route(
    "PUT", "/api/schedules/<int:schedule_id>", auth="write", body=ScheduleIn, responses={409: "The name is taken"}
)
def update_schedule(
    console: ConsoleContext, admin: dict[str, Any], schedule_id: int, body: ScheduleIn
) -> dict[str, Any]:
    """Replace a schedule (its tasks are rescheduled)"""
    return console.store.update_schedule(schedule_id, body, admin["email"])


@routes.route("DELETE", "/api/schedules/<int:schedule_id>", auth="write", responses={409: "Used by tasks (named)"})
def delete_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> dict[str, Any]:
    """Delete a schedule no task uses"""
    console.store.delete_schedule(schedule_id)
    return {"deleted": schedule_id}
