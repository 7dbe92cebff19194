"""What the sites send the console and the archive, as it crosses the wire: a WSGI
middleware around the platform (console with the archive under ``/archive``) that
hands each site-key request and its answer to listeners — the oracle judges from
this, not from what the engine says about itself (architecture: the oracle stands
apart).

Only requests made with a site's binding key are recorded, and only their JSON:
submissions, stubs, expiry, purge, archived checks, declared members, view and
Sequence reads to the archive; progress reports and task-log lines to the console.
With no listener the tap passes requests straight through.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.clock import Clock

WSGIApp = Callable[..., Iterable[bytes]]
ARCHIVE = "/archive"
#: console paths worth recording (what the site reports); every site-key archive call is
CONSOLE_PATHS = ("/api/site/progress", "/api/site/log")


def call_through(
    app: WSGIApp, environ: dict[str, Any], start_response: Callable[..., Any]
) -> tuple[bytes, int, list[tuple[str, str]], bytes]:
    """Call ``app`` as a WSGI middleware that keeps a copy of the exchange: (the request
    body, the status, the headers, the whole answer).  The body is read once and handed
    on; the answer is collected and its iterable closed.  Status 0: none was started."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    sent = environ["wsgi.input"].read(length) if length else b""
    environ["wsgi.input"] = io.BytesIO(sent)
    seen: list[tuple[int, list[tuple[str, str]]]] = []

    def capture(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        seen.append((int(line.split(" ", 1)[0]), headers))
        return start_response(line, headers, exc_info)

    result = app(environ, capture)
    try:
        answer = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = seen[0] if seen else (0, [])
    return sent, status, headers, answer


@dataclass(frozen=True)
class WireRecord:
    at: datetime
    service: str  # console | archive
    site: str  # the code of the site whose key made the call
    method: str
    path: str  # below the service's root, e.g. /api/submissions
    query: str
    body: Any  # the JSON sent, or None
    status: int
    answer: Any  # the JSON answered, or None


def _json(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None


class WireTap:
    def __init__(self, app: WSGIApp, clock: Clock) -> None:
        self.app = app
        self.clock = clock
        self.keys: dict[str, str] = {}  # binding key → site code
        self.listeners: list[Callable[[WireRecord], None]] = []

    def _site(self, environ: dict[str, Any]) -> str | None:
        header = str(environ.get("HTTP_AUTHORIZATION", ""))
        return self.keys.get(header[7:].strip()) if header.startswith("Bearer ") else None

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not self.listeners:
            return self.app(environ, start_response)
        path = str(environ.get("PATH_INFO", ""))
        service = "archive" if path.startswith(ARCHIVE + "/") else "console"
        site = self._site(environ)
        if site is None or (service == "console" and path not in CONSOLE_PATHS):
            return self.app(environ, start_response)
        sent, status, _, answer = call_through(self.app, environ, start_response)
        record = WireRecord(
            at=self.clock.now(),
            service=service,
            site=site,
            method=str(environ.get("REQUEST_METHOD", "GET")),
            path=path[len(ARCHIVE) :] if service == "archive" else path,
            query=str(environ.get("QUERY_STRING", "")),
            body=_json(sent),
            status=status or 500,
            answer=_json(answer),
        )
        for listener in self.listeners:
            listener(record)
        return [answer]


__all__ = ["WireRecord", "WireTap", "call_through"]
