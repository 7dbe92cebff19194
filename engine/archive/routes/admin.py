"""What the console does at the archive with its admin token: register a site's key and
its tasks, and reset a removed task's Full Views (R9)."""

from __future__ import annotations

from typing import Any

from engine.webapi import Resource
from engine.wire.console_archive import Registered, Reset, SiteIn

from ..registry import TaskRegistration
from ..store import ArchiveStore

routes: Resource[ArchiveStore] = Resource("admin")


@routes.route(
    "POST", "/api/sites", auth="admin", body=SiteIn, responses={409: "Another site holds this key"}, answer=Registered
)
def register_site(store: ArchiveStore, _: Any, body: SiteIn) -> Registered:
    """Register a site's binding key (its SHA-256) and its tasks (owner, type, identity, addresses)"""
    registrations = [TaskRegistration(t.id, t.type, t.created, t.mailboxes) for t in body.tasks]
    return {"site_id": body.site_id, "tasks": store.registry.register_site(body.site_id, body.key_hash, registrations)}


@routes.route("POST", "/api/tasks/<int:task_id>/reset", auth="admin", answer=Reset)
def reset(store: ArchiveStore, _: Any, task_id: int) -> Reset:
    """R9: reset the Full View of every mailbox the task processed; the task is forgotten"""
    return {"task_id": task_id, "mailboxes": store.reset_task(task_id)}
