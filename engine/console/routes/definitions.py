"""Definitions: named, reusable and typed; one a task uses keeps its type and cannot be
deleted."""

from __future__ import annotations

from typing import Any

from engine.model import DefinitionIn, TaskType
from engine.webapi import Query, Resource

from ..context import ConsoleContext
from ..views import AdminView, DefinitionList, DefinitionView, Deleted

routes: Resource[ConsoleContext] = Resource("definitions")


@routes.route(
    "GET",
    "/api/definitions",
    auth="read",
    query=[Query("type", choices=tuple(t.value for t in TaskType))],
    answer=DefinitionList,
)
def list_definitions(console: ConsoleContext, _: Any, type: str | None) -> DefinitionList:
    """Definitions"""
    return DefinitionList(definitions=console.store.definitions(type))


@routes.route(
    "POST",
    "/api/definitions",
    auth="write",
    body=DefinitionIn,
    status=201,
    responses={409: "The name is taken"},
    answer=DefinitionView,
)
def create_definition(console: ConsoleContext, admin: AdminView, body: DefinitionIn) -> DefinitionView:
    """Create a definition"""
    return console.store.create_definition(body, admin["email"])


@routes.route("GET", "/api/definitions/<int:definition_id>", auth="read", answer=DefinitionView)
def get_definition(console: ConsoleContext, _: Any, definition_id: int) -> DefinitionView:
    """One definition"""
    return console.store.definition(definition_id)


@routes.route(
    "PUT",
    "/api/definitions/<int:definition_id>",
    auth="write",
    body=DefinitionIn,
    responses={409: "Conflict"},
    answer=DefinitionView,
)
def update_definition(
    console: ConsoleContext, admin: AdminView, definition_id: int, body: DefinitionIn
) -> DefinitionView:
    """Replace a definition (same type while tasks use it)"""
    return console.store.update_definition(definition_id, body, admin["email"])


@routes.route(
    "DELETE",
    "/api/definitions/<int:definition_id>",
    auth="write",
    responses={409: "Used by tasks (named)"},
    answer=Deleted,
)
def delete_definition(console: ConsoleContext, _: Any, definition_id: int) -> Deleted:
    """Delete a definition no task uses"""
    console.store.delete_definition(definition_id)
    return Deleted(deleted=definition_id)
