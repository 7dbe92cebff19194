"""Shared by the console's store, task rules, API and pages: timestamp helpers, durations in words, the JSON
adapters of the stored specs and the R9 warning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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


_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))


def duration_text(span: float | timedelta | None) -> str:
    """A duration in its two largest units: "12 s", "3 min 20 s", "1 h 5 min", "2 d 3 h"
    (the smaller unit left out when nought: "2 min", never "2 min 0 s")."""
    if span is None:
        return "—"
    seconds = span.total_seconds() if isinstance(span, timedelta) else float(span)
    if seconds < 0:
        return "—"
    if 0 < seconds < 1:
        return "under 1 s"
    left = round(seconds)
    parts: list[str] = []
    for unit, size in _UNITS:
        if left >= size or (unit == "s" and not parts):
            count, left = divmod(left, size)
            parts.append(f"{count} {unit}")
            if len(parts) == 2 or left == 0:
                break
        elif parts:
            break  # "1 h 0 min 12 s" reads as "1 h"
    return " ".join(parts)
