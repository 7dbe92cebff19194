"""What the console does at the archive with its admin token: register a site's key and
its tasks, and reset a removed task's Full Views (R9)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from engine.model import MAX_INT, Int
from engine.webapi import Resource, StrictBody

from ..registry import TaskRegistration
from ..store import ArchiveStore
from .common import Mailbox

routes: Resource[ArchiveStore] = Resource("admin")


class TaskIn(StrictBody):
    """A task as the console registers it: its owner is the site it is registered with."""

    id: Int = Field(ge=1, le=MAX_INT)
    type: Literal["mfr", "calendar", "msm", "managed_folders"]
    created: str = Field(min_length=1, max_length=40)  # the task's identity beside its number
    mailboxes: list[Mailbox] | None = Field(
        default=None, max_length=10_000
    )  # the addresses of single-mailbox and list targets; null: a directory group the site resolves


class SiteIn(StrictBody):
    site_id: Int = Field(ge=1, le=MAX_INT)
    key_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    tasks: list[TaskIn] = Field(default_factory=list, max_length=100_000)


@routes.route("POST", "/api/sites", auth="admin", body=SiteIn, responses={409: "Another site holds this key"})
def register_site(store: ArchiveStore, _: Any, body: SiteIn) -> dict[str, Any]:
    """Register a site's binding key (its SHA-256) and its tasks (owner, type, identity, addresses)"""
    registrations = [TaskRegistration(t.id, t.type, t.created, t.mailboxes) for t in body.tasks]
    return {"site_id": body.site_id, "tasks": store.registry.register_site(body.site_id, body.key_hash, registrations)}


@routes.route("POST", "/api/tasks/<int:task_id>/reset", auth="admin")
def reset(store: ArchiveStore, _: Any, task_id: int) -> dict[str, Any]:
    """R9: reset the Full View of every mailbox the task processed; the task is forgotten"""
    return {"task_id": task_id, "mailboxes": store.reset_task(task_id)}
