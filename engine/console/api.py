"""The console's REST API (JSON; the OpenAPI document at /api/openapi.json).

Administrators authenticate with a session (from POST /api/session, as a bearer token
or the browser's cookie) or an API token; read-only administrators may only read.
Sites authenticate with their binding key under /api/site/…, and a key reaches only
its own site's tasks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, make_response, request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.errors import Forbidden, Unauthorized
from engine.model import (
    MAX_INT,
    DefinitionIn,
    EngineVersion,
    Int,
    Progress,
    ScheduleIn,
    SiteChange,
    SiteIn,
    TaskIn,
    TaskType,
)
from engine.webapi import Api, Query

from .store import ConsoleStore
from .workflows import Workflows

SESSION_COOKIE = "synceng_session"
STATUSES = ("Pending", "Scheduled", "Running", "Completed", "Disabled")


class _Model(BaseModel):
    # patterns read the way the OpenAPI fuzzers (and Python clients) read them: `$` also
    # before a final newline, as in Python, not only at the very end as in Rust's regex
    model_config = ConfigDict(extra="forbid", regex_engine="python-re")


class LoginIn(_Model):
    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class TokenIn(_Model):
    name: str = Field(min_length=1, max_length=120)


#: what the schema promises a task change is: one or both ids, nothing else
_TASK_CHANGE_SCHEMA = {
    "type": "object",
    "title": "TaskChangeIn",
    "description": "T1/T2: only the schedule and the definition (of the same type) change",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {
        "schedule_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
        "definition_id": {"type": "integer", "minimum": 1, "maximum": MAX_INT},
    },
}


class TaskChangeIn(BaseModel):
    """Only schedule_id and definition_id may change (T1/T2); anything else is
    accepted here so the console can refuse it by name (a site change: "contact
    support"), though the schema, promising only what is accepted, lists the two."""

    model_config = ConfigDict(extra="allow", json_schema_extra=lambda schema: schema.update(_TASK_CHANGE_SCHEMA))
    schedule_id: Int | None = Field(default=None, ge=1, le=MAX_INT)
    definition_id: Int | None = Field(default=None, ge=1, le=MAX_INT)


class HeartbeatIn(_Model):
    engine_version: EngineVersion | None = None
    host_os: str | None = Field(default=None, max_length=100)


class AckIn(_Model):
    version: Int = Field(ge=0, le=MAX_INT)


class LogIn(_Model):
    task_id: Int = Field(ge=1, le=MAX_INT)
    lines: list[str] = Field(max_length=10_000)


class DirectoryGroupIn(_Model):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)
    kind: str | None = Field(default=None, pattern=r"^(security|distribution|unified)$")
    members: Int = Field(default=0, ge=0, le=MAX_INT)


class DirectoryUserIn(_Model):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)


class DirectoryIn(_Model):
    """The directory copy; each group's and each user's id appears once (400 otherwise)."""

    groups: list[DirectoryGroupIn] = Field(default_factory=list, max_length=200_000)
    users: list[DirectoryUserIn] = Field(default_factory=list, max_length=200_000)

    @field_validator("groups", "users")
    @classmethod
    def _unique_ids(cls, value: list[Any]) -> list[Any]:
        seen: set[str] = set()
        for entry in value:
            if entry.id in seen:
                raise ValueError(f"the id {entry.id!r} appears twice")
            seen.add(entry.id)
        return value


