"""The archive platform's Flask app factory: its HTTP API (engine/archive/routes/, one
module per resource) on its own app, with site-key and admin-token auth."""

from __future__ import annotations

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from engine.webapi import http_error_response

from .routes import archive_api
from .store import ArchiveStore

#: the largest request body: 100,000 placements with long keys fit in about 20 MB
MAX_BODY = 64 * 1024 * 1024


def create_archive_app(store: ArchiveStore, admin_token: str) -> Flask:
    app = Flask("archive")
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY  # a larger body is refused with 413 before it is read
    bp, api = archive_api(store, admin_token)
    app.register_blueprint(bp)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        return http_error_response(exc)

    app.extensions["archive_api"] = api
    return app


__all__ = ["MAX_BODY", "create_archive_app"]
