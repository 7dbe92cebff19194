"""Definitions: the list, Create New (typed) and Delete (refused while tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import redirect, request, url_for

from engine.errors import DomainError, Invalid
from engine.model import TaskType

from ..context import ConsoleContext
from .base import Pages, render
from .forms import definition_from_form

pages = Pages()


@pages.route("/definitions", methods=["GET", "POST"])
def definitions(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    error = None
    if request.method == "POST":
        try:
            if request.form.get("delete"):
                console.store.delete_definition(int(request.form["delete"]))
            else:
                type_ = request.form.get("type", "")
                if type_ not in {t.value for t in TaskType}:
                    raise Invalid("type", "choose a task type")
                console.store.create_definition(definition_from_form(request.form, type_), admin["email"])
            return redirect(url_for("pages.definitions"))
        except DomainError as exc:
            error = exc
    page = render("definitions.html", admin, definitions=console.store.definitions(), error=error, form=request.form)
    return page, 400 if error else 200
