"""Schedules: the list, Create New and Delete (refused while tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import request

from ..context import ConsoleContext
from .base import Pages, catalog_page
from .forms import schedule_from_form

pages = Pages()


@pages.route("/schedules", methods=["GET", "POST"])
def schedules(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    store = console.store

    def create() -> Any:
        return store.create_schedule(schedule_from_form(request.form), admin["email"])

    return catalog_page(admin, "schedules", store.schedules, create, store.delete_schedule)
