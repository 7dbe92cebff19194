"""How the pages write schedules and instants (template filters)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo


def _hhmm(value: str | None) -> str:
    return (value or "")[:5]


def schedule_text(spec: dict[str, Any]) -> str:
    """A schedule as an administrator reads it: "Daily at 02:00", "Weekly on Mon, Fri,
    every 30 min from 08:00 to 18:00", "Once on 2026-03-05 at 22:30"."""
    if spec.get("kind") == "one_off":
        day, _, at = str(spec.get("at", "")).partition("T")
        return f"Once on {day} at {_hhmm(at)}"
    times = spec.get("times") or {}
    if times.get("mode") == "many":
        when = (
            f"every {times.get('interval_minutes')} min from {_hhmm(times.get('start'))} to {_hhmm(times.get('end'))}"
        )
    else:
        when = f"at {_hhmm(times.get('start'))}"
    if spec.get("kind") == "weekly":
        days = ", ".join(str(d)[:3].title() for d in spec.get("weekdays", []))
        return f"Weekly on {days}, {when}"
    return f"Daily {when}"


def site_time(moment: str | None, zone: str) -> str:
    """A UTC instant shown in the site's zone, where schedules are defined (T5)."""
    if not moment:
        return "—"
    local = datetime.fromisoformat(moment).astimezone(ZoneInfo(zone))
    return f"{local:%a %Y-%m-%d %H:%M} {zone}"


__all__ = ["schedule_text", "site_time"]
