"""A definition's form: every option of the four types (domain.md §1), read into
:class:`~engine.model.DefinitionIn` with each error at its field, and a stored
definition written back as the form's values (the Edit page starts from them).

Rows (full-sync exclusion windows, managed folders) are numbered inputs,
``window_start-2``: an unticked checkbox sends nothing, so repeated names could not be
paired up.  Managed Folders policies are ``pol_<policy>_<part>``, the policy being
``default``, a well-known folder (``inbox``…) or ``mf<row>``."""

from __future__ import annotations

import re
from typing import Any

from werkzeug.datastructures import MultiDict

from engine.model import WELL_KNOWN_POLICY_FOLDERS, DefinitionIn

from .fields import FormReader, Loc

#: rows offered beyond those filled in, and the fewest offered
SPARE_ROWS, MIN_ROWS = 1, 3
MFR_FLAGS = ("exclude_inbox", "exclude_sent_items", "exclude_deleted_items", "include_ev_shortcuts")


def read_definition(form: Any, type_: str, prefix: str = "") -> tuple[DefinitionIn | None, FormReader]:
    """The definition of the form's fields for ``type_`` (the other types' fields are
    not read), and the reader holding what they break."""
    r = FormReader(form, prefix)
    r.at(("spec",), "type")
    readers = {"mfr": _mfr, "calendar": _calendar, "msm": _msm, "managed_folders": _managed_folders}
    spec: dict[str, Any] = {"type": type_, **readers[type_](r)} if type_ in readers else {"type": type_}
    return r.validate(DefinitionIn, {"name": r.text("name"), "spec": spec}), r


def _numbered(r: FormReader, name: str) -> list[int]:
    """The row numbers the form has for ``name-<row>``, in order."""
    rows = {int(m.group(1)) for k in r.form if (m := re.fullmatch(re.escape(r.prefix + name) + r"-(\d+)", k))}
    return sorted(rows)


def _mfr(r: FormReader) -> dict[str, Any]:
    spec: dict[str, Any] = {flag: r.flag(flag, "spec", flag) for flag in MFR_FLAGS}
    windows: list[dict[str, Any]] = []
    for row in _numbered(r, "window_weekday"):
        at: Loc = ("spec", "full_sync_exclusion_windows", len(windows))
        r.at(at, f"window_end-{row}")  # a window's own rule: its end after its start
        values = {key: r.text(f"window_{key}-{row}", *at, key) or None for key in ("weekday", "start", "end")}
        if any(values.values()):  # an empty row is no window
            windows.append(values)
    spec["full_sync_exclusion_windows"] = windows
    return spec


def _calendar(r: FormReader) -> dict[str, Any]:
    return {"include": r.text("include", "spec", "include") or "default"}


def _split(text: str, separators: str) -> list[str]:
    return [part.strip() for part in re.split(separators, text) if part.strip()]


def _msm(r: FormReader) -> dict[str, Any]:
    action = r.text("action", "spec", "action")
    spec: dict[str, Any] = {
        "action": action or None,
        "older_than_days": r.text("older_than_days", "spec", "older_than_days") or None,
        "min_size_kb": r.text("min_size_kb", "spec", "min_size_kb") or None,
        "include_folders": _split(r.text("include_folders", "spec", "include_folders"), ";"),
        "exclude_folders": _split(r.text("exclude_folders", "spec", "exclude_folders"), ";"),
        "dry_run": r.flag("msm_dry_run", "spec", "dry_run"),
    }
    if action.startswith("attachment"):  # S1: attachment criteria belong to the attachment actions only
        extensions = r.text("attachment_extensions", "spec", "attachment_extensions")
        spec["attachment_extensions"] = _split(extensions, r"[,;\s]+")
        spec["min_attachment_size_kb"] = r.text("min_attachment_size_kb", "spec", "min_attachment_size_kb") or None
    return spec


def _policy(r: FormReader, key: str, loc: Loc) -> dict[str, Any]:
    """One policy's actions (none: normal retention)."""
    p = f"pol_{key}_"
    r.at((*loc, "exchange_delete"), p + "delete_action")
    action = r.text(p + "delete_action", *loc, "exchange_delete", "action")
    days = r.text(p + "delete_days", *loc, "exchange_delete", "lifespan_days")
    unread = r.flag(p + "delete_unread", *loc, "exchange_delete", "delete_unread")
    policy: dict[str, Any] = {}
    if action or days:
        if not action:
            r.refuse(p + "delete_action", "choose what Exchange Delete does")
        policy["exchange_delete"] = {
            "action": action or "move_to_deleted_items",
            "lifespan_days": days or None,
            "delete_unread": unread,
        }
    for part, name in (("expire_view", "expire_days"), ("archive_purge", "purge_days")):
        lifespan = r.text(p + name, *loc, part, "lifespan_days")
        if lifespan:
            policy[part] = {"lifespan_days": lifespan}
    return policy


