"""Schedules: named and reusable; one a task uses cannot be deleted."""

from __future__ import annotations

from typing import Any

from engine.model import ScheduleIn
from engine.webapi import Resource

from ..context import ConsoleContext
from ..views import AdminView, Deleted, ScheduleList, ScheduleView

routes: Resource[ConsoleContext] = Resource("schedules")


@routes.route("GET", "/api/schedules", auth="read", answer=ScheduleList)
def list_schedules(console: ConsoleContext, _: Any) -> ScheduleList:
    """Schedules"""
    return ScheduleList(schedules=console.store.schedules())


@routes.route(
    "POST",
    "/api/schedules",
    auth="write",
    body=ScheduleIn,
    status=201,
    responses={409: "The name is taken"},
    answer=ScheduleView,
)
def create_schedule(console: ConsoleContext, admin: AdminView, body: ScheduleIn) -> ScheduleView:
    """Create a schedule"""
    return console.store.create_schedule(body, admin["email"])


@routes.route("GET", "/api/schedules/<int:schedule_id>", auth="read", answer=ScheduleView)
def get_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> ScheduleView:
    """One schedule"""
    return console.store.schedule(schedule_id)


@routes.route(
    "PUT",
    "/api/schedules/<int:schedule_id>",
    auth="write",
    body=ScheduleIn,
    responses={409: "The name is taken"},
    answer=ScheduleView,
)
def update_schedule(console: ConsoleContext, admin: AdminView, schedule_id: int, body: ScheduleIn) -> ScheduleView:
    """Replace a schedule (its tasks are rescheduled)"""
    return console.store.update_schedule(schedule_id, body, admin["email"])


@routes.route(
    "DELETE",
    "/api/schedules/<int:schedule_id>",
    auth="write",
    responses={409: "Used by tasks (named)"},
    answer=Deleted,
)
def delete_schedule(console: ConsoleContext, _: Any, schedule_id: int) -> Deleted:
    """Delete a schedule no task uses"""
    console.store.delete_schedule(schedule_id)
    return Deleted(deleted=schedule_id)
