"""Schedules: the list, Create New and Delete (asked first; refused while tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import abort, request

from engine.errors import NotFound

from ..context import ConsoleContext
from .base import Pages, catalog_page, delete_page
from .forms import schedule_from_form

pages = Pages()


@pages.route("/schedules", methods=["GET", "POST"])
def schedules(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    store = console.store

    def create() -> Any:
        return store.create_schedule(schedule_from_form(request.form), admin["email"])

    return catalog_page(admin, "schedules", store.schedules, create)


@pages.route("/schedules/<int:schedule_id>/delete", methods=["GET", "POST"])
def delete_schedule(console: ConsoleContext, admin: dict[str, Any], schedule_id: int) -> Any:
    try:
        schedule = console.store.schedule(schedule_id)
    except NotFound:
        abort(404)
    return delete_page(admin, "schedules", schedule, console.store.delete_schedule)
