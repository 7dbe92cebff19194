"""How the pages write schedules, groups, counts and instants (template filters)."""

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


#: a group target's kind as an administrator names it (the seed's words)
GROUP_KINDS = {
    "ad_security_group": "AD security group",
    "ad_distribution_group": "AD distribution group",
    "o365_group": "Office 365 group",
    "single_mailbox": "Mailbox",
    "mailbox_list": "Mailboxes",
}


def group_text(group: dict[str, Any]) -> str:
    """A task's group: "AD security group: CN=Finance,…", "Mailboxes: a@x; b@x"."""
    kind = str(group.get("kind", ""))
    target = group.get("dn") or group.get("address") or "; ".join(group.get("addresses") or [])
    return f"{GROUP_KINDS.get(kind, kind.replace('_', ' '))}: {target}"


def count_text(count: int, noun: str) -> str:
    """ "1 task", "3 tasks" (a regular plural; the pages need no other)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def site_time(moment: str | None, zone: str) -> str:
    """A UTC instant shown in the site's zone, where schedules are defined (T5)."""
    if not moment:
        return "—"
    local = datetime.fromisoformat(moment).astimezone(ZoneInfo(zone))
    return f"{local:%a %Y-%m-%d %H:%M} {zone}"


__all__ = ["GROUP_KINDS", "count_text", "group_text", "schedule_text", "site_time"]