def console_api(
    store: ConsoleStore, flows: Workflows, archive_url: Callable[[], str | None] | str | None = None
) -> tuple[Blueprint, Api]:
    bp = Blueprint("console_api", __name__)

    def authenticate(level: str) -> Any:
        if level == "public":
            return None
        header = request.headers.get("Authorization", "")
        secret = header[7:].strip() if header.startswith("Bearer ") else ""
        if level == "site":
            if not secret:
                raise Unauthorized("Authorization", "a site binding key is required (Authorization: Bearer …)")
            site_id = store.site_for_key(secret)
            if site_id is None:
                raise Unauthorized("Authorization", "no site is registered with this binding key")
            return site_id
        secret = secret or request.cookies.get(SESSION_COOKIE, "")
        admin = store.admin_for(secret) if secret else None
        if admin is None:
            raise Unauthorized("Authorization", "log in (POST /api/session) or send an API token")
        if level == "write" and admin["role"] != "admin":
            raise Forbidden("role", "read-only administrators cannot change anything")
        return admin

    api = Api(
        bp,
        "synceng administration console",
        "1.0",
        authenticate,
        security={
            "bearer": {"type": "http", "scheme": "bearer"},
            "session": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE},
        },
        auth_schemes={"read": ["bearer", "session"], "write": ["bearer", "session"], "site": ["bearer"]},
    )
    not_found = {404: "Not found"}

    @api.route("GET", "/api/openapi.json", "This document", auth="public", tags=["meta"])
    def openapi(_: Any) -> dict[str, Any]:
        return api.openapi()

    # -- administrators ----------------------------------------------------------------------

    @api.route(
        "POST",
        "/api/session",
        "Log in: a session token (also set as a cookie)",
        auth="public",
        body=LoginIn,
        status=201,
        tags=["auth"],
        responses={401: "Wrong email or password"},
    )
    def login(_: Any, body: LoginIn) -> Response:
        token, admin = store.login(body.email, body.password)
        response = make_response(jsonify(token=token, admin=admin), 201)
        response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="Lax")
        return response

    @api.route("DELETE", "/api/session", "Log out", auth="read", tags=["auth"])
    def logout(_: Any) -> Response:
        header = request.headers.get("Authorization", "")
        store.logout(header[7:].strip() if header.startswith("Bearer ") else request.cookies.get(SESSION_COOKIE, ""))
        response = make_response(jsonify(ok=True))
        response.delete_cookie(SESSION_COOKIE)
        return response

    @api.route(
        "POST",
        "/api/tokens",
        "Create an API token for scripts (shown once)",
        auth="write",
        body=TokenIn,
        status=201,
        tags=["auth"],
    )
    def create_token(admin: dict[str, Any], body: TokenIn) -> dict[str, Any]:
        return {"token": store.create_api_token(admin["id"], body.name), "name": body.name}

    # -- sites ---------------------------------------------------------------------------------

    @api.route(
        "GET",
        "/api/sites",
        "Sites with their status (Active while heartbeats are < 10 min old)",
        auth="read",
        tags=["sites"],
    )
    def list_sites(_: Any) -> dict[str, Any]:
        return {"sites": store.sites()}

    @api.route(
        "POST",
        "/api/sites",
        "Register a site: its binding key is shown once",
        auth="write",
        body=SiteIn,
        status=201,
        tags=["sites"],
        responses={409: "The code is taken"},
    )
    def register_site(_: Any, body: SiteIn) -> dict[str, Any]:
        site, key = flows.register_site(body)
        return {"site": site, "binding_key": key}

    @api.route("GET", "/api/sites/<int:site_id>", "One site", auth="read", tags=["sites"], responses=not_found)
    def get_site(_: Any, site_id: int) -> dict[str, Any]:
        return store.site(site_id)

    @api.route(
        "PATCH",
        "/api/sites/<int:site_id>",
        "Change a site (enable/disable, description, zone, EWS)",
        auth="write",
        body=SiteChange,
        tags=["sites"],
        responses=not_found,
    )
    def change_site(_: Any, site_id: int, body: SiteChange) -> dict[str, Any]:
        return store.change_site(site_id, body)

    # -- schedules and definitions ---------------------------------------------------------------

    @api.route("GET", "/api/schedules", "Schedules", auth="read", tags=["schedules"])
    def list_schedules(_: Any) -> dict[str, Any]:
        return {"schedules": store.schedules()}

    @api.route(
        "POST",
        "/api/schedules",
        "Create a schedule",
        auth="write",
        body=ScheduleIn,
        status=201,
        tags=["schedules"],
        responses={409: "The name is taken"},
    )
    def create_schedule(admin: dict[str, Any], body: ScheduleIn) -> dict[str, Any]:
        return store.create_schedule(body, admin["email"])

    @api.route(
        "GET", "/api/schedules/<int:schedule_id>", "One schedule", auth="read", tags=["schedules"], responses=not_found
    )
    def get_schedule(_: Any, schedule_id: int) -> dict[str, Any]:
        return store.schedule(schedule_id)

    @api.route(
        "PUT",
        "/api/schedules/<int:schedule_id>",
        "Replace a schedule (its tasks are rescheduled)",
        auth="write",
        body=ScheduleIn,
        tags=["schedules"],
        responses={**not_found, 409: "The name is taken"},
    )
    def update_schedule(admin: dict[str, Any], schedule_id: int, body: ScheduleIn) -> dict[str, Any]:
        return store.update_schedule(schedule_id, body, admin["email"])

    @api.route(
        "DELETE",
        "/api/schedules/<int:schedule_id>",
        "Delete a schedule no task uses",
        auth="write",
        tags=["schedules"],
        responses={**not_found, 409: "Used by tasks (named)"},
    )
    def delete_schedule(_: Any, schedule_id: int) -> dict[str, Any]:
        store.delete_schedule(schedule_id)
        return {"deleted": schedule_id}

    @api.route(
        "GET",
        "/api/definitions",
        "Definitions",
        auth="read",
        tags=["definitions"],
        query=[Query("type", choices=tuple(t.value for t in TaskType))],
    )
    def list_definitions(_: Any, type: str | None) -> dict[str, Any]:
        return {"definitions": store.definitions(type)}

    @api.route(
        "POST",
        "/api/definitions",
        "Create a definition",
        auth="write",
        body=DefinitionIn,
        status=201,
        tags=["definitions"],
        responses={409: "The name is taken"},
    )
    def create_definition(admin: dict[str, Any], body: DefinitionIn) -> dict[str, Any]:
        return store.create_definition(body, admin["email"])

    @api.route(
        "GET",
        "/api/definitions/<int:definition_id>",
        "One definition",
        auth="read",
        tags=["definitions"],
        responses=not_found,
    )
    def get_definition(_: Any, definition_id: int) -> dict[str, Any]:
        return store.definition(definition_id)

    @api.route(
        "PUT",
        "/api/definitions/<int:definition_id>",
        "Replace a definition (same type while tasks use it)",
        auth="write",
        body=DefinitionIn,
        tags=["definitions"],
        responses={**not_found, 409: "Conflict"},
    )
    def update_definition(admin: dict[str, Any], definition_id: int, body: DefinitionIn) -> dict[str, Any]:
        return store.update_definition(definition_id, body, admin["email"])

    @api.route(
        "DELETE",
        "/api/definitions/<int:definition_id>",
        "Delete a definition no task uses",
        auth="write",
        tags=["definitions"],
        responses={**not_found, 409: "Used by tasks (named)"},
    )
    def delete_definition(_: Any, definition_id: int) -> dict[str, Any]:
        store.delete_definition(definition_id)
        return {"deleted": definition_id}

    @api.route(
        "GET",
        "/api/directory/groups",
        "Lookup from AD: search the directory copy sites upload",
        auth="read",
        query=[Query("q", description="part of a name, DN or address"), Query("site_id", int, minimum=1)],
        tags=["directory"],
    )
    def lookup(_: Any, q: str | None, site_id: int | None) -> dict[str, Any]:
        return {"groups": store.lookup_groups(q or "", site_id)}

    # -- tasks -----------------------------------------------------------------------------------

    @api.route(
        "GET",
        "/api/tasks",
        "Tasks, filtered",
        auth="read",
        tags=["tasks"],
        query=[
            Query("site_id", int, minimum=1),
            Query("type", choices=tuple(t.value for t in TaskType)),
            Query("status", choices=STATUSES),
        ],
    )
    def list_tasks(_: Any, site_id: int | None, type: str | None, status: str | None) -> dict[str, Any]:
        return {"tasks": store.tasks(site_id, type, status)}

    @api.route(
        "POST",
        "/api/tasks",
        "Create a task (site, type, definition, schedule, group)",
        auth="write",
        body=TaskIn,
        status=201,
        tags=["tasks"],
        responses={
            404: "The site, definition or schedule named does not exist",
            409: "The parts do not fit (definition of another type, group kind the site's version lacks, "
            "a looked-up group the site's directory copy does not hold)",
        },
    )
    def create_task(admin: dict[str, Any], body: TaskIn) -> dict[str, Any]:
        return flows.create_task(body, admin["email"])

    @api.route(
        "GET",
        "/api/tasks/<int:task_id>",
        "A task: Options, Information, mailboxes and log",
        auth="read",
        tags=["tasks"],
        responses=not_found,
    )
    def get_task(_: Any, task_id: int) -> dict[str, Any]:
        return store.task(task_id)

    @api.route(
        "PATCH",
        "/api/tasks/<int:task_id>",
        "Change a task's schedule and/or definition (T1, T2)",
        auth="write",
        body=TaskChangeIn,
        tags=["tasks"],
        responses={**not_found, 409: "A definition of another type"},
    )
    def change_task(admin: dict[str, Any], task_id: int, body: TaskChangeIn) -> dict[str, Any]:
        raw = body.model_dump(exclude_unset=True)
        return store.change_task(task_id, raw, admin["email"])

    @api.route(
        "DELETE",
        "/api/tasks/<int:task_id>",
        "Remove a task (R9: needs confirm=true; resets Full Views)",
        auth="write",
        query=[Query("confirm", bool)],
        tags=["tasks"],
        responses={
            **not_found,
            409: "Not confirmed: the answer carries the Full View warning",
            503: "The archive platform is unreachable",
        },
    )
    def delete_task(admin: dict[str, Any], task_id: int, confirm: bool | None) -> dict[str, Any]:
        return flows.delete_task(task_id, bool(confirm), admin["email"])

    @api.route(
        "GET",
        "/api/activity",
        "Recent task activity (task log lines)",
        auth="read",
        tags=["tasks"],
        query=[Query("limit", int, minimum=1, maximum=1000)],
    )
    def activity(_: Any, limit: int | None) -> dict[str, Any]:
        return {"activity": store.recent_activity(limit or 20)}

    # -- the site-facing API -----------------------------------------------------------------------

    @api.route(
        "POST", "/api/site/heartbeat", "Heartbeat (at least every 120 s)", auth="site", body=HeartbeatIn, tags=["site"]
    )
    def heartbeat(site_id: int, body: HeartbeatIn) -> dict[str, Any]:
        return flows.heartbeat(site_id, body.engine_version, body.host_os)

    @api.route(
        "GET",
        "/api/site/config",
        "The site's configuration; ETag = version (If-None-Match → 304)",
        auth="site",
        tags=["site"],
        responses={304: "Unchanged"},
    )
    def config(site_id: int) -> Response:
        version = str(store.config_version(site_id))
        if request.headers.get("If-None-Match", "").strip('"') == version:
            response = make_response("", 304)
        else:
            payload = store.site_config(site_id)
            payload["archive_url"] = archive_url() if callable(archive_url) else archive_url
            response = make_response(jsonify(payload))
        response.headers["ETag"] = f'"{version}"'
        return response

    @api.route(
        "POST",
        "/api/site/ack",
        "Acknowledge a configuration version (tasks leave Pending)",
        auth="site",
        body=AckIn,
        tags=["site"],
        responses={409: "A version the console never issued"},
    )
    def ack(site_id: int, body: AckIn) -> dict[str, Any]:
        return store.acknowledge(site_id, body.version)

    @api.route(
        "POST",
        "/api/site/progress",
        "Report a task's progress and per-mailbox results",
        auth="site",
        body=Progress,
        tags=["site"],
        responses={404: "Not this site's task"},
    )
    def progress(site_id: int, body: Progress) -> dict[str, Any]:
        return store.report_progress(site_id, body)

    @api.route(
        "POST",
        "/api/site/log",
        "Append task log lines (T10)",
        auth="site",
        body=LogIn,
        tags=["site"],
        responses={404: "Not this site's task"},
    )
    def log(site_id: int, body: LogIn) -> dict[str, Any]:
        return {"appended": store.append_log(site_id, body.task_id, body.lines)}

    @api.route(
        "POST",
        "/api/site/directory",
        "Upload the directory copy (directory sync, ADR)",
        auth="site",
        body=DirectoryIn,
        tags=["site"],
    )
    def directory(site_id: int, body: DirectoryIn) -> dict[str, Any]:
        groups = [g.model_dump() for g in body.groups]
        users = [u.model_dump() for u in body.users]
        return {"stored": store.upload_directory(site_id, groups, users)}

    return bp, api
