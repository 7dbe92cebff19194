"""Flask app factory of the mock directory: Microsoft Graph v1.0 (users, groups,
members, delta), the OAuth2 token endpoint, and the admin plane.  A thin adapter over
:class:`MockDirectory`; every error is Graph-shaped JSON."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

from mockews.adminplane import AdminAccess, keep_headers

from .admin import admin_blueprint
from .service import GraphReply, GraphRequest, MockDirectory


def _reply(reply: GraphReply) -> Response:
    if isinstance(reply.body, str):
        response = Response(reply.body, reply.status, content_type="text/plain; charset=utf-8")
    else:
        response = jsonify(reply.body)
        response.status_code = reply.status
    for name, value in reply.headers.items():
        response.headers[name] = value
    return response


def _max_page_size() -> int | None:
    prefer = request.headers.get("Prefer", "")
    for part in prefer.split(","):
        name, _, value = part.strip().partition("=")
        if name.lower() == "odata.maxpagesize" and value.isdigit():
            return max(1, min(int(value), 999))
    return None


WSGIApp = Callable[..., Iterable[bytes]]

#: the largest request body mockad accepts (token forms and admin-plane JSON)
MAX_BODY = 1024 * 1024


def combine(ews_app: WSGIApp, directory_app: WSGIApp) -> WSGIApp:
    """One port for both mocks: Graph, the token endpoint and mockad's admin plane go
    to the directory app, everything else (EWS, mockews' admin plane) to mockews."""

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> Iterable[bytes]:
        path = str(environ.get("PATH_INFO", ""))
        segments = path.split("/")
        to_directory = path.startswith(("/v1.0/", "/mockad-api")) or (len(segments) > 3 and segments[2] == "oauth2")
        return (directory_app if to_directory else ews_app)(environ, start_response)

    return app


def create_app(service: MockDirectory | None = None, access: AdminAccess | None = None) -> Flask:
    """The mock directory (Graph), and its admin plane under /mockad-api (``access``: its
    token; open without one, for in-process use)."""
    service = service or MockDirectory()
    app = Flask("mockad")
    # Only the token endpoint reads a body before its caller is known (the credentials
    # are in it), and a token request is a few hundred bytes: anything declaring more
    # is refused with 413 before it is read, a chunked one cut off there.
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    app.extensions["mockad"] = service

    def graph(operation: str, run: Callable[[GraphRequest], GraphReply]) -> Response:
        graph_request = GraphRequest(
            args=request.args.to_dict(),
            url=request.base_url,
            consistency_eventual=request.headers.get("ConsistencyLevel", "").lower() == "eventual",
            max_page_size=_max_page_size(),
        )
        return _reply(service.call(operation, request.headers.get("Authorization"), lambda: run(graph_request)))

    @app.post("/<tenant>/oauth2/v2.0/token")
    def token(tenant: str) -> Response:
        return _reply(service.token(tenant, request.form.to_dict()))

    @app.get("/v1.0/users")
    def users() -> Response:
        return graph("users.list", service.list_users)

    @app.get("/v1.0/users/$count")
    def users_count() -> Response:
        return graph("users.count", service.count_users)

    @app.get("/v1.0/users/delta")
    def users_delta() -> Response:
        return graph("users.delta", lambda r: service.delta("users", r))

    @app.get("/v1.0/users/<key>")
    def user(key: str) -> Response:
        return graph("users.get", lambda r: service.get_user(key, r))

    @app.get("/v1.0/groups")
    def groups() -> Response:
        return graph("groups.list", service.list_groups)

    @app.get("/v1.0/groups/$count")
    def groups_count() -> Response:
        return graph("groups.count", service.count_groups)

    @app.get("/v1.0/groups/delta")
    def groups_delta() -> Response:
        return graph("groups.delta", lambda r: service.delta("groups", r))

    @app.get("/v1.0/groups/<key>")
    def group(key: str) -> Response:
        return graph("groups.get", lambda r: service.get_group(key, r))

    @app.get("/v1.0/groups/<key>/members")
    def members(key: str) -> Response:
        return graph("groups.members", lambda r: service.members(key, r, transitive=False))

    @app.get("/v1.0/groups/<key>/transitiveMembers")
    def transitive_members(key: str) -> Response:
        return graph("groups.transitiveMembers", lambda r: service.members(key, r, transitive=True))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        code = {404: "Request_ResourceNotFound", 405: "Request_BadRequest"}.get(exc.code or 500, "BadRequest")
        response = jsonify(error={"code": code, "message": exc.description or exc.name})
        response.status_code = exc.code or 500
        keep_headers(exc, response)
        return response

    app.register_blueprint(admin_blueprint(service, access))
    return app
