"""The Administration Console pages (server-rendered, minimal JavaScript), following the
seed's flows: log in → Exchange Services dashboard → New Exchange Task (site; schedule
with Create New; type; definition with Create New; group by Lookup from AD, Enter DN
manually, or Enter group email address / ';' list) → the task's Options and
Information → change schedule or definition → Remove Task (warning, OK/Cancel).
Plus the schedules, definitions and sites pages and the Exchange Folders browser.

Forms are validated by the same domain models as the REST API; errors name the field.
Every form carries a CSRF token derived from the session.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, abort, current_app, make_response, redirect, render_template, request, url_for
from pydantic import BaseModel, ValidationError

from engine.errors import DomainError, NotFound, Unauthorized
from engine.model import DefinitionIn, ScheduleIn, SiteChange, SiteIn, TaskIn, TaskType, valid_address
from engine.webapi import status_of

from .archive_client import ArchiveClient
from .auth import SESSION_COOKIE
from .common import R9_WARNING
from .store import ConsoleStore
from .workflows import Workflows

M = TypeVar("M", bound=BaseModel)
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


class FormError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def validate(model: type[M], data: dict[str, Any]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise FormError(".".join(str(p) for p in first["loc"]) or "form", first["msg"]) from exc


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


def group_from_form(form: Any, store: ConsoleStore, site_id: int | None) -> dict[str, Any]:
    mode = form.get("group_mode", "")
    if mode == "lookup":
        dn = str(form.get("lookup_dn", "")).strip()
        if not dn:
            raise FormError("lookup_dn", "choose a group from the directory")
        match = next(
            (g for g in store.lookup_groups(dn, site_id, limit=500) if (g["dn"] or "").lower() == dn.lower()), None
        )
        if match is None:
            raise FormError("lookup_dn", "that group is not in the directory copy of the site; use Enter DN manually")
        kind = "ad_security_group" if match["kind"] == "security" else "ad_distribution_group"
        return {"kind": kind, "dn": match["dn"], "chosen_by": "lookup"}
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
    raise FormError("group_mode", "choose how to pick the group")


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


def nest(folders: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The archive's flat folder list in tree order, each folder with its ``depth``
    (a folder whose parent is not in the view is a root)."""
    ids = {f["id"] for f in folders}
    children: dict[str | None, list[dict[str, Any]]] = {}
    for f in folders:
        children.setdefault(f["parent_id"] if f["parent_id"] in ids else None, []).append(f)
    out: list[dict[str, Any]] = []
    stack = [(f, 0) for f in reversed(children.get(None, []))]
    seen: set[str] = set()
    while stack:
        folder, depth = stack.pop()
        if folder["id"] in seen:
            continue
        seen.add(folder["id"])
        out.append({**folder, "depth": depth})
        stack.extend((child, depth + 1) for child in reversed(children.get(folder["id"], [])))
    out.extend({**f, "depth": 0} for f in folders if f["id"] not in seen)  # parent cycles in bad data
    return out


