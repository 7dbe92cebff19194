"""The site's HTTP clients of the console (site API) and the archive platform, both
authenticated with the site's binding key (architecture promise 2: real protocols at
every seam).  Any requests adapter can be mounted — the in-process transport in tests
and simulations, real sockets otherwise.

Failures come in two kinds: :class:`LinkDown` (unreachable, timed out, 5xx — worth a
retry later) and :class:`LinkRefused` (4xx — the request itself is wrong)."""

from __future__ import annotations

import os
from email.utils import parsedate_to_datetime
from typing import Any

import requests
import requests.adapters
import requests.utils

from engine.wire.site_archive import CheckResult, Purged, PurgeSent, StubSent, Submission, Submitted
from engine.wire.site_console import (
    DirectoryGroupSent,
    DirectoryUserSent,
    Heartbeat,
    ProgressReport,
    SiteConfig,
    parse_config,
)


def environment_read_once(session: requests.Session, url: str) -> requests.Session:
    """``session`` with the environment's proxy and CA settings for ``url`` read now,
    instead of at every request (requests scans the whole environment each time)."""
    session.proxies.update(requests.utils.get_environ_proxies(url))
    bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
    if bundle:
        session.verify = bundle
    session.trust_env = False
    return session


def proxied_session(url: str) -> requests.Session:
    """A new session with the environment's proxy and CA settings for ``url`` read once."""
    return environment_read_once(requests.Session(), url)


def retry_after(response: requests.Response) -> float | None:
    """An HTTP Retry-After (RFC 9110 §10.2.3) in seconds: delay-seconds, or an HTTP-date
    counted from the answer's own Date (the server's clock, not ours)."""
    value = (response.headers.get("Retry-After") or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value) or None
    try:
        until = parsedate_to_datetime(value)
        sent = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return None
    seconds = (until - sent).total_seconds()
    return seconds if seconds > 0 else None


class LinkDown(Exception):
    """The other side cannot be reached now (``retry_after``: when it said to come back)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class LinkRefused(Exception):
    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(f"{status} {field}: {message}")
        self.status = status
        self.field = field
        self.message = message


class JsonLink:
    def __init__(
        self,
        base_url: str,
        key: str,
        adapter: requests.adapters.BaseAdapter | None = None,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.session = proxied_session(self.base_url)
        if adapter is not None:
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        self.session.headers["Authorization"] = f"Bearer {key}"
        self.timeout = timeout

    def close(self) -> None:
        self.session.close()

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            reply = self.session.request(method, f"{self.base_url}{path}", timeout=self.timeout, **kwargs)
        except requests.RequestException as exc:
            raise LinkDown(f"{self.base_url}: {type(exc).__name__}") from exc
        if reply.status_code >= 500 or reply.status_code == 429:
            raise LinkDown(f"{self.base_url}{path}: HTTP {reply.status_code}", retry_after(reply))
        if reply.status_code >= 400:
            try:
                error = reply.json()["error"]
                field, message = str(error.get("field", "")), str(error.get("message", ""))
            except (ValueError, KeyError, TypeError, AttributeError):
                field, message = "", reply.text[:200]
            raise LinkRefused(reply.status_code, field, message)
        return reply

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        return self.request(method, path, **kwargs).json()


class ConsoleLink(JsonLink):
    """The console's site API (/api/site/…)."""

    def heartbeat(self, engine_version: str, host_os: str) -> Heartbeat:
        result: Heartbeat = self.call(
            "POST", "/api/site/heartbeat", json={"engine_version": engine_version, "host_os": host_os}
        )
        return result

    def config(self, etag: str | None) -> tuple[SiteConfig | None, str | None]:
        """(config, ETag); config None when unchanged since ``etag`` (a 304).  The
        configuration is checked whole on arrival (MalformedConfig names the faulty
        field), so no task meets a malformed one halfway through a run."""
        headers = {"If-None-Match": etag} if etag else {}
        reply = self.request("GET", "/api/site/config", headers=headers)
        if reply.status_code == 304:
            return None, etag
        return parse_config(reply.json()), reply.headers.get("ETag")

    def ack(self, version: int) -> None:
        self.call("POST", "/api/site/ack", json={"version": version})

    def progress(self, report: ProgressReport) -> None:
        self.call("POST", "/api/site/progress", json=report)

    def log(self, task_id: int, lines: list[str]) -> None:
        self.call("POST", "/api/site/log", json={"task_id": task_id, "lines": lines})

    def directory(self, groups: list[DirectoryGroupSent], users: list[DirectoryUserSent]) -> int:
        return int(self.call("POST", "/api/site/directory", json={"groups": groups, "users": users})["stored"])


class ArchiveLink(JsonLink):
    """The archive platform's site-facing API."""

    def submit(self, body: Submission) -> Submitted:
        result: Submitted = self.call("POST", "/api/submissions", json=body)
        return result

    def declare(self, task_id: int, mailboxes: list[str]) -> int:
        """A directory group's members as resolved (T7): the mailboxes the task processes."""
        return int(self.call("POST", f"/api/tasks/{task_id}/mailboxes", json={"mailboxes": mailboxes})["declared"])

    def check(self, task_id: int, mailbox: str, items: list[str]) -> list[CheckResult]:
        body = {"task_id": task_id, "mailbox": mailbox, "items": items}
        return list(self.call("POST", "/api/archived/check", json=body)["results"])

    def stubs(self, task_id: int, mailbox: str, entries: list[StubSent]) -> int:
        body = {"task_id": task_id, "mailbox": mailbox, "entries": entries}
        return int(self.call("POST", "/api/stubs", json=body)["recorded"])

    def expire(self, task_id: int, mailbox: str, items: list[str]) -> int:
        body = {"task_id": task_id, "mailbox": mailbox, "items": items}
        return int(self.call("POST", "/api/expire", json=body)["expired"])

    def purge(self, task_id: int, mailbox: str, entries: list[PurgeSent]) -> Purged:
        body = {"task_id": task_id, "mailbox": mailbox, "entries": entries}
        result: Purged = self.call("POST", "/api/purge", json=body)
        return result


__all__ = ["ArchiveLink", "ConsoleLink", "JsonLink", "LinkDown", "LinkRefused"]
