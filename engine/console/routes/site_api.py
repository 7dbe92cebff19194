"""What sites call, with their binding key (a key reaches only its own site's tasks):
heartbeat, configuration download and acknowledgement, progress, the task log and the
directory copy."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, make_response, request

from engine.webapi import Resource
from engine.wire.site_console import (
    Acked,
    AckIn,
    Appended,
    DirectoryIn,
    Heartbeat,
    HeartbeatIn,
    LogIn,
    Progress,
    SiteConfig,
    Stored,
)
from engine.wire.task_view import TaskView

from ..context import ConsoleContext

routes: Resource[ConsoleContext] = Resource("site")


@routes.route("POST", "/api/site/heartbeat", auth="site", body=HeartbeatIn, answer=Heartbeat)
def heartbeat(console: ConsoleContext, site_id: int, body: HeartbeatIn) -> dict[str, Any]:
    """Heartbeat (at least every 120 s)"""
    return console.flows.heartbeat(site_id, body.engine_version, body.host_os)


@routes.route("GET", "/api/site/config", auth="site", responses={304: "Unchanged"}, answer=SiteConfig)
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


@routes.route(
    "POST",
    "/api/site/ack",
    auth="site",
    body=AckIn,
    responses={409: "A version the console never issued"},
    answer=Acked,
)
def ack(console: ConsoleContext, site_id: int, body: AckIn) -> dict[str, Any]:
    """Acknowledge a configuration version (tasks leave Pending)"""
    return console.store.acknowledge(site_id, body.version)


@routes.route(
    "POST", "/api/site/progress", auth="site", body=Progress, responses={404: "Not this site's task"}, answer=TaskView
)
def progress(console: ConsoleContext, site_id: int, body: Progress) -> TaskView:
    """Report a task's progress and per-mailbox results"""
    return console.store.report_progress(site_id, body)


@routes.route(
    "POST", "/api/site/log", auth="site", body=LogIn, responses={404: "Not this site's task"}, answer=Appended
)
def log(console: ConsoleContext, site_id: int, body: LogIn) -> Appended:
    """Append task log lines (T10)"""
    return {"appended": console.store.append_log(site_id, body.task_id, body.lines)}


@routes.route("POST", "/api/site/directory", auth="site", body=DirectoryIn, answer=Stored)
def directory(console: ConsoleContext, site_id: int, body: DirectoryIn) -> Stored:
    """Upload the directory copy (directory sync, ADR)"""
    groups = [g.model_dump() for g in body.groups]
    users = [u.model_dump() for u in body.users]
    return {"stored": console.store.upload_directory(site_id, groups, users)}
