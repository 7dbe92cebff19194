"""The pages' forms read into the same domain models as the REST API's bodies; a form
that breaks a rule is refused as :class:`~engine.errors.Invalid`, naming the field."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from engine.errors import Invalid
from engine.model import DefinitionIn, ScheduleIn, SiteIn
from engine.webapi import invalid_input

from ..store import ConsoleStore
from .definition_form import read_definition
from .fields import FormReader

M = TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, "form") from exc


def read_schedule(form: Any, prefix: str = "") -> tuple[ScheduleIn | None, FormReader]:
    """The schedule fields of a form (``prefix`` for the New Task page's Create New),
    and the reader holding what they break, each error at its field."""
    r = FormReader(form, prefix)
    r.words = [("end must be after start", "end"), ("interval_minutes must be", "interval"), ("needs end and", None)]
    r.at(("spec",), "kind")
    kind = r.text("kind", "spec", "kind") or "daily"
    mode = r.text("mode", "spec", "times", "mode") or "once"
    times: dict[str, Any] = {"mode": mode, "start": r.text("start", "spec", "times", "start") or None}
    if mode == "many":
        r.at(("spec", "times"), "end")
        times["end"] = r.text("end", "spec", "times", "end") or None
        times["interval_minutes"] = r.text("interval", "spec", "times", "interval_minutes") or None
        for name, key in (("end", "end"), ("interval", "interval_minutes")):
            if times[key] is None:
                r.refuse(name, "this is required when it runs many times a day")
    spec: dict[str, Any] = {"kind": kind}
    if kind == "one_off":
        spec["at"] = r.text("at", "spec", "at") or None
    elif kind == "weekly":
        r.at(("spec", "weekdays"), "weekdays")
        spec["weekdays"] = form.getlist(prefix + "weekdays")
        spec["times"] = times
    else:
        spec["times"] = times
    return r.validate(ScheduleIn, {"name": r.text("name"), "spec": spec}), r


def schedule_from_form(form: Any, prefix: str = "") -> ScheduleIn:
    """The schedule of a form, or :class:`FormInvalid` with every error it has."""
    schedule, reader = read_schedule(form, prefix)
    return reader.result(schedule)


def definition_from_form(form: Any, type_: str, prefix: str = "") -> DefinitionIn:
    """The definition of a form, or :class:`FormInvalid` with every error it has."""
    definition, reader = read_definition(form, type_, prefix)
    return reader.result(definition)


def site_from_form(form: Any) -> SiteIn:
    r = FormReader(form)
    r.at(("ews",), "ews_endpoint")
    data = {
        "code": r.text("code"),
        "description": r.text("description"),
        "engine_version": r.text("engine_version") or "2.7.0",
        "time_zone": r.text("time_zone") or "UTC",
        "directory_type": r.text("directory_type") or "active_directory",
        "ews": {
            "endpoint": r.text("ews_endpoint", "ews", "endpoint"),
            "service_account": r.text("ews_account", "ews", "service_account"),
            "password": r.text("ews_password", "ews", "password") or None,
            "impersonation": r.flag("ews_impersonation", "ews", "impersonation"),
        },
    }
    return r.result(r.validate(SiteIn, data))


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


__all__ = [
    "definition_from_form",
    "group_from_form",
    "read_schedule",
    "schedule_from_form",
    "site_from_form",
    "validate",
]
