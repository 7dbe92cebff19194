"""The administration console's Flask app factory: the REST API (/api), the
site-facing API (/api/site) and the server-rendered pages."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from engine.webapi import http_error_response

from .archive_client import ArchiveClient
from .context import ConsoleContext
from .pages import pages_blueprint
from .routes import console_api
from .store import ConsoleStore
from .workflows import Workflows

log = logging.getLogger(__name__)
#: the largest request body (a directory upload of 200,000 groups fits)
MAX_BODY = 64 * 1024 * 1024


def create_console_app(
    store: ConsoleStore,
    archive: ArchiveClient | None = None,
    archive_url: Callable[[], str | None] | str | None = None,
    secret_key: str = "synceng",
    secure_cookies: bool = False,
) -> Flask:
    """``secure_cookies``: the console is served over HTTPS (behind a TLS proxy), so
    its cookies are sent over HTTPS only."""
    app = Flask(__name__, template_folder="templates", static_folder="static")
    app.config["SECRET_KEY"] = secret_key
    # Flask's own cookie settings; the console's cookies follow them too (auth.set_cookie)
    app.config.update(SESSION_COOKIE_SECURE=secure_cookies, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # a larger body is refused with 413 before it is read
    console = ConsoleContext(store, Workflows(store, archive), archive_url)
    bp, api = console_api(console)

    app.register_blueprint(bp)
    app.register_blueprint(pages_blueprint(console))
    app.extensions["console_api"] = api
    app.extensions["console_store"] = store

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Any:
        if request.path.startswith("/api/"):
            return http_error_response(exc)
        if exc.code is not None and exc.code >= 400 and not request.path.startswith("/archive"):
            # a page people see: styled like the console, in words (a removed task's URL…)
            page = render_template(
                "http_error.html", admin=None, status=exc.code, name=exc.name, description=_said(exc)
            )
            return page, exc.code, {k: v for k, v in exc.get_headers() if k.lower() != "content-type"}
        return exc.get_response()

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[Response, int]:
        log.exception("unexpected error")
        return jsonify(error={"field": "server", "message": "internal error"}), 500

    return app


def _said(exc: HTTPException) -> str:
    """What a page's error says: werkzeug's default descriptions address developers."""
    if exc.code == 404:
        return "There is nothing here: it may have been removed (a removed task keeps no page), or the address is wrong"
    return exc.description or ""


def push_site_keys(store: ConsoleStore, archive: ArchiveClient) -> int:
    """Sites registered from the command line (or while the archive was away) reach the
    archive with their tasks: call once the archive answers.  Returns how many sites it
    now knows."""
    flows = Workflows(store, archive)
    return sum(flows.sync_site(site_id) for site_id in store.site_key_hashes())
