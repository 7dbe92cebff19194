"""An in-process ``requests`` transport: exchangelib talks to a Flask app without
sockets, yet every request still goes through the real client serializer, the WSGI app
and the real client parser (architecture promise 2 — speed from the transport, not
from skipping the protocol).

Mount an app under a made-up base URL and point exchangelib at it::

    url = InProcessTransport.mount(app)            # "http://mockews-1.inprocess/EWS/Exchange.asmx"
    BaseProtocol.HTTP_ADAPTER_CLS = InProcessAdapter

Hosts that are not mounted fall through to a normal HTTP adapter, so setting the
adapter class globally does not break real endpoints.
"""

from __future__ import annotations

import io
import itertools
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from http.client import HTTPMessage
from types import SimpleNamespace
from typing import Any
from urllib.parse import SplitResult, unquote_to_bytes, urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from requests.cookies import extract_cookies_to_jar
from requests.structures import CaseInsensitiveDict

WSGIApp = Callable[..., Iterable[bytes]]


class _Registry:
    def __init__(self) -> None:
        self._apps: dict[str, WSGIApp] = {}
        self._lock = threading.Lock()
        self._counter = itertools.count(1)

    def mount(self, app: WSGIApp, host: str | None = None) -> str:
        with self._lock:
            host = host or f"mockews-{next(self._counter)}.inprocess"
            self._apps[host.lower()] = app
        return f"http://{host}/EWS/Exchange.asmx"

    def mount_base(self, app: WSGIApp, host: str | None = None) -> str:
        """Mount any WSGI app; returns its base URL (``http://host``)."""
        url = self.mount(app, host)
        return url[: url.index("/", len("http://"))]

    def unmount(self, url_or_host: str) -> None:
        host = urlsplit(url_or_host).netloc or url_or_host
        with self._lock:
            self._apps.pop(host.lower(), None)

    def get(self, host: str) -> WSGIApp | None:
        return self._apps.get(host.lower())


InProcessTransport = _Registry()


class InProcessResponse(requests.Response):
    """A response whose ``iter_content`` hands out large chunks whatever size is asked:
    exchangelib asks for 1-byte chunks, which costs it ~0.16 µs per byte."""

    def iter_content(self, chunk_size: int | None = 1, decode_unicode: bool = False) -> Any:
        return super().iter_content(chunk_size=max(chunk_size or 0, 65536), decode_unicode=decode_unicode)


class _Body(io.BytesIO):
    """A response body; ``_original_response`` is where requests (the session and the
    response) read Set-Cookie from, as it would from a socket's HTTP message."""

    _original_response: Any = None


def _body(content: bytes, cookie: str | None) -> _Body:
    raw = _Body(content)
    if cookie:
        message = HTTPMessage()
        message["Set-Cookie"] = cookie
        raw._original_response = SimpleNamespace(msg=message)  # exchangelib reads the affinity cookie
    return raw


def wsgi_environ(method: str, parts: SplitResult, headers: Iterable[tuple[str, str]], body: bytes) -> dict[str, Any]:
    """The WSGI environ a server would build for this request (PEP 3333: the path
    percent-decoded and carried as latin-1, headers as ``HTTP_*`` except the content
    type and length).  Built by hand: werkzeug's EnvironBuilder measured ~0.5 ms a
    request, a tenth of an in-process EWS call that finds nothing new."""
    host = parts.netloc
    name, _, port = host.partition(":")
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method.upper(),
        "SCRIPT_NAME": "",
        "PATH_INFO": unquote_to_bytes(parts.path or "/").decode("latin-1"),
        "QUERY_STRING": parts.query,
        "RAW_URI": parts.path or "/",
        "REQUEST_URI": (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
        "SERVER_NAME": name,
        "SERVER_PORT": port or ("443" if parts.scheme == "https" else "80"),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": host,
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": parts.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    for key, value in headers:
        name = key.upper().replace("-", "_")
        if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[name] = value
        elif name != "HOST":
            environ[f"HTTP_{name}"] = value
    if body and "CONTENT_LENGTH" not in environ:
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def call_wsgi(app: WSGIApp, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], Iterable[bytes]]:
    """Call a WSGI app as a server does: (status line, headers, body iterable); what the
    app wrote through ``write`` comes first."""
    started: list[tuple[str, list[tuple[str, str]]]] = []
    written: list[bytes] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info is not None and started:
            raise exc_info[1].with_traceback(exc_info[2])
        started[:] = [(status, headers)]
        return written.append

    app_iter = app(environ, start_response)
    if not started:  # a generator app starts the response with its first chunk
        iterator = iter(app_iter)
        first = next(iterator, b"")
        rest = app_iter
        app_iter = _Chained([first], iterator, rest)
    if not started:
        raise RuntimeError("the WSGI app never started a response")
    status, headers = started[0]
    if written:
        app_iter = _Chained(written, iter(app_iter), app_iter)
    return status, headers, app_iter


