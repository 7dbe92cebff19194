"""The pages' forms read into the same domain models as the REST API's bodies; a form
that breaks a rule is refused as :class:`~engine.errors.Invalid`, naming the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import Invalid
from engine.model import DefinitionIn, ScheduleIn, SiteIn
from engine.webapi import invalid_input

from ..store import ConsoleStore

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, "form") from exc


def schedule_from_form(form: Any, prefix: str = "") -> ScheduleIn:
    """The schedule fields of a form (``prefix`` for the New Task page's Create New)."""

    def get(name: str) -> str:
        return str(form.get(prefix + name, "")).strip()

    kind = get("kind") or "daily"
    times: dict[str, Any] = {"mode": get("mode") or "once", "start": get("start") or None}
    if times["mode"] == "many":
        times["end"] = get("end") or None
        times["interval_minutes"] = get("interval") or None
    spec: dict[str, Any] = {"kind": kind}
    if kind == "one_off":
        spec["at"] = get("at") or None
    elif kind == "weekly":
        spec["weekdays"] = form.getlist(prefix + "weekdays")
        spec["times"] = times
    else:
        spec["times"] = times
    return validate(ScheduleIn, {"name": get("name"), "spec": spec})


def definition_from_form(form: Any, type_: str, prefix: str = "") -> DefinitionIn:
    def get(name: str) -> str:
        return str(form.get(prefix + name, "")).strip()

    def flag(name: str) -> bool:
        return form.get(prefix + name) in ("on", "true", "1")

    spec: dict[str, Any] = {"type": type_}
    if type_ == "mfr":
        spec.update(
            exclude_inbox=flag("exclude_inbox"),
            exclude_sent_items=flag("exclude_sent_items"),
            exclude_deleted_items=flag("exclude_deleted_items"),
            include_ev_shortcuts=flag("include_ev_shortcuts"),
        )
    elif type_ == "calendar":
        spec["include"] = get("include") or "default"
    elif type_ == "msm":
        spec.update(
            action=get("action") or None, older_than_days=get("older_than_days") or None, dry_run=flag("dry_run")
        )
        if get("min_size_kb"):
            spec["min_size_kb"] = get("min_size_kb")
    elif type_ == "managed_folders":
        spec["dry_run"] = flag("dry_run")
        lifespan = get("delete_after_days")
        if lifespan:
            spec["default_policy"] = {
                "exchange_delete": {
                    "action": get("delete_action") or "move_to_deleted_items",
                    "lifespan_days": lifespan,
                    "delete_unread": flag("delete_unread"),
                }
            }
    return validate(DefinitionIn, {"name": get("name"), "spec": spec})


def site_from_form(form: Any) -> SiteIn:
    return validate(
        SiteIn,
        {
            "code": form.get("code", ""),
            "description": form.get("description", ""),
            "engine_version": form.get("engine_version") or "2.7.0",
            "time_zone": form.get("time_zone") or "UTC",
            "directory_type": form.get("directory_type") or "active_directory",
            "ews": {
                "endpoint": form.get("ews_endpoint", ""),
                "service_account": form.get("ews_account", ""),
                "password": form.get("ews_password") or None,
                "impersonation": form.get("ews_impersonation") == "on",
            },
        },
    )


def group_from_form(form: Any, store: ConsoleStore, site_id: int | None) -> dict[str, Any]:
    mode = form.get("group_mode", "")
    if mode == "lookup":
        return _looked_up(str(form.get("lookup_dn", "")).strip(), store, site_id)
    if mode == "dn":
        return {"kind": form.get("dn_kind", "ad_security_group"), "dn": form.get("dn", ""), "chosen_by": "manual"}
    if mode == "address":
        text = str(form.get("address", "")).strip()
        entries = [a.strip() for a in text.split(";") if a.strip()]
        choice = form.get("address_kind", "auto")
        if choice == "auto":  # an address the directory knows as a group is an Office 365 group
            known = entries and any(
                (g["mail"] or "").lower() == entries[0].lower() for g in store.lookup_groups(entries[0], site_id)
            )
            choice = "mailbox_list" if len(entries) > 1 else ("o365_group" if known else "single_mailbox")
        if choice == "mailbox_list":
            return {"kind": "mailbox_list", "addresses": text}
        return {"kind": choice, "address": text}
    raise Invalid("group_mode", "choose how to pick the group")


def _looked_up(dn: str, store: ConsoleStore, site_id: int | None) -> dict[str, Any]:
    """Lookup from AD: the group the administrator chose from the site's directory copy."""
    if not dn:
        raise Invalid("lookup_dn", "choose a group from the directory")
    match = next(
        (g for g in store.lookup_groups(dn, site_id, limit=500) if (g["dn"] or "").lower() == dn.lower()), None
    )
    if match is None:
        raise Invalid("lookup_dn", "that group is not in the directory copy of the site; use Enter DN manually")
    kind = "ad_security_group" if match["kind"] == "security" else "ad_distribution_group"
    return {"kind": kind, "dn": match["dn"], "chosen_by": "lookup"}


__all__ = ["definition_from_form", "group_from_form", "schedule_from_form", "site_from_form", "validate"]
