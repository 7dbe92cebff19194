"""What sites call, with their binding key (a key reaches only its own site's tasks):
heartbeat, configuration download and acknowledgement, progress, the task log and the
directory copy."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, make_response, request
from pydantic import Field, field_validator

from engine.model import MAX_INT, EngineVersion, Int, Progress
from engine.webapi import Resource, StrictBody

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource("site")


class HeartbeatIn(StrictBody):
    engine_version: EngineVersion | None = None
    host_os: str | None = Field(default=None, max_length=100)


class AckIn(StrictBody):
    version: Int = Field(ge=0, le=MAX_INT)


class LogIn(StrictBody):
    task_id: Int = Field(ge=1, le=MAX_INT)
    lines: list[str] = Field(max_length=10_000)


class DirectoryGroupIn(StrictBody):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)
    kind: str | None = Field(default=None, pattern=r"^(security|distribution|unified)$")
    members: Int = Field(default=0, ge=0, le=MAX_INT)


class DirectoryUserIn(StrictBody):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=256)
    dn: str | None = Field(default=None, max_length=1024)
    mail: str | None = Field(default=None, max_length=254)


class DirectoryIn(StrictBody):
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


@routes.route("POST", "/api/site/heartbeat", auth="site", body=HeartbeatIn)
def heartbeat(console: ConsoleContext, site_id: int, body: HeartbeatIn) -> dict[str, Any]:
    """Heartbeat (at least every 120 s)"""
    return console.flows.heartbeat(site_id, body.engine_version, body.host_os)


@routes.route("GET", "/api/site/config", auth="site", responses={304: "Unchanged"})
def config(console: ConsoleContext, site_id: int) -> Response:
    """The site's configuration; ETag = version (If-None-Match → 304)"""
    version = str(console.store.config_version(site_id))
    if request.headers.get("If-None-Match", "").strip('"') == version:
        response = make_response("", 304)
    else:
        payload = console.store.site_config(site_id)
        payload["archive_url"] = console.archive_address()
        response = make_response(jsonify(payload))
    response.headers["ETag"] = f'"{version}"'
    return response


@routes.route("POST", "/api/site/ack", auth="site", body=AckIn, responses={409: "A version the console never issued"})
def ack(console: ConsoleContext, site_id: int, body: AckIn) -> dict[str, Any]:
    """Acknowledge a configuration version (tasks leave Pending)"""
    return console.store.acknowledge(site_id, body.version)


@routes.route("POST", "/api/site/progress", auth="site", body=Progress, responses={404: "Not this site's task"})
def progress(console: ConsoleContext, site_id: int, body: Progress) -> dict[str, Any]:
    """Report a task's progress and per-mailbox results"""
    return console.store.report_progress(site_id, body)


@routes.route("POST", "/api/site/log", auth="site", body=LogIn, responses={404: "Not this site's task"})
def log(console: ConsoleContext, site_id: int, body: LogIn) -> dict[str, Any]:
    """Append task log lines (T10)"""
    return {"appended": console.store.append_log(site_id, body.task_id, body.lines)}


@routes.route("POST", "/api/site/directory", auth="site", body=DirectoryIn)
def directory(console: ConsoleContext, site_id: int, body: DirectoryIn) -> dict[str, Any]:
    """Upload the directory copy (directory sync, ADR)"""
    groups = [g.model_dump() for g in body.groups]
    users = [u.model_dump() for u in body.users]
    return {"stored": console.store.upload_directory(site_id, groups, users)}
