"""Definitions: the list (each read as words), Create New and Edit (only the chosen
type's options; every option of the type), and Delete (asked first; refused while
tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for

from engine.errors import DomainError, Invalid, NotFound
from engine.model import DefinitionIn, TaskType

from ..context import ConsoleContext
from ..views import DefinitionView
from .base import Pages, catalog_page, delete_page, render
from .definition_form import definition_values
from .forms import definition_from_form

pages = Pages()
#: a rule's field (the store's) as the definition form's input
ERROR_FIELDS = {"spec.type": "type", "spec": "type"}


def _posted_definition() -> DefinitionIn:
    type_ = request.form.get("type", "")
    if type_ not in {t.value for t in TaskType}:
        raise Invalid("type", "choose a task type")
    return definition_from_form(request.form, type_)


@pages.route("/definitions", methods=["GET", "POST"])
def definitions(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    store = console.store
    return catalog_page(
        admin, "definitions", store.definitions, lambda: store.create_definition(_posted_definition(), admin["email"])
    )


def _definition(console: ConsoleContext, definition_id: int) -> DefinitionView:
    try:
        return console.store.definition(definition_id)
    except NotFound:
        abort(404)


@pages.route("/definitions/<int:definition_id>/edit", methods=["GET", "POST"])
def edit_definition(console: ConsoleContext, admin: dict[str, Any], definition_id: int) -> Any:
    """Edit: saved as the REST API's PUT saves it (the store's update), so every task
    using it gets the change at its site's next poll (T1/T2); a definition tasks use
    keeps its type."""
    definition = _definition(console, definition_id)
    form: Any = definition_values(definition["name"], dict(definition["spec"]))
    error: DomainError | None = None
    if request.method == "POST":
        form = request.form
        try:
            saved = console.store.update_definition(definition_id, _posted_definition(), admin["email"])
        except DomainError as exc:
            error = exc
        else:
            users = len(saved["tasks"])
            reach = (
                "; 1 task gets it at its site's next poll"
                if users == 1
                else (f"; {users} tasks get it at their sites' next poll" if users else "")
            )
            flash(f"Definition “{saved['name']}” saved{reach}.")
            return redirect(url_for("pages.definitions"))
    page = render(
        "definition_edit.html", admin, definition=definition, form=form, error=error, error_fields=ERROR_FIELDS
    )
    return page, 400 if error else 200


@pages.route("/definitions/<int:definition_id>/delete", methods=["GET", "POST"])
def delete_definition(console: ConsoleContext, admin: dict[str, Any], definition_id: int) -> Any:
    return delete_page(admin, "definitions", _definition(console, definition_id), console.store.delete_definition)
