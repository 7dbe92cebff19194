"""Definitions: named, reusable and typed; one a task uses keeps its type and cannot be
deleted."""

from __future__ import annotations

from typing import Any

from engine.model import DefinitionIn, TaskType
from engine.webapi import Query, Resource

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource("definitions")


@routes.route("GET", "/api/definitions", auth="read", query=[Query("type", choices=tuple(t.value for t in TaskType))])
def list_definitions(console: ConsoleContext, _: Any, type: str | None) -> dict[str, Any]:
    """Definitions"""
    return {"definitions": console.store.definitions(type)}


@routes.route(
    "POST", "/api/definitions", auth="write", body=DefinitionIn, status=201, responses={409: "The name is taken"}
)
def create_definition(console: ConsoleContext, admin: dict[str, Any], body: DefinitionIn) -> dict[str, Any]:
    """Create a definition"""
    return console.store.create_definition(body, admin["email"])


@routes.route("GET", "/api/definitions/<int:definition_id>", auth="read")
def get_definition(console: ConsoleContext, _: Any, definition_id: int) -> dict[str, Any]:
    """One definition"""
    return console.store.definition(definition_id)


@routes.route(
    "PUT", "/api/definitions/<int:definition_id>", auth="write", body=DefinitionIn, responses={409: "Conflict"}
)
def update_definition(
    console: ConsoleContext, admin: dict[str, Any], definition_id: int, body: DefinitionIn
) -> dict[str, Any]:
    """Replace a definition (same type while tasks use it)"""
    return console.store.update_definition(definition_id, body, admin["email"])


@routes.route("DELETE", "/api/definitions/<int:definition_id>", auth="write", responses={409: "Used by tasks (named)"})
def delete_definition(console: ConsoleContext, _: Any, definition_id: int) -> dict[str, Any]:
    """Delete a definition no task uses"""
    console.store.delete_definition(definition_id)
    return {"deleted": definition_id}
