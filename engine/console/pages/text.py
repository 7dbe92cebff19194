"""How the pages write schedules, groups, counts and instants (template filters)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup

from ..common import duration_text


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


#: the well-known folders a Managed Folders definition may give a policy, as Outlook names them
WELL_KNOWN_NAMES: dict[str, str] = {
    "inbox": "Inbox",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "drafts": "Drafts",
    "junkemail": "Junk Email",
    "outbox": "Outbox",
}
#: between the two ends of a time range, as print writes it
EN_DASH = "\u2013"
MSM_ACTIONS = {
    "message_delete": "Delete messages",
    "full_stub": "Full stub messages",
    "attachment_stub": "Stub the attachments of messages",
    "attachment_stub_universal": "Universal access stub the attachments of messages",
}
DELETE_ACTIONS = {
    "move_to_deleted_items": "move to Deleted Items",
    "soft_delete": "soft delete",
    "hard_delete": "hard delete",
}


def definition_text(spec: dict[str, Any]) -> str:
    """A definition's settings as an administrator reads them (never its JSON): "Exclude
    Inbox, Sent Items; no full replication Mon 08:00-18:00" (an en dash), "Full stub messages older
    than 90 days in Inbox, larger than 100 KB (dry run)", "Default: Exchange Delete after
    365 days (move to Deleted Items); Inbox: Expire View after 30 days"."""
    kind = spec.get("type")
    if kind == "mfr":
        return _mfr_text(spec)
    if kind == "calendar":
        return "All calendars" if spec.get("include") == "all" else "The default calendar"
    if kind == "msm":
        return _msm_text(spec)
    if kind == "managed_folders":
        return _managed_folders_text(spec)
    return ""


def _mfr_text(spec: dict[str, Any]) -> str:
    folders = {"exclude_inbox": "Inbox", "exclude_sent_items": "Sent Items", "exclude_deleted_items": "Deleted Items"}
    excluded = [name for key, name in folders.items() if spec.get(key)]
    parts = [f"Exclude {', '.join(excluded)}" if excluded else "All folders"]
    parts.append("Enterprise Vault shortcuts included" if spec.get("include_ev_shortcuts") else "")
    windows = [
        f"{str(w['weekday'])[:3].title()} {_hhmm(w['start'])}{EN_DASH}{_hhmm(w['end'])}"
        for w in spec.get("full_sync_exclusion_windows") or []
    ]
    if windows:
        parts.append("no full replication " + ", ".join(windows))
    return "; ".join(p for p in parts if p)


def _kb(size: Any) -> str:
    return f"{size} KB"


def _msm_text(spec: dict[str, Any]) -> str:
    action = str(spec.get("action", ""))
    text = f"{MSM_ACTIONS.get(action, action)} older than {spec.get('older_than_days')} days"
    if spec.get("include_folders"):
        text += " in " + ", ".join(spec["include_folders"])
    if spec.get("exclude_folders"):
        text += " except in " + ", ".join(spec["exclude_folders"])
    if spec.get("min_size_kb"):
        text += f", larger than {_kb(spec['min_size_kb'])}"
    if spec.get("attachment_extensions"):
        text += ", attachments of type " + ", ".join(spec["attachment_extensions"])
    if spec.get("min_attachment_size_kb"):
        text += f", attachments of at least {_kb(spec['min_attachment_size_kb'])}"
    return text + (" (dry run)" if spec.get("dry_run") else "")


def policy_text(policy: dict[str, Any] | None) -> str:
    """ "Exchange Delete after 365 days (move to Deleted Items, unread too), Expire View
    after 30 days", or "normal retention" when no action is set."""
    policy = policy or {}
    parts = []
    delete = policy.get("exchange_delete")
    if delete:
        how = DELETE_ACTIONS.get(delete["action"], delete["action"])
        unread = ", unread too" if delete.get("delete_unread") else ""
        parts.append(f"Exchange Delete after {delete['lifespan_days']} days ({how}{unread})")
    for key, name in (("expire_view", "Expire View"), ("archive_purge", "Archive Purge")):
        if policy.get(key):
            parts.append(f"{name} after {policy[key]['lifespan_days']} days")
    return ", ".join(parts) or "normal retention"


def _managed_folders_text(spec: dict[str, Any]) -> str:
    parts = [f"Default: {policy_text(spec.get('default_policy'))}"]
    policies = spec.get("well_known_policies") or {}
    for key in sorted(policies, key=lambda k: list(WELL_KNOWN_NAMES).index(k) if k in WELL_KNOWN_NAMES else 99):
        parts.append(f"{WELL_KNOWN_NAMES.get(key, key)}: {policy_text(policies[key])}")  # in Outlook's order
    for folder in spec.get("managed_folders") or []:
        parts.append(f"folder “{folder['name']}”: {policy_text(folder.get('policy'))}")
    return "; ".join(parts) + (" (dry run)" if spec.get("dry_run") else "")


def count_text(count: int, noun: str) -> str:
    """ "1 task", "3 tasks" (a regular plural; the pages need no other)."""
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def time_text(moment: str | datetime | None, zone: str, seconds: bool = False) -> str:
    """An instant as a person reads it, in ``zone`` and labelled with it: "Mon 2 Mar
    2026 04:00 America/New_York" (with seconds where they matter, as in a log).  Every
    page writes instants this way — in the viewer's zone, or in the site's where the
    time belongs to the site (T5: its schedules and its runs)."""
    if not moment:
        return "—"
    instant = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)  # the store writes UTC
    local = instant.astimezone(ZoneInfo(zone))
    clock = f"{local:%H:%M:%S}" if seconds else f"{local:%H:%M}"
    return f"{local:%a} {local.day} {local:%b %Y} {clock} {zone}"


def time_tag(moment: str | datetime | None, zone: str, seconds: bool = False) -> Markup:
    """:func:`time_text` in a ``<time>`` element that keeps the instant for machines."""
    if not moment:
        return Markup("—")
    instant = moment if isinstance(moment, str) else moment.isoformat()
    return Markup('<time datetime="{}">{}</time>').format(instant, time_text(moment, zone, seconds))


def site_time(moment: str | None, zone: str) -> str:
    """A UTC instant shown in the site's zone, where schedules are defined (T5)."""
    return time_text(moment, zone)


def ago_text(moment: str | None, now: datetime) -> str:
    """How long before ``now`` (the injected clock's) an instant was: "3 min 20 s ago"."""
    if not moment:
        return ""
    span = now - datetime.fromisoformat(moment)
    return "just now" if span < timedelta(seconds=1) else f"{duration_text(span)} ago"


def version_text(site: Mapping[str, Any]) -> str:
    """A site's engine version: the one it reported, and what it was registered as when
    that differs ("2.7.0 (reported by the site; registered as 2.7.1)")."""
    reported, registered = site.get("reported_version"), site.get("registered_version")
    if reported and registered and reported != registered:
        return f"{reported} (reported by the site; registered as {registered})"
    return str(site.get("engine_version", ""))


__all__ = [
    "GROUP_KINDS",
    "WELL_KNOWN_NAMES",
    "ago_text",
    "count_text",
    "definition_text",
    "duration_text",
    "group_text",
    "policy_text",
    "schedule_text",
    "site_time",
    "time_tag",
    "time_text",
    "version_text",
]