def pages_blueprint(store: ConsoleStore, archive: ArchiveClient | None, flows: Workflows) -> Blueprint:
    bp = Blueprint("pages", __name__)
    bp.add_app_template_filter(schedule_text, "schedule_text")
    bp.add_app_template_filter(site_time, "site_time")

    @bp.before_request
    def refuse_nul() -> None:
        # NUL is the one character PostgreSQL cannot store: refuse it before any form is read
        for values in (request.args, request.form if request.method == "POST" else {}):
            for key, value in values.items():
                if "\x00" in key or "\x00" in value:
                    abort(400, "text may not contain NUL characters")

    def current_admin() -> dict[str, Any] | None:
        token = request.cookies.get(SESSION_COOKIE, "")
        return store.admin_for(token) if token else None

    def csrf_token() -> str:
        key = str(current_app.config["SECRET_KEY"]).encode()
        return hmac.new(key, request.cookies.get(SESSION_COOKIE, "").encode(), hashlib.sha256).hexdigest()[:32]

    F = TypeVar("F", bound=Callable[..., Any])

    def login_required(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            admin = current_admin()
            if admin is None:
                return redirect(url_for("pages.login", next=request.path))
            if request.method == "POST":
                if not hmac.compare_digest(request.form.get("csrf", ""), csrf_token()):
                    abort(400, "the form expired; reload the page")
                if admin["role"] != "admin":
                    abort(403, "read-only administrators cannot change anything")
            return view(admin, *args, **kwargs)

        return wrapper  # type: ignore[return-value]

    def render(template: str, admin: dict[str, Any] | None, **context: Any) -> str:
        return render_template(
            template, admin=admin, csrf=csrf_token(), TaskType=TaskType, weekdays=WEEKDAYS, **context
        )

    # -- login ---------------------------------------------------------------------------------

    @bp.route("/login", methods=["GET", "POST"])
    def login() -> Any:
        error = None
        if request.method == "POST":
            try:
                token, _ = store.login(request.form.get("email", ""), request.form.get("password", ""))
            except Unauthorized as exc:
                error = exc.message
            else:
                target = request.args.get("next", "")
                response = make_response(
                    redirect(
                        target if target.startswith("/") and not target.startswith("//") else url_for("pages.dashboard")
                    )
                )
                response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax")
                return response
        return render("login.html", None, error=error, email=request.form.get("email", ""))

    @bp.post("/logout")
    def logout() -> Response:
        token = request.cookies.get(SESSION_COOKIE, "")
        if token:
            store.logout(token)
        response = make_response(redirect(url_for("pages.login")))
        response.delete_cookie(SESSION_COOKIE)
        return response

    @bp.get("/")
    def home() -> Any:
        return redirect(url_for("pages.dashboard"))

    # -- the dashboard -------------------------------------------------------------------------

    @bp.get("/exchange-services")
    @login_required
    def dashboard(admin: dict[str, Any]) -> str:
        return render(
            "dashboard.html",
            admin,
            sites=store.sites(),
            schedules=store.schedules(),
            definitions=store.definitions(),
            tasks=store.tasks()[-10:],
            activity=store.recent_activity(15),
        )

    @bp.get("/tasks")
    @login_required
    def tasks(admin: dict[str, Any]) -> str:
        status = request.args.get("status") or None
        return render("tasks.html", admin, tasks=store.tasks(status=status), status=status)

    # -- New Exchange Task -------------------------------------------------------------------------

    def new_task_page(admin: dict[str, Any], form: Any, error: FormError | None = None) -> str:
        return render(
            "task_new.html",
            admin,
            sites=store.sites(),
            schedules=store.schedules(),
            definitions=store.definitions(),
            groups=store.lookup_groups("", None, limit=500),
            form=form,
            error=error,
        )

    @bp.get("/tasks/new")
    @login_required
    def new_task(admin: dict[str, Any]) -> str:
        return new_task_page(admin, request.args)

    @bp.post("/tasks/new")
    @login_required
    def create_task(admin: dict[str, Any]) -> Any:
        form = request.form
        try:
            site_raw = form.get("site_id", "")
            if not site_raw.isdigit():
                raise FormError("site_id", "choose a site")
            type_ = form.get("type", "")
            if type_ not in {t.value for t in TaskType}:
                raise FormError("type", "choose a task type")
            group = group_from_form(form, store, int(site_raw))
            new_schedule = schedule_from_form(form, "new_schedule_") if form.get("schedule_id") == "new" else None
            new_definition = (
                definition_from_form(form, type_, "new_definition_") if form.get("definition_id") == "new" else None
            )
            # validate the task itself (with placeholder ids for what is still to be created)
            schedule_id = 1 if new_schedule else form.get("schedule_id")
            definition_id = 1 if new_definition else form.get("definition_id")
            validate(
                TaskIn,
                {
                    "site_id": site_raw,
                    "type": type_,
                    "schedule_id": schedule_id or None,
                    "definition_id": definition_id or None,
                    "group": group,
                },
            )
            with store.transaction():  # a refused task leaves no new schedule or definition behind
                if new_schedule is not None:
                    schedule_id = store.create_schedule(new_schedule, admin["email"])["id"]
                if new_definition is not None:
                    definition_id = store.create_definition(new_definition, admin["email"])["id"]
                spec = validate(
                    TaskIn,
                    {
                        "site_id": site_raw,
                        "type": type_,
                        "schedule_id": schedule_id,
                        "definition_id": definition_id,
                        "group": group,
                    },
                )
                task = flows.create_task(spec, admin["email"])
        except FormError as exc:
            return new_task_page(admin, form, exc), 400
        except DomainError as exc:
            return new_task_page(admin, form, FormError(exc.field, exc.message)), status_of(exc)
        return redirect(url_for("pages.task", task_id=task["id"]))

    # -- one task ---------------------------------------------------------------------------------

    def task_page(admin: dict[str, Any], task_id: int, error: FormError | None = None) -> str:
        try:
            task = store.task(task_id)
        except NotFound:
            abort(404)
        return render(
            "task.html",
            admin,
            task=task,
            schedules=store.schedules(),
            definitions=store.definitions(task["type"]),
            error=error,
            warning=R9_WARNING,
        )

    @bp.get("/tasks/<int:task_id>")
    @login_required
    def task(admin: dict[str, Any], task_id: int) -> str:
        return task_page(admin, task_id)

    @bp.post("/tasks/<int:task_id>/change")
    @login_required
    def change_task(admin: dict[str, Any], task_id: int) -> Any:
        change: dict[str, Any] = {}
        for key in ("schedule_id", "definition_id"):
            value = request.form.get(key, "")
            if value:
                if not value.isdigit():
                    return task_page(admin, task_id, FormError(key, "choose one")), 400
                change[key] = int(value)
        try:
            store.change_task(task_id, change, admin["email"])
        except DomainError as exc:
            return task_page(admin, task_id, FormError(exc.field, exc.message)), status_of(exc)
        return redirect(url_for("pages.task", task_id=task_id))

    @bp.post("/tasks/<int:task_id>/remove")
    @login_required
    def remove_task(admin: dict[str, Any], task_id: int) -> Any:
        confirm = request.form.get("confirm") == "true"
        try:
            flows.delete_task(task_id, confirm, admin["email"])
        except DomainError as exc:
            return task_page(admin, task_id, FormError(exc.field, exc.message)), status_of(exc)
        return redirect(url_for("pages.tasks"))

    # -- schedules, definitions, sites ----------------------------------------------------------------

    @bp.route("/schedules", methods=["GET", "POST"])
    @login_required
    def schedules(admin: dict[str, Any]) -> Any:
        error = None
        if request.method == "POST":
            try:
                if request.form.get("delete"):
                    store.delete_schedule(int(request.form["delete"]))
                else:
                    store.create_schedule(schedule_from_form(request.form), admin["email"])
                return redirect(url_for("pages.schedules"))
            except FormError as exc:
                error = exc
            except DomainError as exc:
                error = FormError(exc.field, exc.message)
        return render("schedules.html", admin, schedules=store.schedules(), error=error, form=request.form), (
            400 if error else 200
        )

    @bp.route("/definitions", methods=["GET", "POST"])
    @login_required
    def definitions(admin: dict[str, Any]) -> Any:
        error = None
        if request.method == "POST":
            try:
                if request.form.get("delete"):
                    store.delete_definition(int(request.form["delete"]))
                else:
                    type_ = request.form.get("type", "")
                    if type_ not in {t.value for t in TaskType}:
                        raise FormError("type", "choose a task type")
                    store.create_definition(definition_from_form(request.form, type_), admin["email"])
                return redirect(url_for("pages.definitions"))
            except FormError as exc:
                error = exc
            except DomainError as exc:
                error = FormError(exc.field, exc.message)
        return render("definitions.html", admin, definitions=store.definitions(), error=error, form=request.form), (
            400 if error else 200
        )

    @bp.route("/sites", methods=["GET", "POST"])
    @login_required
    def sites(admin: dict[str, Any]) -> Any:
        error, key, registered = None, None, None
        if request.method == "POST":
            form = request.form
            try:
                if form.get("toggle"):
                    site_id = int(form["toggle"])
                    store.change_site(site_id, SiteChange(enabled=form.get("enabled") == "true"))
                    return redirect(url_for("pages.sites"))
                spec = validate(
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
                registered, key = flows.register_site(spec)
            except FormError as exc:
                error = exc
            except DomainError as exc:
                error = FormError(exc.field, exc.message)
        return render(
            "sites.html", admin, sites=store.sites(), error=error, key=key, registered=registered, form=request.form
        ), (400 if error else 200)

    # -- Exchange Folders ----------------------------------------------------------------------------

    @bp.get("/exchange-folders")
    @login_required
    def folders(admin: dict[str, Any]) -> Any:
        mailbox = (request.args.get("mailbox") or "").strip().lower()
        view = request.args.get("view", "live")
        if view not in ("live", "full"):
            view = "live"
        as_of_text = request.args.get("as_of", "")
        as_of = None
        error = None
        if mailbox:
            try:
                mailbox = valid_address(mailbox)
            except ValueError as exc:
                error = FormError("mailbox", str(exc))
        if as_of_text and view == "full" and error is None:
            try:
                as_of = datetime.fromisoformat(as_of_text)
                as_of = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
            except ValueError:
                error = FormError("as_of", "not a date and time")
        tree: list[dict[str, Any]] = []
        listing = None
        folder = request.args.get("folder", "")
        offset = int(request.args.get("offset", "0") or 0) if (request.args.get("offset", "0") or "0").isdigit() else 0
        if mailbox and archive is not None and error is None:
            try:
                tree = nest(archive.folders(mailbox, view, as_of))
                if folder:
                    listing = archive.items(mailbox, folder, view, as_of, offset, 50)
            except DomainError as exc:
                error = FormError(exc.field, exc.message)
        mailboxes = sorted({m["mailbox"] for t in store.tasks() for m in store.task(t["id"]).get("mailboxes", [])})
        return render(
            "folders.html",
            admin,
            mailbox=mailbox,
            view=view,
            as_of=as_of_text,
            tree=tree,
            listing=listing,
            folder=folder,
            offset=offset,
            error=error,
            mailboxes=mailboxes,
            archive=archive is not None,
        )

    return bp
