"""Shared by the console's store, task rules, API and pages: timestamp helpers, durations in words, the JSON
adapters of the stored specs and the R9 warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import overload

from pydantic import TypeAdapter

from engine import durations
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


def duration_text(span: float | timedelta | None) -> str:
    """A duration as every page and the scenario reports write it (:mod:`engine.durations`:
    "12 s", "3 min 20 s", "1 h 5 min", "2 days 3 h"); one not known, or negative (clocks
    of two machines), is "—"."""
    if span is None:
        return "—"
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    return "—" if seconds < 0 else durations.duration_text(seconds)
