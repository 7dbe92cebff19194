"""Definitions: the list, Create New (typed) and Delete (refused while tasks use one)."""

from __future__ import annotations

from typing import Any

from flask import request

from engine.errors import Invalid
from engine.model import TaskType

from ..context import ConsoleContext
from .base import Pages, catalog_page
from .forms import definition_from_form

pages = Pages()


@pages.route("/definitions", methods=["GET", "POST"])
def definitions(console: ConsoleContext, admin: dict[str, Any]) -> Any:
    store = console.store

    def create() -> Any:
        type_ = request.form.get("type", "")
        if type_ not in {t.value for t in TaskType}:
            raise Invalid("type", "choose a task type")
        return store.create_definition(definition_from_form(request.form, type_), admin["email"])

    return catalog_page(admin, "definitions", store.definitions, create, store.delete_definition)