class _Chained:
    """``head`` then the rest of an app's body, keeping the app's ``close``."""

    def __init__(self, head: list[bytes], rest: Iterable[bytes], original: Iterable[bytes]) -> None:
        self._parts = itertools.chain(head, rest)
        self._original = original

    def __iter__(self) -> Any:
        return self._parts

    def close(self) -> None:
        close = getattr(self._original, "close", None)
        if close is not None:
            close()


class InProcessAdapter(BaseAdapter):
    """requests adapter calling mounted WSGI apps directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        self._fallback = HTTPAdapter(*args, **kwargs)

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        parts = urlsplit(request.url or "")
        app = InProcessTransport.get(parts.netloc)
        if app is None:
            return self._fallback.send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
        return respond(app, request, stream, self)

    def close(self) -> None:
        self._fallback.close()


def respond(app: WSGIApp, request: requests.PreparedRequest, stream: bool, adapter: BaseAdapter) -> requests.Response:
    """``request`` answered by the WSGI ``app``, as a requests adapter answers it."""
    parts = urlsplit(request.url or "")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    environ = wsgi_environ(request.method or "GET", parts, request.headers.items(), body)
    status, headers, app_iter = call_wsgi(app, environ)
    try:
        content = b"".join(app_iter)
    except Exception as exc:  # an app that breaks off mid-body: a dropped connection
        raise requests.exceptions.ConnectionError(f"connection dropped: {exc}", request=request) from exc
    finally:
        close = getattr(app_iter, "close", None)
        if close is not None:
            close()
    # A streaming request (GetStreamingEvents) is read byte by byte by exchangelib's
    # document splitter, so it gets the chunk sizes it asks for.
    response = requests.Response() if stream else InProcessResponse()
    code, _, reason = status.partition(" ")
    response.status_code = int(code)
    response.reason = reason
    response.headers = CaseInsensitiveDict(headers)
    response.raw = _body(content, response.headers.get("Set-Cookie"))
    response.url = request.url or ""
    extract_cookies_to_jar(response.cookies, request, response.raw)  # type: ignore[no-untyped-call]
    response.request = request
    response.encoding = None
    setattr(response, "connection", adapter)  # noqa: B010 - requests' own adapters set it the same way
    return response


@contextmanager
def routed(app: WSGIApp) -> Iterator[None]:
    """Every request made through requests' HTTP adapter — exchangelib's sessions, a
    plain ``requests.get`` — answered by ``app`` in process, whatever its host, until
    the block ends (moto's way: the caller changes no line).  Hosts mounted on
    :data:`InProcessTransport` keep their own apps."""
    original = HTTPAdapter.send

    def send(self: HTTPAdapter, request: requests.PreparedRequest, stream: bool = False, **_: Any) -> requests.Response:
        mounted = InProcessTransport.get(urlsplit(request.url or "").netloc)
        return respond(mounted or app, request, stream, self)

    if not _routing.acquire(blocking=False):
        raise RuntimeError("mock_ews / mock_directory blocks do not nest: one routes every request already")
    try:
        HTTPAdapter.send = send  # type: ignore[method-assign,assignment]
        yield
    finally:
        HTTPAdapter.send = original  # type: ignore[method-assign]
        _routing.release()


#: one routed block at a time: nested or concurrent ones would restore each other's patch,
#: so a second is refused in words rather than left waiting
_routing = threading.Lock()
