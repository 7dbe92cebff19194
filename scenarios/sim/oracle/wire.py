"""What the oracle reads off the wire (scenarios.wiretap): the executions as the sites'
task-log lines show them (T10), the per-mailbox rows the console was sent, what each
MFR run submitted, and every call a site's key made to the archive.  Facts about what
the engine *did* come from here and from the mock stores, never from the engine's own
account of itself."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote

from scenarios.wiretap import WireRecord

START = re.compile(r"\bexecuting task (\d+)$")
EXIT = re.compile(r"TaskExit called, scheduedTaskId: (\d+), message: (\w+)$")
TASK_PATH = re.compile(r"^/api/tasks/(\d+)/")
VIEW_PATH = re.compile(r"^/api/views/([^/]+)/")


@dataclass
class WireRun:
    """One execution, from its T10 start line to its exit line."""

    task: int
    site: str
    start: datetime
    end: datetime | None = None
    message: str | None = None
    rows: list[dict[str, Any]] | None = None  # the per-mailbox rows its last report carried
    #: T1: the definitions it may have run with, narrowed by what it submitted
    candidates: list[dict[str, Any]] | None = None
    #: mailbox → (item key, folder) pairs it placed in its submissions
    placed: dict[str, set[tuple[str, str]]] = field(default_factory=dict)


@dataclass
class Call:
    """A site-key call to the archive, reduced to what scoping judges."""

    at: datetime
    site: str
    what: str  # the route, e.g. POST /api/submissions
    task: int | None
    mailboxes: list[str]
    status: int


def archive_call(record: WireRecord) -> Call:
    """The task and mailboxes a site-key archive call concerns."""
    body = record.body if isinstance(record.body, dict) else {}
    task = body.get("task_id") if isinstance(body.get("task_id"), int) else None
    mailboxes: list[str] = [str(body["mailbox"]).lower()] if isinstance(body.get("mailbox"), str) else []
    path = record.path
    found = TASK_PATH.match(path)
    if found:
        task = int(found.group(1))
        if path.endswith("/mailboxes"):
            mailboxes = [str(m).lower() for m in body.get("mailboxes", [])]
    viewed = VIEW_PATH.match(path)
    if viewed:
        mailboxes = [unquote(viewed.group(1)).lower()]
    route = VIEW_PATH.sub("/api/views/{mailbox}/", TASK_PATH.sub("/api/tasks/{id}/", path))
    return Call(record.at, record.site, f"{record.method} {route}", task, mailboxes, record.status)


__all__ = ["EXIT", "START", "Call", "WireRun", "archive_call"]
