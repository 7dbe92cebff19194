"""The site's HTTP clients of the console (site API) and the archive platform, both
authenticated with the site's binding key (architecture promise 2: real protocols at
every seam).  Any requests adapter can be mounted — the in-process transport in tests
and simulations, real sockets otherwise.

Failures come in two kinds: :class:`LinkDown` (unreachable, timed out, 5xx — worth a
retry later) and :class:`LinkRefused` (4xx — the request itself is wrong)."""

from __future__ import annotations

import os
from typing import Any

import requests
import requests.adapters
import requests.utils


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


class LinkDown(Exception):
    """The other side cannot be reached now."""


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
            raise LinkDown(f"{self.base_url}{path}: HTTP {reply.status_code}")
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

    def heartbeat(self, engine_version: str, host_os: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call(
            "POST", "/api/site/heartbeat", json={"engine_version": engine_version, "host_os": host_os}
        )
        return result

    def config(self, etag: str | None) -> tuple[dict[str, Any] | None, str | None]:
        """(config, ETag); config None when unchanged since ``etag`` (a 304)."""
        headers = {"If-None-Match": etag} if etag else {}
        reply = self.request("GET", "/api/site/config", headers=headers)
        if reply.status_code == 304:
            return None, etag
        return reply.json(), reply.headers.get("ETag")

    def ack(self, version: int) -> None:
        self.call("POST", "/api/site/ack", json={"version": version})

    def progress(self, report: dict[str, Any]) -> None:
        self.call("POST", "/api/site/progress", json=report)

    def log(self, task_id: int, lines: list[str]) -> None:
        self.call("POST", "/api/site/log", json={"task_id": task_id, "lines": lines})

    def directory(self, groups: list[dict[str, Any]], users: list[dict[str, Any]]) -> int:
        return int(self.call("POST", "/api/site/directory", json={"groups": groups, "users": users})["stored"])


class ArchiveLink(JsonLink):
    """The archive platform's site-facing API."""

    def submit(self, body: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = self.call("POST", "/api/submissions", json=body)
        return result

    def check(self, mailbox: str, items: list[str]) -> list[dict[str, Any]]:
        return list(self.call("POST", "/api/archived/check", json={"mailbox": mailbox, "items": items})["results"])

    def stubs(self, task_id: int, mailbox: str, entries: list[dict[str, str]]) -> int:
        body = {"task_id": task_id, "mailbox": mailbox, "entries": entries}
        return int(self.call("POST", "/api/stubs", json=body)["recorded"])

    def expire(self, mailbox: str, items: list[str]) -> int:
        return int(self.call("POST", "/api/expire", json={"mailbox": mailbox, "items": items})["expired"])

    def purge(self, entries: list[dict[str, Any]]) -> dict[str, int]:
        result: dict[str, int] = self.call("POST", "/api/purge", json={"entries": entries})
        return result


__all__ = ["ArchiveLink", "ConsoleLink", "JsonLink", "LinkDown", "LinkRefused"]
