"""Issue 13, the edges: "The whole request body is read before authentication and the
32 MB limit are checked … Check Content-Length and credentials first, and stream-limit
the rest."

The WSGI tests hand the app a body stream that counts what is read from it, so they
measure what the server buffers rather than how long it takes; the served tests speak
raw HTTP to waitress and send headers only."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterable
from typing import Any

import pytest
from lxml import etree
from werkzeug.test import EnvironBuilder, run_wsgi_app

from mockad.app import create_app as directory_app
from mockad.service import MockDirectory
from mockews.app import create_app
from mockews.server import ServerThread
from mockews.service import MockExchange
from mockews.store import World
from tests.conftest import ALICE, SVC, SVC_PASSWORD

from .conftest import NS, envelope, impersonate

LIMIT = 10_000
RESOLVE = envelope("<m:ResolveNames><m:UnresolvedEntry>alice</m:UnresolvedEntry></m:ResolveNames>")
GOOD = "Basic " + base64.b64encode(f"{SVC}:{SVC_PASSWORD}".encode()).decode()
PATHS = ["/EWS/Exchange.asmx", "/ews/exchange.asmx"]  # the fast path and the Flask route


class CountingStream:
    """A request body that is ``size`` bytes long (None: endless) and records how
    much of it the app read."""

    def __init__(self, content: bytes = b"", size: int | None = None) -> None:
        self.content = content
        self.size = size
        self.read_bytes = 0

    def read(self, n: int = -1) -> bytes:
        left = None if self.size is None else self.size - self.read_bytes
        if n < 0:
            assert left is not None, "an endless body read to its end"
            n = left
        if left is not None:
            n = min(n, left)
        start = self.read_bytes
        self.read_bytes += n
        return (self.content[start : start + n] + b"x" * n)[:n]


def call(app: Any, path: str, stream: CountingStream, length: int | None, auth: str | None = None) -> tuple[int, bytes]:
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    if auth:
        headers["Authorization"] = auth
    environ = EnvironBuilder(path=path, method="POST", headers=headers).get_environ()
    environ["wsgi.input"] = stream
    if length is None:  # chunked: a server de-chunks and says the input ends at EOF
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(length)
    app_iter, status, _ = run_wsgi_app(app, environ)
    body = b"".join(app_iter)
    return int(status.split()[0]), body


def fault_code(body: bytes) -> str | None:
    return etree.fromstring(body).findtext(".//s:Fault/detail/e:ResponseCode", namespaces=NS)


@pytest.fixture
def basic_service(world: World) -> MockExchange:
    return MockExchange(world, auth="basic", max_request_bytes=LIMIT)


@pytest.mark.parametrize("path", PATHS)
def test_an_unauthenticated_body_is_not_read(basic_service: MockExchange, path: str) -> None:
    """Credentials first: a 150 MB POST without them is answered 401 unread."""
    stream = CountingStream(size=150 * 1024 * 1024)
    status, _ = call(create_app(basic_service), path, stream, stream.size)
    assert status == 401
    assert stream.read_bytes == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_declared_length_over_the_limit_is_refused_unread(basic_service: MockExchange, path: str) -> None:
    """Content-Length first: over the limit is the oversize fault, before any byte is read."""
    stream = CountingStream(size=150 * 1024 * 1024)
    status, body = call(create_app(basic_service), path, stream, stream.size, GOOD)
    assert (status, fault_code(body)) == (500, "ErrorSchemaValidation")
    assert stream.read_bytes == 0


@pytest.mark.parametrize("path", PATHS)
def test_a_chunked_body_is_read_no_further_than_the_limit(basic_service: MockExchange, path: str) -> None:
    """No length declared: the rest is stream-limited — an endless body is cut off at
    the limit, not read to exhaustion."""
    stream = CountingStream(size=None)
    status, body = call(create_app(basic_service), path, stream, None, GOOD)
    assert (status, fault_code(body)) == (500, "ErrorSchemaValidation")
    assert LIMIT < stream.read_bytes <= LIMIT + 1


def test_a_chunked_body_within_the_limit_is_served(basic_service: MockExchange) -> None:
    """A body without Content-Length (chunked, de-chunked by the server) is still served."""
    request = envelope(
        "<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds>"
        '<t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>',
        impersonate(ALICE),
    )
    stream = CountingStream(request, size=len(request))
    status, body = call(create_app(basic_service), PATHS[0], stream, None, GOOD)
    assert status == 200, body
    assert [c.text for c in etree.fromstring(body).iterfind(".//m:ResponseCode", namespaces=NS)] == ["NoError"]


def test_a_chunked_body_exactly_at_the_limit_is_read(world: World) -> None:
    """The limit is inclusive: a chunked body of exactly the limit is parsed (a
    ResolveNames padded with spaces), one byte more is refused."""
    service = MockExchange(world, auth="none", max_request_bytes=len(RESOLVE) + 100)
    padded = RESOLVE + b" " * 100
    status, body = call(create_app(service), PATHS[0], CountingStream(padded, len(padded)), None)
    assert status == 200, body
    status, body = call(create_app(service), PATHS[0], CountingStream(padded, len(padded) + 1), None)
    assert (status, fault_code(body)) == (500, "ErrorSchemaValidation")


def _raw(port: int, head: bytes) -> bytes:
    """Send request headers only and read what comes back until the server closes or
    has sent a whole reply head (a timeout, not a speed check: the old server waited
    for a body that never comes)."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(head)
        reply = b""
        while b"\r\n\r\n" not in reply:
            part = sock.recv(65536)
            if not part:
                break
            reply += part
        return reply


def _head(path: str, length: int, auth: str | None = None) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: localhost", "Content-Type: text/xml", f"Content-Length: {length}"]
    if auth:
        lines.append(f"Authorization: {auth}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@pytest.mark.parametrize("auth", [None, GOOD], ids=["anonymous", "authenticated"])
def test_the_served_mock_answers_a_huge_declared_length_without_the_body(world: World, auth: str | None) -> None:
    """Through waitress: headers announcing 150 MB get their answer while the body has
    not been sent at all — the server neither waits for nor buffers it."""
    with ServerThread(create_app(MockExchange(world, auth="basic")), threads=2) as server:
        reply = _raw(server.port, _head("/EWS/Exchange.asmx", 150 * 1024 * 1024, auth))
    assert reply.startswith(b"HTTP/1.1 413"), reply[:200]


def test_the_token_endpoint_refuses_a_huge_form_unread(world: World) -> None:
    """mockad reads a body before any credentials on its token endpoint (they are in
    the body): a form larger than any token request is refused before it is read."""
    stream = CountingStream(size=150 * 1024 * 1024)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    environ = EnvironBuilder(path="/contoso/oauth2/v2.0/token", method="POST", headers=headers).get_environ()
    environ["wsgi.input"] = stream
    environ["CONTENT_LENGTH"] = str(stream.size)
    app_iter, status, _ = run_wsgi_app(directory_app(MockDirectory(world)), environ)
    _consume(app_iter)
    assert status.startswith("413")
    assert stream.read_bytes == 0


def _consume(app_iter: Iterable[bytes]) -> None:
    for _ in app_iter:
        pass
