"""The console's HTTP client of the archive platform (architecture promise 2: the
console reaches the archive only over its API).  Works over real sockets or the
in-process transport alike."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

import requests
import requests.adapters

from engine.errors import Unavailable
from engine.webapi import error_for_status
from engine.wire.console_archive import MessagesPage, Registered, Reset, SiteRegistration, TaskRegistration
from engine.wire.site_archive import TaskSequence
from engine.wire.views import FolderTree, ViewFolder


class ArchiveClient:
    def __init__(
        self,
        base_url: str,
        admin_token: str,
        timeout: float = 30.0,
        adapter: requests.adapters.BaseAdapter | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = requests.Session()
        if adapter is not None:  # e.g. the in-process transport in tests and simulations
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self.session.headers["Authorization"] = f"Bearer {admin_token}"
        self.timeout = timeout

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            reply = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise Unavailable("archive", f"the archive platform is unreachable ({type(exc).__name__})") from exc
        if reply.status_code >= 500:
            raise Unavailable("archive", f"the archive platform answered {reply.status_code}")
        if reply.status_code >= 400:
            try:
                error = reply.json()["error"]
                field, message = error.get("field", "archive"), error.get("message", "")
            except (ValueError, KeyError, TypeError, AttributeError):
                field, message = "archive", reply.text[:200]
            raise error_for_status(reply.status_code, field, message)
        return reply.json()

    def register_site(self, site_id: int, key_hash: str, tasks: list[TaskRegistration] | None = None) -> Registered:
        body: SiteRegistration = {"site_id": site_id, "key_hash": key_hash, "tasks": tasks or []}
        answer: Registered = self._call("POST", "/api/sites", json=body)
        return answer

    def reset_task(self, task_id: int) -> list[str]:
        answer: Reset = self._call("POST", f"/api/tasks/{task_id}/reset")
        return answer["mailboxes"]

    def sequence(self, task_id: int) -> int:
        answer: TaskSequence = self._call("GET", f"/api/tasks/{task_id}/sequence")
        return answer["sequence"]

    def folders(self, mailbox: str, view: str, as_of: datetime | None = None) -> list[ViewFolder]:
        params = {"view": view, **({"as_of": as_of.isoformat()} if as_of else {})}
        answer: FolderTree = self._call("GET", f"/api/views/{_segment(mailbox)}/folders", params=params)
        return answer["folders"]

    def messages(
        self, mailbox: str, folder_id: str, view: str, as_of: datetime | None, offset: int, limit: int
    ) -> MessagesPage:
        """A page of a folder's messages with subject, sender, dates and size (NotFound:
        the folder is not in that view)."""
        params: dict[str, Any] = {"folder": folder_id, "view": view, "offset": offset, "limit": limit}
        if as_of is not None:
            params["as_of"] = as_of.isoformat()
        answer: MessagesPage = self._call("GET", f"/api/views/{_segment(mailbox)}/messages", params=params)
        return answer


def _segment(text: str) -> str:
    """One path segment, whatever it holds ('/' and '..' stay inside it)."""
    return quote(text, safe="@")
