"""Schedules: the list, Create New and Delete (refused while tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from engine.errors import DomainError

from ..context import ConsoleContext
from .base import Pages, render
from .forms import schedule_from_form

pages = Pages()


@pages.route("/schedules", methods=["GET", "POST"])
def schedules(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    error = None
    if request.method == "POST":
        try:
            if request.form.get("delete"):
                console.store.delete_schedule(int(request.form["delete"]))
            else:
                console.store.create_schedule(schedule_from_form(request.form), admin["email"])
            return redirect(url_for("pages.schedules"))
        except DomainError as exc:
            error = exc
    page = render("schedules.html", admin, schedules=console.store.schedules(), error=error, form=request.form)
    return page, 400 if error else 200
