"""Shared by the console's store, task rules and API: timestamp helpers, the JSON
adapters of the stored specs and the R9 warning."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

from pydantic import TypeAdapter

from engine.model import DefinitionSpec, GroupTarget

DEFINITION_SPEC: TypeAdapter[DefinitionSpec] = TypeAdapter(DefinitionSpec)
GROUP: TypeAdapter[GroupTarget] = TypeAdapter(GroupTarget)

#: R9: what an administrator is told before removing a task
R9_WARNING = (
    "Removing this task resets the Exchange Folders Full View of every mailbox it processed "
    "to the current Live View; the history is dropped."
)


def aware(value: datetime | None) -> datetime | None:
    """SQLite hands timestamps back naive; they were written as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


@overload
def iso(value: datetime) -> str: ...
@overload
def iso(value: datetime | None) -> str | None: ...
def iso(value: datetime | None) -> str | None:
    """An instant as ISO 8601 with its UTC offset (None stays None: the views say
    which instants may be missing)."""
    value = aware(value)
    return None if value is None else value.isoformat()
