"""The Flask app factory: a thin adapter from HTTP to :class:`MockExchange` (style §4).

State lives on the service object passed in, never in module globals, so any number of
apps can run side by side (tests, in-process transports, the CLI).
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from .service import MockExchange

EWS_PATH = "/ews/exchange.asmx"


class InjectedDrop(ConnectionAbortedError):
    """Raised mid-body to drop a connection on purpose (a fault, not a server error)."""


def _dropped(length: int) -> Iterator[bytes]:
    """A body that promises ``length`` bytes and breaks off: servers close the socket,
    clients see a truncated response (a dropped connection)."""
    yield b"<"
    raise InjectedDrop("mockews: injected dropped connection")


def create_app(service: MockExchange | None = None) -> Flask:
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
        reply = service.handle(request.get_data(cache=False), request.headers.get("Authorization"))
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
        return response

    from .admin import admin_blueprint

    app.register_blueprint(admin_blueprint(service))
    return app
