"""The Flask app factory: a thin adapter from HTTP to :class:`MockExchange` (style §4).

State lives on the service object passed in, never in module globals, so any number of
apps can run side by side (tests, in-process transports, the CLI).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .adminplane import AdminAccess, keep_headers
from .service import MockExchange, Reply

EWS_PATH = "/ews/exchange.asmx"


class InjectedDrop(ConnectionAbortedError):
    """Raised mid-body to drop a connection on purpose (a fault, not a server error)."""


def _dropped(length: int) -> Iterator[bytes]:
    """A body that promises ``length`` bytes and breaks off: servers close the socket,
    clients see a truncated response (a dropped connection)."""
    yield b"<"
    raise InjectedDrop("mockews: injected dropped connection")


def create_app(service: MockExchange | None = None, access: AdminAccess | None = None) -> Flask:
    """The mock Exchange: EWS, and its admin plane under /mockews-api (``access``: its
    token and files directory; open without one, for in-process use)."""
    service = service or MockExchange()
    app = Flask("mockews")
    app.extensions["mockews"] = service

    # EWS URLs are case-insensitive on Exchange: the usual spelling gets a static rule
    # (fastest to match), every other spelling the catch-all, which also turns any
    # other path into a plain 404 rather than a 405 from a POST-only rule.
    @app.route("/EWS/Exchange.asmx", methods=["POST"])
    def ews_endpoint() -> Response:
        return ews(EWS_PATH[1:])

    @app.route("/<path:path>", methods=["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"])
    def ews(path: str) -> Response:
        if "/" + path.lower() != EWS_PATH:
            raise NotFound()
        if request.method != "POST":
            raise MethodNotAllowed(valid_methods=["POST"])
        reply = _answer(service, request.environ)
        if reply.drop:
            response = Response(_dropped(4096), 200, content_type="text/xml; charset=utf-8")
            response.headers["Content-Length"] = "4096"
            return response
        return Response(reply.body, reply.status, headers=reply.headers)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        # Plain errors, never Flask's HTML pages: clients of both planes parse replies.
        if request.path.startswith("/mockews-api"):
            response = jsonify(error={"field": "path", "message": exc.description or exc.name})
        else:
            response = Response(f"{exc.code} {exc.name}", content_type="text/plain; charset=utf-8")
        response.status_code = exc.code or 500
        keep_headers(exc, response)
        return response

    from .admin import admin_blueprint

    app.register_blueprint(admin_blueprint(service, access))
    app.wsgi_app = _ews_fast_path(app.wsgi_app, service)  # type: ignore[method-assign]
    return app


WSGIApp = Callable[..., Iterable[bytes]]
_REASONS = {200: "OK", 401: "Unauthorized", 500: "Internal Server Error", 503: "Service Unavailable"}


def _content_length(environ: dict[str, Any]) -> int | None:
    """The declared body length; None for a body that runs to EOF (chunked, where the
    server says the input is terminated), 0 when there is no body to read."""
    declared = environ.get("CONTENT_LENGTH")
    if not declared:
        return None if environ.get("wsgi.input_terminated") else 0
    try:
        return max(int(declared), 0)
    except ValueError:
        return 0


def _answer(service: MockExchange, environ: dict[str, Any]) -> Reply:
    """The EWS reply with the body still unread: the service checks the credentials and
    the declared length before it reads, and reads no further than its limit."""
    return service.handle_stream(environ["wsgi.input"], _content_length(environ), environ.get("HTTP_AUTHORIZATION"))


def _ews_fast_path(flask_app: WSGIApp, service: MockExchange) -> WSGIApp:
    """POSTs to the EWS endpoint skip Flask's request machinery (about half of a small
    request's cost in the mock); everything else — other spellings included — goes
    through Flask as before.  The reply is the same either way."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != "/EWS/Exchange.asmx":
            return flask_app(environ, start_response)
        reply = _answer(service, environ)
        if reply.drop:
            start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", "4096")])
            return _dropped(4096)
        headers = list(reply.headers.items())
        if not any(k.lower() == "content-length" for k, _ in headers):
            headers.append(("Content-Length", str(len(reply.body))))
        start_response(f"{reply.status} {_REASONS.get(reply.status, 'Error')}", headers)
        return [reply.body]

    return app