def _managed_folders(r: FormReader) -> dict[str, Any]:
    """M1: the default policy, the well-known folders' own policies (a folder whose
    policy is "the default" has none), and the managed folders with theirs."""
    spec: dict[str, Any] = {
        "default_policy": _policy(r, "default", ("spec", "default_policy")),
        "dry_run": r.flag("mf_dry_run", "spec", "dry_run"),
    }
    well_known: dict[str, Any] = {}
    for folder in WELL_KNOWN_POLICY_FOLDERS:
        policy = _policy(r, folder, ("spec", "well_known_policies", folder))
        if policy or r.text(f"pol_{folder}_use") == "own":
            well_known[folder] = policy
    spec["well_known_policies"] = well_known
    r.at(("spec", "managed_folders"), "mf_name-0")  # unique names: said at the first row
    folders: list[dict[str, Any]] = []
    for row in _numbered(r, "mf_name"):
        at: Loc = ("spec", "managed_folders", len(folders))
        name = r.text(f"mf_name-{row}", *at, "name")
        policy = _policy(r, f"mf{row}", (*at, "policy"))
        if name or policy:
            folders.append({"name": name, "policy": policy})
    spec["managed_folders"] = folders
    return spec


# -- a stored definition as the form's values ---------------------------------------------------


def definition_values(name: str, spec: dict[str, Any], prefix: str = "") -> MultiDict[str, str]:
    """The form's values for a stored definition (the Edit page's first view)."""
    values: dict[str, str] = {"name": name, "type": str(spec["type"])}
    kind = spec["type"]
    if kind == "mfr":
        values.update({flag: "on" for flag in MFR_FLAGS if spec.get(flag)})
        for row, window in enumerate(spec.get("full_sync_exclusion_windows") or []):
            for key in ("weekday", "start", "end"):
                values[f"window_{key}-{row}"] = str(window[key])[:5] if key != "weekday" else str(window[key])
    elif kind == "calendar":
        values["include"] = spec.get("include", "default")
    elif kind == "msm":
        values.update(_msm_values(spec))
    elif kind == "managed_folders":
        values.update(_policy_values("default", spec.get("default_policy") or {}))
        for folder, policy in (spec.get("well_known_policies") or {}).items():
            values.update(_policy_values(folder, policy), **{f"pol_{folder}_use": "own"})
        for row, folder in enumerate(spec.get("managed_folders") or []):
            values.update(_policy_values(f"mf{row}", folder["policy"]), **{f"mf_name-{row}": folder["name"]})
        values.update({"mf_dry_run": "on"} if spec.get("dry_run") else {})
    return MultiDict({prefix + k: v for k, v in values.items()})


def _msm_values(spec: dict[str, Any]) -> dict[str, str]:
    values = {
        "action": spec["action"],
        "older_than_days": str(spec["older_than_days"]),
        "include_folders": "; ".join(spec.get("include_folders") or []),
        "exclude_folders": "; ".join(spec.get("exclude_folders") or []),
        "attachment_extensions": ", ".join(spec.get("attachment_extensions") or []),
    }
    for key in ("min_size_kb", "min_attachment_size_kb"):
        if spec.get(key):
            values[key] = str(spec[key])
    if spec.get("dry_run"):
        values["msm_dry_run"] = "on"
    return values


def _policy_values(key: str, policy: dict[str, Any]) -> dict[str, str]:
    p = f"pol_{key}_"
    values: dict[str, str] = {}
    delete = policy.get("exchange_delete")
    if delete:
        values.update({p + "delete_action": delete["action"], p + "delete_days": str(delete["lifespan_days"])})
        if delete.get("delete_unread"):
            values[p + "delete_unread"] = "on"
    for part, name in (("expire_view", "expire_days"), ("archive_purge", "purge_days")):
        if policy.get(part):
            values[p + name] = str(policy[part]["lifespan_days"])
    return values


def definition_rows(form: Any, prefix: str = "") -> dict[str, list[int]]:
    """The rows the form shows: those it holds, then a spare one (at least MIN_ROWS)."""
    reader = FormReader(form, prefix)
    shown = {}
    for key, name in (("windows", "window_weekday"), ("folders", "mf_name")):
        rows = _numbered(reader, name)
        filled = [row for row in rows if any(str(form.get(f"{prefix}{k}-{row}", "")).strip() for k in _ROW_KEYS[key])]
        count = max(MIN_ROWS, (max(filled) + 1 if filled else 0) + SPARE_ROWS, len(rows))
        shown[key] = list(range(count))
    return shown


_ROW_KEYS = {"windows": ("window_weekday", "window_start", "window_end"), "folders": ("mf_name",)}

__all__ = ["definition_rows", "definition_values", "read_definition"]
